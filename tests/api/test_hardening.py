"""Issue 20 (hardening), against the real Zou: a keyring that does not persist, the log scrubber on real
secrets, recovery codes saved safely, and plain http:// to another computer."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from desktop.api import AccountSecurity, SignedIn, TokenStore, ZouSession
from desktop.api import errors as E
from desktop.api.security import save_recovery_codes
from desktop.api.tokens import KeyringStatus, keyring_status
from desktop.applog import setup_logging
from desktop.cli import EXIT_AUTH, EXIT_OK, CliEnv, main
from desktop.localzou import LocalZou
from tests.api.conftest import SessionFactory
from tests.faults.proxy import FaultProxy
from tests.helpers.zou import ZouAdmin

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- a keyring that does not persist
def clean_env(tmp_path: Path) -> dict[str, str]:
    """A desktop session with no keyring at all: no D-Bus session bus (so no Secret Service or KWallet),
    no keyring configuration, no backend forced by the environment."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "PYTHONPATH": str(REPO),
            "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8",
            **{v: str(home / v.lower()) for v in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                                                  "XDG_STATE_HOME", "XDG_RUNTIME_DIR")}}


def run_clean(tmp_path: Path, code: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path,
                          env={**clean_env(tmp_path), **extra}, text=True, capture_output=True, timeout=90)


def test_without_a_system_keyring_keyring_falls_back_to_its_fail_backend(tmp_path: Path,
                                                                         zou_server: LocalZou,
                                                                         zou_admin: ZouAdmin) -> None:
    """The whole app imported, then keyring left to choose by itself: it must be keyring's fail backend
    (a backend defined in the app's package used to win, so "Keep me signed in" silently lasted until exit)."""
    user = zou_admin.create_user()
    proc = run_clean(tmp_path, f"""
        import asyncio, json
        import desktop.app, desktop.cli, desktop.api  # everything the app and the CLI import
        import keyring, keyring.errors
        from desktop.api import SignedIn, TokenStore, ZouSession
        from desktop.api.tokens import keyring_status

        async def sign_in():
            session = ZouSession({zou_server.url!r})
            outcome = await session.sign_in({user.email!r}, {user.password!r})
            await session.aclose()
            return outcome

        outcome = asyncio.run(sign_in())
        assert isinstance(outcome, SignedIn), outcome
        try:
            TokenStore().save({zou_server.url!r}, {user.email!r}, outcome.tokens)
            saved = "saved"
        except keyring.errors.KeyringError as exc:
            saved = type(exc).__name__
        status = keyring_status()
        chosen = type(keyring.get_keyring())
        print(json.dumps({{"backend": chosen.__module__ + "." + chosen.__name__, "saved": saved,
                          "persistent": status.persistent, "reason": status.reason}}))
    """)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["backend"] == "keyring.backends.fail.Keyring"
    assert result["saved"] == "NoKeyringError"  # said, not silently kept in memory
    assert result["persistent"] is False and "cannot keep you signed in" in result["reason"]


def test_the_sign_in_window_greys_out_keep_me_signed_in_without_a_keyring(tmp_path: Path,
                                                                          zou_server: LocalZou) -> None:
    proc = run_clean(tmp_path, f"""
        import json
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication, QCheckBox, QLabel
        from desktop.settings import Settings
        from desktop.ui.connections import Connections
        from desktop.ui.signin import SignInWindow

        app = QApplication([])
        settings = Settings(QSettings("slate.ini", QSettings.Format.IniFormat))
        window = SignInWindow(Connections(settings), settings, server_text={zou_server.url!r})
        window.show()
        keep = window.findChild(QCheckBox, "keepSignedInCheck")
        note = window.findChild(QLabel, "keepSignedInNote")
        # The keyring is asked once the window is painted (cold start): a few turns of the event loop.
        import time
        deadline = time.monotonic() + 10
        while keep.isEnabled() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        print(json.dumps({{"enabled": keep.isEnabled(), "checked": keep.isChecked(), "tip": keep.toolTip(),
                          "note": note.text(), "note_visible": note.isVisible()}}))
    """)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["enabled"] is False and seen["checked"] is False
    assert "No system keyring" in seen["tip"] and seen["note_visible"] and "sign in at each start" in seen["note"]


def test_the_cli_without_a_keyring_says_why_it_cannot_resume(tmp_path: Path, zou_server: LocalZou,
                                                             zou_admin: ZouAdmin) -> None:
    user = zou_admin.create_user()
    proc = subprocess.run([sys.executable, "-m", "desktop.cli", "export", "projects", "-o", str(tmp_path / "p.csv"),
                           "--server", zou_server.url, "--email", user.email], cwd=REPO, env=clean_env(tmp_path),
                          text=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=90)
    assert proc.returncode == EXIT_AUTH, proc.stderr
    assert "no stored session" in proc.stderr and "No system keyring is available" in proc.stderr


def test_keyring_status_of_the_test_keyring_and_of_a_memory_only_backend() -> None:
    assert keyring_status().persistent  # tests/helpers/keyrings.MemoryKeyring stands for a real keychain
    import keyring.backends.fail
    import keyring.backends.null

    assert keyring_status(keyring.backends.fail.Keyring()) == KeyringStatus(
        False, "keyring.backends.fail.Keyring", keyring_status(keyring.backends.fail.Keyring()).reason)
    assert not keyring_status(keyring.backends.null.Keyring()).persistent
    assert "desktop" not in " ".join(type(b).__module__ for b in keyring.backend.get_all_keyring())


