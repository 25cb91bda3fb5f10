"""Seed productions for the UI tests.

`seed_small_project` builds a small but complete production through Zou's real HTTP API as an admin:
sequences, shots with frame ranges and metadata, assets of two types, tasks of two shot task types and
two asset task types, statuses changed by comments, an assignee, a comment with an attachment, a PNG
preview set as a shot's main preview, and casting. Every id the tests need is returned in `SeededProject`.

`big_table` builds a 10,000-shot `WithTasksTable` in memory, in the exact columnar shape the API layer
produces from Zou's compact rows (field names as the real server sends them). It is the models' input
type, so model tests at production scale need no server and no network mock.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from desktop.api.records import WithTasksTable
from tests.helpers.zou import TestUser, ZouAdmin, unique

SHOT_FIELDS = (
    "canceled", "data", "description", "entity_type_id", "episode_id", "episode_name", "fps", "frame_in",
    "frame_out", "id", "name", "nb_frames", "parent_id", "preview_file_id", "project_id", "project_name",
    "sequence_id", "sequence_name", "source_id", "nb_entities_out", "is_casting_standby", "type", "tasks",
)
ASSET_FIELDS = (
    "id", "name", "preview_file_id", "description", "asset_type_name", "asset_type_id", "canceled", "ready_for",
    "episode_id", "casting_episode_ids", "is_casting_standby", "is_shared", "data", "tasks",
)
TASK_FIELDS = (
    "id", "duration", "due_date", "end_date", "done_date", "entity_id", "estimation", "is_subscribed",
    "last_comment_date", "last_preview_file_id", "nb_assets_ready", "priority", "real_start_date", "retake_count",
    "start_date", "difficulty", "nb_drawings", "task_status_id", "task_type_id", "assignees", "data",
)


def png_bytes(width: int = 64, height: int = 36, rgb: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """A valid solid-colour RGB PNG, built by hand (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@dataclass
class SeededProject:
    project: dict[str, Any]
    artist: TestUser
    task_types: dict[str, str]  # name -> id (Layout, Animation, Modeling, Shading)
    statuses: dict[str, dict[str, Any]]  # short name -> status dict
    asset_types: dict[str, str]  # name -> id
    sequences: dict[str, str]  # name -> id
    shots: dict[str, str]  # "SQ01/SH010" -> id
    assets: dict[str, str]  # name -> id
    tasks: dict[tuple[str, str], str]  # (entity key, task type name) -> task id
    comment_text: str = ""
    attachment_name: str = ""
    preview_file_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.project["id"])

    @property
    def name(self) -> str:
        return str(self.project["name"])


def by_name(items: list[dict[str, Any]], name: str, for_entity: str | None = None) -> dict[str, Any]:
    for item in items:
        if item["name"] == name and (for_entity is None or item.get("for_entity") == for_entity):
            return item
    raise AssertionError(f"no {name!r} in {[i['name'] for i in items]}")


