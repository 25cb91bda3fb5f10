"""Initialise a fresh Zou database in one process (schema, base data, admin): ~6 s instead of ~12 s
for three CLI calls, since Zou's import alone costs ~3 s. Run with Zou's venv and the server's env.
Usage: init_db.py ADMIN_EMAIL ADMIN_PASSWORD
"""

import os
import sys

import flask_bcrypt

_rounds = os.environ.get("SLATE_BCRYPT_ROUNDS")
if _rounds:
    _original = flask_bcrypt.generate_password_hash
    flask_bcrypt.generate_password_hash = lambda password, rounds=None: _original(password, int(_rounds))

from zou.cli import cli  # noqa: E402


def run(args):
    cli.main(args, standalone_mode=False)


email, password = sys.argv[1], sys.argv[2]
run(["init-db"])
run(["init-data"])
run(["create-admin", email, "--password", password])
