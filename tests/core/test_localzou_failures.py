"""What the local-server tooling says when it cannot work: one clear line, nothing left running."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from desktop.localzou import install, server
from desktop.localzou.server import LocalZou, ServerStartError


def test_missing_packages_without_root_name_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(install, "find_pg_bin", lambda: None)
    monkeypatch.setattr(install.shutil, "which", lambda _name: None)
    monkeypatch.setattr(install, "_is_root", lambda: False)
    with pytest.raises(install.MissingDependency) as info:
        install.ensure_system_packages()
    text = str(info.value)
    assert "\n" not in text
    assert "postgresql" in text and "redis-server" in text and "apt-get install" in text


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_port_in_use_is_one_line_and_cleans_up(monkeypatch: pytest.MonkeyPatch, busy_port: int) -> None:
    ports = iter([busy_port])
    real_free_port = server.free_port
    # PostgreSQL (the first port asked for) gets a port another program holds.
    monkeypatch.setattr(server, "free_port", lambda: next(ports, None) or real_free_port())
    local = LocalZou(log=False)
    with pytest.raises(ServerStartError) as info:
        local.start()
    text = str(info.value)
    assert "\n" not in text and "PostgreSQL did not start" in text and str(busy_port) in text
    assert local.root is not None and not local.root.exists()  # the throwaway folder is gone
    leftovers = subprocess.run(["pgrep", "-f", str(local.pg_data)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ""


def test_command_line_reports_failures_in_one_line() -> None:
    proc = subprocess.run([sys.executable, "-m", "desktop.localzou", "nonsense"], capture_output=True, text=True)
    assert proc.returncode != 0 and "invalid choice" in proc.stderr
