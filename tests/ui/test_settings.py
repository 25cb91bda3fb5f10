"""Settings are declared once with a type and a default: a hand-edited or older INI file gives defaults."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from desktop.settings import OPTIONS, KeyedOption, Option, Settings


def test_every_setting_is_declared_once_with_a_key_and_a_default() -> None:
    keys = [o.key if isinstance(o, Option) else o.template for o in OPTIONS]
    assert len(keys) == len(set(keys)), keys
    assert all(o.doc for o in OPTIONS)


def test_values_round_trip_with_their_types(tmp_path: Path) -> None:
    path = str(tmp_path / "s.ini")
    s = Settings(QSettings(path, QSettings.Format.IniFormat))
    s.keep_signed_in, s.main_tab, s.pane_order["shots"] = False, 2, ["name", "task:x"]
    s.episode["p1"], s.downloads_parallel, s.csv_bom = "e9", 5, True
    s.set_geometry("main", QByteArray(b"\x01\x02"))
    s.sync()
    again = Settings(QSettings(path, QSettings.Format.IniFormat))
    assert again.keep_signed_in is False and again.main_tab == 2 and again.pane_order["shots"] == ["name", "task:x"]
    assert again.episode["p1"] == "e9" and again.downloads_parallel == 5 and again.csv_bom is True
    assert again.geometry("main") == QByteArray(b"\x01\x02") and again.geometry("other") is None
    assert again.episode["p2"] == "" and again.pane_order["assets"] == []


def test_a_hand_edited_file_gives_defaults_not_crashes(tmp_path: Path) -> None:
    path = tmp_path / "s.ini"
    path.write_text("[panes]\nmain\\tab=not-a-number\nshots\\order=single\n[downloads]\nparallel=lots\n"
                    "[session]\nkeep_signed_in=no\n", encoding="utf-8")
    s = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    assert s.main_tab == 0 and s.downloads_parallel == 3 and s.keep_signed_in is False
    assert s.pane_order["shots"] == ["single"]  # INI gives a one-item list back as a string
    assert isinstance(Settings.__dict__["episode"], KeyedOption)
