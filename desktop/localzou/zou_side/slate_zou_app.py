"""WSGI entry served by gunicorn inside Zou's venv (never imported by the app).

Zou hashes passwords at bcrypt cost 12 whatever BCRYPT_LOG_ROUNDS says, because it calls the
module-level `flask_bcrypt.generate_password_hash`. For the test server only (SLATE_BCRYPT_ROUNDS set),
wrap that function with a lower cost: logins drop from ~250 ms to a few ms and enabling TOTP (16 hashed
recovery codes) from ~4 s to ~0.1 s. Verification is unchanged: bcrypt reads the cost from the hash.
"""

import os

import flask_bcrypt

_rounds = os.environ.get("SLATE_BCRYPT_ROUNDS")
if _rounds:
    _original = flask_bcrypt.generate_password_hash

    def _fast_hash(password, rounds=None):
        return _original(password, int(_rounds))

    flask_bcrypt.generate_password_hash = _fast_hash

from zou.app import app  # noqa: E402

__all__ = ["app"]
