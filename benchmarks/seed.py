"""The benchmark production: seed it on a local Zou, check it through the API, keep it as a template.

    python -m benchmarks.seed [--tiny] [--reseed]     # seed (or restore) the persistent bench server

The seeding itself runs inside Zou's venv (`zou_side/seed_big.py`): structure through Zou's own handlers
in-process, bulk rows with PostgreSQL COPY. The persistent bench server lives in the per-user cache
(`<cache>/slate/bench-server`); the seeded database is kept as a template (`zoudb_bench_tpl`, or
`zoudb_bench_tiny_tpl`) and later runs restore it in well under a second instead of seeding again.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from desktop.localzou import LocalZou
from desktop.localzou.install import cache_root
from desktop.localzou.server import DB_NAME

ZOU_SIDE = Path(__file__).with_name("zou_side")
# Bump when the seeded data changes shape: templates of another version are re-seeded.
SEED_VERSION = 1
USER_AGENT = "slate-bench"


@dataclass(frozen=True)
class Dataset:
    name: str
    n_sequences: int
    shots_per_sequence: int
    n_shot_task_types: int
    n_assets: int
    n_asset_types: int
    n_asset_task_types: int
    n_people: int
    n_comments: int
    attachment_size: int

    @property
    def n_shots(self) -> int:
        return self.n_sequences * self.shots_per_sequence

    @property
    def n_shot_tasks(self) -> int:
        return self.n_shots * self.n_shot_task_types

    @property
    def n_asset_tasks(self) -> int:
        return self.n_assets * self.n_asset_task_types

    @property
    def template_db(self) -> str:
        return "zoudb_bench_tpl" if self.name == "full" else f"zoudb_bench_{self.name}_tpl"


FULL = Dataset("full", n_sequences=100, shots_per_sequence=100, n_shot_task_types=8, n_assets=3000,
               n_asset_types=6, n_asset_task_types=4, n_people=50, n_comments=300, attachment_size=1 << 30)
# Tiny uses only task and asset types Zou's init-data already has (nothing global is added to a shared
# test server); 5 people with unique e-mails.
TINY = Dataset("tiny", n_sequences=2, shots_per_sequence=25, n_shot_task_types=3, n_assets=12,
               n_asset_types=2, n_asset_task_types=2, n_people=5, n_comments=10, attachment_size=1 << 20)


@dataclass
class Production:
    """What the benchmarks need to know about a seeded production (also saved beside the template)."""

    dataset: str
    project_id: str
    project_name: str
    counts: dict[str, int]
    attachment: dict[str, Any]
    metadata_fields: list[str]
    seed_seconds: float
    seed_version: int = SEED_VERSION
    restore_seconds: float | None = None
    verification: dict[str, Any] | None = None


def _say(msg: str) -> None:
    print(f"bench-seed: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- seeding
def seed_production(server: LocalZou, dataset: Dataset, project_name: str | None = None,
                    people_tag: str | None = None) -> Production:
    """Seed one production into the server's current database (adds a project; drops nothing)."""
    tag = people_tag or uuid.uuid4().hex[:8]
    cfg = {
        "project_name": project_name or f"Bench {dataset.name} {tag}",
        "people_tag": tag,
        "n_sequences": dataset.n_sequences,
        "shots_per_sequence": dataset.shots_per_sequence,
        "n_shot_task_types": dataset.n_shot_task_types,
        "n_assets": dataset.n_assets,
        "n_asset_types": dataset.n_asset_types,
        "n_asset_task_types": dataset.n_asset_task_types,
        "n_people": dataset.n_people,
        "n_comments": dataset.n_comments,
        "attachment_size": dataset.attachment_size,
        "attachment_name": f"bench-{dataset.name}-attachment.bin",
        "admin_email": server.admin_email,
        "admin_password": server.admin_password,
    }
    assert server.root is not None
    t0 = time.monotonic()
    proc = subprocess.run(
        [str(server.zou_python), str(ZOU_SIDE / "seed_big.py")], input=json.dumps(cfg),
        capture_output=True, text=True, env=server.zou_env(), cwd=str(server.root / "wsgi"), timeout=600,
    )
    seconds = time.monotonic() - t0
    # Zou logs an error for each entity it cannot send to its (absent) search indexer: noise here.
    log = [ln for ln in proc.stderr.splitlines() if ln.strip() and "Indexer is not reachable" not in ln]
    if proc.returncode != 0:
        raise RuntimeError(f"seeding failed ({proc.returncode}):\n" + "\n".join(log[-30:]))
    for line in log:
        if line.startswith("seed_big:"):
            _say(line.removeprefix("seed_big:").strip())
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return Production(dataset=dataset.name, project_id=out["project_id"], project_name=out["project_name"],
                      counts=out["counts"], attachment=out["attachment"],
                      metadata_fields=out["metadata_fields"], seed_seconds=round(seconds, 2))


