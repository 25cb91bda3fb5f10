"""The demo the README's run command starts: a real local Zou seeded once, reused, and usable from the GUI."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from pytestqt.qtbot import QtBot

from desktop.api import ZouClient
from desktop.demo.runner import DemoServer, start_demo
from desktop.settings import Settings
from desktop.ui.connections import Connections
from desktop.ui.main_window import MainWindow
from tests.ui.auth_helpers import (  # noqa: F401 - fixtures
    WAIT_MS,
    fixture_app_settings,
    fixture_connections,
    open_sign_in,
    record_sign_ins,
    submit_password,
    type_into,
)

# The first test's time includes the module fixture that seeds the demo (60-150 s here, more on a
# loaded machine): the suite's 120 s per-test limit would cut a healthy but slow seeding.
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def demo_holder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, DemoServer]]:
    root = tmp_path_factory.mktemp("demo-server")
    old = os.environ.get("SLATE_DEMO_ROOT")
    os.environ["SLATE_DEMO_ROOT"] = str(root)
    holder = {"demo": start_demo(progress=lambda _m: None)}
    try:
        yield holder
    finally:
        server = holder["demo"].server
        pg_base = server._pg_base() if server is not None else None
        holder["demo"].stop()
        if pg_base is not None:
            shutil.rmtree(pg_base, ignore_errors=True)  # the demo cluster is persistent by design
        if old is None:
            os.environ.pop("SLATE_DEMO_ROOT", None)
        else:
            os.environ["SLATE_DEMO_ROOT"] = old


@contextlib.contextmanager
def _admin_http(demo: DemoServer) -> Iterator[httpx.Client]:
    assert demo.server is not None
    with httpx.Client(base_url=demo.url, timeout=60) as http:
        token = http.post("/auth/login", json={"email": demo.server.admin_email,
                                                "password": demo.server.admin_password}).json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        yield http


def _counts(demo: DemoServer) -> dict[str, Any]:
    with _admin_http(demo) as http:
        out: dict[str, Any] = {"people": sorted(p["email"] for p in http.get("/data/persons").json())}
        for project in http.get("/data/projects").json():
            pid = project["id"]
            out[project["name"]] = (
                len(http.get("/data/shots/with-tasks", params={"project_id": pid}).json()),
                len(http.get("/data/assets/with-tasks", params={"project_id": pid}).json()),
                len(http.get(f"/data/projects/{pid}/playlists").json()),
            )
            tree = project.get("file_tree") or {}
            out.setdefault("trees", []).append(sorted(tree))
        return out


def _a_working_path(demo: DemoServer) -> str:
    """Zou's working-file path for the first task of the first shot: what Where do I save? shows."""
    with _admin_http(demo) as http:
        project = http.get("/data/projects").json()[0]
        shot = http.get("/data/shots/with-tasks", params={"project_id": project["id"]}).json()[0]
        r = http.post(f"/data/tasks/{shot['tasks'][0]['id']}/working-file-path", json={"name": "main"})
        assert r.status_code == 200, r.text[:300]
        return str(r.json()["path"])


def test_demo_is_seeded_once_and_reused(demo_holder: dict[str, DemoServer]) -> None:
    first = demo_holder["demo"]
    before = _counts(first)
    assert before["Lighthouse (short)"] == (108, 24, 1) and before["Moon Station (TV)"] == (60, 28, 1)
    assert before["trees"] == [["output", "working"]] * 2  # Where do I save? answers in the demo
    assert _a_working_path(first).startswith(str(Path.home() / "Slate demo studio" / "productions"))
    assert first.info.account("supervisor").totp_secret
    # A second start reuses the same cluster and does not seed again: same accounts, no duplicates.
    first.stop()
    second = start_demo(progress=lambda _m: None)
    demo_holder["demo"] = second
    assert second.info == first.info
    assert _counts(second) == before


def test_totp_demo_account_signs_in_and_sees_the_sample_shots(
        qtbot: QtBot, connections: Connections, app_settings: Settings,
        demo_holder: dict[str, DemoServer]) -> None:
    demo = demo_holder["demo"]
    supervisor = demo.info.account("supervisor")
    assert supervisor.totp_secret is not None
    window = open_sign_in(qtbot, connections, app_settings, demo.url)
    results = record_sign_ins(window)
    submit_password(qtbot, window, supervisor.email, supervisor.password)
    type_into(qtbot, window, "totpField", pyotp.TOTP(supervisor.totp_secret).now())
    qtbot.waitUntil(lambda: bool(results), timeout=WAIT_MS)
    result = results[0]
    main = MainWindow(result.session, ZouClient(result.session), app_settings, result.user, result.server)
    qtbot.addWidget(main)
    loaded: list[str] = []
    main.loaded.connect(loaded.append)
    main.show()
    qtbot.waitUntil(functools.partial(lambda: "shot" in loaded), timeout=WAIT_MS * 2)
    assert main.project is not None and main.project.name in demo.info.projects
    assert main.shots_pane.source.rowCount() in (108, 60)
    Path(app_settings.q.fileName()).unlink(missing_ok=True)


def test_run_command_opens_the_main_window_signed_in_as_the_coordinator(
        demo_holder: dict[str, DemoServer], tmp_path: Path) -> None:
    """`slate --demo` (what scripts/run-app does with no server configured) adopts the running demo server,
    prints the accounts and opens the main window as the coordinator; --smoke-test then exits."""
    import subprocess
    import sys

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_STATE_HOME=str(tmp_path / "state"))
    proc = subprocess.run([sys.executable, "-m", "desktop", "--demo", "--smoke-test"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert "already running" in proc.stdout and "coordinator@demo.slate" in proc.stdout
    assert "TOTP secret:" in proc.stdout
    assert "smoke-test: mainWindow shown" in proc.stdout
