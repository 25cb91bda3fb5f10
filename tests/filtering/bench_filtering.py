"""Micro-check (not a timed test): filter speed on a synthetic 10,000-shot production.

Run from the repository root:  .venv/bin/python -m tests.filtering.bench_filtering [n_shots]

Builds 10,000 shots with 8 tasks each, builds the `Index` once, then for each query
reports the compile time and the median and best evaluation times. Only evaluation runs on every
keystroke against an unchanged list; compile is per keystroke too but independent of
the row count. `test_bench_smoke` runs this at a tiny size so the script cannot rot.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from typing import Any

from desktop.filtering import FilterContext, Index, compile_query

TASK_TYPES = ["Layout", "Animation", "FX", "Light Comp", "Compositing", "Render", "Cleanup", "Editing"]
STATUSES = ["todo", "wip", "wfa", "done", "retake", "hold"]
QUERIES = [
    "SQ012",
    "sh01",
    "layout=wip",
    "SQ01 layout=wip,done -SH0100 -withthumbnail",
    "status=-done",
    "animation=retake fx=unassigned difficulty=hard",
    "+(layout=wip animation=done) SQ0",
    "assignedto[Animation]=[Person 7] [Budget Days]=2",
    "priority-[Light Comp]=1 withthumbnail",
    "checks=[layout ok:false]",
]


def build_production(n_shots: int, seed: int = 7) -> tuple[FilterContext, Index]:
    rng = random.Random(seed)
    task_types = [{"id": f"tt-{i}", "name": n, "for_entity": "Shot"} for i, n in enumerate(TASK_TYPES)]
    statuses = [{"id": f"st-{s}", "short_name": s} for s in STATUSES]
    persons = [{"id": f"p-{i}", "name": f"Person {i}"} for i in range(40)]
    descriptors = [
        {"id": "d1", "name": "Difficulty", "field_name": "difficulty", "data_type": "list", "entity_type": "Shot"},
        {"id": "d2", "name": "Budget Days", "field_name": "budget", "data_type": "number", "entity_type": "Shot"},
        {"id": "d3", "name": "Checks", "field_name": "checks", "data_type": "checklist", "entity_type": "Shot"},
    ]
    rows: list[dict[str, Any]] = []
    tasks: dict[str, dict[str, Any]] = {}
    for n in range(n_shots):
        shot_id = f"shot-{n}"
        validations: dict[str, str] = {}
        for tt in task_types:
            task_id = f"{shot_id}-{tt['id']}"
            tasks[task_id] = {
                "id": task_id,
                "task_type_id": tt["id"],
                "task_status_id": rng.choice(statuses)["id"],
                "assignees": rng.sample([p["id"] for p in persons], rng.randint(0, 2)),
                "priority": rng.randint(0, 3),
                "nb_assets_ready": rng.randint(0, 3),
            }
            validations[tt["id"]] = task_id
        rows.append(
            {
                "id": shot_id,
                "name": f"SH{n:05d}",
                "sequence_name": f"SQ{n // 100:03d}",
                "episode_name": f"E{n // 1000:02d}",
                "preview_file_id": f"pf-{n}" if rng.random() < 0.7 else None,
                "nb_entities_out": rng.randint(0, 3),
                "data": {
                    "difficulty": rng.choice(["easy", "medium", "hard", "very hard"]),
                    "budget": rng.choice([1, 2, "2.0", 3]),
                    "checks": rng.choice(['{"Layout OK": true}', '{"Layout OK": false}', "{}"]),
                },
                "tasks": list(validations.values()),
                "validations": validations,
            }
        )
    context = FilterContext.for_page(
        "shot", task_types=task_types, task_statuses=statuses, descriptors=descriptors, persons=persons
    )
    return context, Index("shot", rows, tasks)


def run(n_shots: int = 10_000, repeats: int = 15, out: Any = sys.stdout) -> dict[str, float]:
    """Print and return the median evaluation time (ms) per query."""
    started = time.perf_counter()
    context, index = build_production(n_shots)
    build_ms = (time.perf_counter() - started) * 1000
    t0 = time.perf_counter()
    index = Index("shot", index.rows, index.tasks)
    index_ms = (time.perf_counter() - t0) * 1000
    print(f"{n_shots} shots x {len(TASK_TYPES)} tasks; data {build_ms:.0f} ms, Index {index_ms:.1f} ms", file=out)
    medians: dict[str, float] = {}
    for query in QUERIES:
        t0 = time.perf_counter()
        compiled = compile_query(query, context)
        compile_ms = (time.perf_counter() - t0) * 1000
        timings = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            hits = compiled.select(index)
            timings.append((time.perf_counter() - t0) * 1000)
        medians[query] = statistics.median(timings)
        # Best-of-N too: on a shared machine the median includes other processes' noise.
        print(
            f"  eval {medians[query]:6.2f} ms median {min(timings):6.2f} ms best"
            f"  compile {compile_ms:5.2f} ms  {len(hits):5d} rows  {query}",
            file=out,
        )
    return medians


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
