"""`slate download` and `slate --help` against the real Zou: previews of the shots a Kitsu filter selects,
a task's attachments, progress on a terminal, --quiet, exit codes; and the app's light start-up imports."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.api import SignedIn, TokenStore, ZouSession
from desktop.cli import EXIT_DOWNLOAD, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, CliEnv, main
from desktop.localzou import LocalZou
from tests.helpers.seed import SeededProject, seed_small_project
from tests.helpers.zou import ZouAdmin, unique

REPO = Path(__file__).resolve().parents[2]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def seeded(zou_admin: ZouAdmin, zou_server: LocalZou) -> SeededProject:
    project = seed_small_project(zou_admin, name=unique("CLI dl"))

    async def sign_in() -> None:
        session = ZouSession(zou_server.url)
        try:
            outcome = await session.sign_in(project.artist.email, project.artist.password)
            assert isinstance(outcome, SignedIn)
            TokenStore().save(zou_server.url, project.artist.email, outcome.tokens)
        finally:
            await session.aclose()

    asyncio.run(sign_in())
    return project


def run(args: list[str], server: str, email: str, *, stderr: io.StringIO | None = None) -> tuple[int, str, str]:
    env = CliEnv(token_store=TokenStore(), environ={}, stdin_is_tty=False, stdout=io.StringIO(),
                 stderr=stderr or io.StringIO())
    code = main([*args, "--server", server, "--email", email], env=env)
    assert isinstance(env.stdout, io.StringIO) and isinstance(env.stderr, io.StringIO)
    return code, env.stdout.getvalue(), env.stderr.getvalue()


def test_help_lists_the_subcommands_and_exit_codes_and_start_up_stays_light() -> None:
    environ = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    shown = subprocess.run([sys.executable, "-m", "desktop", "--help"], cwd=REPO, env=environ, text=True,
                           capture_output=True, timeout=60)
    assert shown.returncode == 0
    for word in ("export", "import", "download", "Exit codes", "9 some downloads failed"):
        assert word in shown.stdout, word
    # `slate` without a subcommand never loads the command line's modules (cold start of the window).
    probe = subprocess.run([sys.executable, "-c", "import sys, desktop.app; desktop.app.parse_args(['--version']); "
                            "print(sorted(m for m in sys.modules if m.startswith('desktop.cli')))"],
                           cwd=REPO, env=environ, text=True, capture_output=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "['desktop.cli_help']"
    assert main(["download", "--help"]) == EXIT_OK
    assert main(["download", "previews", "--help"]) == EXIT_OK
    assert main(["download", "bogus"]) == EXIT_USAGE


def test_download_previews_selected_by_a_filter_query_with_a_progress_bar(
        zou_server: LocalZou, seeded: SeededProject, tmp_path: Path) -> None:
    email = seeded.artist.email
    folder = tmp_path / "previews"
    terminal = Terminal()
    code, out, err = run(["download", "previews", "--project", seeded.name, "--filter", "SQ01 SH010", "-o",
                          str(folder)], zou_server.url, email, stderr=terminal)
    assert code == EXIT_OK, err
    files = [p for p in folder.iterdir() if p.is_file()]
    assert len(files) == 1 and files[0].suffix == ".png" and files[0].stat().st_size > 0
    assert not any(p.name.endswith(".part") for p in folder.iterdir())
    assert out.startswith("downloaded 1 file(s)")
    assert "[" + "#" * 30 + "] 100.0%" in err and "1/1 files" in err  # the terminal's progress line
    # A query no shot with a preview matches: nothing to do, exit 0. --quiet prints nothing at all.
    code, out, err = run(["download", "previews", "--project", seeded.name, "--filter", "SQ02", "-o",
                          str(folder)], zou_server.url, email)
    assert (code, out.strip(), err) == (EXIT_OK, "nothing to download", "")
    code, out, err = run(["download", "previews", "--project", seeded.name, "--filter", "SH010", "--quiet", "-o",
                          str(folder)], zou_server.url, email, stderr=Terminal())
    assert (code, out, err) == (EXIT_OK, "", "")
    assert len([p for p in folder.iterdir() if p.is_file()]) == 2  # never overwritten: a second, renamed file


def test_download_task_attachments_and_exit_codes(zou_server: LocalZou, seeded: SeededProject,
                                                  tmp_path: Path) -> None:
    email = seeded.artist.email
    task = seeded.tasks[("SQ01/SH010", "Animation")]
    folder = tmp_path / "attachments"
    code, out, err = run(["download", "attachments", "--task", task, "--no-previews", "-o", str(folder)],
                         zou_server.url, email)
    assert code == EXIT_OK, err
    assert (folder / seeded.attachment_name).read_bytes() == b"arc notes\n"
    code, _, err = run(["download", "attachments", "--task", "00000000-0000-0000-0000-000000000000", "-o",
                        str(folder)], zou_server.url, email)
    assert code == EXIT_NOT_FOUND and err.count("\n") == 1
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    code, out, err = run(["download", "attachments", "--task", task, "--no-previews", "-o", str(blocked)],
                         zou_server.url, email)
    assert code == EXIT_DOWNLOAD and "1 of 1 downloads failed" in err and out == ""
