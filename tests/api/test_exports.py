"""CSV exports, imports and playlist reads against the real Zou (desktop.api.exports)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.api import SignedIn, ZouClient, errors
from desktop.api.exports import GLOBAL_EXPORTS, Exports, Imports, Playlists
from desktop.csvio import (
    CsvFormat,
    CsvTable,
    ImportContext,
    ImportKind,
    apply_mapping,
    mapping_problems,
    read_csv_bytes,
    read_csv_file,
    suggest_mapping,
    target_columns,
)
from tests.api.conftest import SessionFactory
from tests.helpers.csv_seed import (
    FORMULA_DESCRIPTION,
    TRICKY_DESCRIPTION,
    CsvSeed,
    add_member,
    make_playlist,
    prepare_project,
    seed_csv_project,
)
from tests.helpers.zou import TestUser, ZouAdmin, unique

SHOT_HEADERS = ["Project", "Episode", "Sequence", "Name", "Description", "Time Spent", "Frames", "Frame In",
                "Frame Out", "FPS", "Difficulty", "Layout", "Assignations", "Animation", "Assignations"]


@pytest.fixture(scope="module")
def seed(zou_admin: ZouAdmin) -> Iterator[CsvSeed]:
    """Read-only production shared by the export tests of this module."""
    yield seed_csv_project(zou_admin)


async def _signed_in(make_session: SessionFactory, user: TestUser) -> Any:
    session = make_session()
    assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
    return session


def _rows(path: Path, delimiter: str = ";") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def _mapped(table: CsvTable, kind: ImportKind, ctx: Any) -> CsvTable:
    targets = target_columns(kind, ctx or ImportContext())
    mapping = suggest_mapping(table.headers, targets)
    assert not [p for p in mapping_problems(table.headers, mapping, targets) if p.level == "error"]
    return apply_mapping(table, mapping, targets, kind=kind)


# ------------------------------------------------------------------ exports
async def test_shots_export_matches_what_the_api_says(make_session: SessionFactory, seed: CsvSeed,
                                                      tmp_path: Path) -> None:
    session = await _signed_in(make_session, seed.manager)
    out = tmp_path / "shots.csv"
    result = await Exports(session).project_csv(seed.id, "shots", out)
    rows = _rows(out)
    assert rows[0] == SHOT_HEADERS
    assert [(r[2], r[3]) for r in rows[1:]] == [("SQ01", "001"), ("SQ01", "002"), ("SQ01", "010"), ("SQ02", "001")]
    by_key = {f"{r[2]}/{r[3]}": dict(zip(SHOT_HEADERS[:12], r[:12], strict=True)) | {"Animation": r[13],
              "Animation assignations": r[14]} for r in rows[1:]}
    # The formula description is neutralised; the tricky one survives with its delimiter and line break.
    assert by_key["SQ01/002"]["Description"] == "'" + FORMULA_DESCRIPTION and result.neutralised == 1
    assert by_key["SQ01/010"]["Description"] == TRICKY_DESCRIPTION
    # Statuses and assignees as the API reports them.
    table = await ZouClient(session).shots_with_tasks(seed.id)
    statuses = {s["id"]: s["short_name"] for s in seed.statuses.values()}
    for shot in table.row_dicts():
        key = f"{shot['sequence_name']}/{shot['name']}"
        row = by_key[key]
        assert row["Frames"] == str(shot["nb_frames"]) and row["Frame In"] == "1001"
        assert row["Difficulty"] == shot["data"]["difficulty"]
        tasks = {t["task_type_id"]: t for t in shot["tasks"]}
        assert row["Layout"] == statuses[tasks[seed.task_types["Layout"]]["task_status_id"]]
        assert row["Animation"] == statuses[tasks[seed.task_types["Animation"]]["task_status_id"]]
    assert by_key["SQ01/001"]["Animation assignations"] == f"Ada {seed.artist.last_name}"
    assert by_key["SQ01/001"]["Layout"] == "done" and by_key["SQ01/002"]["Animation"] == "retake"


async def test_assets_casting_and_edits_exports(make_session: SessionFactory, seed: CsvSeed, tmp_path: Path) -> None:
    exports = Exports(await _signed_in(make_session, seed.supervisor))
    await exports.project_csv(seed.id, "assets", tmp_path / "assets.csv")
    assets = _rows(tmp_path / "assets.csv")
    assert assets[0] == ["Project", "Type", "Name", "Description", "Time Spent", "Modeling", "Assignations"]
    assert [(r[1], r[2], r[5]) for r in assets[1:]] == [("Character", "Hero", "wfa"), ("Prop", "Sword", "todo")]
    await exports.project_csv(seed.id, "casting", tmp_path / "casting.csv")
    assert _rows(tmp_path / "casting.csv") == [
        ["Parent", "Name", "Asset Type", "Asset", "Occurences", "Label"],
        ["SQ01", "001", "Character", "Hero", "1", ""], ["SQ01", "001", "Prop", "Sword", "2", ""]]
    await exports.project_csv(seed.id, "casting", tmp_path / "asset-casting.csv", asset_casting=True)
    assert len(_rows(tmp_path / "asset-casting.csv")) == 1  # no asset is cast in an asset here
    await exports.project_csv(seed.id, "edits", tmp_path / "edits.csv")
    assert _rows(tmp_path / "edits.csv") == [["Project", "Episode", "Name", "Description", "Time Spent"]]


async def test_delimiter_bom_and_raw(make_session: SessionFactory, seed: CsvSeed, zou_admin: ZouAdmin,
                                     tmp_path: Path) -> None:
    exports = Exports(await _signed_in(make_session, seed.manager))
    progress: list[tuple[int, int | None]] = []
    await exports.project_csv(seed.id, "shots", tmp_path / "comma.csv", CsvFormat(delimiter=",", bom=True),
                              progress=lambda d, t: progress.append((d, t)))
    raw = (tmp_path / "comma.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfProject,Episode,Sequence,Name,")
    assert _rows(tmp_path / "comma.csv", ",")[0] == SHOT_HEADERS
    assert progress[0][0] == 0 and progress[-1][0] == progress[-1][1] and progress[-1][0] > 0
    await exports.project_csv(seed.id, "shots", tmp_path / "raw.csv", raw=True)
    server = zou_admin.http.get(f"/export/csv/projects/{seed.id}/shots.csv").content
    assert (tmp_path / "raw.csv").read_bytes() == server  # exactly Zou's bytes
    assert FORMULA_DESCRIPTION.encode() in server and b"'" + FORMULA_DESCRIPTION.encode() not in server


async def test_global_exports_for_managers_only(make_session: SessionFactory, seed: CsvSeed, tmp_path: Path) -> None:
    manager = Exports(await _signed_in(make_session, seed.manager))
    await manager.global_csv("tasks", tmp_path / "tasks.csv")
    tasks = _rows(tmp_path / "tasks.csv")
    assert tasks[0][:6] == ["Project", "Task Type", "Episode", "Sequence", "Entity Type", "Entity"]
    mine = [r for r in tasks[1:] if r[0] == seed.name]
    assert len(mine) == len(seed.tasks)
    for kind in GLOBAL_EXPORTS[1:]:  # time-spents, persons, projects, task-types
        result = await manager.global_csv(kind, tmp_path / f"{kind}.csv")
        assert result.rows >= 1 and (tmp_path / f"{kind}.csv").exists()
    artist = Exports(await _signed_in(make_session, seed.artist))
    with pytest.raises(errors.PermissionDenied):
        await artist.global_csv("tasks", tmp_path / "denied.csv")
    assert not (tmp_path / "denied.csv").exists()


async def test_a_refused_export_leaves_nothing(make_session: SessionFactory, seed: CsvSeed, tmp_path: Path) -> None:
    exports = Exports(await _signed_in(make_session, seed.manager))
    out = tmp_path / "shots.csv"
    out.write_text("the previous export\n")
    with pytest.raises((errors.NotFound, errors.ValidationError)):
        await exports.project_csv("00000000-0000-0000-0000-000000000000", "shots", out)
    assert out.read_text() == "the previous export\n"
    assert sorted(os.listdir(tmp_path)) == ["shots.csv"]  # no temporary file left either


# ------------------------------------------------------------------ playlists
async def test_playlists_entries_and_csv(make_session: SessionFactory, seed: CsvSeed, tmp_path: Path) -> None:
    session = await _signed_in(make_session, seed.supervisor)
    api = Playlists(session)
    listed = await api.playlists(seed.id)
    assert {p.name for p in listed} == {"Dailies", "No preview"}
    assert [p.updated_at for p in listed] == sorted((p.updated_at for p in listed), reverse=True)
    detail = await api.playlist(seed.id, seed.playlists["Dailies"])
    assert [(e.entity_name, e.task_type_name, e.revision) for e in detail.entries] == [
        ("SQ01 / 001", "Animation", 1), ("SQ01 / 002", "Layout", 1)]
    assert detail.preview_ids() == [seed.previews["SQ01/001"], seed.previews["SQ01/002"]]
    assert detail.entries[0].nb_frames == 48 and detail.entries[0].entity_type == "Shot"
    assert (await api.find(seed.id, "dailies")).id == seed.playlists["Dailies"]
    with pytest.raises(errors.NotFound):
        await api.find(seed.id, "nope")
    thumb = await api.thumbnail(seed.previews["SQ01/001"])
    assert thumb is not None and thumb.startswith(b"\x89PNG")

    result = await Exports(session).playlist_csv(seed.playlists["Dailies"], tmp_path / "dailies.csv",
                                                 project_id=seed.id)
    rows = _rows(tmp_path / "dailies.csv")
    assert rows[0][:3] == ["Playlist", f"{seed.name} | for shots", "Dailies"] and result.note == ""
    assert rows[2] == ["Entity name", "Nb Frames", "Task Type", "Retake count", "Revision", "Task Status",
                       "Last comment author", "Last comment date", "Last comment"]
    assert [r[:6] for r in rows[3:]] == [["SQ01 / 001", "48", "Animation", "0", "1", "Work In Progress"],
                                         ["SQ01 / 002", "72", "Layout", "0", "1", "Work In Progress"]]


async def test_playlist_with_an_entry_without_preview(make_session: SessionFactory, seed: CsvSeed,
                                                      tmp_path: Path) -> None:
    session = await _signed_in(make_session, seed.manager)
    detail = await Playlists(session).playlist(seed.id, seed.playlists["No preview"])
    assert [(e.entity_name, e.preview_file_id is not None) for e in detail.entries] == [
        ("SQ01 / 001", True), ("SQ02 / 001", False)]
    # Zou 1.0.97 answers 500 for this playlist's CSV: Slate builds the same columns itself.
    with pytest.raises(errors.ServerError):
        await Exports(session).playlist_csv(seed.playlists["No preview"], tmp_path / "zou.csv")
    assert not (tmp_path / "zou.csv").exists()
    result = await Exports(session).playlist_csv(seed.playlists["No preview"], tmp_path / "np.csv",
                                                 project_id=seed.id)
    rows = _rows(tmp_path / "np.csv")
    assert "built the file" in result.note
    assert rows[3][:6] == ["SQ01 / 001", "48", "Animation", "0", "1", "Work In Progress"]
    assert rows[3][6].startswith("Super") or rows[3][6]  # the last comment's author
    assert rows[4][:3] == ["SQ02 / 001", "48", ""]


async def test_playlists_beyond_zous_page_of_20(make_session: SessionFactory, zou_admin: ZouAdmin) -> None:
    project = zou_admin.create_project()
    for i in range(23):
        make_playlist(zou_admin, project["id"], f"Review {i:02d}", [])
    session = make_session()
    await session.sign_in(zou_admin.server.admin_email, zou_admin.server.admin_password)
    listed = await Playlists(session).playlists(project["id"])
    assert len(listed) == 23 and len({p.id for p in listed}) == 23


# ------------------------------------------------------------------ imports
async def _fresh_project(admin: ZouAdmin, seed: CsvSeed) -> dict[str, Any]:
    project, _, _ = prepare_project(admin, team=[seed.manager, seed.artist])
    return project


async def test_round_trip_into_a_new_project(make_session: SessionFactory, seed: CsvSeed, zou_admin: ZouAdmin,
                                             tmp_path: Path) -> None:
    session = await _signed_in(make_session, seed.manager)
    out = tmp_path / "shots.csv"
    await Exports(session).project_csv(seed.id, "shots", out, CsvFormat(delimiter=",", bom=True))
    table = read_csv_file(out)
    assert table.had_bom and table.delimiter == ","
    target = await _fresh_project(zou_admin, seed)
    imports = Imports(session)
    ctx = await imports.context(target["id"], ImportKind.SHOTS)
    assert ctx.task_types == ("Layout", "Animation") and ctx.descriptors == ("Difficulty",)
    mapped = _mapped(table, ImportKind.SHOTS, ctx)
    assert "Animation assignations" in mapped.headers and "Project" not in mapped.headers
    plan = await imports.plan(target["id"], ImportKind.SHOTS, mapped, tv_show=False)
    assert (len(plan.new), len(plan.existing)) == (4, 0)
    report = await imports.run(target["id"], ImportKind.SHOTS, mapped)
    assert report.ok and [line for line, _ in report.imported] == [2, 3, 4, 6]  # SQ01/010 spans lines 4-5

    back = await ZouClient(session).shots_with_tasks(target["id"])
    shots = {f"{s['sequence_name']}/{s['name']}": s for s in back.row_dicts()}
    assert sorted(shots) == ["SQ01/001", "SQ01/002", "SQ01/010", "SQ02/001"]  # 001 stays 001
    assert shots["SQ01/002"]["description"] == FORMULA_DESCRIPTION  # the apostrophe came off again
    assert shots["SQ01/010"]["description"] == TRICKY_DESCRIPTION
    assert shots["SQ01/001"]["data"]["difficulty"] == "hard"
    anim = next(t for t in shots["SQ01/001"]["tasks"] if t["task_type_id"] == seed.task_types["Animation"])
    assert anim["assignees"] == [seed.artist.id]  # assignees came back through "<Task> assignations"
    statuses = {s["id"]: s["short_name"] for s in seed.statuses.values()}
    layout = next(t for t in shots["SQ01/001"]["tasks"] if t["task_type_id"] == seed.task_types["Layout"])
    assert statuses[layout["task_status_id"]] == "done"
    plan = await imports.plan(target["id"], ImportKind.SHOTS, mapped, tv_show=False)
    assert (len(plan.new), len(plan.existing)) == (0, 4)


async def test_update_round_trip_changes_only_the_edited_description(
        make_session: SessionFactory, zou_admin: ZouAdmin, tmp_path: Path) -> None:
    seed = seed_csv_project(zou_admin, with_playlists=False)
    session = await _signed_in(make_session, seed.manager)
    out = tmp_path / "shots.csv"
    await Exports(session).project_csv(seed.id, "shots", out)

    async def snapshot() -> dict[str, Any]:
        shots = await session.get(f"/data/projects/{seed.id}/shots")
        tasks = await session.get(f"/data/projects/{seed.id}/tasks")
        comments = [len(await session.get(f"/data/tasks/{t['id']}/comments")) for t in tasks]
        strip = ("updated_at", "last_comment_date")
        return {"shots": {s["id"]: {k: v for k, v in s.items() if k not in strip} for s in shots},
                "tasks": {t["id"]: (t["task_status_id"], sorted(t["assignees"])) for t in tasks},
                "comments": comments}

    before = await snapshot()
    text = out.read_text(encoding="utf-8").replace("SQ01/001 shot", "SQ01/001 shot, reframed")
    out.write_text(text, encoding="utf-8")
    imports = Imports(session)
    ctx = await imports.context(seed.id, ImportKind.SHOTS)
    mapped = _mapped(read_csv_file(out), ImportKind.SHOTS, ctx)
    plan = await imports.plan(seed.id, ImportKind.SHOTS, mapped, tv_show=False)
    assert (len(plan.new), len(plan.existing)) == (0, 4)
    report = await imports.run(seed.id, ImportKind.SHOTS, mapped, update=True)
    assert report.ok, report.summary()
    after = await snapshot()
    changed = {sid: {k for k in s if s[k] != after["shots"][sid].get(k)} for sid, s in before["shots"].items()}
    assert {sid: keys for sid, keys in changed.items() if keys} == {seed.shots["SQ01/001"]: {"description"}}
    assert after["shots"][seed.shots["SQ01/001"]]["description"] == "SQ01/001 shot, reframed"
    assert after["tasks"] == before["tasks"] and after["comments"] == before["comments"]


async def test_a_bad_row_at_line_7_reports_what_was_imported(make_session: SessionFactory, seed: CsvSeed,
                                                              zou_admin: ZouAdmin, tmp_path: Path) -> None:
    target = await _fresh_project(zou_admin, seed)
    session = await _signed_in(make_session, seed.manager)
    lines = ["Sequence;Name;Animation"] + [f"SQ10;{i:03d};wip" for i in range(1, 6)] + [
        "SQ10;006;no-such-status", "SQ10;007;wip", "SQ10;008;todo"]
    table = read_csv_bytes(("\r\n".join(lines) + "\r\n").encode())
    imports = Imports(session)
    ctx = await imports.context(target["id"], ImportKind.SHOTS)
    mapped = _mapped(table, ImportKind.SHOTS, ctx)
    for chunk in (100, 2):  # one request, or chunks: the same report
        report = await imports.run(target["id"], ImportKind.SHOTS, mapped, chunk_rows=chunk)
        assert not report.ok and report.failure is not None
        assert report.failure.line == 7 and report.failure.label == "SQ10 / 006"
        assert "no-such-status" in report.failure.message
        assert [line for line, _ in report.imported] == [2, 3, 4, 5, 6]
        assert [line for line, _ in report.not_imported] == [7, 8, 9]
        assert "5 of 8 row(s) imported; Line 7 (SQ10 / 006)" in report.summary()
    shots = await session.get(f"/data/projects/{target['id']}/shots")
    assert sorted(s["name"] for s in shots) == ["001", "002", "003", "004", "005"]  # no duplicates after a re-run


async def test_zou_errors_without_a_row_and_permissions(make_session: SessionFactory, seed: CsvSeed,
                                                        zou_admin: ZouAdmin) -> None:
    target = await _fresh_project(zou_admin, seed)
    session = await _signed_in(make_session, seed.manager)
    # A file with no Sequence column sent as is: Zou's "A columns is missing" at the first row.
    table = read_csv_bytes(b"Name;Description\r\nSH010;x\r\n")
    report = await Imports(session).run(target["id"], ImportKind.SHOTS, table)
    assert report.failure is not None and report.failure.line == 2 and "missing" in report.failure.message
    assert report.imported == []
    artist = await _signed_in(make_session, seed.artist)
    ok = read_csv_bytes(b"Sequence;Name\r\nSQ01;SH010\r\n")
    with pytest.raises(errors.PermissionDenied):
        await Imports(artist).run(target["id"], ImportKind.SHOTS, ok)
    assert await session.get(f"/data/projects/{target['id']}/shots") == []


@pytest.mark.parametrize(("name", "data"), [
    ("bom", "\ufeffSequence;Name;Description\r\nSQ01;001;new one\r\nSQ01;002;x\r\n".encode()),
    ("comma", b"Sequence,Name,Description\nSQ01,001,\"a, b\"\nSQ01,002,x\n"),
    ("semicolon", b"Sequence;Name;Description\nSQ01;001;a\nSQ01;002;x\n"),
])
async def test_import_preview_of_bom_comma_and_semicolon_files(make_session: SessionFactory, seed: CsvSeed,
                                                               name: str, data: bytes) -> None:
    session = await _signed_in(make_session, seed.manager)
    table = read_csv_bytes(data)
    assert table.headers == ["Sequence", "Name", "Description"]
    assert table.had_bom is (name == "bom") and table.delimiter == ("," if name == "comma" else ";")
    imports = Imports(session)
    mapped = _mapped(table, ImportKind.SHOTS, await imports.context(seed.id, ImportKind.SHOTS))
    plan = await imports.plan(seed.id, ImportKind.SHOTS, mapped, tv_show=False)
    assert (len(plan.new), len(plan.existing)) == (0, 2)  # both shots exist in the seeded project
    assert "left as they are" in plan.summary(False) and "2 existing row(s) will be updated" in plan.summary(True)


async def test_assets_and_casting_imports(make_session: SessionFactory, seed: CsvSeed, zou_admin: ZouAdmin) -> None:
    target = await _fresh_project(zou_admin, seed)
    session = await _signed_in(make_session, seed.manager)
    imports = Imports(session)
    assets = read_csv_bytes(b"Type;Name;Description;Modeling\nCharacter;Hero;h;wip\nProp;Sword;s;\n")
    mapped = _mapped(assets, ImportKind.ASSETS, await imports.context(target["id"], ImportKind.ASSETS))
    assert (await imports.run(target["id"], ImportKind.ASSETS, mapped)).ok
    shots = read_csv_bytes(b"Sequence;Name\nSQ01;001\n")
    await imports.run(target["id"], ImportKind.SHOTS, _mapped(shots, ImportKind.SHOTS, None))
    casting = read_csv_bytes(b"Parent;Name;Asset Type;Asset;Occurences;Label\n"
                             b"SQ01;001;Character;Hero;1;\nSQ01;001;Prop;Sword;3;\nSQ01;999;Prop;Sword;1;\n")
    mapped = _mapped(casting, ImportKind.CASTING, None)
    plan = await imports.plan(target["id"], ImportKind.CASTING, mapped, tv_show=False)
    assert (len(plan.existing), len(plan.unmatched)) == (2, 1) and "Zou skips them" in plan.summary(False)
    assert (await imports.run(target["id"], ImportKind.CASTING, mapped)).ok
    shot = (await session.get(f"/data/projects/{target['id']}/shots"))[0]
    cast = await session.get(f"/data/projects/{target['id']}/entities/{shot['id']}/casting")
    assert sorted((c["asset_name"], c["nb_occurences"]) for c in cast) == [("Hero", 1), ("Sword", 3)]


async def test_import_into_a_tv_show_needs_episodes(make_session: SessionFactory, seed: CsvSeed,
                                                    zou_admin: ZouAdmin) -> None:
    project, _, _ = prepare_project(zou_admin, team=[seed.manager], production_type="tvshow",
                                    name=unique("TV"))
    add_member(zou_admin, project["id"], seed.artist)
    session = await _signed_in(make_session, seed.manager)
    imports = Imports(session)
    ctx = await imports.context(project["id"], ImportKind.SHOTS)
    assert ctx.tv_show
    table = read_csv_bytes(b"Episode;Sequence;Name\nE01;SQ01;001\nE02;SQ01;001\n")
    mapped = _mapped(table, ImportKind.SHOTS, ctx)
    assert (await imports.run(project["id"], ImportKind.SHOTS, mapped)).ok
    plan = await imports.plan(project["id"], ImportKind.SHOTS, mapped, tv_show=True)
    assert (len(plan.new), len(plan.existing)) == (0, 2)
