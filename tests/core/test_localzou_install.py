"""A Zou venv made before a side package was added (the event stream's gevent-websocket worker) gets it
on the next set-up, once; a complete one is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.localzou import install


def test_an_older_zou_venv_gets_the_new_side_packages_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = tmp_path / "zou-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    (venv / ".slate-complete").write_text(install.ZOU_VERSION)  # what earlier versions wrote
    monkeypatch.setenv("SLATE_ZOU_VENV", str(venv))
    calls: list[list[str]] = []
    monkeypatch.setattr(install, "_pip_install", lambda _py, packages, _what: calls.append(packages))
    assert install.ensure_zou_venv() == venv / "bin" / "python"
    assert calls == [list(install.ZOU_SIDE_PACKAGES)]
    assert any(p.startswith("gevent-websocket") for p in install.ZOU_SIDE_PACKAGES)
    install.ensure_zou_venv()
    assert len(calls) == 1  # recorded in the marker: not again
