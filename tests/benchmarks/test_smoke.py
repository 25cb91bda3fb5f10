"""Smoke of the benchmark harness (tiny dataset, one run) so it cannot rot. Never asserts timings.

Seeds a tiny production into the session's shared Zou under a unique project name (adds a project and a
few people; drops nothing), checks it through the API, runs every registered figure once (the main-window
figures in their own test) and checks the shape of the table and of the JSON a script reads.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from benchmarks import figures  # importing it registers the figures
from benchmarks.cli import run_report
from benchmarks.harness import REGISTRY, Context, render_markdown, render_table, run_figures
from benchmarks.seed import TINY, Production, login, seed_production, verify_production
from desktop.localzou import LocalZou
from tests.helpers.zou import unique

FIGURE_KEYS = ("name", "unit", "min", "median", "max", "reference", "ratio", "target", "pass")
# The main-window figures: one fresh process per run drives the real MainWindow (benchmarks/window_probe.py).
WINDOW_FIGURES = [k for k, f in REGISTRY.items() if any(c.shared == figures.WINDOW_RUN for c in f.contenders)]


@pytest.fixture(scope="module")
def tiny(zou_server: LocalZou) -> Production:
    """The tiny production, seeded once for the module under a unique project name (checked through the API)."""
    prod = seed_production(zou_server, TINY, project_name=unique("Bench smoke"), people_tag=unique("smoke"))
    checks = verify_production(zou_server.url, login(zou_server.url, zou_server.admin_email,
                                                     zou_server.admin_password), prod, TINY)
    assert checks["counts"] == {"shots": TINY.n_shots, "shot_tasks": TINY.n_shot_tasks,
                                "assets": TINY.n_assets, "asset_tasks": TINY.n_asset_tasks}
    assert "Frame In" in checks["csv_columns"]
    return prod


def context(server: LocalZou, prod: Production) -> Context:
    return Context(url=server.url, email=server.admin_email, password=server.admin_password,
                   project_id=prod.project_id, project_name=prod.project_name, attachment=prod.attachment,
                   dataset=TINY)


@pytest.mark.timeout(300)  # first run on a machine also builds gazu's venv (~10 s, once)
def test_benchmark_harness_smoke(zou_server: LocalZou, tiny: Production, tmp_path: Path) -> None:
    """Every figure but the main-window and live ones (their own tests below run those)."""
    only = [k for k in REGISTRY if k not in WINDOW_FIGURES and k not in figures.LIVE_FIGURES]
    ctx = context(zou_server, tiny)
    out = tmp_path / "latest.json"
    try:
        results, report = run_report(ctx, tiny, runs=1, warmup=0, only=only, out=out, quiet=True)
    finally:
        ctx.close()

    # Every contender that exists today produced a value; nothing errored (a reference that breaks, e.g.
    # a gazu or curl change, shows here rather than as a silent "error" row in a long benchmark run).
    for res in results:
        for c in res.contenders:
            assert c.error is None, f"{res.figure.key} / {c.label}: {c.error}"
            if c.na is None:
                assert len(c.values) == 1 and c.values[0] > 0, (res.figure.key, c.label, c.values)
    measured = {(r.figure.key, c.label) for r in results for c in r.contenders if c.values}
    for key in ("shots_fetch", "assets_fetch"):
        assert {(key, figures.HTTPX), (key, figures.GAZU)} <= measured
    assert ("download_1gib", figures.CURL_O) in measured and ("csv_export", figures.CURL) in measured

    saved = json.loads(out.read_text())
    assert saved == json.loads(json.dumps(report))
    assert saved["zou_version"] == "1.0.97" and saved["machine"]["cores"] >= 1 and saved["date"]
    assert [f["name"] for f in saved["figures"]] == only
    for fig in saved["figures"]:
        assert set(FIGURE_KEYS) <= set(fig), fig
        assert fig["pass"] in (True, False, None)
    assert out.with_suffix(".md").read_text().count("\n") > len(only)
    table = render_table(results)
    for key in only:
        assert REGISTRY[key].title in table
    # A figure that cannot be measured yet says so ("n/a") instead of vanishing from the table.
    not_measured = any(c.na for key in only for c in REGISTRY[key].contenders)
    if not_measured:
        assert "n/a" in table
    assert render_markdown(results).startswith("| figure")


@pytest.mark.timeout(120)
def test_window_figures_smoke(zou_server: LocalZou, tiny: Production) -> None:
    """The main-window figures once on the tiny production: each is a number measured on a pane that held
    every shot, task and task-type column. Never asserts a timing. gazu is left out (the harness smoke
    covers it; its venv would cost this test ~10 s)."""
    assert {"project_open", "first_rows", "loop_stall", "project_rss", "sort_status", "scroll_stall",
            "filter_keystroke", "filter_typing", "query_eval"} <= set(WINDOW_FIGURES)
    figs = [dataclasses.replace(REGISTRY[k], contenders=[c for c in REGISTRY[k].contenders if c.label != figures.GAZU],
                                targets=[t for t in REGISTRY[k].targets if t.against != figures.GAZU])
            for k in WINDOW_FIGURES]
    ctx = context(zou_server, tiny)
    try:
        results = run_figures(ctx, figs, runs=1, warmup=0)
    finally:
        ctx.close()

    for res in results:
        slate = res.slate
        assert slate is not None and slate.label == figures.WINDOW, res.figure.key
        assert slate.error is None and slate.na is None, f"{res.figure.key}: {slate.error or slate.na}"
        assert len(slate.values) == 1 and slate.values[0] >= 0, (res.figure.key, slate.values)
        # The probe checked these before measuring; the figure carries them so a reader can too.
        extra = slate.extra
        assert (extra["rows"], extra["tasks"], extra["task_columns"], extra["groups"], extra["asset_rows"]) == (
            TINY.n_shots, TINY.n_shot_tasks, TINY.n_shot_task_types, TINY.n_sequences, TINY.n_assets)
        assert extra["view_rows"] == TINY.n_shots + TINY.n_sequences
        assert res.passed in (True, False), res.figure.key  # every target could be checked
        for c in res.contenders:
            assert c.error is None, f"{res.figure.key} / {c.label}: {c.error}"
    by_key = {r.figure.key: r for r in results}
    # The reference of the open figures is one httpx run per round, shared (not measured again per figure).
    shared = [by_key[k].by_label(figures.HTTPX) for k in ("project_open", "first_rows")]
    assert all(c is not None and len(c.values) == 1 for c in shared) and shared[0].values == shared[1].values  # type: ignore[union-attr]
    evals = by_key["query_eval"].slate.extra["query_evals"]  # type: ignore[union-attr]
    assert len(evals) == 4 and all(0 < e["matches"] < TINY.n_shots for e in evals.values()), evals
    scroll = by_key["scroll_stall"].slate.extra  # type: ignore[union-attr]
    assert scroll["scroll_steps"] > 0 and scroll["scroll_paints"] >= scroll["scroll_steps"]
    assert by_key["filter_typing"].slate.extra["typing_filter_runs"] > 0  # type: ignore[union-attr]
    table = render_table(results)
    assert all(f.title in table for f in figs) and "error" not in table


@pytest.mark.timeout(240)
def test_live_and_seats_figures_smoke(zou_server: LocalZou, tiny: Production) -> None:
    """The live-update figures (the real window on the event server) and the studio of seats, shortened: a 1 s
    idle run, 3 events, 2 writes, 3 seats. Each is a number; the probes checked what they measured. No timing
    is asserted."""
    seats = [dataclasses.replace(REGISTRY[k], contenders=[figures.Contender("3 seats", figures.slate_seats(3),
                                                                          slate=True, shared="seats-3", pick=c.pick)
                                                        for c in REGISTRY[k].contenders[:1]])
             for k in figures.LIVE_FIGURES if k.startswith("seats_")]
    live = [REGISTRY[k] for k in figures.LIVE_FIGURES if not k.startswith("seats_")]
    assert {"idle_requests", "event_latency", "event_stall", "burst_stall"} == {f.key for f in live}
    assert {"seats_open", "seats_idle_requests", "seats_idle_cpu", "seats_fanout"} == {f.key for f in seats}
    ctx = context(zou_server, tiny)
    ctx.state.update(server=zou_server, idle_s=1.0, live_events=3, live_writes=2, seats=[3])
    try:
        results = run_figures(ctx, [*live, *seats], runs=1, warmup=0)
    finally:
        ctx.close()
    for res in results:
        for c in res.contenders:
            assert c.error is None, f"{res.figure.key} / {c.label}: {c.error}"
            assert len(c.values) == 1 and c.values[0] >= 0, (res.figure.key, c.values)
    by_key = {r.figure.key: r.contenders[0] for r in results}
    assert by_key["idle_requests"].values == [0.0], by_key["idle_requests"].extra  # no polling
    assert by_key["seats_idle_requests"].values == [0.0], by_key["seats_idle_requests"].extra
    assert by_key["burst_stall"].extra["burst_model_updates"] >= 1
    fanout = by_key["seats_fanout"].extra["fanout"]
    assert fanout["requests_per_seat"] == 0, fanout  # a status change carries what the rows show: no read
