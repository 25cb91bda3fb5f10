"""Screenshots for the docs: `python scripts/screenshots.py [--out docs/screenshots] [--main-window]`.

Starts a real local Zou (the tests' tooling) with a user for each screen, runs Slate's own windows under
Xvfb (re-running itself through `xvfb-run` when there is no display), and saves PNGs:

    signin.png                 the sign-in window, server checked
    signin-2fa.png             the second step, methods in the server's order
    signin-enrollment.png      forced authenticator setup on a server that enforces 2FA
    security-overview.png      account security: what is on, and a button for each change
    security-totp.png          account security: authenticator setup (QR code and key)
    security-recovery-codes.png  the 16 recovery codes, shown once

With `--main-window`, the main window instead, on the demo server (started and seeded once, as
`scripts/run-app` does) as its coordinator, captured from the X server's framebuffer (what a person sees,
not Qt's offscreen rendering):

    main-window.png            shots pane grouped by sequence, a shot's detail with its preview and tasks
    main-window-dark.png       the same in the dark theme (View > Theme > Dark)
    demo-main-window.png       the assets pane of the demo's TV show

Nothing touches the user's settings or keychain: settings go to a temporary INI file and the keyring
is the in-memory test backend.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.helpers.keyrings.MemoryKeyring"

WAIT_S = 20.0


def under_xvfb() -> None:
    """Re-run this script inside a virtual X server unless a display (or an explicit platform) exists."""
    if os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM") or os.environ.get("SLATE_UNDER_XVFB"):
        return
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        sys.exit("screenshots: no display and no xvfb-run (Debian: apt-get install xvfb)")
    env = dict(os.environ, SLATE_UNDER_XVFB="1")
    cmd = [xvfb, "-a", "-s", "-screen 0 1600x1000x24", sys.executable, *sys.argv]
    sys.exit(subprocess.run(cmd, env=env, check=False).returncode)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--main-window", action="store_true", help="the main window on the demo server")
    args = parser.parse_args()
    under_xvfb()
    if args.main_window:
        return main_window_shots(args.out)

    import httpx
    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop.app import make_application
    from desktop.localzou import LocalZou

    args.out.mkdir(parents=True, exist_ok=True)
    app: QApplication = make_application([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)  # windows open and close in turn; the loop must outlive them
    server = LocalZou(log=True).start()
    try:
        admin = httpx.Client(base_url=server.url, timeout=30)
        token = admin.post("/auth/login", json={"email": server.admin_email,
                                                "password": server.admin_password}).json()["access_token"]
        admin.headers["Authorization"] = f"Bearer {token}"

        def make_user(first: str, last: str) -> tuple[str, str]:
            email = f"{first.lower()}.{last.lower()}.{uuid.uuid4().hex[:4]}@studio.example"
            password = f"pw-{uuid.uuid4().hex[:10]}"
            admin.post("/data/persons", json={"email": email, "first_name": first, "last_name": last,
                                              "role": "user", "password": password}).raise_for_status()
            return email, password

        enforced_url = server.start_extra_app({"ENFORCE_2FA": "true"})
        ini = Path(tempfile.mkdtemp(prefix="slate-shots-")) / "slate.ini"
        shots = Screens(args.out, QSettings(str(ini), QSettings.Format.IniFormat), server, enforced_url, make_user)
        return int(qasync.run(shots.take_all()))
    finally:
        server.stop()
        app.quit()


class Screens:
    def __init__(self, out: Path, qsettings: object, server: object, enforced_url: str,
                 make_user: Callable[[str, str], tuple[str, str]]) -> None:
        from desktop.settings import Settings

        self.out = out
        self.settings = Settings(qsettings)  # type: ignore[arg-type]
        self.server = server
        self.enforced_url = enforced_url
        self.make_user = make_user

    async def until(self, condition: Callable[[], object], what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        while not condition():
            if loop.time() > deadline:
                raise TimeoutError(f"screenshots: timed out waiting for {what}")
            await asyncio.sleep(0.05)

    def save(self, widget: object, name: str) -> None:
        from PySide6.QtWidgets import QWidget

        assert isinstance(widget, QWidget)
        path = self.out / name
        widget.grab().save(str(path))
        print(f"screenshots: wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    async def take_all(self) -> int:
        import pyotp

        from desktop.api import AccountSecurity
        from desktop.ui.connections import Connections
        from desktop.ui.security import AccountSecurityDialog
        from desktop.ui.signin import SignInWindow

        server = self.server
        url: str = server.url  # type: ignore[attr-defined]
        connections = Connections(self.settings)
        try:
            # 1. The sign-in window, server checked, email typed.
            self.settings.remember_server("kitsu.studio.example")
            email, password = self.make_user("Ada", "Lovelace")
            window = SignInWindow(connections, self.settings, server_text=url, email=email)
            window.show()
            await self.until(lambda: window.server.info is not None, "the server probe")
            window.panel.credentials.password.setText(password)
            await asyncio.sleep(0.3)
            self.save(window, "signin.png")

            # 2. The second step, for an account with an authenticator app and email codes.
            setup = connections.session(url)
            await setup.sign_in(email, password)
            security = AccountSecurity(setup)
            secret = (await security.totp_begin()).secret
            await security.totp_confirm(pyotp.TOTP(secret).now())
            mails_before = server.mail.count()  # type: ignore[attr-defined]
            await security.email_otp_begin()
            code = await asyncio.to_thread(server.mail.wait_for_code, email, after=mails_before)  # type: ignore[attr-defined]
            await security.email_otp_confirm(code)
            window.panel.submit()
            await self.until(lambda: window.panel.page is window.panel.two_factor, "the second step")
            await asyncio.sleep(0.3)
            self.save(window, "signin-2fa.png")
            window.close()

            # 3. Forced enrollment on a server that enforces 2FA.
            email2, password2 = self.make_user("Grace", "Hopper")
            enroll_window = SignInWindow(connections, self.settings, server_text=self.enforced_url, email=email2)
            enroll_window.show()
            await self.until(lambda: enroll_window.server.info is not None, "the enforced server probe")
            enroll_window.panel.credentials.password.setText(password2)
            enroll_window.panel.submit()
            await self.until(lambda: bool(enroll_window.panel.enroll.secret.text()), "the enrollment QR code")
            await asyncio.sleep(0.3)
            self.save(enroll_window, "signin-enrollment.png")
            enroll_window.close()

            # 4-6. Account security: authenticator setup, then the recovery codes.
            email3, password3 = self.make_user("Alan", "Turing")
            session = connections.session(url)
            await session.sign_in(email3, password3)
            dialog = AccountSecurityDialog(session)
            dialog.open()
            await self.until(lambda: not dialog.runner.busy, "the account security dialog")
            await asyncio.sleep(0.3)
            self.save(dialog, "security-overview.png")
            dialog.start_totp()
            await self.until(lambda: bool(dialog.totp.secret.text()), "the authenticator setup")
            await asyncio.sleep(0.3)
            self.save(dialog, "security-totp.png")
            dialog.totp.code.setText(pyotp.TOTP(dialog.totp.secret.text().replace(" ", "")).now())
            await self.until(lambda: dialog.pages.currentWidget() is dialog.codes, "the recovery codes")
            await asyncio.sleep(0.3)
            self.save(dialog, "security-recovery-codes.png")
            dialog.close()
        finally:
            await connections.aclose()
        return 0


def main_window_shots(out: Path) -> int:
    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop.app import make_application
    from desktop.demo.runner import start_demo

    out.mkdir(parents=True, exist_ok=True)
    app: QApplication = make_application([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)
    demo = start_demo()
    try:
        ini = Path(tempfile.mkdtemp(prefix="slate-shots-")) / "slate.ini"
        # Through the demo's front door (API under /api, events at /socket.io), as the app itself signs in.
        shots = MainWindowScreens(out, QSettings(str(ini), QSettings.Format.IniFormat),
                                  f"{demo.site_url}/api" if demo.site_url else demo.url,
                                  demo.info.account("coordinator"))
        return int(qasync.run(shots.take_all()))
    finally:
        demo.stop()
        app.quit()


def first_with_preview(pane: object) -> str:
    """The first entity shown (in view order) that has a preview, else the first one."""
    model, source = pane.model, pane.source  # type: ignore[attr-defined]
    ids = []
    for r in range(model.rowCount()):
        s = model.source_row(r)
        if s is not None:
            ids.append(source.entity_id(s))
            if source.row_values(s).get("preview_file_id"):
                return str(ids[-1])
    return str(ids[0])


class MainWindowScreens:
    def __init__(self, out: Path, qsettings: object, url: str, account: object) -> None:
        from desktop.settings import Settings

        self.out = out
        self.settings = Settings(qsettings)  # type: ignore[arg-type]
        self.url = url
        self.account = account

    until = Screens.until

    def save_screen(self, widget: object, name: str) -> None:
        """Grab the window's area of the X screen, as a person sees it."""
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtWidgets import QWidget

        assert isinstance(widget, QWidget)
        screen = QGuiApplication.primaryScreen()
        frame = widget.frameGeometry()
        path = self.out / name
        screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height()).save(str(path))
        print(f"screenshots: wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    async def take_all(self) -> int:
        from PySide6.QtWidgets import QApplication

        from desktop.api import ZouClient, probe_server
        from desktop.ui.connections import Connections
        from desktop.ui.main_window import TAB_ASSETS, MainWindow
        from desktop.ui.theme import ThemeManager

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        theme = ThemeManager.of(app, self.settings)  # as the app starts: the system's scheme (light under Xvfb)
        connections = Connections(self.settings)
        try:
            server = await probe_server(self.url, client=connections.client)
            session = connections.session(server.api_url)
            outcome = await session.sign_in(self.account.email, self.account.password)  # type: ignore[attr-defined]
            window = MainWindow(session, ZouClient(session), self.settings, outcome.user, server)  # type: ignore[attr-defined]
            window.start_live_updates()
            loaded: list[str] = []
            window.loaded.connect(loaded.append)
            window.resize(1560, 940)
            window.move(20, 30)
            window.show()
            await self.until(lambda: {"shot", "asset", "my_tasks"} <= set(loaded), "the first project")
            projects = window.projects_pane
            short = next((p for p in projects.projects() if p.production_type != "tvshow"), None)
            if short is not None and window.project is not None and window.project.id != short.id:
                loaded.clear()
                window.open_project(short.id)
                await self.until(lambda: {"shot", "asset"} <= set(loaded), "the short film")
            pane = window.shots_pane
            pane.select_entity(first_with_preview(pane))
            window.open_entity("shot", pane.current_entity_id() or "")
            await self.until(lambda: window.detail.entity_id and not window.browse.runner.busy, "the shot's detail")
            await asyncio.sleep(1.5)  # thumbnails of the visible rows and the preview arrive
            self.save_screen(window, "main-window.png")
            theme.choose("dark")
            await asyncio.sleep(0.8)  # repainted in the dark palette
            self.save_screen(window, "main-window-dark.png")
            theme.choose("system")
            await asyncio.sleep(0.3)

            tv = next((p for p in projects.projects() if p.production_type == "tvshow"), None)
            if tv is not None:
                loaded.clear()
                window.open_project(tv.id)
                await self.until(lambda: {"shot", "asset"} <= set(loaded), "the TV show")
            window.show_tab(TAB_ASSETS)
            assets = window.assets_pane
            assets.select_entity(first_with_preview(assets))
            window.open_entity("asset", assets.current_entity_id() or "")
            await self.until(lambda: window.detail.entity_id and not window.browse.runner.busy, "the asset's detail")
            await asyncio.sleep(1.5)
            self.save_screen(window, "demo-main-window.png")
            window.close()
            await window.shutdown()
            await session.aclose()
        finally:
            await connections.aclose()
        return 0


if __name__ == "__main__":
    sys.exit(main())
