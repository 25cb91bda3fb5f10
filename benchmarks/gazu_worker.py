"""Measure gazu's natural way to get data, inside gazu's own venv (stdlib + gazu only; never imported).

The harness starts this once (`<bench-gazu venv python> gazu_worker.py`) and sends one JSON command a
line; each answer is one JSON line. The worker times itself, so process start and imports are never
counted, and it stays warm between runs like a script that keeps its session.

Commands:
  {"cmd": "login", "url", "email", "password"}
  {"cmd": "shots", "project_id"}      all_shots_for_project + all_tasks_for_project + join in Python
  {"cmd": "assets", "project_id"}     all_assets_for_project + all_tasks_for_project + join in Python
  {"cmd": "download", "attachment_id", "path"}   download_attachment_file, then the file is removed
"""

import json
import os
import sys
import time
import traceback

import gazu


def join_tasks(entities, tasks):
    """What a gazu script does to get "entities with their tasks": group tasks by entity id."""
    by_entity = {}
    for task in tasks:
        by_entity.setdefault(task["entity_id"], []).append(task)
    n = 0
    for entity in entities:
        entity["tasks"] = by_entity.get(entity["id"], [])
        n += len(entity["tasks"])
    return n


def handle(req):
    cmd = req["cmd"]
    if cmd == "login":
        gazu.set_host(req["url"])
        gazu.log_in(req["email"], req["password"])
        return {"gazu": gazu.__version__}
    if cmd in ("shots", "assets"):
        project = {"id": req["project_id"]}
        t0 = time.perf_counter()
        if cmd == "shots":
            entities = gazu.shot.all_shots_for_project(project)
        else:
            entities = gazu.asset.all_assets_for_project(project)
        tasks = gazu.task.all_tasks_for_project(project)
        joined = join_tasks(entities, tasks)
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "entities": len(entities), "tasks": joined}
    if cmd == "download":
        t0 = time.perf_counter()
        gazu.files.download_attachment_file({"id": req["attachment_id"]}, req["path"])
        seconds = time.perf_counter() - t0
        size = os.path.getsize(req["path"])
        os.unlink(req["path"])
        return {"seconds": seconds, "bytes": size}
    raise ValueError(f"unknown command {cmd!r}")


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = {"ok": True, **handle(json.loads(line))}
        except Exception as exc:  # reported to the harness, which shows it in the table
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                      "trace": traceback.format_exc()[-1500:]}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
