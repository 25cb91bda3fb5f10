"""Seed a benchmark production into a running Zou's database (run with Zou's own python and env).

Never imported by the app or the benchmarks: `benchmarks/seed.py` runs it as
`<zou venv python> seed_big.py < config.json` with `LocalZou.zou_env()` and reads one JSON line back.

How (about 15 s for the full production on 2 cores):
1. The structure goes through Zou's own HTTP handlers in-process (Flask test client on `zou.app.app`):
   project, task types, asset types, statuses, metadata descriptors, people, team, one sequence, one
   shot, one asset, their tasks (the bulk create-tasks routes), an assignment and a comment with an
   attachment. These are "template rows": exactly what the API writes.
2. The bulk (the other sequences, shots, assets, tasks, assignee links, comments) is cloned from those
   template rows with PostgreSQL COPY: same columns and value shapes, new ids, names and varied values.
3. The attachment's stored file is replaced by a sparse file of the requested size (1 GiB for the
   full production) and its row's size updated, so `/data/attachment-files/{id}/file/{name}` serves it.
"""

import datetime as dt
import io
import json
import os
import random
import sys
import time
import uuid

import flask_bcrypt

# Same trick as desktop/localzou/zou_side: Zou hashes at bcrypt cost 12 whatever the config says; the
# test/bench server lowers it (people created here get cheap hashes; verification reads the cost).
_rounds = os.environ.get("SLATE_BCRYPT_ROUNDS")
if _rounds:
    _original_hash = flask_bcrypt.generate_password_hash
    flask_bcrypt.generate_password_hash = lambda password, rounds=None: _original_hash(password, int(_rounds))

import psycopg  # noqa: E402  (Zou's driver, in Zou's venv)
from zou.app import app  # noqa: E402

T0 = time.monotonic()


def log(msg):
    print(f"seed_big: {time.monotonic() - T0:6.2f}s {msg}", file=sys.stderr, flush=True)


cfg = json.loads(sys.stdin.read())
rng = random.Random(cfg.get("random_seed", 4))
client = app.test_client()
HEADERS = {"User-Agent": "slate-bench-seed"}


def call(method, path, body=None, expect=(200, 201), **kw):
    resp = client.open(path, method=method, json=body, headers=HEADERS, **kw)
    if resp.status_code not in expect:
        raise SystemExit(f"seed_big: {method} {path} -> {resp.status_code} {resp.get_data(as_text=True)[:400]}")
    return resp.get_json()


# ------------------------------------------------------------------ 1. structure through the API
login = call("POST", "/auth/login", {"email": cfg["admin_email"], "password": cfg["admin_password"]})
HEADERS["Authorization"] = f"Bearer {login['access_token']}"
admin_id = login["user"]["id"]

open_status = next(s for s in call("GET", "/data/project-status") if s["name"].lower() == "open")
project = call("POST", "/data/projects", {
    "name": cfg["project_name"], "production_type": "featurefilm", "project_status_id": open_status["id"],
    "fps": "24", "ratio": "16:9", "resolution": "1920x1080",
})
pid = project["id"]
log(f"project {cfg['project_name']} {pid}")


def get_or_create_task_type(name, for_entity, short_name):
    for tt in call("GET", "/data/task-types"):
        if tt["name"] == name and tt["for_entity"] == for_entity:
            return tt
    return call("POST", "/data/task-types", {"name": name, "short_name": short_name, "for_entity": for_entity,
                                              "color": f"#{rng.randrange(1 << 24):06x}"})


SHOT_TT_NAMES = ["Storyboard", "Layout", "Animation", "Lighting", "FX", "Rendering", "Compositing", "Previz"]
ASSET_TT_NAMES = ["Concept", "Modeling", "Shading", "Rigging"]
ASSET_TYPE_NAMES = ["Character", "Prop", "Environment", "FX", "Vehicle", "Set Dressing"]
shot_tts = [get_or_create_task_type(n, "Shot", n[:4].lower()) for n in SHOT_TT_NAMES[: cfg["n_shot_task_types"]]]
asset_tts = [get_or_create_task_type(n, "Asset", n[:4].lower())
             for n in ASSET_TT_NAMES[: cfg["n_asset_task_types"]]]
for prio, tt in enumerate(shot_tts + asset_tts, 1):
    call("POST", f"/data/projects/{pid}/settings/task-types", {"task_type_id": tt["id"], "priority": prio})

existing_types = {t["name"]: t for t in call("GET", "/data/entity-types")}
asset_types = []
for name in ASSET_TYPE_NAMES[: cfg["n_asset_types"]]:
    at = existing_types.get(name) or call("POST", "/data/entity-types", {"name": name})
    asset_types.append(at)
    call("POST", f"/data/projects/{pid}/settings/asset-types", {"asset_type_id": at["id"]})

