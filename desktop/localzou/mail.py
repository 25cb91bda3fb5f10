"""Read the mails Zou sent through the local SMTP sink (a Maildir written by aiosmtpd)."""

from __future__ import annotations

import email
import mailbox
import re
import time
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

# The text part of Zou's OTP mail also carries the HTML's CSS (colours like #123456): a code is six
# digits standing alone, never preceded by '#'.
_CODE_RE = re.compile(r"(?<![#\w])(\d{6})(?![\w])")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


def _text_of(msg: Message) -> str:
    parts = msg.walk() if msg.is_multipart() else iter([msg])
    for part in parts:
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", "replace")
    return ""


class MailSink:
    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir

    def messages(self) -> list[Mail]:
        if not (self.maildir / "new").exists():
            return []
        box = mailbox.Maildir(str(self.maildir), factory=None, create=False)
        out: list[Mail] = []
        keyed = sorted(box.iterkeys(), key=lambda k: (self.maildir / "new" / k).stat().st_mtime_ns
                       if (self.maildir / "new" / k).exists() else 0)
        for key in keyed:
            raw = box.get_bytes(key)
            msg = email.message_from_bytes(raw)
            out.append(Mail(to=str(msg.get("To", "")), subject=str(msg.get("Subject", "")), text=_text_of(msg)))
        return out

    def wait_for_code(self, recipient: str, *, after: int = 0, timeout: float = 15.0) -> str:
        """The 6-digit code of the newest mail to `recipient` among those after index `after`."""
        deadline = time.monotonic() + timeout
        while True:
            mails = [m for m in self.messages()[after:] if recipient.lower() in m.to.lower()]
            for mail in reversed(mails):
                match = _CODE_RE.search(mail.text)
                if match:
                    return match.group(1)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no mail with a code reached {recipient} within {timeout:.0f} s")
            time.sleep(0.1)

    def count(self) -> int:
        return len(self.messages())
