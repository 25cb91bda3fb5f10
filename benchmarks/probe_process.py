"""A probe that measures the real window in a fresh process: both ends of that process.

`serve_probe(probe)` is the child's `main`: it builds the application and its qasync loop the way
`desktop.app` does (offscreen), runs `await probe(cfg)` on the config read as JSON from stdin, and prints
one JSON line (the figures, or `ok: false` with the error). `run_probe_process(module, cfg)` is the
harness's side: it runs `python -m module` with that config and returns the JSON, or raises with the
child's error. A fresh interpreter per run keeps imports, caches and RSS clean between runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

Probe = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
ROOT = Path(__file__).resolve().parents[1]


def serve_probe(probe: Probe) -> int:
    """Run `probe` on stdin's config in a new application; its result is one JSON line on stdout."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    cfg = json.loads(sys.stdin.read())
    import qasync

    from desktop.app import make_application

    app = make_application([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)  # as desktop.app does: closing the window must not stop the loop
    result: dict[str, Any] = {}

    async def run() -> None:
        try:
            result.update(await probe(cfg))
            result["ok"] = True
        except Exception as exc:  # reported to the harness, which marks the figures as errors
            import traceback

            result.update(ok=False, error=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc()[-3000:])

    qasync.run(run())
    del app
    print(json.dumps(result), flush=True)
    return 0 if result.get("ok") else 1


def run_probe_process(module: str, cfg: dict[str, Any], *, timeout: float, python: str | None = None,
                      env: dict[str, str] | None = None) -> dict[str, Any]:
    """`python -m module` fed `cfg`; returns its JSON (raises with its error if it failed)."""
    name = module.rsplit(".", 1)[-1].replace("_", " ")
    proc = subprocess.run([python or sys.executable, "-m", module], input=json.dumps(cfg),
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=str(ROOT))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        errors = [ln for ln in proc.stderr.splitlines() if ln.strip() and "propagateSizeHints" not in ln]
        raise RuntimeError(f"{name} exited {proc.returncode}: {errors[-1] if errors else '(no output)'}\n"
                           + "\n".join(errors[-40:]))
    result: dict[str, Any] = json.loads(lines[-1])
    if not result.get("ok"):
        raise RuntimeError(f"{name}: {result.get('error')}\n{result.get('trace', '')}")
    return result