statuses = {s["short_name"]: s for s in call("GET", "/data/task-status")}
STATUS_WEIGHTS = {"todo": 35, "ready": 10, "wip": 20, "wfa": 10, "retake": 5, "done": 20}
for short in STATUS_WEIGHTS:
    call("POST", f"/data/projects/{pid}/settings/task-status", {"task_status_id": statuses[short]["id"]})
status_ids = [statuses[s]["id"] for s in STATUS_WEIGHTS]
status_weights = list(STATUS_WEIGHTS.values())
done_id, wip_id, todo_id = statuses["done"]["id"], statuses["wip"]["id"], statuses["todo"]["id"]

md_level = call("POST", f"/data/projects/{pid}/metadata-descriptors", {
    "entity_type": "Shot", "name": "Complexity", "data_type": "list", "choices": ["easy", "medium", "hard"]})
md_rig = call("POST", f"/data/projects/{pid}/metadata-descriptors", {
    "entity_type": "Shot", "name": "Camera rig", "data_type": "string"})
md_asset = call("POST", f"/data/projects/{pid}/metadata-descriptors", {
    "entity_type": "Asset", "name": "Vendor", "data_type": "string"})
F_LEVEL, F_RIG, F_VENDOR = md_level["field_name"], md_rig["field_name"], md_asset["field_name"]
RIGS = ["crane", "dolly", "handheld", "steadicam", "drone", "static"]

