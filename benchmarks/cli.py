"""The benchmark command: seed (or restore) the production on the persistent bench server, run every
registered figure (1 warm-up + N runs, interleaved), print the table, write `results/latest.json`.

A partial run (`--only a,b`) without `--out` writes `results/partial-a+b.json` (and `.md`) instead:
`latest.*` is the committed record of one full run, all its figures from the same commit, machine load
and server state, so a partial run neither replaces it (rows lost) nor merges into it (one table mixing
runs whose conditions differ, under one header that describes neither). Compare a partial file with
latest, or pass `--out benchmarks/results/latest.json` to replace it on purpose."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import figures as _figures  # noqa: F401  (registers the figures)
from benchmarks.harness import (
    REGISTRY,
    Context,
    FigureResult,
    render_markdown,
    render_table,
    run_figures,
    source_info,
    to_json,
)
from benchmarks.seed import FULL, TINY, Production, ensure_production, start_bench_server

RESULTS = Path(__file__).with_name("results")


def default_out(*, tiny: bool, only: list[str] | None) -> Path:
    """Where a run writes without `--out`: a full run replaces `latest.json` (+ `.md`); a partial run
    (`--only`) writes `partial-<its figures>.json`, so it never overwrites the committed full run."""
    suffix = "-tiny" if tiny else ""
    if not only:
        return RESULTS / f"latest{suffix}.json"
    return RESULTS / f"partial{suffix}-{'+'.join(sorted(set(only)))}.json"


def run_report(ctx: Context, prod: Production | None, *, runs: int, warmup: int, only: list[str] | None,
               out: Path | None, quiet: bool = False) -> tuple[list[FigureResult], dict[str, Any]]:
    """Run the selected figures against `ctx`, print the table, write JSON (+ Markdown) to `out`."""
    unknown = set(only or []) - set(REGISTRY)
    if unknown:
        raise SystemExit(f"unknown figure(s): {', '.join(sorted(unknown))}; see --list")
    figs = [f for k, f in REGISTRY.items() if not only or k in only]

    def progress(msg: str) -> None:
        if not quiet:
            print(f"bench: {msg}", file=sys.stderr, flush=True)

    t0 = time.monotonic()
    load_before = os.getloadavg()
    source = source_info()
    results = run_figures(ctx, figs, runs=runs, warmup=warmup, progress=progress)
    info: dict[str, Any] = {
        "zou_version": ctx.zou_version,
        "dataset": ctx.dataset.name,
        "production": {"project_name": ctx.project_name, **(prod.counts if prod else {})},
        "seed_seconds": prod.seed_seconds if prod else None,
        "restore_seconds": prod.restore_seconds if prod else None,
        "bench_seconds": round(time.monotonic() - t0, 1),
        "load_avg_before": load_before,  # other processes on the machine make the run noisier
        "source": source,
    }
    report = to_json(results, info, runs, warmup)
    table = render_table(results)
    if not quiet:
        print()
        print(f"Slate benchmarks, {report['date']}, Zou {ctx.zou_version}, dataset {ctx.dataset.name} "
              f"({ctx.dataset.n_shots} shots, {ctx.dataset.n_shot_tasks + ctx.dataset.n_asset_tasks} tasks), "
              f"{report['machine'].get('cores')} cores / {report['machine'].get('ram_gib')} GiB, "
              f"median of {runs} after {warmup} warm-up")
        print(table)
        cores = report["machine"].get("cores") or 1
        busy = max(load_before[0], report["machine"].get("load_avg", (0,))[0])
        if busy > cores:
            print(f"\nWARNING: the machine was busy (load average {busy:.1f} on {cores} cores): absolute "
                  "figures are inflated and noisy; compare ratios, or run again when it is idle.")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1) + "\n")
        machine = report["machine"]
        dirty = len(source["uncommitted_app_files"])
        header = (f"{report['date'][:10]} · commit {source['commit']}"
                  f"{f' (+{dirty} uncommitted files in desktop/)' if dirty else ''} · Zou {ctx.zou_version} · "
                  f"{ctx.dataset.name} dataset · "
                  f"{machine.get('cores')} cores, {machine.get('ram_gib')} GiB RAM · "
                  f"min/median/max of {runs} runs after {warmup} warm-up · load average "
                  f"{load_before[0]:.1f} before, {machine.get('load_avg', [0])[0]:.1f} after\n\n")
        out.with_suffix(".md").write_text(header + render_markdown(results) + "\n")
        if not quiet:
            print(f"\nbench: wrote {out} and {out.with_suffix('.md')}", file=sys.stderr)
    return results, report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--tiny", action="store_true", help="small dataset (2 sequences, 50 shots): a quick smoke")
    ap.add_argument("--runs", type=int, default=5, help="measured runs per contender (default 5)")
    ap.add_argument("--warmup", type=int, default=1, help="warm-up runs, not counted (default 1)")
    ap.add_argument("--only", default="", help="comma-separated figure keys (see --list)")
    ap.add_argument("--reseed", action="store_true", help="seed again even if the template exists")
    ap.add_argument("--out", type=Path, default=None,
                    help="JSON output (default benchmarks/results/latest.json, latest-tiny.json with --tiny; "
                    "with --only: partial-<figures>.json, never latest)")
    ap.add_argument("--list", action="store_true", help="list the figures and exit")
    ap.add_argument("--idle-s", type=float, default=60.0,
                    help="idle run of the live figures, seconds (default 60; the README's figure: 600)")
    ap.add_argument("--seats", default="50,200,500", help="seat counts of the studio figures (default 50,200,500)")
    args = ap.parse_args(argv)
    if args.list:
        for key, fig in REGISTRY.items():
            print(f"{key:18} {fig.title}")
        return 0
    dataset = TINY if args.tiny else FULL
    only = [k.strip() for k in args.only.split(",") if k.strip()] or None
    out = args.out or default_out(tiny=args.tiny, only=only)
    server = start_bench_server()
    ctx = None
    try:
        prod = ensure_production(server, dataset, reseed=args.reseed)
        ctx = Context(url=server.url, email=server.admin_email, password=server.admin_password,
                      project_id=prod.project_id, project_name=prod.project_name,
                      attachment=prod.attachment, dataset=dataset)
        # The live figures publish events on this server's queue and read its processes' CPU.
        ctx.state.update(server=server, idle_s=args.idle_s, seats=[int(n) for n in args.seats.split(",") if n])
        run_report(ctx, prod, runs=args.runs, warmup=args.warmup, only=only, out=out)
    finally:
        if ctx is not None:
            ctx.close()
        server.stop()
    return 0
