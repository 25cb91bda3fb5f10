"""`python -m desktop.localzou ensure|serve`: the local Zou tooling outside pytest.

ensure: install what a local Zou needs (Debian packages when root, Zou's own venv), say what is missing.
serve:  start a server (state kept in --root when given) and print its URL and admin credentials.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from desktop.localzou.install import MissingDependency, ensure_system_packages, ensure_zou_venv
from desktop.localzou.server import LocalZou, ServerStartError


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.localzou")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ensure", help="install PostgreSQL, Redis and Zou's venv if missing")
    serve = sub.add_parser("serve", help="run a local Zou until interrupted")
    serve.add_argument("--root", type=Path, help="keep the server's state in this folder")
    args = parser.parse_args(argv)
    try:
        if args.command == "ensure":
            ensure_system_packages()
            ensure_zou_venv()
            print("localzou: PostgreSQL, Redis and Zou are ready")
            return 0
        # SIGTERM and SIGHUP stop the server like Ctrl-C (their default would skip the clean-up).
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _interrupt)
        server = LocalZou(root=args.root, persistent=args.root is not None, fast_hash=False).start()
        print(f"Zou at {server.url}  admin: {server.admin_email} / {server.admin_password}", flush=True)
        if server.events_url:
            print(f"event stream at {server.events_url} (socket.io); one host: API {server.site_api_url}, "
                  f"stream {server.site_url}/socket.io", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
        return 0
    except (MissingDependency, ServerStartError) as exc:
        print(f"localzou: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # interrupted while starting: start() has already stopped what it started
        return 130


if __name__ == "__main__":
    sys.exit(main())
