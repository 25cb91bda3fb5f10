"""`slate export ...` and `slate import ...`: CSV from and to Zou for scripts, without a window.

The session is the desktop app's: tokens stored in the OS keyring under (API URL, email). With no
stored session (or an expired one), the password comes from the environment variable SLATE_PASSWORD,
or is asked on the terminal; never on the command line, and tokens are never printed.

    slate export shots --project "My Film" -o shots.csv --server https://kitsu.studio.com
    slate export playlist --project "My Film" --playlist "Dailies 12" -o dailies.csv --delimiter ,
    slate export tasks -o tasks.csv --bom
    slate import shots --project "My Film" --file shots.csv --update --dry-run
    slate download previews --project "My Film" --filter "anim=wip" -o previews/   (desktop/cli_download.py)

Exit codes: see EXIT_HELP below (also printed by --help).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TextIO

from desktop.api import errors as E
from desktop.api.auth import SignedIn, TwoFactorRequired, WrongCredentials
from desktop.api.downloads import format_size
from desktop.api.exports import GLOBAL_EXPORTS, PROJECT_EXPORTS, CsvImport, Exports, Playlists
from desktop.api.probe import probe_server
from desktop.api.session import ZouSession
from desktop.api.tokens import Tokens, TokenStore, keyring_status
from desktop.cli_help import EXIT_HELP
from desktop.csvio import CsvFormat, CsvFormatError, CsvWriteError, ImportKind

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND = 0, 1, 2, 3, 4
EXIT_DENIED, EXIT_NETWORK, EXIT_FILE, EXIT_IMPORT = 5, 6, 7, 8
EXIT_DOWNLOAD = 9
PASSWORD_ENV = "SLATE_PASSWORD"
SERVER_ENV = "SLATE_SERVER"
EMAIL_ENV = "SLATE_EMAIL"
EXPORT_KINDS = (*PROJECT_EXPORTS, "playlist", *GLOBAL_EXPORTS)


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class CliEnv:
    """What the command line reads from its surroundings (injectable in tests)."""

    token_store: TokenStore
    environ: dict[str, str]
    stdin_is_tty: bool
    stdout: TextIO
    stderr: TextIO
    last_server: str = ""
    last_email: str = ""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"slate: {message} (see slate {self.prog.split()[-1]} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="slate", description="Slate command line: CSV exports and imports, downloads, with "
                                               "Zou/Kitsu.",
                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXIT_HELP)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--server", help="Kitsu/Zou address (default: $SLATE_SERVER, else the app's last server)")
        p.add_argument("--email", help="account email (default: $SLATE_EMAIL, else the app's last account)")
        p.add_argument("--project", help="project name or id")
        p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
        p.add_argument("--allow-http", action="store_true",
                       help="sign in even though the server address is plain http:// to another computer "
                            "(the password crosses the network unencrypted); asked on a terminal otherwise")

    ex = sub.add_parser("export", help="write a CSV export of Zou to a file",
                        description="Write one of Zou's CSV exports to a file (atomically; formula cells "
                                    "neutralised unless --raw).")
    ex.add_argument("kind", choices=EXPORT_KINDS, help="what to export (tasks, time-spents, persons, projects "
                                                       "and task-types are studio-wide, for managers)")
    common(ex)
    ex.add_argument("--playlist", help="playlist name or id (export playlist)")
    ex.add_argument("--episode", help="episode name or id, or main/all for casting")
    ex.add_argument("-o", "--out", required=True, type=Path, help="output file")
    ex.add_argument("--delimiter", choices=(";", ","), default=";", help="cell delimiter (default ; as Zou)")
    ex.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM (for Excel)")
    ex.add_argument("--raw", action="store_true", help="write Zou's bytes unchanged (no neutralisation, "
                                                       "delimiter and BOM options ignored)")
    ex.add_argument("--asset-casting", action="store_true", help="casting: assets cast in assets instead of "
                                                                 "the shots' casting")

    im = sub.add_parser("import", help="import a CSV file into a project",
                        description="Import shots, assets, casting or edits from a CSV file. Headers are "
                                    "matched to Zou's (an exported file's Assignations columns included).")
    im.add_argument("kind", choices=[k.value for k in ImportKind])
    common(im)
    im.add_argument("--file", "-f", required=True, type=Path, help="the CSV file")
    im.add_argument("--update", action="store_true", help="update existing entities (Zou's ?update=true)")
    im.add_argument("--dry-run", action="store_true", help="check and count new/existing rows; import nothing")
    im.add_argument("--force", action="store_true", help="upload even when checks find rows Zou will refuse")
    from desktop import cli_download

    cli_download.add_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None, *, env: CliEnv | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help (0) or a usage error (2, already printed)
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    env = env or _default_env()
    try:
        message = asyncio.run(_run(args, env))
    except CliError as exc:
        print(f"slate: {_one_line(str(exc))}", file=env.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("slate: interrupted", file=env.stderr)
        return 130
    if message and not args.quiet:
        print(message, file=env.stdout)
    return EXIT_OK


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _default_env() -> CliEnv:
    last_server = last_email = ""
    try:  # the app's last server and account, when it has settings (QtCore only, no window)
        from desktop.settings import Settings

        settings = Settings()
        last_server, last_email = settings.last_api_url or settings.last_server, settings.last_email
    except Exception:  # settings are a convenience; explicit options still work
        pass
    return CliEnv(token_store=TokenStore(), environ=dict(os.environ), stdin_is_tty=sys.stdin.isatty(),
                  stdout=sys.stdout, stderr=sys.stderr, last_server=last_server, last_email=last_email)


def _error_code(exc: E.ZouError) -> int:
    if isinstance(exc, E.AuthenticationError | E.TwoFactorSetupRequired):
        return EXIT_AUTH
    if isinstance(exc, E.PermissionDenied):
        return EXIT_DENIED
    if isinstance(exc, E.NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, E.NetworkError | E.NotAZouServer):
        return EXIT_NETWORK
    return EXIT_FAILED


async def _run(args: argparse.Namespace, env: CliEnv) -> str:
    session: ZouSession | None = None
    try:
        session = await _connect(args, env)
        if args.command == "export":
            return await _export(session, args)
        if args.command == "download":
            return await _download(session, args, env)
        return await _import(session, args)
    except E.ZouError as exc:
        raise CliError(str(exc), _error_code(exc)) from exc
    except CsvWriteError as exc:
        raise CliError(str(exc), EXIT_FILE) from exc
    except CsvFormatError as exc:
        raise CliError(f"{args.file}: {exc}" if args.command == "import" else str(exc), EXIT_FILE) from exc
    finally:
        if session is not None:
            await session.aclose()


# ------------------------------------------------------------------ session
async def _connect(args: argparse.Namespace, env: CliEnv) -> ZouSession:
    server = args.server or env.environ.get(SERVER_ENV) or env.last_server
    if not server:
        raise CliError("no server: pass --server (or set SLATE_SERVER)", EXIT_USAGE)
    email = (args.email or env.environ.get(EMAIL_ENV) or env.last_email).strip()
    if not email:
        raise CliError("no account: pass --email (or set SLATE_EMAIL)", EXIT_USAGE)
    info = await probe_server(server)
    api_url = info.api_url
    stored = env.token_store.load(api_url, email)
    resumed = {"on": False}

    def keep(tokens: Tokens | None) -> None:  # a refreshed stored session stays stored, as in the app
        if resumed["on"] and tokens is not None:
            env.token_store.save(api_url, email, tokens)

    session = ZouSession(api_url, on_tokens=keep)
    try:
        if stored is not None and await session.resume(stored) is not None:
            resumed["on"] = True
            return session
        if session.sends_in_clear:
            _consent_to_plain_http(args, env, api_url)
            session.allow_plaintext = True
        password = env.environ.get(PASSWORD_ENV)
        if not password:
            if not env.stdin_is_tty:
                what = "the stored session has expired" if stored is not None else "no stored session"
                status = keyring_status()
                if stored is None and not status.persistent:
                    what += f" ({status.reason.split(':')[0]})"
                raise CliError(f"{what} for {email} on {api_url}: sign in with the Slate app, or set "
                               f"{PASSWORD_ENV}", EXIT_AUTH)
            password = getpass.getpass(f"Password for {email} on {api_url}: ")
        outcome = await session.sign_in(email, password)
        if isinstance(outcome, SignedIn):
            if outcome.enrollment_required:
                raise CliError("this server requires two-factor authentication to be set up: sign in once with "
                               "the Slate app", EXIT_AUTH)
            return session
        if isinstance(outcome, WrongCredentials):
            raise CliError(f"sign-in refused for {email}: wrong email or password", EXIT_AUTH)
        if isinstance(outcome, TwoFactorRequired):
            raise CliError(f"{email} uses two-factor authentication: sign in with the Slate app (keep me signed "
                           "in), then run this again", EXIT_AUTH)
        raise CliError(f"sign-in refused for {email}: {type(outcome).__name__}", EXIT_AUTH)
    except BaseException:
        await session.aclose()
        raise


def _consent_to_plain_http(args: argparse.Namespace, env: CliEnv, api_url: str) -> None:
    """Plain http:// to another computer: the password would be readable on the network. Ask first."""
    warning = (f"{api_url} is plain http://, not https://: your password would cross the network unencrypted")
    if args.allow_http:
        print(f"slate: warning: {warning} (--allow-http)", file=env.stderr)
        return
    if not env.stdin_is_tty:
        raise CliError(f"{warning}; use the server's https:// address, or pass --allow-http to sign in anyway",
                       EXIT_AUTH)
    print(f"slate: warning: {warning}.", file=env.stderr)
    answer = input("Send it anyway? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise CliError("not signed in: the server address is not encrypted", EXIT_AUTH)


async def _project(session: ZouSession, name_or_id: str | None) -> dict[str, Any]:
    if not name_or_id:
        raise CliError("--project is required for this export", EXIT_USAGE)
    wanted = name_or_id.strip()
    candidates: list[dict[str, Any]] = []
    for path in ("/data/user/projects/open", "/data/projects"):
        try:
            data = await session.get(path)
        except E.PermissionDenied:
            continue
        candidates = [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []
        for p in candidates:
            if p.get("id") == wanted:
                return p
        named = [p for p in candidates if str(p.get("name", "")).casefold() == wanted.casefold()]
        if named:
            return named[0]
    raise CliError(f"no project named or with id \"{wanted}\" is visible to this account", EXIT_NOT_FOUND)


async def _episode(session: ZouSession, project_id: str, name_or_id: str | None) -> str | None:
    if not name_or_id or name_or_id in ("main", "all"):
        return name_or_id
    data = await session.get(f"/data/projects/{project_id}/episodes")
    for e in data if isinstance(data, list) else []:
        if isinstance(e, dict) and (e.get("id") == name_or_id or str(e.get("name", "")).casefold()
                                    == name_or_id.casefold()):
            return str(e["id"])
    raise CliError(f"no episode \"{name_or_id}\" in this project", EXIT_NOT_FOUND)


# ------------------------------------------------------------------ commands
async def _export(session: ZouSession, args: argparse.Namespace) -> str:
    fmt = CsvFormat(delimiter=args.delimiter, bom=args.bom)
    out: Path = args.out.expanduser()
    exports = Exports(session)
    if args.kind in GLOBAL_EXPORTS:
        result = await exports.global_csv(args.kind, out, fmt, raw=args.raw)
    else:
        project = await _project(session, args.project)
        pid = str(project["id"])
        if args.kind == "playlist":
            if not args.playlist:
                raise CliError("--playlist is required for a playlist export", EXIT_USAGE)
            playlist = await Playlists(session).find(pid, args.playlist)
            result = await exports.playlist_csv(playlist.id, out, fmt, project_id=pid, raw=args.raw)
        else:
            episode = await _episode(session, pid, args.episode)
            result = await exports.project_csv(pid, args.kind, out, fmt, episode_id=episode,
                                               asset_casting=args.asset_casting, raw=args.raw)
    text = f"wrote {out} ({result.bytes} bytes" + (f", {result.rows} lines" if result.rows else "") + ")"
    if result.neutralised:
        text += f"; {result.neutralised} formula-like cell(s) neutralised"
    if result.note:
        text += f"; {result.note}"
    return text


async def _download(session: ZouSession, args: argparse.Namespace, env: CliEnv) -> str:
    from desktop import cli_download

    project = episode = None
    if args.what == "previews":
        project = await _project(session, args.project)
        episode = await _episode(session, str(project["id"]), args.episode)
    sources = await cli_download.sources_for(session, args, project, episode)
    if not sources:
        return "nothing to download"
    tty = getattr(env.stderr, "isatty", lambda: False)()
    folder: Path = args.out.expanduser()
    done, failed = await cli_download.download(session, sources, folder, parallel=args.parallel,
                                               progress=env.stderr if tty and not args.quiet else None)
    if failed:
        first = failed[0]
        raise CliError(f"{len(failed)} of {len(done) + len(failed)} downloads failed, first {first.name}: "
                       f"{first.error or first.status.value} ({len(done)} complete in {folder})", EXIT_DOWNLOAD)
    size = sum(i.received for i in done)
    return f"downloaded {len(done)} file(s), {format_size(size)}, into {folder}"


async def _import(session: ZouSession, args: argparse.Namespace) -> str:
    # The wizard's steps (desktop.api.exports.CsvImport), the file first: its problems need no server.
    pipeline = CsvImport(session, "", ImportKind(args.kind))
    table = await pipeline.read_file(args.file.expanduser())
    project = await _project(session, args.project)
    pipeline.project_id = str(project["id"])
    await pipeline.load_context()
    if pipeline.mapping_errors:
        raise CliError(f"{args.file}: {pipeline.mapping_errors[0].message}", EXIT_IMPORT)
    errors = pipeline.row_errors
    plan = await pipeline.dry_run()
    summary = plan.summary(args.update)
    if args.dry_run:
        rows = len(pipeline.mapped.rows) if pipeline.mapped is not None else 0
        text = f"dry run: {rows} row(s) read ({table.encoding_label}, {table.delimiter_label}). {summary}"
        if errors:
            text += f" {len(errors)} row(s) Zou would refuse, first: {errors[0]}"
        return text
    if errors and not args.force:
        raise CliError(f"{args.file}: {errors[0]} ({len(errors)} problem(s); fix the file or pass --force)",
                       EXIT_IMPORT)
    report = await pipeline.run(update=args.update)
    if not report.ok:
        raise CliError(report.summary(), EXIT_IMPORT)
    return report.summary()


if __name__ == "__main__":
    sys.exit(main())
