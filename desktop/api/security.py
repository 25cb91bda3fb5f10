"""Account security: TOTP and email-code enrollment, recovery codes, FIDO devices, passwords.

Enrolling a first method makes Zou issue fresh unrestricted tokens (when 2FA was enforced, the old
ones only opened enrollment routes): every enrollment swaps them into the session.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.api import errors as E
from desktop.api.tokens import Tokens

if TYPE_CHECKING:
    from desktop.api.session import ZouSession  # the caller's: this module never loads httpx itself


@dataclass(frozen=True)
class TotpEnrollment:
    secret: str
    provisioning_uri: str


@dataclass(frozen=True)
class TwoFactorProof:
    """Proof of one enabled method, required to disable a method or regenerate recovery codes."""

    totp: str | None = None
    email_otp: str | None = None
    recovery_code: str | None = None
    fido_authentication_response: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}


class WrongProof(E.ValidationError):
    """The code given to enable, disable or regenerate was refused."""


class AccountSecurity:
    def __init__(self, session: ZouSession) -> None:
        self.session = session

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            return await self.session.call(method, path, json=body)
        except E.ValidationError as exc:
            if isinstance(exc.body, dict) and exc.body.get("wrong_OTP"):
                raise WrongProof(exc.message or "The code was refused.", status=exc.status, body=exc.body) from exc
            raise

    def _swap_tokens(self, data: Any) -> list[str] | None:
        if isinstance(data, dict) and data.get("access_token"):
            current = self.session.tokens
            refresh = data.get("refresh_token") or (current.refresh if current else None)
            self.session.set_tokens(Tokens(access=str(data["access_token"]), refresh=refresh))
        codes = data.get("otp_recovery_codes") if isinstance(data, dict) else None
        return [str(c) for c in codes] if isinstance(codes, list) else None

    # TOTP -------------------------------------------------------------
    async def totp_begin(self) -> TotpEnrollment:
        data = await self._call("PUT", "/auth/totp")
        # Zou spells it "provisionning".
        uri = data.get("totp_provisionning_uri") or data.get("totp_provisioning_uri") or ""
        return TotpEnrollment(secret=str(data["otp_secret"]), provisioning_uri=str(uri))

    async def totp_confirm(self, code: str) -> list[str] | None:
        """Enable TOTP; returns the 16 recovery codes when this is the first method (else None)."""
        return self._swap_tokens(await self._call("POST", "/auth/totp", {"totp": code.strip()}))

    async def totp_disable(self, proof: TwoFactorProof) -> None:
        await self._call("DELETE", "/auth/totp", proof.body())

    # Email codes ------------------------------------------------------
    async def email_otp_begin(self) -> None:
        """Zou mails a code to the account's address."""
        await self._call("PUT", "/auth/email-otp")

    async def email_otp_confirm(self, code: str) -> list[str] | None:
        return self._swap_tokens(await self._call("POST", "/auth/email-otp", {"email_otp": code.strip()}))

    async def email_otp_disable(self, proof: TwoFactorProof) -> None:
        await self._call("DELETE", "/auth/email-otp", proof.body())

    # Recovery codes ---------------------------------------------------
    async def regenerate_recovery_codes(self, proof: TwoFactorProof) -> list[str]:
        data = await self._call("PUT", "/auth/recovery-codes", proof.body())
        codes = self._swap_tokens(data)
        if not codes:
            raise E.ProtocolError("The server did not return recovery codes.")
        return codes

    # FIDO ---------------------------------------------------------------
    async def fido_devices(self) -> list[str]:
        user = await self.session.authenticated()
        return list(user.fido_devices)

    async def fido_registration_options(self) -> dict[str, Any]:
        data = await self._call("PUT", "/auth/fido")
        return dict(data) if isinstance(data, dict) else {}

    async def fido_register(self, registration_response: dict[str, Any], device_name: str) -> list[str] | None:
        return self._swap_tokens(await self._call(
            "POST", "/auth/fido", {"registration_response": registration_response, "device_name": device_name}))

    async def fido_unregister(self, device_name: str, proof: TwoFactorProof) -> None:
        await self._call("DELETE", "/auth/fido", {"device_name": device_name, **proof.body()})

    # Passwords --------------------------------------------------------
    async def change_password(self, old_password: str, new_password: str) -> None:
        await self._call("POST", "/auth/change-password",
                         {"old_password": old_password, "password": new_password, "password_2": new_password})

    async def set_password_with_reset_token(self, email: str, token: str, new_password: str) -> None:
        """The default-password flow: Zou gave a reset token at sign-in."""
        self.session.check_plaintext("your new password")
        await self.session.call("PUT", "/auth/reset-password", auth=False, json={
            "email": email, "token": token, "password": new_password, "password2": new_password})


RECOVERY_FILE_HEADER = "Kitsu recovery codes (Slate). Each code works once.\n\n"


def save_recovery_codes(path: Path, codes: list[str]) -> None:
    """Write the codes to `path`, readable by the user only (they replace a second factor).

    The file is written next to `path` under a temporary name created with mode 0600, then renamed over
    it: an existing file at `path` is replaced, never rewritten in place, so its old mode (say 0644) does
    not carry over; and a symbolic link at `path` is replaced by the file itself, never followed (a link
    planted there cannot make Slate write the codes somewhere else or truncate another file).
    Raises OSError."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)  # mkstemp already uses 0600; say it, whatever the platform
            f.write(RECOVERY_FILE_HEADER + "\n".join(codes) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