# ---------------------------------------------------------------------------------------------- verifying
def login(url: str, email: str, password: str) -> str:
    r = httpx.post(f"{url}/auth/login", json={"email": email, "password": password},
                   headers={"User-Agent": USER_AGENT}, timeout=60)
    r.raise_for_status()
    token: str = r.json()["access_token"]
    return token


def verify_production(url: str, token: str, prod: Production, dataset: Dataset) -> dict[str, Any]:
    """Check the seeded production through the HTTP API; raise AssertionError on any mismatch."""
    headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
    checks: dict[str, Any] = {}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as http:
        def get(path: str, **params: str) -> httpx.Response:
            r = http.get(path, params=params)
            r.raise_for_status()
            return r

        pid = prod.project_id
        shots = get("/data/shots/with-tasks", project_id=pid, compact="true").json()
        fields = shots["shot_fields"]
        tasks_at = fields.index("tasks")
        n_shot_tasks = sum(len(row[tasks_at]) for row in shots["rows"])
        assets = get("/data/assets/with-tasks", project_id=pid, compact="true").json()
        n_asset_tasks = sum(len(row[assets["asset_fields"].index("tasks")]) for row in assets["rows"])
        checks["counts"] = {"shots": len(shots["rows"]), "shot_tasks": n_shot_tasks,
                            "assets": len(assets["rows"]), "asset_tasks": n_asset_tasks}
        expected = {"shots": dataset.n_shots, "shot_tasks": dataset.n_shot_tasks,
                    "assets": dataset.n_assets, "asset_tasks": dataset.n_asset_tasks}
        assert checks["counts"] == expected, f"counts {checks['counts']} != expected {expected}"

        sequences = get(f"/data/projects/{pid}/sequences").json()
        assert len(sequences) == dataset.n_sequences, f"{len(sequences)} sequences"
        # A sample row in the plain (dict) shape, through the `id` filter that keeps the payload small.
        last = shots["rows"][-1][fields.index("id")]
        rows = get("/data/shots/with-tasks", project_id=pid, id=last).json()
        assert len(rows) == 1, f"{len(rows)} rows for one shot id"
        shot = rows[0]
        data = shot["data"]
        assert shot["nb_frames"] and shot["description"], shot
        assert data["frame_out"] - data["frame_in"] + 1 == shot["nb_frames"], shot
        assert shot["frame_in"] == data["frame_in"] and shot["fps"] == data["fps"], shot
        assert all(f in data for f in prod.metadata_fields), data
        assert len(shot["tasks"]) == dataset.n_shot_task_types, shot["tasks"]
        assert all(t["task_status_id"] and isinstance(t["assignees"], list) for t in shot["tasks"])
        checks["sample_shot"] = {k: shot[k] for k in ("name", "sequence_name", "nb_frames", "frame_in",
                                                         "frame_out", "fps")} | {"n_tasks": len(shot["tasks"])}
        # Compact rows are positional: read positions from the header, never hard-code them.
        status_at, assignees_at = (shots["task_fields"].index(f) for f in ("task_status_id", "assignees"))
        statuses = {t[status_at] for row in shots["rows"] for t in row[tasks_at]}
        assignees = sum(len(t[assignees_at]) for row in shots["rows"] for t in row[tasks_at])
        checks["distinct_statuses"] = len(statuses)
        checks["shot_assignee_links"] = assignees
        assert len(statuses) >= 3 and assignees > n_shot_tasks // 2, (len(statuses), assignees)

        csv = get(f"/export/csv/projects/{pid}/shots.csv")
        header = csv.text.splitlines()[0].split(";")
        checks["csv_columns"] = header
        checks["csv_lines"] = csv.text.count("\n")
        for col in ("Sequence", "Name", "Description", "Frames", "Frame In", "Frame Out", "FPS"):
            assert col in header, f"CSV has no {col!r} column: {header}"
        assert header.count("Assignations") == dataset.n_shot_task_types, header

        att = prod.attachment
        r = http.head(f"/data/attachment-files/{att['id']}/file/{att['name']}")
        if r.status_code == 405:  # HEAD not routed: read the first byte instead
            r = http.get(f"/data/attachment-files/{att['id']}/file/{att['name']}",
                         headers={"Range": "bytes=0-0"})
        assert r.status_code in (200, 206), f"attachment -> {r.status_code}"
        length = r.headers.get("content-range", "").rpartition("/")[2] or r.headers.get("content-length")
        assert length is not None and int(length) == att["size"], (r.status_code, dict(r.headers))
        checks["attachment_bytes"] = int(length)
    return checks


