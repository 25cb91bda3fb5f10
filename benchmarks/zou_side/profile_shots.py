"""Where Zou spends the time of a with-tasks request, measured in-process (Zou's python and env).

Usage: profile_shots.py < {"admin_email", "admin_password", "project_id", "kind", "runs"}
Prints one JSON line: per variant (plain / compact / stream / compact+stream), the median of `runs` of
  total   - the whole request through the Flask test client (no network), body fully read
  cpu     - this process's CPU time for it (robust to a busy machine; excludes PostgreSQL's own work),
            split into sql_cpu (the driver reading rows), dumps and python_cpu (the rest)
  sql     - time inside the database driver's execute (PostgreSQL planning + execution + result transfer)
  dumps   - orjson serialisation of the answer (Zou's dumps_bytes)
  python  - the rest: SQLAlchemy row handling and Zou's Python building the entity and task dicts
and EXPLAIN ANALYZE of the slowest statement of the plain variant.
"""

import json
import statistics
import sys
import time

from sqlalchemy import event, text
from zou.app import app, db
from zou.app.utils import flask_utils, http_cache

cfg = json.loads(sys.stdin.read())
client = app.test_client()
HEADERS = {"User-Agent": "slate-bench-profile"}
r = client.post("/auth/login", json={"email": cfg["admin_email"], "password": cfg["admin_password"]},
                headers=HEADERS)
HEADERS["Authorization"] = f"Bearer {r.get_json()['access_token']}"

clock = {"sql": 0.0, "sql_cpu": 0.0, "dumps": 0.0, "statements": 0}
slowest = {"seconds": 0.0, "sql": None, "params": None}
starts = []


def before(conn, cursor, statement, parameters, context, executemany):
    starts.append((time.perf_counter(), time.process_time()))


def after(conn, cursor, statement, parameters, context, executemany):
    t0, c0 = starts.pop()
    dt = time.perf_counter() - t0
    clock["sql"] += dt
    clock["sql_cpu"] += time.process_time() - c0
    clock["statements"] += 1
    if dt > slowest["seconds"]:
        slowest.update(seconds=dt, sql=statement, params=parameters)


def timed_dumps(original):
    def dumps(obj, *a, **kw):
        t0 = time.perf_counter()
        try:
            return original(obj, *a, **kw)
        finally:
            clock["dumps"] += time.perf_counter() - t0

    return dumps


http_cache.dumps_bytes = timed_dumps(http_cache.dumps_bytes)
flask_utils.dumps_bytes = timed_dumps(flask_utils.dumps_bytes)

VARIANTS = {"plain": {}, "compact": {"compact": "true"}, "stream": {"stream": "true"},
            "compact+stream": {"compact": "true", "stream": "true"}}
out = {"variants": {}}
with app.app_context():
    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
for name, extra in VARIANTS.items():
    samples = []
    for _ in range(cfg["runs"] + 1):  # first one is a warm-up
        clock.update(sql=0.0, sql_cpu=0.0, dumps=0.0, statements=0)
        t0, c0 = time.perf_counter(), time.process_time()
        resp = client.get(f"/data/{cfg['kind']}s/with-tasks",
                          query_string={"project_id": cfg["project_id"], **extra}, headers=HEADERS)
        body = resp.get_data()  # a streamed answer is generated while read
        total = time.perf_counter() - t0
        cpu = time.process_time() - c0
        assert resp.status_code == 200, resp.status_code
        samples.append({"total": total, "cpu": cpu, "sql": clock["sql"], "sql_cpu": clock["sql_cpu"],
                        "dumps": clock["dumps"], "python": total - clock["sql"] - clock["dumps"],
                        "python_cpu": cpu - clock["sql_cpu"] - clock["dumps"], "statements": clock["statements"],
                        "bytes": len(body)})
    samples = samples[1:]
    out["variants"][name] = {k: statistics.median(s[k] for s in samples) for k in samples[0]}

with app.app_context():
    event.remove(db.engine, "before_cursor_execute", before)
    event.remove(db.engine, "after_cursor_execute", after)
    if slowest["sql"]:
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"], slowest["params"])
            plan = [row[0] for row in cur.fetchall()]
            # The same statement straight through psycopg: PostgreSQL + transfer + rows to Python tuples.
            fetches = []
            for _ in range(3):
                t0, c0 = time.perf_counter(), time.process_time()
                cur.execute(slowest["sql"], slowest["params"])
                n_rows = len(cur.fetchall())
                fetches.append((time.perf_counter() - t0, time.process_time() - c0))
        finally:
            raw.close()
        out["slowest_statement"] = {"seconds_in_driver": slowest["seconds"],
                                    "sql_head": " ".join(slowest["sql"].split())[:300],
                                    "explain_tail": plan[-3:], "rows": n_rows,
                                    "raw_fetch_wall": statistics.median(f[0] for f in fetches),
                                    "raw_fetch_cpu": statistics.median(f[1] for f in fetches)}
    out["tasks_in_project"] = db.session.execute(
        text("SELECT count(*) FROM task WHERE project_id = :p"), {"p": cfg["project_id"]}).scalar()
print(json.dumps(out))