FIRST = ["Ada", "Ben", "Chloe", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jade", "Kim", "Leo", "Mia", "Noa"]
people = []
for i in range(cfg["n_people"]):
    person = call("POST", "/data/persons", {
        "first_name": FIRST[i % len(FIRST)], "last_name": f"Artist{i:03d}",
        "email": f"artist{i:03d}.{cfg['people_tag']}@example.com", "role": "user"})
    call("POST", f"/data/projects/{pid}/team", {"person_id": person["id"]})
    people.append(person["id"])
log(f"structure: {len(shot_tts)} shot + {len(asset_tts)} asset task types, {len(asset_types)} asset types, "
    f"{len(people)} people")

# Template rows, written by the API itself.
seq0 = call("POST", f"/data/projects/{pid}/sequences", {"name": "SQ001", "description": "Sequence 1"})


def shot_data(nb_frames):
    return {"frame_in": 1001, "frame_out": 1000 + nb_frames, "fps": "24",
            F_LEVEL: rng.choice(["easy", "medium", "hard"]), F_RIG: rng.choice(RIGS)}


nb0 = rng.randrange(24, 480)
shot0 = call("POST", f"/data/projects/{pid}/shots", {
    "name": "SH0010", "sequence_id": seq0["id"], "nb_frames": nb0, "description": "Shot 1 of SQ001",
    "data": shot_data(nb0)})
asset0 = call("POST", f"/data/projects/{pid}/asset-types/{asset_types[0]['id']}/assets/new", {
    "name": f"{asset_types[0]['name'][:3].upper()}_0001", "description": "Asset 1",
    "data": {F_VENDOR: "in-house"}})
for tt in shot_tts:
    call("POST", f"/actions/projects/{pid}/task-types/{tt['id']}/shots/create-tasks", [shot0["id"]])
for tt in asset_tts:
    call("POST", f"/actions/projects/{pid}/task-types/{tt['id']}/assets/create-tasks", [asset0["id"]])
tpl_tasks = call("GET", f"/data/shots/{shot0['id']}/tasks") + call("GET", f"/data/assets/{asset0['id']}/tasks")
if people:
    call("PUT", f"/actions/persons/{people[0]}/assign", {"task_ids": [tpl_tasks[0]["id"]]})

# The template comment carries the attachment (uploaded small, enlarged in step 3).
att_name = cfg["attachment_name"]
comment0 = call(
    "POST", f"/actions/tasks/{tpl_tasks[0]['id']}/comment", None,
    data={"task_status_id": wip_id, "comment": "Blocking pass, see attached plate.",
          "checklist": "[]", "links": "[]",
          "file": (io.BytesIO(b"slate benchmark attachment\n"), att_name, "application/octet-stream")},
    content_type="multipart/form-data",
)
log("template rows written through the API")

# ------------------------------------------------------------------ 2. bulk rows with COPY
env = os.environ
conn = psycopg.connect(host=env["DB_HOST"], port=env["DB_PORT"], user=env["DB_USERNAME"],
                       password=env["DB_PASSWORD"], dbname=env["DB_DATABASE"], autocommit=False)
cur = conn.cursor()


COLUMN_TYPES = {}  # (table, column) -> PostgreSQL type oid, read with the template rows
JSONB, TEXT_ARRAY, VARCHAR_ARRAY = 3802, 1009, 1015


def fetch_rows(table, where, params):
    cur.execute(f"SELECT * FROM {table} WHERE {where}", params)
    cols = [d.name for d in cur.description]
    for d in cur.description:
        COLUMN_TYPES[table, d.name] = d.type_code
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def fetch_row(table, row_id):
    return fetch_rows(table, "id = %s", (row_id,))[0]


_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text(v, oid):
    """One value in COPY's text format, from what psycopg read back (same types the API wrote)."""
    if v is None:
        return "\\N"
    if oid == JSONB:
        return json.dumps(v).translate(_ESC)
    if oid in (TEXT_ARRAY, VARCHAR_ARRAY):
        items = ('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in v)
        return ("{" + ",".join(items) + "}").translate(_ESC)
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    return str(v).translate(_ESC)


def copy_rows(table, template, rows):
    """COPY `rows` (dicts of overrides) into `table`, every other column taken from `template`."""
    cols = list(template)
    oids = [COLUMN_TYPES.get((table, c)) for c in cols]
    at = {c: i for i, c in enumerate(cols)}
    base = [text(template[c], oid) for c, oid in zip(cols, oids, strict=True)]
    lines = []
    for over in rows:
        values = base.copy()
        for c, v in over.items():
            i = at[c]
            values[i] = v.translate(_ESC) if type(v) is str else text(v, oids[i])
        lines.append("\t".join(values))
    lines.append("")
    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        cp.write("\n".join(lines))
    return len(rows)


# FK triggers off for this transaction only (ids are consistent by construction): halves the COPY time.
cur.execute("SET session_replication_role = replica")
now = dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ids():
    """A random version-4 UUID (uuid4() reads os.urandom each time: 5x slower for 100k rows)."""
    return str(uuid.UUID(bytes=rng.randbytes(16), version=4))


now_s = now.isoformat(sep=" ")
day_s = {d: (now + dt.timedelta(days=d)).isoformat(sep=" ") for d in range(-60, 100)}

seq_tpl = fetch_row("entity", seq0["id"])
shot_tpl = fetch_row("entity", shot0["id"])
asset_tpl = fetch_row("entity", asset0["id"])
n_seq, per_seq = cfg["n_sequences"], cfg["shots_per_sequence"]

seq_ids = [seq0["id"]] + [ids() for _ in range(n_seq - 1)]
copy_rows("entity", seq_tpl, [
    {"id": seq_ids[i], "name": f"SQ{i + 1:03d}", "description": f"Sequence {i + 1}",
     "created_at": now_s, "updated_at": now_s} for i in range(1, n_seq)])

shot_ids = []
shot_rows = []
for s, seq_id in enumerate(seq_ids):
    for k in range(per_seq):
        if s == 0 and k == 0:
            shot_ids.append(shot0["id"])
            continue
        nb = rng.randrange(24, 480)
        sid = ids()
        shot_ids.append(sid)
        shot_rows.append({
            "id": sid, "name": f"SH{(k + 1) * 10:04d}", "parent_id": seq_id, "nb_frames": nb,
            "description": f"Shot {k + 1} of SQ{s + 1:03d}: {rng.choice(RIGS)} move, {nb} frames",
            "data": shot_data(nb), "created_at": now_s, "updated_at": now_s})
copy_rows("entity", shot_tpl, shot_rows)

per_type = cfg["n_assets"] // len(asset_types)
asset_ids = [asset0["id"]]
asset_rows = []
for t, at in enumerate(asset_types):
    for k in range(per_type):
        if t == 0 and k == 0:
            continue
        aid = ids()
        asset_ids.append(aid)
        asset_rows.append({
            "id": aid, "name": f"{at['name'][:3].upper()}_{k + 1:04d}", "entity_type_id": at["id"],
            "description": f"{at['name']} {k + 1}", "data": {F_VENDOR: rng.choice(["in-house", "vendor A",
                                                                                      "vendor B"])},
            "created_at": now_s, "updated_at": now_s})
copy_rows("entity", asset_tpl, asset_rows)
log(f"entities: {len(seq_ids)} sequences, {len(shot_ids)} shots, {len(asset_ids)} assets")

task_tpls = {str(t["task_type_id"]): t
             for t in fetch_rows("task", "entity_id IN (%s, %s)", (shot0["id"], asset0["id"]))}
assigned_tpl = fetch_row("task", tpl_tasks[0]["id"])
link_tpl = {"task_id": None, "person_id": None}
task_rows, link_rows, commentable = [], [], []


def make_tasks(entity_ids, tts, skip_entity):
    for eid in entity_ids:
        for tt in tts:
            if eid == skip_entity:
                continue
            tid = ids()
            status = rng.choices(status_ids, status_weights)[0]
            start = rng.randrange(-60, 60)
            row = {"id": tid, "entity_id": eid, "task_type_id": tt["id"], "task_status_id": status,
                   "estimation": rng.choice([0, 0, 1, 2, 3, 5]) * 480.0,  # minutes (8 h days)
                   "priority": rng.choice([0, 0, 0, 1, 2]),
                   "difficulty": rng.randrange(1, 6), "created_at": now_s, "updated_at": now_s,
                   "assigner_id": None}
            if rng.random() < 0.6:
                row["start_date"], row["due_date"] = day_s[start], day_s[start + rng.randrange(2, 20)]
            if status != todo_id:
                row["real_start_date"] = day_s[start]
                row["duration"] = rng.randrange(1, 40) * 60.0  # minutes, as Zou stores time spent
            if status == done_id:
                row["end_date"] = row["done_date"] = day_s[start + rng.randrange(1, 15)]
            if status == statuses["retake"]["id"]:
                row["retake_count"] = rng.randrange(1, 4)
            # ~50% one assignee, ~15% two: ~0.8 links per task, as in the reference production.
            r = rng.random()
            n_assignees = 1 if r < 0.5 else 2 if r < 0.65 else 0
            if people and n_assignees:
                row["assigner_id"] = assigned_tpl["assigner_id"]
                for person in rng.sample(people, min(n_assignees, len(people))):
                    link_rows.append({"task_id": tid, "person_id": person})
            task_rows.append((task_tpls[tt["id"]], row))
            commentable.append((tid, status))


make_tasks(shot_ids, shot_tts, shot0["id"])
make_tasks(asset_ids, asset_tts, asset0["id"])
log(f"generated {len(task_rows)} task rows")
by_tpl = {}
for tpl, row in task_rows:
    by_tpl.setdefault(id(tpl), (tpl, []))[1].append(row)
for tpl, rows in by_tpl.values():
    copy_rows("task", tpl, rows)
copy_rows("task_person_link", link_tpl, link_rows)
log(f"tasks: {len(task_rows) + len(tpl_tasks)}, assignee links: {len(link_rows) + (1 if people else 0)}")

comment_tpl = fetch_row("comment", comment0["id"])
comment_rows = []
authors = people or [admin_id]
TEXTS = ["Looks good, small fix on the timing.", "Please check the edges.", "Approved for next step.",
         "Retake: silhouette reads poorly.", "New version uploaded.", "Waiting for the plate."]
for tid, status in rng.sample(commentable, min(cfg["n_comments"] - 1, len(commentable))):
    when = now - dt.timedelta(minutes=rng.randrange(1, 60 * 24 * 30))
    comment_rows.append({"id": ids(), "object_id": tid, "text": rng.choice(TEXTS),
                         "person_id": rng.choice(authors), "task_status_id": status,
                         "created_at": when, "updated_at": when})
copy_rows("comment", comment_tpl, comment_rows)
# What the comment route also writes on the task: the last comment date.
cur.execute("CREATE TEMP TABLE _lc (task_id uuid, at timestamp) ON COMMIT DROP")
with cur.copy("COPY _lc FROM STDIN") as cp:
    for r in comment_rows:
        cp.write_row((r["object_id"], r["created_at"]))
cur.execute("UPDATE task SET last_comment_date = _lc.at FROM _lc WHERE task.id = _lc.task_id")
log(f"comments: {len(comment_rows) + 1}")

# ------------------------------------------------------------------ 3. the big attachment
att = comment0["attachment_files"][0]
att_id = att["id"] if isinstance(att, dict) else att
with app.app_context():
    from zou.app.stores import file_store

    att_path = file_store.get_local_file_path("attachments", att_id)
os.makedirs(os.path.dirname(att_path), exist_ok=True)
with open(att_path, "wb") as fh:
    fh.truncate(cfg["attachment_size"])  # sparse: no disk written, served like any file
cur.execute("UPDATE attachment_file SET size = %s WHERE id = %s", (cfg["attachment_size"], att_id))

cur.execute("SET session_replication_role = DEFAULT")
conn.commit()
conn.autocommit = True
for table in ("entity", "task", "task_person_link", "comment"):
    cur.execute(f"ANALYZE {table}")
conn.close()
log("committed and analysed")

print(json.dumps({
    "project_id": pid, "project_name": cfg["project_name"],
    "counts": {"sequences": len(seq_ids), "shots": len(shot_ids), "assets": len(asset_ids),
               "shot_tasks": len(shot_ids) * len(shot_tts), "asset_tasks": len(asset_ids) * len(asset_tts),
               "people": len(people), "comments": len(comment_rows) + 1,
               "assignee_links": len(link_rows) + (1 if people else 0)},
    "shot_task_types": [t["name"] for t in shot_tts], "asset_task_types": [t["name"] for t in asset_tts],
    "metadata_fields": [F_LEVEL, F_RIG],
    "attachment": {"id": att_id, "name": att_name, "path": att_path, "size": cfg["attachment_size"]},
    "seconds": round(time.monotonic() - T0, 2),
}))