# ---------------------------------------------------------------------------------------------- template
def bench_server_root() -> Path:
    return cache_root() / "bench-server"


def _terminate(server: LocalZou, db: str) -> None:
    server.psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname='{db}' "
                "AND pid <> pg_backend_pid()")


def _db_exists(server: LocalZou, db: str) -> bool:
    return server.psql(f"SELECT 1 FROM pg_database WHERE datname='{db}'") == "1"


def save_template(server: LocalZou, template: str) -> None:
    """Copy the live database into `template` (Zou's pooled connections are cut; they reconnect)."""
    _terminate(server, DB_NAME)
    server.psql(f"DROP DATABASE IF EXISTS {template}")
    server.psql(f"CREATE DATABASE {template} TEMPLATE {DB_NAME} STRATEGY FILE_COPY")


def restore_template(server: LocalZou, template: str) -> float:
    """Replace the live database by a copy of `template` and flush Redis; returns the seconds it took."""
    t0 = time.monotonic()
    _terminate(server, DB_NAME)
    server.psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    server.psql(f"CREATE DATABASE {DB_NAME} TEMPLATE {template} STRATEGY FILE_COPY")
    server.redis_cli("FLUSHALL")
    return time.monotonic() - t0


def _meta_path(server: LocalZou, dataset: Dataset) -> Path:
    assert server.root is not None
    return server.root / f"seed-{dataset.name}.json"


def _ensure_attachment_file(prod: Production) -> None:
    """The template holds the attachment row; the bytes live in the server's file store (sparse)."""
    path = Path(prod.attachment["path"])
    if not path.exists() or path.stat().st_size != prod.attachment["size"]:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            fh.truncate(prod.attachment["size"])


def ensure_production(server: LocalZou, dataset: Dataset, reseed: bool = False) -> Production:
    """Restore the seeded production from its template, or seed it (and keep the template) if missing."""
    meta = _meta_path(server, dataset)
    if not reseed and meta.exists() and _db_exists(server, dataset.template_db):
        prod = Production(**json.loads(meta.read_text()))
        if prod.seed_version == SEED_VERSION:
            _ensure_attachment_file(prod)
            prod.restore_seconds = round(restore_template(server, dataset.template_db), 3)
            _say(f"restored {dataset.template_db} in {prod.restore_seconds:.2f} s "
                 f"(seeded in {prod.seed_seconds:.1f} s earlier)")
            return prod
        _say(f"template is seed version {prod.seed_version}, this is {SEED_VERSION}: seeding again")
    _say(f"seeding the {dataset.name} production (template {dataset.template_db} missing or stale)")
    server.reset()  # back to a freshly initialised Zou: the template holds this production only
    prod = seed_production(server, dataset, project_name=f"Slate Bench ({dataset.name})", people_tag="bench")
    _say(f"seeded in {prod.seed_seconds:.1f} s; verifying through the API")
    prod.verification = verify_production(server.url, login(server.url, server.admin_email,
                                                             server.admin_password), prod, dataset)
    t0 = time.monotonic()
    save_template(server, dataset.template_db)
    server.redis_cli("FLUSHALL")  # nothing cached before the COPY may outlive it
    _say(f"kept as template {dataset.template_db} ({time.monotonic() - t0:.2f} s)")
    meta.write_text(json.dumps(asdict(prod), indent=1))
    return prod


# The bench Zou sized as a studio sizes it: Zou's default pool per process (DB_POOL_SIZE + DB_MAX_OVERFLOW =
# 30 + 60, zou/app/config.py) for each of the API's gunicorn workers and the event server, plus room for the
# harness's own psql (templates, restores). PostgreSQL's default of 100 let one gevent worker under a hundred
# concurrent requests take every connection ("sorry, too many clients already" at 200 seats).
BENCH_WORKERS = 2
ZOU_DB_CONNECTIONS_PER_PROCESS = 30 + 60
BENCH_PG_MAX_CONNECTIONS = (BENCH_WORKERS + 1) * ZOU_DB_CONNECTIONS_PER_PROCESS + 30


def start_bench_server() -> LocalZou:
    return LocalZou(root=bench_server_root(), persistent=True, workers=BENCH_WORKERS,
                    pg_max_connections=BENCH_PG_MAX_CONNECTIONS).start()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.seed", description=__doc__.split("\n")[0])
    ap.add_argument("--tiny", action="store_true", help="the small smoke dataset")
    ap.add_argument("--reseed", action="store_true", help="seed again even if the template exists")
    args = ap.parse_args(argv)
    dataset = TINY if args.tiny else FULL
    server = start_bench_server()
    try:
        prod = ensure_production(server, dataset, reseed=args.reseed)
        print(json.dumps(asdict(prod), indent=1))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