# ---------------------------------------------------------------- the log scrubber, on real secrets
@pytest.fixture
def app_log(tmp_path: Path) -> Iterator[Path]:
    handler = setup_logging(tmp_path, level=logging.INFO)
    try:
        yield tmp_path / "slate.log"
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


async def test_scrubber_removes_real_totp_secrets_and_recovery_codes(make_session: SessionFactory,
                                                                     zou_admin: ZouAdmin, app_log: Path) -> None:
    user = zou_admin.create_user()
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    begin = await session.put("/auth/totp")  # Zou's own answer: otp_secret and the otpauth:// URI
    secret = begin["otp_secret"]
    confirm = await session.post("/auth/totp", {"totp": pyotp.TOTP(secret).now()})
    codes = confirm["otp_recovery_codes"]
    assert len(codes) == 16 and secret
    log = logging.getLogger("tests.scrubber")
    log.warning("enrollment answer: %s", begin)  # a Python repr dict
    log.warning("enrollment answer: %s", json.dumps(begin))
    log.warning("provisioning uri %s", begin["totp_provisionning_uri"])
    log.warning("confirm answer: %r", confirm)
    log.warning("the codes: %s", codes)  # a bare list
    log.warning("body=%s", json.dumps({"password": user.password, "email": user.email}))
    log.warning("form: %s", {"old_password": user.password, "password": "n3w-p4ss"})
    check_log(app_log, secret, codes, [user.password, "n3w-p4ss", session.tokens.access if session.tokens else "-"],
              user.email)


def check_log(app_log: Path, secret: str, codes: list[str], others: list[str], email: str) -> None:
    text = app_log.read_text()
    assert text.count("enrollment answer") == 2 and email in text  # the lines are there, not dropped
    assert secret not in text
    for code in codes:
        assert code not in text
    for other in others:
        assert other not in text


# ---------------------------------------------------------------- recovery codes saved over a file
async def test_recovery_codes_replace_an_existing_file_and_never_follow_a_symlink(
        make_session: SessionFactory, zou_admin: ZouAdmin, tmp_path: Path) -> None:
    user = zou_admin.create_user()
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    security = AccountSecurity(session)
    enrollment = await security.totp_begin()
    codes = await security.totp_confirm(pyotp.TOTP(enrollment.secret).now())
    assert codes is not None
    check_saves(tmp_path, codes)


def check_saves(tmp_path: Path, codes: list[str]) -> None:
    existing = tmp_path / "codes.txt"
    existing.write_text("old notes\n")
    existing.chmod(0o644)
    save_recovery_codes(existing, codes)
    assert existing.stat().st_mode & 0o777 == 0o600
    assert existing.read_text().splitlines()[2:] == codes

    victim = tmp_path / "victim.txt"
    victim.write_text("must stay\n")
    victim.chmod(0o644)
    link = tmp_path / "planted.txt"
    link.symlink_to(victim)
    save_recovery_codes(link, codes)
    assert victim.read_text() == "must stay\n" and victim.stat().st_mode & 0o777 == 0o644
    assert not link.is_symlink() and link.stat().st_mode & 0o777 == 0o600 and codes[0] in link.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codes.txt", "planted.txt", "victim.txt"]


# ---------------------------------------------------------------- plain http:// to another computer


async def test_password_is_not_sent_in_clear_without_consent(make_session: SessionFactory, zou_admin: ZouAdmin,
                                                             lan_proxy: FaultProxy) -> None:
    user = zou_admin.create_user()
    session = make_session(lan_proxy.url)
    assert session.sends_in_clear
    with pytest.raises(E.PlaintextNotAllowed) as info:
        await session.sign_in(user.email, user.password)
    assert "unencrypted" in str(info.value) and lan_proxy.url in str(info.value)
    with pytest.raises(E.PlaintextNotAllowed):
        await session.request_email_code(user.email)
    assert lan_proxy.count("/auth/login") == 0 and lan_proxy.count("/auth/email-otp") == 0  # nothing left
    session.allow_plaintext = True  # the user agreed
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    assert not make_session().sends_in_clear  # loopback http is not the network


def test_cli_refuses_plain_http_to_another_computer_unless_allowed(zou_admin: ZouAdmin,
                                                                   lan_proxy: FaultProxy, tmp_path: Path) -> None:
    user = zou_admin.create_user()

    def run(*extra: str) -> tuple[int, str]:
        env = CliEnv(token_store=TokenStore(service="Slate CLI plain http test"),
                     environ={"SLATE_PASSWORD": user.password}, stdin_is_tty=False, stdout=io.StringIO(),
                     stderr=io.StringIO())
        code = main(["export", "projects", "-o", str(tmp_path / "p.csv"), "--server", lan_proxy.url,
                     "--email", user.email, *extra], env=env)
        assert isinstance(env.stderr, io.StringIO)
        return code, env.stderr.getvalue()

    code, err = run()
    assert code == EXIT_AUTH and "unencrypted" in err and "--allow-http" in err
    assert lan_proxy.count("/auth/login") == 0
    code, err = run("--allow-http")
    assert lan_proxy.count("/auth/login") == 1  # signed in, with a warning
    assert "warning" in err and code != EXIT_AUTH  # an artist may not export projects: 5, not 3
    assert code in (EXIT_OK, 5)


def test_session_defaults() -> None:
    session = ZouSession("http://192.0.2.10:5000")
    assert session.sends_in_clear and not session.allow_plaintext
    assert not ZouSession("https://kitsu.example.com/api").sends_in_clear
    assert not ZouSession("http://[::1]:5000").sends_in_clear and not ZouSession("http://localhost").sends_in_clear
