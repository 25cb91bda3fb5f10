"""The app's log: a rotating file in the platform's log folder, with secrets scrubbed on the way out.

Code never logs a password or token on purpose; the filter is the second line of defence for what
might slip through a third-party message or an exception text (a JWT, an Authorization header).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

import platformdirs

from desktop import APP_NAME, ORG_NAME

LOG_FILE = "slate.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_KEYS = ("password|password_2|password2|old_password|new_password|totp|email_otp|recovery_code|otp_secret|"
         "totp_secret|secret|token|access_token|refresh_token|reset_token")
_Q = "[\"']?"  # a key in JSON ("key": ...), a Python repr ('key': ...), a form or query (key=...)
_SECRETS = [
    (re.compile(r"eyJ[\w-]{6,}\.[\w-]{6,}\.[\w-]+"), "<jwt>"),  # any JWT (access, refresh, forged)
    (re.compile(r"(?i)(bearer\s+)\S+"), r"\1<redacted>"),
    # A TOTP provisioning URI carries the secret (and the account): drop all of it.
    (re.compile(r"(?i)otpauth://[^\s\"'<>]*"), "otpauth://<redacted>"),
    (re.compile(r"(?i)([?&]secret=)[^&\s\"'<>]+"), r"\1<redacted>"),
    # Recovery codes: a list under its key, and any bare list of Zou-style codes (10 capitals/digits).
    (re.compile(rf"(?i)({_Q}(?:otp_recovery_codes|recovery_codes){_Q}\s*[:=]\s*)\[[^\]]*\]"), r"\1<redacted>"),
    (re.compile(r"\[\s*(?:[\"'][A-Z0-9]{10}[\"']\s*,\s*)+[\"'][A-Z0-9]{10}[\"']\s*\]"), "[<recovery codes>]"),
    (re.compile(rf"(?i)({_Q}(?:{_KEYS}){_Q}\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|b'[^']*'|[^\s,}}&)\]]+)"),
     r"\1<redacted>"),
]


def scrub(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class SecretScrubber(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


class ScrubbingFormatter(logging.Formatter):
    """Also scrubs tracebacks, which are formatted after filters run."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, ORG_NAME))


def setup_logging(directory: Path | None = None, level: int = logging.INFO) -> logging.Handler:
    """Send the app's logs to `<log dir>/slate.log` (rotated); returns the handler (tests remove it)."""
    folder = directory or log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                   encoding="utf-8")
    handler.setFormatter(ScrubbingFormatter(FORMAT))
    handler.addFilter(SecretScrubber())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO; that is noise here (and URLs can carry an email address).
    for noisy in ("httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
