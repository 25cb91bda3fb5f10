"""Slate's entry point: command line, logging, QApplication on a qasync loop, and a clean shutdown.

Boot and shutdown follow the pattern verified in design.md: `qasync.run(amain(app))`; the app does not
quit when its last window closes, it sets an event instead, and `amain` returns after closing the HTTP
client inside the coroutine (closing it from `aboutToQuit` fails: the loop is already gone).

Cold start: `main()` shows and paints the first window (the sign-in window, or a saved session's main
window before its session is checked) before asyncio and qasync are imported, then runs the loop
(desktop/ui/first_window.py says what keeps that safe).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QWidget

from desktop import APP_NAME, ORG_DOMAIN, ORG_NAME, __version__
from desktop.applog import setup_logging

if TYPE_CHECKING:
    from desktop.demo.runner import DemoServer
    from desktop.ui.first_window import Boot

log = logging.getLogger("desktop.app")

# How long --smoke-test keeps the first window up: long enough to lay out and paint it once.
# SLATE_SMOKE_SHOW_S=0 lets the benchmark time start-up alone.
SMOKE_TEST_SHOW_S = float(os.environ.get("SLATE_SMOKE_SHOW_S", "0.5"))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from desktop.cli_help import COMMANDS_HELP, EXIT_HELP

    parser = argparse.ArgumentParser(prog="slate", description=f"{APP_NAME}: a desktop client for Kitsu (Zou).",
                                     usage="slate [options]  |  slate {export,import,download} ...",
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=COMMANDS_HELP + "\n" + EXIT_HELP)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--server", metavar="URL", default="",
                        help="the Kitsu/Zou server to sign in to (prefills the sign-in window)")
    parser.add_argument("--smoke-test", action="store_true",
                        help="open the first window (sign-in, or main when a saved session resumes), then exit")
    parser.add_argument("--demo", action="store_true",
                        help="run on the local demo Zou with sample data (the default when no server is set up)")
    parser.add_argument("--keep-server", action="store_true",
                        help="leave the demo server running when the app exits (the next run reuses it)")
    parser.add_argument("--stop-demo", action="store_true", help="stop a demo server left running, then exit")
    # Qt's own options (-platform, -style, …) pass through to QApplication.
    args, _qt_args = parser.parse_known_args(argv)
    return args


def make_application(argv: Sequence[str]) -> QApplication:
    from desktop.ui.resources import app_icon

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv))
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(ORG_NAME)
    app.setOrganizationDomain(ORG_DOMAIN)
    app.setDesktopFileName("slate")
    app.setWindowIcon(app_icon())
    return app


async def amain(app: QApplication, args: argparse.Namespace, state: Boot | None = None) -> int:
    """The app on the running loop. `state`: what `main()` built (and the sign-in window it already
    painted) before the loop started; None builds it here (the loop-first path, as tests run it)."""
    import asyncio

    # Imported here so `slate --version` answers without loading the widget modules.
    from desktop.ui import first_paint
    from desktop.ui.first_window import boot

    if state is None:
        state = boot(app, args)
    settings, connections, controller = state.settings, state.connections, state.controller
    closed = asyncio.Event()
    state.quit.notify(closed.set)  # a quit asked for before the loop ran sets it at once
    first_paint.release()  # the sign-in window's deferred work, held while no loop ran
    demo = None
    if state.demo:
        demo = await _start_demo()
        if demo is None:
            return 1
    try:
        if demo is not None:
            coordinator = demo.info.account("coordinator")
            # Through the demo's front door (API under /api, the event stream at /socket.io, as a studio's
            # nginx serves Kitsu), so live updates find the stream where they would on a real server.
            window = await controller.start_signed_in(f"{demo.site_url}/api" if demo.site_url else demo.url,
                                                      coordinator.email, coordinator.password)
        elif state.window is not None and state.window is not controller.early_main:
            window = state.window  # the sign-in window, shown before the loop
        else:
            window = await controller.start()  # fills the main window shown before the loop, if any
        log.info("started: %s shown", window.objectName())
        if args.smoke_test:
            if state.window is window and state.painted is not None:
                _print_painted(window, *state.painted)
                if window.objectName() == "mainWindow":  # painted before its session: now filled too
                    await _wait_painted(window, "filled")
            else:
                await _wait_painted(window)
            await asyncio.sleep(SMOKE_TEST_SHOW_S)
            from desktop.media.selfcheck import decoder_check  # the review player's FFmpeg, as bundled

            print(f"smoke-test: {decoder_check()}", flush=True)
            print(f"smoke-test: {window.objectName()} shown, {APP_NAME} {__version__}", flush=True)
        else:
            await closed.wait()
    finally:
        await controller.shutdown()
        await _end_leftover_tasks()
        await connections.aclose()
        settings.sync()
        if demo is not None:
            if args.keep_server:
                demo.detach()
                print(f"slate: the demo server keeps running at {demo.url} (stop it: slate --stop-demo)")
            else:
                await asyncio.get_running_loop().run_in_executor(None, demo.stop)
    log.info("stopped")
    return 0


async def _end_leftover_tasks(timeout_s: float = 2.0) -> None:
    """Tasks still running at quit (a server probe of a window just closed, a load of a deleted pane) are
    cancelled and awaited while the loop still runs: one left pending would be resumed or collected after the
    loop closed, where httpcore cannot close its connection any more (anyio's NoEventLoopError, a traceback)."""
    import asyncio

    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=timeout_s)
    for task in pending:  # what they ended with is of no use now; retrieved, so asyncio does not print it
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.debug("task ended at quit: %r", task.exception())


