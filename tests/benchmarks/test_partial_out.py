"""Where `python -m benchmarks` writes without `--out`: a partial run never replaces the committed latest."""

from __future__ import annotations

from benchmarks.cli import RESULTS, default_out


def test_a_full_run_writes_latest() -> None:
    assert default_out(tiny=False, only=None) == RESULTS / "latest.json"
    assert default_out(tiny=True, only=None) == RESULTS / "latest-tiny.json"


def test_a_partial_run_writes_a_file_named_after_its_figures() -> None:
    out = default_out(tiny=False, only=["scroll_stall", "cold_start", "scroll_stall"])
    assert out == RESULTS / "partial-cold_start+scroll_stall.json"
    assert default_out(tiny=True, only=["cold_start"]) == RESULTS / "partial-tiny-cold_start.json"
    assert out.with_suffix(".md").name == "partial-cold_start+scroll_stall.md"  # the Markdown beside it
