"""The sign-in window, its second step (2FA), and the sheet shown over the main window when a session ends."""

from desktop.ui.signin.panel import SignInPanel, SignInResult
from desktop.ui.signin.sheet import SessionExpiredSheet
from desktop.ui.signin.window import SignInWindow

__all__ = ["SessionExpiredSheet", "SignInPanel", "SignInResult", "SignInWindow"]
