"""desktop.csvio without a server: safe writing, reading broken files, mapping to Zou's headers, checks."""

from __future__ import annotations

import csv
import io
import itertools
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.csvio import (
    CsvFormat,
    CsvFormatError,
    CsvWriteError,
    ImportContext,
    ImportKind,
    apply_mapping,
    check_import,
    encode_for_upload,
    mapping_problems,
    neutralise,
    read_csv_bytes,
    read_csv_file,
    reader,
    rename_assignations,
    restore,
    suggest_mapping,
    target_columns,
    write_csv,
)
from desktop.csvio.reader import parse_csv_text

BLOCK_QT = textwrap.dedent("""
    import importlib.abc, sys
    class NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("PySide6", "shiboken6", "qasync"):
                raise ImportError(f"Qt is not available here: {name}")
            return None
    sys.meta_path.insert(0, NoQt())
""")


def _read(path: Path, delimiter: str = ";") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


# ------------------------------------------------------------------ safety
@pytest.mark.parametrize(("cell", "expected"), [
    ("=1+1", "'=1+1"), ("+33 6 12", "'+33 6 12"), ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("-12", "-12"), ("-0.5", "-0.5"), ("-3,25", "-3,25"), ("-2e3", "'-2e3"), ("-", "'-"),
    ("001", "001"), ("SH010", "SH010"), ("", ""), ("a=b", "a=b"), ("'quoted", "'quoted"),
])
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected
    assert restore(neutralise(cell)) == cell


