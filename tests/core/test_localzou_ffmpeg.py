"""ffmpeg for the local Zou's movie previews: installed with apt when root, else one clear line."""

from __future__ import annotations

import pytest

from desktop.localzou import install


def _only_ffmpeg_missing(monkeypatch: pytest.MonkeyPatch, *, root: bool) -> list[list[str]]:
    monkeypatch.setattr(install, "find_pg_bin", lambda: install.Path("/usr/lib/postgresql/15/bin"))
    monkeypatch.setattr(install.shutil, "which", lambda name: None if name == "ffmpeg" else f"/usr/bin/{name}")
    monkeypatch.setattr(install, "_is_root", lambda: root)
    calls: list[list[str]] = []
    monkeypatch.setattr(install, "_apt_install", lambda packages, log=True: calls.append(list(packages)))
    return calls


def test_without_root_a_missing_ffmpeg_is_one_line_naming_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    calls = _only_ffmpeg_missing(monkeypatch, root=False)
    with pytest.raises(install.MissingDependency) as info:
        install.ensure_ffmpeg()
    text = str(info.value)
    assert "\n" not in text and "ffmpeg" in text and "apt-get install ffmpeg" in text and "movie" in text
    # The server still starts (pictures work), and says what movies need.
    install.ensure_system_packages()
    err = capsys.readouterr().err
    assert "ffmpeg" in err and "movie previews" in err and err.count("\n") == 1
    assert calls == []


def test_as_root_ffmpeg_is_installed_with_apt(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _only_ffmpeg_missing(monkeypatch, root=True)
    install.ensure_system_packages()
    assert calls == [["ffmpeg"]]