def seed_small_project(admin: ZouAdmin, *, artist: TestUser | None = None, name: str | None = None,
                       production_type: str = "short", with_preview: bool = True) -> SeededProject:
    """A small production: 2 sequences, 5 shots, 3 assets, tasks, statuses, a comment with attachment."""
    artist = artist or admin.create_user("user", first_name="Ada")
    project = admin.create_project(name or unique("Seeded"), production_type=production_type, team=[artist])
    pid = project["id"]

    all_types = admin.get("/data/task-types")
    task_types = {
        "Layout": by_name(all_types, "Layout", "Shot")["id"],
        "Animation": by_name(all_types, "Animation", "Shot")["id"],
        "Modeling": by_name(all_types, "Modeling", "Asset")["id"],
        "Shading": by_name(all_types, "Shading", "Asset")["id"],
    }
    for ttid in task_types.values():
        admin.post(f"/data/projects/{pid}/settings/task-types", {"task_type_id": ttid})
    statuses = {s["short_name"]: s for s in admin.get("/data/task-status")}
    for short in ("todo", "wip", "wfa", "done", "retake"):
        admin.post(f"/data/projects/{pid}/settings/task-status", {"task_status_id": statuses[short]["id"]})
    all_asset_types = admin.get("/data/asset-types")
    asset_types = {n: by_name(all_asset_types, n)["id"] for n in ("Character", "Prop")}
    for atid in asset_types.values():
        admin.post(f"/data/projects/{pid}/settings/asset-types", {"asset_type_id": atid})
    admin.post(f"/data/projects/{pid}/metadata-descriptors",
               {"name": "Difficulty", "field_name": "difficulty", "entity_type": "Shot", "data_type": "string",
                "choices": []})

    episode_id: str | None = None
    if production_type == "tvshow":
        episode_id = admin.post(f"/data/projects/{pid}/episodes", {"name": "E01"})["id"]
    sequences: dict[str, str] = {}
    shots: dict[str, str] = {}
    layout = {"SQ01": ["SH010", "SH020", "SH030"], "SQ02": ["SH010", "SH020"]}
    for seq_name, shot_names in layout.items():
        body: dict[str, Any] = {"name": seq_name}
        if episode_id:
            body["episode_id"] = episode_id
        seq = admin.post(f"/data/projects/{pid}/sequences", body)
        sequences[seq_name] = seq["id"]
        for i, shot_name in enumerate(shot_names):
            frames = 24 * (i + 2)
            shot = admin.post(f"/data/projects/{pid}/shots", {
                "name": shot_name, "sequence_id": seq["id"], "nb_frames": frames,
                "data": {"frame_in": 1001, "frame_out": 1000 + frames, "fps": "24",
                         "difficulty": "hard" if i == 0 else "easy"},
                "description": f"{seq_name} {shot_name} description",
            })
            shots[f"{seq_name}/{shot_name}"] = shot["id"]

    assets: dict[str, str] = {}
    for type_name, asset_name in (("Character", "Hero"), ("Character", "Villain"), ("Prop", "Sword")):
        asset = admin.post(f"/data/projects/{pid}/asset-types/{asset_types[type_name]}/assets/new",
                           {"name": asset_name, "description": f"The {asset_name.lower()}"})
        assets[asset_name] = asset["id"]

    tasks: dict[tuple[str, str], str] = {}
    shot_keys = {v: k for k, v in shots.items()}
    asset_keys = {v: k for k, v in assets.items()}
    for tt_name in ("Layout", "Animation"):
        created = admin.post(f"/actions/projects/{pid}/task-types/{task_types[tt_name]}/shots/create-tasks", [])
        for task in created:
            tasks[(shot_keys[task["entity_id"]], tt_name)] = task["id"]
    for tt_name in ("Modeling", "Shading"):
        created = admin.post(f"/actions/projects/{pid}/task-types/{task_types[tt_name]}/assets/create-tasks", [])
        for task in created:
            tasks[(asset_keys[task["entity_id"]], tt_name)] = task["id"]

    # Distinct comment times, one minute apart (Zou keeps seconds: comments posted in the same second would
    # have no defined order). Managers may set `created_at`.
    clock = iter(dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - dt.timedelta(minutes=30 - i)
                 for i in range(30))

    def when() -> str:
        return next(clock).strftime("%Y-%m-%d %H:%M:%S")

    def comment(task_id: str, status: str, text: str) -> dict[str, Any]:
        return dict(admin.post(f"/actions/tasks/{task_id}/comment",
                               {"task_status_id": statuses[status]["id"], "comment": text, "created_at": when()}))

    anim_010 = tasks[("SQ01/SH010", "Animation")]
    admin.put(f"/actions/tasks/{anim_010}/assign", {"person_id": artist.id})
    admin.put(f"/actions/tasks/{tasks[('Hero', 'Modeling')]}/assign", {"person_id": artist.id})
    comment(tasks[("SQ01/SH010", "Layout")], "done", "Layout approved")
    comment(anim_010, "wip", "Blocking started")
    comment(tasks[("SQ01/SH020", "Animation")], "retake", "Timing is off")
    comment(tasks[("Hero", "Modeling")], "wfa", "Hero sculpt ready for review")

    # The newest comment on SH010 animation carries an attachment (multipart, as Kitsu and gazu send it).
    attachment_name = "notes-sh010.txt"
    text = "Please check the arm arcs"
    r = admin.http.post(f"/actions/tasks/{anim_010}/comment",
                        data={"task_status_id": statuses["wip"]["id"], "comment": text, "created_at": when()},
                        files={"file": (attachment_name, b"arc notes\n", "text/plain")})
    if r.status_code >= 400:
        raise AssertionError(f"comment with attachment -> {r.status_code} {r.text[:300]}")
    last_comment = r.json()

    preview_id = ""
    if with_preview:
        preview = admin.post(f"/actions/tasks/{anim_010}/comments/{last_comment['id']}/add-preview", {})
        preview_id = preview["id"]
        up = admin.http.post(f"/pictures/preview-files/{preview_id}",
                             files={"file": ("frame.png", png_bytes(), "image/png")})
        if up.status_code >= 400:
            raise AssertionError(f"preview upload -> {up.status_code} {up.text[:300]}")
        admin.put(f"/actions/preview-files/{preview_id}/set-main-preview", {})

    admin.put(f"/data/projects/{pid}/entities/{shots['SQ01/SH010']}/casting", [
        {"asset_id": assets["Hero"], "nb_occurences": 1},
        {"asset_id": assets["Sword"], "nb_occurences": 2},
    ])
    admin.put(f"/data/projects/{pid}/entities/{shots['SQ02/SH010']}/casting", [
        {"asset_id": assets["Hero"], "nb_occurences": 1},
    ])
    project = admin.get(f"/data/projects/{pid}")
    return SeededProject(project=project, artist=artist, task_types=task_types, statuses=statuses,
                         asset_types=asset_types, sequences=sequences, shots=shots, assets=assets, tasks=tasks,
                         comment_text=text, attachment_name=attachment_name, preview_file_id=preview_id,
                         extra={"episode_id": episode_id})


