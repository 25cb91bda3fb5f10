"""Test set-up shared by every suite: offscreen Qt, an isolated keyring, and one real Zou per session."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

# Before any Qt import: tests never need a screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests must never touch the user's keychain, settings, cache or logs: point everything at a throwaway
# home for the run. Zou's venv is the exception: it is resolved first so the ~50 s install is reused.
os.environ["PYTHON_KEYRING_BACKEND"] = "tests.helpers.keyrings.MemoryKeyring"
from desktop.localzou.install import zou_venv_dir  # needs no Qt; must run before the redirection below

os.environ.setdefault("SLATE_ZOU_VENV", str(zou_venv_dir()))
_TEST_HOME = tempfile.mkdtemp(prefix="slate-test-home-")
for _var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = os.path.join(_TEST_HOME, _var.lower())

import pytest  # noqa: E402 - after the environment set-up above

from desktop.localzou import LocalZou  # noqa: E402
from tests.helpers.zou import ZouAdmin  # noqa: E402

if TYPE_CHECKING:
    from tests.faults.proxy import FaultProxy


@pytest.fixture(scope="session")
def zou_server() -> Iterator[LocalZou]:
    """A real Zou 1.0.97 (PostgreSQL + Redis + gunicorn + SMTP sink) on loopback for the whole run."""
    server = LocalZou(log=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def zou_admin(zou_server: LocalZou) -> Iterator[ZouAdmin]:
    admin = ZouAdmin(zou_server)
    try:
        yield admin
    finally:
        admin.close()


@pytest.fixture(scope="session")
def zou_enforced_2fa_url(zou_server: LocalZou) -> str:
    """Same database served with ENFORCE_2FA=true (a second gunicorn, 1 worker)."""
    return zou_server.start_extra_app({"ENFORCE_2FA": "true"})


@pytest.fixture
def tmp_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings, cache, logs and data of the app go to a per-test folder."""
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    return tmp_path


def lan_address() -> str:
    """This machine's non-loopback address (skips the test when it has none)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        address: str = s.getsockname()[0]
    if address.startswith("127."):
        pytest.skip("no non-loopback address on this machine")
    return address


@pytest.fixture
def lan_proxy(zou_server: LocalZou) -> Iterator[FaultProxy]:
    """The real Zou reached over plain http at this machine's network address, not loopback."""
    from tests.faults.proxy import FaultProxy

    with FaultProxy(zou_server.url, host=lan_address()) as proxy:
        yield proxy
