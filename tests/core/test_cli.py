"""The `slate export|import` command line against the real Zou: stored session, none, exit codes."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.api import SignedIn, Tokens, TokenStore, ZouSession
from desktop.cli import (
    EXIT_AUTH,
    EXIT_DENIED,
    EXIT_FILE,
    EXIT_IMPORT,
    EXIT_NETWORK,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    CliEnv,
    main,
)
from desktop.localzou import LocalZou
from tests.helpers.csv_seed import CsvSeed, prepare_project, seed_csv_project
from tests.helpers.zou import TestUser, ZouAdmin

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seed(zou_admin: ZouAdmin) -> Iterator[CsvSeed]:
    yield seed_csv_project(zou_admin)


def _sign_in(url: str, user: TestUser) -> Tokens:
    async def go() -> Tokens:
        session = ZouSession(url)
        try:
            outcome = await session.sign_in(user.email, user.password)
            assert isinstance(outcome, SignedIn)
            return outcome.tokens
        finally:
            await session.aclose()

    return asyncio.run(go())


def _env(environ: dict[str, str] | None = None) -> CliEnv:
    return CliEnv(token_store=TokenStore(), environ=environ or {}, stdin_is_tty=False, stdout=io.StringIO(),
                  stderr=io.StringIO())


def _run(argv: list[str], env: CliEnv) -> tuple[int, str, str]:
    code = main(argv, env=env)
    assert isinstance(env.stdout, io.StringIO) and isinstance(env.stderr, io.StringIO)
    return code, env.stdout.getvalue(), env.stderr.getvalue()


def _subprocess(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SLATE_")}
    environ.update({"PYTHON_KEYRING_BACKEND": "tests.helpers.keyrings.MemoryKeyring", "QT_QPA_PLATFORM": "offscreen",
                    "XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path / "home"), **extra})
    return subprocess.run([sys.executable, "-m", "desktop.cli", *args], cwd=REPO, env=environ, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=60)


def _rows(path: Path, delimiter: str = ";") -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def test_help_and_usage_errors(tmp_path: Path) -> None:
    assert main(["--help"], env=_env()) == EXIT_OK
    assert main(["export", "--help"], env=_env()) == EXIT_OK
    assert main(["export"], env=_env()) == EXIT_USAGE
    assert main(["export", "bogus", "-o", str(tmp_path / "x.csv")], env=_env()) == EXIT_USAGE
    code, out, err = _run(["export", "shots", "--project", "x", "-o", str(tmp_path / "x.csv")], _env())
    assert code == EXIT_USAGE and err == "slate: no server: pass --server (or set SLATE_SERVER)\n" and out == ""


def test_export_with_the_stored_session(zou_server: LocalZou, seed: CsvSeed, tmp_path: Path) -> None:
    tokens = _sign_in(zou_server.url, seed.manager)
    TokenStore().save(zou_server.url, seed.manager.email, tokens)
    out = tmp_path / "shots.csv"
    env = _env()
    code, stdout, stderr = _run(["export", "shots", "--project", seed.name, "-o", str(out), "--delimiter", ",",
                                 "--bom", "--server", zou_server.url, "--email", seed.manager.email], env)
    assert (code, stderr) == (EXIT_OK, "")
    assert stdout.startswith(f"wrote {out} (") and "1 formula-like cell(s) neutralised" in stdout
    assert tokens.access not in stdout and (tokens.refresh or "-") not in stdout
    rows = _rows(out, ",")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and rows[0][:4] == ["Project", "Episode", "Sequence", "Name"]
    assert [r[3] for r in rows[1:]] == ["001", "002", "010", "001"]
    # The playlist, by name, and the project by id; --quiet prints nothing.
    code, stdout, stderr = _run(["export", "playlist", "--project", seed.id, "--playlist", "Dailies", "-o",
                                 str(tmp_path / "p.csv"), "--server", zou_server.url, "--email", seed.manager.email,
                                 "-q"], _env())
    assert (code, stdout, stderr) == (EXIT_OK, "", "")
    assert _rows(tmp_path / "p.csv")[0][2] == "Dailies"


def test_no_stored_session_gives_a_clear_message(zou_server: LocalZou, seed: CsvSeed, tmp_path: Path) -> None:
    proc = _subprocess(["export", "shots", "--project", seed.name, "-o", str(tmp_path / "x.csv"), "--server",
                        zou_server.url, "--email", seed.manager.email], tmp_path)
    assert proc.returncode == EXIT_AUTH and proc.stdout == ""
    assert proc.stderr == (f"slate: no stored session for {seed.manager.email} on {zou_server.url}: sign in with "
                           "the Slate app, or set SLATE_PASSWORD\n")
    assert not (tmp_path / "x.csv").exists()


def test_password_from_the_environment(zou_server: LocalZou, seed: CsvSeed, tmp_path: Path) -> None:
    out = tmp_path / "assets.csv"
    proc = _subprocess(["export", "assets", "--project", seed.name, "-o", str(out)], tmp_path,
                       SLATE_SERVER=zou_server.url, SLATE_EMAIL=seed.manager.email,
                       SLATE_PASSWORD=seed.manager.password)
    assert proc.returncode == EXIT_OK, proc.stderr
    assert seed.manager.password not in proc.stdout + proc.stderr
    assert [r[2] for r in _rows(out)[1:]] == ["Hero", "Sword"]
    wrong = _subprocess(["export", "assets", "--project", seed.name, "-o", str(out)], tmp_path,
                        SLATE_SERVER=zou_server.url, SLATE_EMAIL=seed.manager.email, SLATE_PASSWORD="nope")
    assert wrong.returncode == EXIT_AUTH and "wrong email or password" in wrong.stderr
    assert wrong.stderr.count("\n") == 1


def test_an_expired_stored_session_falls_back_and_says_so(zou_server: LocalZou, seed: CsvSeed,
                                                          tmp_path: Path) -> None:
    TokenStore().save(zou_server.url, seed.artist.email, Tokens(access="not-a-token", refresh="nor-this"))
    code, _, err = _run(["export", "shots", "--project", seed.name, "-o", str(tmp_path / "x.csv"), "--server",
                         zou_server.url, "--email", seed.artist.email], _env())
    assert code == EXIT_AUTH and "the stored session has expired" in err
    code, _, err = _run(["export", "shots", "--project", seed.name, "-o", str(tmp_path / "x.csv"), "--server",
                         zou_server.url, "--email", seed.artist.email],
                        _env({"SLATE_PASSWORD": seed.artist.password}))
    assert (code, err) == (EXIT_OK, "")


def test_exit_codes(zou_server: LocalZou, seed: CsvSeed, tmp_path: Path) -> None:
    TokenStore().save(zou_server.url, seed.artist.email, _sign_in(zou_server.url, seed.artist))
    base = ["--server", zou_server.url, "--email", seed.artist.email]

    def run(*args: str) -> tuple[int, str]:
        code, _, err = _run([*args, *base], _env())
        assert err.count("\n") == (0 if code == EXIT_OK else 1), err
        return code, err

    assert run("export", "shots", "--project", "No such project", "-o", str(tmp_path / "a.csv"))[0] == EXIT_NOT_FOUND
    code, err = run("export", "playlist", "--project", seed.name, "--playlist", "Nope", "-o", str(tmp_path / "b.csv"))
    assert code == EXIT_NOT_FOUND and "No playlist named" in err
    assert run("export", "playlist", "--project", seed.name, "-o", str(tmp_path / "c.csv"))[0] == EXIT_USAGE
    assert run("export", "tasks", "-o", str(tmp_path / "d.csv"))[0] == EXIT_DENIED  # studio-wide: managers only
    code, err = run("export", "shots", "--project", seed.name, "-o", str(tmp_path / "missing" / "e.csv"))
    assert code == EXIT_FILE and "does not exist" in err
    assert not any(tmp_path.iterdir())
    code, _, err = _run(["export", "shots", "--project", "x", "-o", str(tmp_path / "f.csv"), "--server",
                         "http://127.0.0.1:9", "--email", "a@b.c"], _env())
    assert code == EXIT_NETWORK and err.startswith("slate: Cannot reach")


def test_import_command(zou_server: LocalZou, zou_admin: ZouAdmin, seed: CsvSeed, tmp_path: Path) -> None:
    project, _, _ = prepare_project(zou_admin, team=[seed.manager])
    TokenStore().save(zou_server.url, seed.manager.email, _sign_in(zou_server.url, seed.manager))
    base = ["--server", zou_server.url, "--email", seed.manager.email, "--project", project["name"]]
    good = tmp_path / "shots.csv"
    good.write_text("Sequence,Name,Frames,Animation\nSQ01,001,48,wip\nSQ01,002,24.0,todo\n", encoding="utf-8")
    code, out, err = _run(["import", "shots", "--file", str(good), "--dry-run", *base], _env())
    assert (code, err) == (EXIT_OK, "") and "dry run: 2 row(s) read (UTF-8, comma (,))" in out
    assert "2 new row(s) will be created." in out
    assert zou_admin.get(f"/data/projects/{project['id']}/shots") == []
    code, out, err = _run(["import", "shots", "--file", str(good), *base], _env())
    assert (code, out.strip(), err) == (EXIT_OK, "2 of 2 row(s) imported.", "")
    bad = tmp_path / "bad.csv"
    bad.write_text("Sequence;Name;Animation\nSQ01;003;wip\nSQ01;004;nope\n", encoding="utf-8")
    code, out, err = _run(["import", "shots", "--file", str(bad), *base], _env())
    assert code == EXIT_IMPORT and "Line 3: Animation: no task status is named \"nope\"" in err
    code, out, err = _run(["import", "shots", "--file", str(bad), "--force", *base], _env())
    assert code == EXIT_IMPORT and "1 of 2 row(s) imported; Line 3 (SQ01 / 004)" in err
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01binary")
    code, _, err = _run(["import", "shots", "--file", str(broken), *base], _env())
    assert code == EXIT_FILE and "binary" in err
    names = sorted(s["name"] for s in zou_admin.get(f"/data/projects/{project['id']}/shots"))
    assert names == ["001", "002", "003"]


def test_import_refuses_a_too_big_file_naming_the_limit(zou_server: LocalZou, zou_admin: ZouAdmin, seed: CsvSeed,
                                                        tmp_path: Path) -> None:
    project, _, _ = prepare_project(zou_admin, team=[seed.manager])
    TokenStore().save(zou_server.url, seed.manager.email, _sign_in(zou_server.url, seed.manager))
    big = tmp_path / "huge.csv"
    with big.open("wb") as fh:  # sparse
        fh.write(b"Sequence;Name\n")
        fh.truncate(190_000_000)
    code, out, err = _run(["import", "shots", "--file", str(big), "--server", zou_server.url, "--email",
                           seed.manager.email, "--project", project["name"]], _env())
    assert (code, out) == (EXIT_FILE, "")
    assert err.strip() == (f"slate: {big}: huge.csv is 190 MB: Slate imports CSV files up to 50 MB. Split it into "
                           "smaller files and import them one after the other.")
