"""Account security: 2FA methods, recovery codes, security keys and password."""

from desktop.ui.security.dialog import AccountSecurityDialog

__all__ = ["AccountSecurityDialog"]
