"""Untrusted file names: sanitising, numbering, Content-Disposition, and the folder boundary (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.api.downloads.filenames import (
    MAX_NAME_BYTES,
    UnsafePath,
    filename_from_content_disposition,
    numbered,
    safe_target,
    sanitize_filename,
    split_extension,
    unique_name,
)


@pytest.mark.parametrize(("raw", "safe"), [
    ("../../etc/passwd", "etc_passwd"),
    ("../../evil.sh", "evil.sh"),
    ("/etc/passwd", "etc_passwd"),
    ("a/b\\c", "a_b_c"),
    ("C:\\Windows\\system32\\x.dll", "C__Windows_system32_x.dll"),
    ("\\\\server\\share\\f.txt", "server_share_f.txt"),
    ("..", "download"),
    ("...", "download"),
    ("", "download"),
    ("   ", "download"),
    ("CON", "_CON"),
    ("CON.txt", "_CON.txt"),
    ("con.tar.gz", "_con.tar.gz"),
    ("Nul .txt", "_Nul .txt"),
    ("COM1.mov", "_COM1.mov"),
    ("LPT9", "_LPT9"),
    ("COM¹.txt", "_COM¹.txt"),
    ("CONSOLE.txt", "CONSOLE.txt"),
    ("bad\x00\x01\x1f\x7fname.txt", "badname.txt"),
    ("line\nbreak\r.txt", "linebreak.txt"),
    ("x\u202egnp.exe", "xgnp.exe"),  # right-to-left override hides ".exe"
    ("zero\u200bwidth.txt", "zerowidth.txt"),
    ("shot:010?<v2>|*.mov", "shot_010__v2___.mov"),
    ('say "hi".txt', "say _hi_.txt"),
    ("trailing. . ", "trailing"),
    (".bashrc", "bashrc"),
    ("normal file (final).mov", "normal file (final).mov"),
    ("plate\u00a0notes.txt", "plate notes.txt"),
    ("e\u0301te\u0301.txt", "été.txt"),  # NFC
])
def test_sanitize(raw: str, safe: str) -> None:
    assert sanitize_filename(raw) == safe


def test_fallback_is_used_and_sanitised_too() -> None:
    assert sanitize_filename("../..", fallback="preview-1234.png") == "preview-1234.png"
    assert sanitize_filename("", fallback="../x.png") == "x.png"
    assert sanitize_filename("", fallback="..") == "download"


@pytest.mark.parametrize("raw", ["x" * 300 + ".mov", "é" * 300 + ".mov", "Ω" * 150 + ".tar.gz", "y" * 1000])
def test_long_names_are_cut_keeping_the_extension(raw: str) -> None:
    safe = sanitize_filename(raw)
    assert len(safe.encode("utf-8")) <= MAX_NAME_BYTES
    assert safe.encode("utf-8").decode("utf-8") == safe  # never cut inside a character
    _, ext = split_extension(raw)
    assert safe.endswith(ext)
    # Room for the numbering and the .part suffix within a 255-byte component.
    assert len((numbered(safe, 9999) + ".part").encode("utf-8")) <= 255


@pytest.mark.parametrize(("name", "stem", "ext"), [
    ("shot010.mov", "shot010", ".mov"), ("scene.tar.gz", "scene", ".tar.gz"), ("README", "README", ""),
    (".hidden", ".hidden", ""), ("a.b.c", "a.b", ".c"), ("weird.ext with space", "weird.ext with space", ""),
    ("x.", "x.", ""),
])
def test_split_extension(name: str, stem: str, ext: str) -> None:
    assert split_extension(name) == (stem, ext)


def test_unique_name_numbers_like_a_browser() -> None:
    taken = {"notes.txt", "notes (1).txt", "scene.tar.gz"}
    assert unique_name("notes.txt", taken.__contains__) == "notes (2).txt"
    assert unique_name("scene.tar.gz", taken.__contains__) == "scene (1).tar.gz"
    assert unique_name("free.txt", taken.__contains__) == "free.txt"


def test_safe_target_never_leaves_the_folder(tmp_path: Path) -> None:
    assert safe_target(tmp_path, "a.txt") == tmp_path / "a.txt"
    for bad in ("../a.txt", "..", ".", "", "a/b", "a\\b", "x\x00y", "/etc/passwd"):
        with pytest.raises(UnsafePath):
            safe_target(tmp_path, bad)
    # Whatever the input, a sanitised name is always a direct child.
    for raw in ("../../../../etc/passwd", "..\\..\\boot.ini", "/abs/path", "a/../../b"):
        target = safe_target(tmp_path, sanitize_filename(raw))
        assert target.parent == tmp_path


@pytest.mark.parametrize(("header", "name"), [
    ("attachment; filename=notes-sh010.txt", "notes-sh010.txt"),
    ('attachment; filename="../../evil.sh"', "../../evil.sh"),  # still untrusted: sanitised later
    ("attachment; filename=x.txt; filename*=UTF-8''%C3%A9t%C3%A9.txt", "été.txt"),
    ("attachment; filename*=utf-8''shot%20010.mov", "shot 010.mov"),
    ('inline; filename=""', None),
    ("inline", None),
    ("", None),
    (None, None),
])
def test_content_disposition(header: str | None, name: str | None) -> None:
    assert filename_from_content_disposition(header) == name