async def _wait_painted(window: QWidget, what: str = "painted") -> None:
    """Until `window` has been painted; prints when (`_print_painted`)."""
    import asyncio

    from desktop.ui.first_paint import after_first_paint

    painted: asyncio.Future[tuple[float, float]] = asyncio.get_running_loop().create_future()

    def done() -> None:
        if not painted.done():
            painted.set_result((time.monotonic(), time.process_time()))

    # `controller.start()` showed the window and returned without yielding to the event loop, so its
    # first paint is still to come; update() makes sure a paint is on its way either way.
    after_first_paint(window, done)
    window.update()
    _print_painted(window, *await asyncio.wait_for(painted, 30), what=what)


def _print_painted(window: QWidget, at: float, cpu: float, what: str = "painted") -> None:
    """For the cold-start benchmark (benchmarks/cold_start.py): when `window` finished its first paint, on
    the machine-wide monotonic clock, and this process's CPU time by then ("filled": the main window
    painted before its session was checked, painted again with its panes in)."""
    print(f"smoke-test: {window.objectName()} {what} at monotonic {at:.6f} (cpu {cpu:.3f} s)", flush=True)


async def _start_demo() -> DemoServer | None:
    """Bring up the demo Zou off the UI thread (first run: install + seed, about a minute)."""
    import asyncio

    from desktop.demo.runner import credentials_text, start_demo
    from desktop.localzou import MissingDependency, ServerStartError

    def progress(message: str) -> None:
        print(f"slate demo: {message}", flush=True)

    try:
        demo = await asyncio.get_running_loop().run_in_executor(None, start_demo, progress)
    except (MissingDependency, ServerStartError, OSError) as exc:
        print(f"slate: the demo server could not start: {exc}", file=sys.stderr)
        return None
    print(credentials_text(demo), flush=True)
    return demo


# `slate export …` / `slate import …` / `slate download …` are the windowless command line (desktop/cli.py).
CLI_COMMANDS = ("export", "import", "download")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in CLI_COMMANDS:
        from desktop import cli

        return cli.main(argv[1:])
    args = parse_args(argv[1:])
    if args.version:
        print(f"{APP_NAME} {__version__}")
        return 0
    if args.stop_demo:
        from desktop.demo.runner import stop_detached

        print("slate: demo server stopped" if stop_detached() else "slate: no demo server was left running")
        return 0
    log_handler = setup_logging()
    log.info("%s %s starting (Python %s)", APP_NAME, __version__, sys.version.split()[0])
    app = make_application(argv)
    try:
        from desktop.ui.first_window import boot, show_main_before_loop, show_sign_in_before_loop

        state = boot(app, args)
        show_sign_in_before_loop(app, state)  # painted before asyncio and qasync load (cold start)
        show_main_before_loop(app, state)  # or the saved session's main window, filled once checked
        import qasync

        code: int = qasync.run(amain(app, args, state))
    except Exception:
        log.exception("fatal error")
        raise
    finally:
        logging.getLogger().removeHandler(log_handler)
        log_handler.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
