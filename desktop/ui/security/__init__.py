"""Account security: 2FA methods, recovery codes, security keys and password."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from desktop.ui.security.dialog import AccountSecurityDialog

__all__ = ["AccountSecurityDialog"]


# The sign-in window uses some of this package's views; the dialog (and all it imports) loads only when the
# account security dialog is first opened (cold start).
__getattr__ = lazy_exports(__name__, globals(), {"AccountSecurityDialog": "dialog"})