# ---------------------------------------------------------------------------- in-memory big production
@dataclass(frozen=True)
class BigLookups:
    """Ids used by `big_table`, to build a matching UserContext-like lookup in tests."""

    project_id: str
    task_types: tuple[tuple[str, str], ...]  # (id, name)
    statuses: tuple[tuple[str, str, str], ...]  # (id, short_name, color)
    persons: tuple[tuple[str, str, str], ...]  # (id, first, last)


def big_lookups(n_task_types: int = 8, seed: int = 7) -> BigLookups:
    rnd = random.Random(seed)
    names = ["Storyboard", "Layout", "Animation", "Lighting", "FX", "Rendering", "Compositing", "Edit",
             "Matte", "Roto"]
    tts = tuple((str(uuid.UUID(int=rnd.getrandbits(128))), names[i]) for i in range(n_task_types))
    statuses = tuple((str(uuid.UUID(int=rnd.getrandbits(128))), short, color) for short, color in (
        ("todo", "#f5f5f5"), ("wip", "#3273dc"), ("wfa", "#ab26ff"), ("retake", "#ff3860"), ("done", "#22d160")))
    persons = tuple((str(uuid.UUID(int=rnd.getrandbits(128))), f"First{i}", f"Last{i}") for i in range(50))
    return BigLookups(project_id=str(uuid.UUID(int=rnd.getrandbits(128))), task_types=tts, statuses=statuses,
                      persons=persons)