def test_formula_cells_are_neutralised_in_the_file(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    result = write_csv(out, [["Name", "Description", "Offset"], ["001", "=cmd|' /C calc'!A0", "-12"],
                             ["010", "@import", "+5"]])
    assert result.neutralised == 3 and result.rows == 3
    rows = _read(out)
    assert rows[1] == ["001", "'=cmd|' /C calc'!A0", "-12"]
    assert rows[2] == ["010", "'@import", "'+5"]
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # Zou's format by default: no BOM, CRLF


def test_names_like_001_stay_text_and_values_are_never_converted(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    write_csv(out, [["Name", "Frames", "Ratio", "Flag", "Empty"], ["001", 48, 2.0, True, None],
                    ["0010", 0, 0.125, False, ""]])
    assert _read(out)[1:] == [["001", "48", "2", "true", ""], ["0010", "0", "0.125", "false", ""]]


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("bom", [False, True])
def test_delimiters_and_bom(tmp_path: Path, delimiter: str, bom: bool) -> None:
    out = tmp_path / "x.csv"
    write_csv(out, [["Name", "Description"], ["SH010", "a; b, c"], ["SH020", "line\nbreak"]],
              CsvFormat(delimiter=delimiter, bom=bom))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") is bom
    assert _read(out, delimiter) == [["Name", "Description"], ["SH010", "a; b, c"], ["SH020", "line\nbreak"]]
    table = read_csv_file(out)  # and our own reader finds the delimiter and strips the BOM
    assert table.delimiter == delimiter and table.had_bom is bom and table.headers == ["Name", "Description"]
    assert table.rows[1] == ["SH020", "line\nbreak"] and table.lines == [2, 3]


def test_a_failure_midway_leaves_no_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    def rows() -> Iterator[list[str]]:
        yield ["Name"]
        for i in range(1000):
            if i == 500:
                raise RuntimeError("the source broke")
            yield [f"SH{i:04d}"]

    out = tmp_path / "x.csv"
    with pytest.raises(RuntimeError):
        write_csv(out, rows())
    assert list(tmp_path.iterdir()) == []  # no half file, no temporary file
    out.write_text("previous export\n")
    with pytest.raises(RuntimeError):
        write_csv(out, rows())
    assert out.read_text() == "previous export\n" and list(tmp_path.iterdir()) == [out]


def test_cancelling_through_progress_leaves_nothing(tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []

    class Cancelled(Exception):
        pass

    def progress(done: int, total: int | None) -> None:
        seen.append((done, total))
        if done >= 400:
            raise Cancelled

    with pytest.raises(Cancelled):
        write_csv(tmp_path / "x.csv", ([str(i)] for i in range(1000)), total=1000, progress=progress,
                  progress_every=200)
    assert seen == [(0, 1000), (200, 1000), (400, 1000)] and list(tmp_path.iterdir()) == []


def test_progress_reports_rows_to_the_end(tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    write_csv(tmp_path / "x.csv", ([str(i)] for i in range(450)), progress=lambda d, t: seen.append((d, t)),
              progress_every=200)
    assert seen == [(0, None), (200, None), (400, None), (450, 450)]


def test_write_errors_are_sentences(tmp_path: Path) -> None:
    with pytest.raises(CsvWriteError, match="does not exist"):
        write_csv(tmp_path / "missing" / "x.csv", [["a"]])
    with pytest.raises(CsvWriteError, match="is a folder"):
        write_csv(tmp_path, [["a"]])
    if os.name == "posix" and os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(CsvWriteError, match="Cannot write"):
                write_csv(locked / "x.csv", [["a"]])
        finally:
            locked.chmod(0o700)


def test_written_file_gets_normal_permissions(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("POSIX modes")
    out = tmp_path / "x.csv"
    write_csv(out, [["a"]])
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


# ------------------------------------------------------------------ reading
def test_bom_is_stripped_from_the_first_header() -> None:
    table = read_csv_bytes("\ufeffSequence;Name\r\nSQ01;001\r\n".encode())
    assert table.headers == ["Sequence", "Name"] and table.had_bom and table.encoding == "utf-8"
    assert table.encoding_label == "UTF-8 with BOM (removed)" and table.rows == [["SQ01", "001"]]


@pytest.mark.parametrize(("text", "delimiter"), [
    ("Sequence;Name;Description\nSQ01;SH010;a, b, c\nSQ01;SH020;d, e\n", ";"),
    ("Sequence,Name,Description\nSQ01,SH010,\"a; b; c\"\nSQ01,SH020,x\n", ","),
    ("Sequence\tName\nSQ01\tSH010\n", "\t"),
])
def test_delimiter_detection(text: str, delimiter: str) -> None:
    table = read_csv_bytes(text.encode())
    assert table.delimiter == delimiter and table.headers[:2] == ["Sequence", "Name"]


def test_cp1252_fallback_warns() -> None:
    table = read_csv_bytes("Name;Description\nSH010;Décor à refaire\n".encode("cp1252"))
    assert table.encoding == "cp1252" and table.rows[0][1] == "Décor à refaire"
    assert any("not UTF-8" in w.message for w in table.warnings)


def test_utf16_from_excel_unicode_text() -> None:
    table = read_csv_bytes("Sequence\tName\r\nSQ01\tSH010\r\n".encode("utf-16"))
    assert table.encoding == "utf-16" and table.delimiter == "\t" and table.rows == [["SQ01", "SH010"]]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"  \r\n\r\n", "empty"),
    (b"Sequence;Name\r\n", "no rows"),
    (b"\x00\x01\x02binary\x00junk" * 10, "binary"),
    (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
    (b"Sequence;Name\nSQ01;SH010\nSQ01;SH020;oops;more\n", "Line 3: more values"),
    (b"Sequence;Name\nSQ01;\"SH010\nSQ01;SH020\n", "Line 2: a quoted value starts here and is never closed"),
])
def test_broken_files_give_clear_messages(data: bytes, message: str) -> None:
    with pytest.raises(CsvFormatError, match=message):
        read_csv_bytes(data)


def test_short_rows_are_padded_and_blank_lines_skipped_with_real_line_numbers() -> None:
    table = parse_csv_text("Sequence;Name;Description\n\nSQ01;SH010\n;;\nSQ01;SH020;\"two\nlines\"\nSQ02;SH030;x\n")
    assert table.rows == [["SQ01", "SH010", ""], ["SQ01", "SH020", "two\nlines"], ["SQ02", "SH030", "x"]]
    assert table.lines == [3, 5, 7]


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    with pytest.raises(CsvFormatError, match="does not exist"):
        read_csv_file(tmp_path / "nope.csv")


# ------------------------------------------------------------------ mapping
SHOT_CTX = ImportContext(task_types=("Layout", "Animation"), descriptors=("Difficulty",),
                         statuses=("Todo", "todo", "Work In Progress", "wip", "Done", "done"))


def test_exported_assignations_headers_are_renamed_for_import() -> None:
    headers = ["Project", "Episode", "Sequence", "Name", "Layout", "Assignations", "Animation", "Assignations"]
    assert rename_assignations(headers)[4:] == ["Layout", "Layout assignations", "Animation",
                                                "Animation assignations"]
    targets = target_columns(ImportKind.SHOTS, SHOT_CTX)
    mapping = suggest_mapping(headers, targets)
    assert mapping == [None, None, "Sequence", "Name", "Layout", "Layout assignations", "Animation",
                       "Animation assignations"]


def test_mapping_aliases_case_and_mandatory_columns() -> None:
    targets = target_columns(ImportKind.SHOTS, SHOT_CTX)
    headers = ["seq", "SHOT NAME", "Frames", "in", "Out", "difficulty", "animation", "Notes"]
    mapping = suggest_mapping(headers, targets)
    assert mapping == ["Sequence", "Name", "Nb Frames", "Frame In", "Frame Out", "Difficulty", "Animation", None]
    problems = mapping_problems(headers, mapping, targets)
    assert not [p for p in problems if p.level == "error"]
    assert any("Notes" in p.message and p.level == "info" for p in problems)
    missing = mapping_problems(["Name"], ["Name"], targets)
    assert [p.message for p in missing if p.level == "error"] == ['The mandatory column "Sequence" is not mapped.']
    tv = target_columns(ImportKind.SHOTS, ImportContext(tv_show=True))
    assert [t.name for t in tv if t.mandatory] == ["Episode", "Sequence", "Name"]
    assert [t.name for t in target_columns(ImportKind.ASSETS) if t.mandatory] == ["Type", "Name"]
    assert [t.name for t in target_columns(ImportKind.CASTING) if t.mandatory] == ["Parent", "Name", "Asset Type",
                                                                                   "Asset"]


def test_apply_mapping_restores_neutralised_cells_and_adds_occurences() -> None:
    table = parse_csv_text("Parent;Name;Asset Type;Asset;Notes\nSQ01; SH010 ;Prop;'=Sword;x\n")
    targets = target_columns(ImportKind.CASTING)
    mapped = apply_mapping(table, suggest_mapping(table.headers, targets), targets, kind=ImportKind.CASTING)
    assert mapped.headers == ["Parent", "Name", "Asset Type", "Asset", "Occurences"]
    assert mapped.rows == [["SQ01", "SH010", "Prop", "=Sword", ""]]


def test_upload_is_utf8_without_bom_quoted_and_maps_lines() -> None:
    body, ends = encode_for_upload(["Sequence", "Name", "Description"],
                                   [["SQ01", "001", "é"], ["SQ01", "002", "two\nlines"], ["SQ01", "003", ""]])
    assert not body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8")
    assert text.startswith('"Sequence","Name","Description"\r\n"SQ01","001","é"')
    assert ends == [2, 4, 5]
    # Zou sniffs the delimiter and reads with DictReader: check it gets exactly the rows back.
    dialect = csv.Sniffer().sniff(text[:8192])
    rows = list(csv.DictReader(io.StringIO(text, newline=""), dialect=dialect))
    assert [r["Name"] for r in rows] == ["001", "002", "003"] and rows[1]["Description"] == "two\nlines"


# ------------------------------------------------------------------ checks
def _checked(text: str, ctx: ImportContext = SHOT_CTX) -> list[str]:
    table = parse_csv_text(text)
    targets = target_columns(ImportKind.SHOTS, ctx)
    mapped = apply_mapping(table, suggest_mapping(table.headers, targets), targets)
    return [f"{w.level}:{w}" for w in check_import(mapped, ImportKind.SHOTS, targets, ctx)]


def test_spreadsheet_damage_is_pointed_at() -> None:
    found = _checked("Sequence;Name;Difficulty\nSQ01;001;a\nSQ01;002;b\nSQ01;3;c\nSQ01;SH010;1.23457E+15\n"
                     "SQ01;4-Mar;d\n")
    assert any(f.startswith("warning:Line 4: Name \"3\" looks like \"003\"") for f in found), found
    assert any("scientific notation" in f and "Line 5" in f for f in found), found
    assert any("looks like a date" in f and "Line 6" in f for f in found), found


def test_dates_turned_into_numbers() -> None:
    table = parse_csv_text("Name;Due\nA;2024-03-01\nB;2024-03-02\nC;45352\n")
    from desktop.csvio import damaged_values

    assert any("day number" in w.message and w.line == 4 for w in damaged_values(table))


def test_rows_zou_would_refuse_are_errors_and_whole_floats_fixed() -> None:
    found = _checked("Sequence;Name;Frames;Animation\nSQ01;SH010;48.0;wip\nSQ01;;24;todo\nSQ01;SH030;2.5;Done\n"
                     "SQ01;SH040;10;nope\nSQ01;SH010;12;wip\n")
    errors = [f for f in found if f.startswith("error:")]
    assert any("Line 3: Name is empty" in f for f in errors), found
    assert any("Line 4: Nb Frames \"2.5\" is not a whole number" in f for f in errors), found
    assert any("Line 5: Animation: no task status is named \"nope\"" in f for f in errors), found
    assert not any("48.0" in f for f in errors) and any("were sent as 48" in f for f in found)
    assert any("already on line 2" in f for f in found), found


def test_csvio_imports_without_qt() -> None:
    code = BLOCK_QT + textwrap.dedent("""
        import desktop.csvio, desktop.csvio.checks
        assert not any(m.startswith("PySide6") for m in sys.modules)
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


# ------------------------------------------------------------------ big files (issue 20: streamed, capped)
def test_a_file_over_the_cap_is_refused_with_the_limit_named(tmp_path: Path) -> None:
    big = tmp_path / "plates.csv"
    with big.open("wb") as fh:  # sparse: nothing is written, nothing is read
        fh.write(b"Sequence;Name\n")
        fh.truncate(reader.MAX_FILE_BYTES + 1_000_000)
    with pytest.raises(CsvFormatError, match=r"^plates\.csv is 51 MB: Slate imports CSV files up to 50 MB\. Split"):
        read_csv_file(big)


def test_too_many_rows_are_refused_with_the_limit_named(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("Sequence;Name\n" + "".join(f"SQ01;SH{i:03d}\n" for i in range(5)), encoding="utf-8")
    assert len(read_csv_file(path, max_rows=5).rows) == 5
    with pytest.raises(CsvFormatError, match="more than 4 rows: Slate imports up to 4 rows") as info:
        read_csv_file(path, max_rows=4)
    assert info.value.line == 6


def test_a_big_file_is_read_as_a_stream_with_progress_and_can_be_stopped(tmp_path: Path) -> None:
    path = tmp_path / "stream.csv"
    lines = [f"SQ01;SH{i:06d};{'x' * 40}\n" for i in range(60_000)]
    # A non-UTF-8 byte far past the first chunk the encoding pass reads; an accent split across chunks.
    body = ("Sequence;Name;Description\n" + "".join(lines)).encode()
    cut = reader.SCAN_BYTES - 1
    body = body[:cut] + "é".encode() + body[cut:]
    path.write_bytes(body + "SQ02;SH999999;Décor\n".encode("cp1252"))
    seen: list[tuple[int, int]] = []
    table = read_csv_file(path, progress=lambda done, total: seen.append((done, total)))
    assert len(table.rows) == 60_001 and table.encoding == "cp1252" and table.rows[-1][2] == "Décor"
    assert any(f"on line {60_002}" in w.message for w in table.warnings)
    assert len(seen) > 5 and seen[-1] == (path.stat().st_size,) * 2
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes(body)
    assert read_csv_file(utf8).encoding == "utf-8"  # the accent across the chunk boundary is fine
    with pytest.raises(reader.ReadCancelled):
        read_csv_file(path, should_stop=lambda: True)
