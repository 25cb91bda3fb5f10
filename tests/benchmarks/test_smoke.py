"""Smoke of the benchmark harness (tiny dataset, one run) so it cannot rot. Never asserts timings.

Seeds a tiny production into the session's shared Zou under a unique project name (adds a project and a
few people; drops nothing), checks it through the API, runs every registered figure once and checks the
shape of the table and of the JSON a script reads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import figures  # importing it registers the figures
from benchmarks.cli import run_report
from benchmarks.harness import REGISTRY, Context, render_markdown, render_table
from benchmarks.seed import TINY, login, seed_production, verify_production
from desktop.localzou import LocalZou
from tests.helpers.zou import unique

FIGURE_KEYS = ("name", "unit", "min", "median", "max", "reference", "ratio", "target", "pass")


@pytest.mark.timeout(300)  # first run on a machine also builds gazu's venv (~10 s, once)
def test_benchmark_harness_smoke(zou_server: LocalZou, tmp_path: Path) -> None:
    prod = seed_production(zou_server, TINY, project_name=unique("Bench smoke"), people_tag=unique("smoke"))
    checks = verify_production(zou_server.url, login(zou_server.url, zou_server.admin_email,
                                                     zou_server.admin_password), prod, TINY)
    assert checks["counts"] == {"shots": TINY.n_shots, "shot_tasks": TINY.n_shot_tasks,
                                "assets": TINY.n_assets, "asset_tasks": TINY.n_asset_tasks}
    assert "Frame In" in checks["csv_columns"]

    ctx = Context(url=zou_server.url, email=zou_server.admin_email, password=zou_server.admin_password,
                  project_id=prod.project_id, project_name=prod.project_name, attachment=prod.attachment,
                  dataset=TINY)
    out = tmp_path / "latest.json"
    try:
        results, report = run_report(ctx, prod, runs=1, warmup=0, only=None, out=out, quiet=True)
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
    assert [f["name"] for f in saved["figures"]] == list(REGISTRY)
    for fig in saved["figures"]:
        assert set(FIGURE_KEYS) <= set(fig), fig
        assert fig["pass"] in (True, False, None)
    assert out.with_suffix(".md").read_text().count("\n") > len(REGISTRY)
    table = render_table(results)
    for fig in REGISTRY.values():
        assert fig.title in table
    assert "n/a" in table and render_markdown(results).startswith("| figure")