def big_table(n_shots: int = 10_000, lookups: BigLookups | None = None, *, seed: int = 11,
              shuffle: bool = True) -> WithTasksTable:
    """A WithTasksTable of `n_shots` shots x len(task types) tasks, rows in Zou's (unordered) order."""
    lk = lookups or big_lookups()
    rnd = random.Random(seed)
    table = WithTasksTable(kind="shot", entity_fields=SHOT_FIELDS, task_fields=TASK_FIELDS)
    per_seq = 100
    rows: list[list[Any]] = []
    for i in range(n_shots):
        seq_no, shot_no = divmod(i, per_seq)
        shot_id = str(uuid.UUID(int=rnd.getrandbits(128)))
        seq_id = str(uuid.UUID(int=(seq_no + 1) << 64))
        tasks: list[list[Any]] = []
        for tt_id, _name in lk.task_types:
            status = lk.statuses[rnd.randrange(len(lk.statuses))][0]
            assignees = [lk.persons[rnd.randrange(len(lk.persons))][0] for _ in range(rnd.randrange(3))]
            task = {"id": str(uuid.UUID(int=rnd.getrandbits(128))), "entity_id": shot_id,
                    "task_status_id": status, "task_type_id": tt_id, "assignees": assignees,
                    "priority": rnd.randrange(4), "retake_count": 0, "is_subscribed": False, "data": None,
                    "due_date": None, "last_comment_date": None}
            tasks.append([task.get(f) for f in TASK_FIELDS])
        frames = 24 + (i * 7) % 200
        shot = {
            "canceled": False, "data": {"frame_in": 1001, "frame_out": 1000 + frames, "fps": "24",
                                        "difficulty": ("easy", "medium", "hard")[i % 3]},
            "description": f"shot {i} of the big production", "entity_type_id": "shot-type",
            "episode_id": None, "episode_name": None, "fps": "24", "frame_in": 1001, "frame_out": 1000 + frames,
            "id": shot_id, "name": f"SH{shot_no * 10 + 10:04d}", "nb_frames": frames, "parent_id": seq_id,
            "preview_file_id": None, "project_id": lk.project_id, "project_name": "Big",
            "sequence_id": seq_id, "sequence_name": f"SQ{seq_no + 1:03d}", "source_id": None,
            "nb_entities_out": 0, "is_casting_standby": False, "type": "Shot", "tasks": tasks,
        }
        rows.append([shot.get(f) for f in SHOT_FIELDS])
    if shuffle:
        rnd.shuffle(rows)
    table.rows = rows
    return table


def big_records(lk: BigLookups | None = None) -> tuple[Any, Any]:
    """(Lookups, Project) matching `big_lookups()`: what the models need next to `big_table()`."""
    from desktop.api.records import Person, Project, TaskStatus, TaskType
    from desktop.models.lookups import Lookups

    lk = lk or big_lookups()
    statuses = [TaskStatus(id=i, name=s.upper(), short_name=s, color=c, priority=1, is_done=s == "done",
                           is_artist_allowed=True, is_retake=s == "retake", is_default=s == "todo", is_wip=s == "wip",
                           is_feedback_request=s == "wfa") for i, s, c in lk.statuses]
    task_types = [TaskType(id=i, name=n, short_name=n[:3].lower(), color="#3273dc", priority=k + 1,
                           for_entity="Shot", department_id=None) for k, (i, n) in enumerate(lk.task_types)]
    persons = [Person(id=i, email=f"{f}.{la}@example.com", first_name=f, last_name=la, full_name=f"{f} {la}",
                      role="user", active=True) for i, f, la in lk.persons]
    lookups = Lookups.build(statuses, task_types, persons)
    project = Project.from_json({
        "id": lk.project_id, "name": "Big", "production_type": "short", "fps": "24",
        "task_types": [i for i, _ in lk.task_types],
        "descriptors": [{"id": "d1", "name": "Difficulty", "field_name": "difficulty", "entity_type": "Shot",
                         "data_type": "string"}],
    })
    return lookups, project
