"""The UI thread's CPU time per page of the 10,000-shot scroll, without a server or other load's noise.

    python -m benchmarks.scroll_cpu [--passes 2]

The shots pane (`EntityPane`, offscreen, 1600x900) over a synthetic 10,000-shot x 8 task-type table
(tests/helpers/seed.big_table), a row selected, what is loaded frozen out of the cyclic GC as the app does
after a load; then the vertical scroll bar steps a page at a time from top to bottom, each step repainted
at once (`viewport().repaint()`) and timed with `time.thread_time()`. A CPU-time companion of the window
probe's `scroll_stall`, whose wall-clock stalls also hold whatever else the machine runs; it reports the
per-step median, p90 and max, and the cyclic GC's collections during each pass.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=2, help="top-to-bottom passes (the first lays every cell out)")
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QItemSelectionModel, QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from desktop.settings import Settings
    from desktop.ui.panes.entities import EntityPane
    from tests.helpers.seed import big_lookups, big_records, big_table

    lk = big_lookups()
    lookups, project = big_records(lk)
    with tempfile.TemporaryDirectory(prefix="slate-scroll-cpu-") as tmp:
        settings = Settings(QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
        pane = EntityPane("shot", settings, lookups)
        pane.set_project(project, lookups)
        pane.resize(1600, 900)
        pane.show()
        pane.source.set_table(big_table(10_000, lk))
        for _ in range(20):
            app.processEvents()
        gc.freeze()  # as BrowseSession does once a list is loaded
        view, model = pane.table, pane.model
        view.selectionModel().select(model.index(1, 0), QItemSelectionModel.SelectionFlag.Select
                                     | QItemSelectionModel.SelectionFlag.Rows)
        view.setCurrentIndex(model.index(1, 2))
        viewport, bar = view.viewport(), view.verticalScrollBar()
        collections: list[tuple[int, float]] = []
        started = [0.0]

        def on_gc(phase: str, info: dict[str, Any]) -> None:
            if phase == "start":
                started[0] = time.thread_time()
            else:
                collections.append((info["generation"], (time.thread_time() - started[0]) * 1000))

        gc.callbacks.append(on_gc)
        for n in range(args.passes):
            bar.setValue(0)
            viewport.repaint()
            collections.clear()
            steps: list[float] = []
            while bar.value() < bar.maximum():
                t = time.thread_time()
                bar.setValue(min(bar.maximum(), bar.value() + bar.pageStep()))
                viewport.repaint()
                steps.append((time.thread_time() - t) * 1000)
            steps.sort()
            full = [round(ms, 1) for gen, ms in collections if gen == 2]
            print(f"pass {n + 1}: {len(steps)} pages of {bar.pageStep()} rows, UI-thread CPU per page: median "
                  f"{statistics.median(steps):.1f} ms, p90 {steps[int(len(steps) * 0.9)]:.1f}, max {steps[-1]:.1f}; "
                  f"GC: {len(collections)} collections, full: {full or 'none'} (ms)")
        gc.callbacks.remove(on_gc)
        pane.close()
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
