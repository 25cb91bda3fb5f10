"""Account security: 2FA methods, recovery codes, security keys and password."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.ui.security.dialog import AccountSecurityDialog

__all__ = ["AccountSecurityDialog"]


def __getattr__(name: str) -> Any:
    # The sign-in window uses some of this package's views; the dialog (and all it imports) loads only
    # when the account security dialog is first opened (cold start).
    if name == "AccountSecurityDialog":
        from desktop.ui.security.dialog import AccountSecurityDialog

        return AccountSecurityDialog
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
