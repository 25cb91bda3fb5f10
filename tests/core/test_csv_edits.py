"""CSV import of edits (`POST /import/csv/projects/{id}/edits`) through the same pipeline as shots and
assets, the wizard's and the CLI's (`desktop.api.exports.CsvImport`, `slate import edits`): preview,
mapping, the dry run, leading zeros kept, a status column, the report; against the real Zou."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from desktop.api import SignedIn, Tokens, TokenStore, ZouSession
from desktop.api.exports import CsvImport, ImportPlan, ImportReport
from desktop.cli import EXIT_OK, CliEnv, main
from desktop.csvio import ImportKind
from desktop.localzou import LocalZou
from tests.helpers.zou import TestUser, ZouAdmin, unique


@pytest.fixture(scope="module")
def project(zou_admin: ZouAdmin) -> tuple[dict[str, object], TestUser, str]:
    manager = zou_admin.create_user("manager")
    project = zou_admin.create_project(unique("Edits"), team=[manager])
    task_type = zou_admin.post("/data/task-types", {"name": unique("Conform"), "for_entity": "Edit"})
    zou_admin.post(f"/data/projects/{project['id']}/settings/task-types", {"task_type_id": task_type["id"]})
    return project, manager, str(task_type["name"])


async def _edits_import(url: str, user: TestUser, project_id: str, path: Path, *,
                        update: bool = False) -> tuple[CsvImport, ImportPlan, ImportReport]:
    session = ZouSession(url)
    try:
        assert isinstance(await session.sign_in(user.email, user.password), SignedIn)
        pipeline = CsvImport(session, project_id, ImportKind.EDITS)
        await pipeline.read_file(path)
        await pipeline.load_context()
        assert not pipeline.mapping_errors and not pipeline.row_errors
        plan = await pipeline.dry_run()
        report = await pipeline.run(update=update)
        return pipeline, plan, report
    finally:
        await session.aclose()


def test_edits_import_keeps_leading_zeros_and_sets_statuses(zou_server: LocalZou, zou_admin: ZouAdmin,
                                                           project: tuple[dict[str, object], TestUser, str],
                                                           tmp_path: Path) -> None:
    proj, manager, task_type = project
    pid = str(proj["id"])
    path = tmp_path / "edits.csv"
    path.write_text(f"Edit name;desc;{task_type}\n007;Teaser cut;wip\n010;Trailer;\n", encoding="utf-8")
    pipeline, plan, report = asyncio.run(_edits_import(zou_server.url, manager, pid, path))
    assert pipeline.table is not None and pipeline.table.rows[0][0] == "007"  # the preview keeps it a string
    assert [pipeline.mapping[0], pipeline.mapping[1]] == ["Name", "Description"]  # aliases matched
    assert (len(plan.new), len(plan.existing)) == (2, 0)
    assert report.ok and report.summary() == "2 of 2 row(s) imported."
    edits = {e["name"]: e for e in zou_admin.get(f"/data/projects/{pid}/edits")}
    assert sorted(edits) == ["007", "010"] and edits["007"]["description"] == "Teaser cut"
    tasks = zou_admin.get(f"/data/edits/{edits['007']['id']}/tasks")
    wip = next(s for s in zou_admin.get("/data/task-status") if s["short_name"] == "wip")
    assert [t["task_status_id"] for t in tasks] == [wip["id"]]

    path.write_text("Name;Description\n007;Teaser cut v2\n", encoding="utf-8")
    _, plan, report = asyncio.run(_edits_import(zou_server.url, manager, pid, path, update=True))
    assert (len(plan.new), len(plan.existing)) == (0, 1) and report.ok
    assert zou_admin.get(f"/data/edits/{edits['007']['id']}")["description"] == "Teaser cut v2"


def test_slate_import_edits_on_the_command_line(zou_server: LocalZou, zou_admin: ZouAdmin,
                                                project: tuple[dict[str, object], TestUser, str],
                                                tmp_path: Path) -> None:
    proj, manager, _ = project

    async def tokens() -> Tokens:
        session = ZouSession(zou_server.url)
        try:
            outcome = await session.sign_in(manager.email, manager.password)
            assert isinstance(outcome, SignedIn)
            return outcome.tokens
        finally:
            await session.aclose()

    TokenStore().save(zou_server.url, manager.email, asyncio.run(tokens()))
    path = tmp_path / "more.csv"
    path.write_text("Name,Description\n0042,Director's cut\n", encoding="utf-8")
    base = ["--project", str(proj["name"]), "--file", str(path), "--server", zou_server.url,
            "--email", manager.email]
    for extra, expected in ((["--dry-run"], "1 new row(s) will be created"), ([], "1 of 1 row(s) imported.")):
        env = CliEnv(token_store=TokenStore(), environ={}, stdin_is_tty=False, stdout=io.StringIO(),
                     stderr=io.StringIO())
        code = main(["import", "edits", *base, *extra], env=env)
        assert isinstance(env.stdout, io.StringIO) and isinstance(env.stderr, io.StringIO)
        assert (code, env.stderr.getvalue()) == (EXIT_OK, ""), env.stderr.getvalue()
        assert expected in env.stdout.getvalue()
    assert "0042" in {e["name"] for e in zou_admin.get(f"/data/projects/{proj['id']}/edits")}
