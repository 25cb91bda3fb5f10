"""A small production for the CSV and playlist tests, built through Zou's real HTTP API as an admin.

Shots named like studios name them (`001`, `002`, `010`: the names a spreadsheet turns into numbers),
a description that is a formula, another with the delimiter and a line break, statuses set by comments,
an assignee, a metadata descriptor, assets, the shots' casting, PNG previews, and playlists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.helpers import seed
from tests.helpers.seed import by_name
from tests.helpers.zou import TestUser, ZouAdmin, unique

SHOT_LAYOUT = {"SQ01": ["001", "002", "010"], "SQ02": ["001"]}
FORMULA_DESCRIPTION = "=1+1"
TRICKY_DESCRIPTION = "Wide; then close\non the hero"


def png_bytes(width: int = 32, height: int = 18, rgb: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    return seed.png_bytes(width, height, rgb)

@dataclass
class CsvSeed:
    project: dict[str, Any]
    artist: TestUser  # assigned to SQ01/001 Animation
    manager: TestUser  # a manager in the project's team (may import)
    supervisor: TestUser
    task_types: dict[str, str]  # name -> id
    statuses: dict[str, dict[str, Any]]  # short name -> status
    sequences: dict[str, str]
    shots: dict[str, str]  # "SQ01/001" -> id
    assets: dict[str, str]  # "Hero" -> id
    tasks: dict[tuple[str, str], str]  # ("SQ01/001", "Animation") -> task id
    previews: dict[str, str] = field(default_factory=dict)  # "SQ01/001" -> preview file id
    playlists: dict[str, str] = field(default_factory=dict)  # name -> id

    @property
    def id(self) -> str:
        return str(self.project["id"])

    @property
    def name(self) -> str:
        return str(self.project["name"])


def prepare_project(admin: ZouAdmin, *, team: list[TestUser], production_type: str = "short",
                    name: str | None = None) -> tuple[dict[str, Any], dict[str, str], dict[str, dict[str, Any]]]:
    """A project with Layout/Animation (shots), Modeling (assets), the usual statuses and a Difficulty field."""
    project = admin.create_project(name or unique("CSV"), production_type=production_type, team=team)
    pid = project["id"]
    all_types = admin.get("/data/task-types")
    task_types = {"Layout": by_name(all_types, "Layout", "Shot")["id"],
                  "Animation": by_name(all_types, "Animation", "Shot")["id"],
                  "Modeling": by_name(all_types, "Modeling", "Asset")["id"]}
    for ttid in task_types.values():
        admin.post(f"/data/projects/{pid}/settings/task-types", {"task_type_id": ttid})
    statuses = {s["short_name"]: s for s in admin.get("/data/task-status")}
    for short in ("todo", "wip", "wfa", "done", "retake"):
        admin.post(f"/data/projects/{pid}/settings/task-status", {"task_status_id": statuses[short]["id"]})
    for type_name in ("Character", "Prop"):
        atid = by_name(admin.get("/data/asset-types"), type_name)["id"]
        admin.post(f"/data/projects/{pid}/settings/asset-types", {"asset_type_id": atid})
    admin.post(f"/data/projects/{pid}/metadata-descriptors",
               {"name": "Difficulty", "field_name": "difficulty", "entity_type": "Shot", "data_type": "string",
                "choices": []})
    return project, task_types, statuses


def add_member(admin: ZouAdmin, project_id: str, user: TestUser) -> None:
    admin.post(f"/data/projects/{project_id}/team", {"person_id": user.id})


def seed_csv_project(admin: ZouAdmin, *, with_playlists: bool = True) -> CsvSeed:
    artist = admin.create_user("user", first_name="Ada")
    manager = admin.create_user("manager", first_name="Max")
    supervisor = admin.create_user("supervisor", first_name="Sue")
    project, task_types, statuses = prepare_project(admin, team=[artist, manager, supervisor])
    pid = project["id"]

    sequences: dict[str, str] = {}
    shots: dict[str, str] = {}
    for seq_name, names in SHOT_LAYOUT.items():
        sequences[seq_name] = admin.post(f"/data/projects/{pid}/sequences", {"name": seq_name})["id"]
        for i, shot_name in enumerate(names):
            key = f"{seq_name}/{shot_name}"
            description = {"SQ01/002": FORMULA_DESCRIPTION, "SQ01/010": TRICKY_DESCRIPTION}.get(key, f"{key} shot")
            frames = 24 * (i + 2)
            shots[key] = admin.post(f"/data/projects/{pid}/shots", {
                "name": shot_name, "sequence_id": sequences[seq_name], "nb_frames": frames,
                "description": description,
                "data": {"frame_in": 1001, "frame_out": 1000 + frames, "fps": "24",
                         "difficulty": "hard" if i == 0 else "easy"}})["id"]
    assets: dict[str, str] = {}
    types = {t["name"]: t["id"] for t in admin.get("/data/asset-types")}
    for type_name, asset_name in (("Character", "Hero"), ("Prop", "Sword")):
        assets[asset_name] = admin.post(f"/data/projects/{pid}/asset-types/{types[type_name]}/assets/new",
                                        {"name": asset_name, "description": f"The {asset_name.lower()}"})["id"]

    tasks: dict[tuple[str, str], str] = {}
    shot_keys = {v: k for k, v in shots.items()}
    asset_keys = {v: k for k, v in assets.items()}
    for tt in ("Layout", "Animation"):
        for task in admin.post(f"/actions/projects/{pid}/task-types/{task_types[tt]}/shots/create-tasks", []):
            tasks[(shot_keys[task["entity_id"]], tt)] = task["id"]
    for task in admin.post(f"/actions/projects/{pid}/task-types/{task_types['Modeling']}/assets/create-tasks", []):
        tasks[(asset_keys[task["entity_id"]], "Modeling")] = task["id"]

    def comment(key: tuple[str, str], status: str, text: str) -> dict[str, Any]:
        return dict(admin.post(f"/actions/tasks/{tasks[key]}/comment",
                               {"task_status_id": statuses[status]["id"], "comment": text}))

    admin.put(f"/actions/tasks/{tasks[('SQ01/001', 'Animation')]}/assign", {"person_id": artist.id})
    comment(("SQ01/001", "Layout"), "done", "Layout approved")
    comment(("SQ01/002", "Animation"), "retake", "Timing is off")
    comment(("Hero", "Modeling"), "wfa", "Sculpt ready")

    seed = CsvSeed(project=project, artist=artist, manager=manager, supervisor=supervisor, task_types=task_types,
                   statuses=statuses, sequences=sequences, shots=shots, assets=assets, tasks=tasks)
    for key, tt in (("SQ01/001", "Animation"), ("SQ01/002", "Layout")):
        last = comment((key, tt), "wip", f"{key} {tt} preview")
        preview = admin.post(f"/actions/tasks/{tasks[(key, tt)]}/comments/{last['id']}/add-preview", {})
        up = admin.http.post(f"/pictures/preview-files/{preview['id']}",
                             files={"file": ("frame.png", png_bytes(), "image/png")})
        if up.status_code >= 400:
            raise AssertionError(f"preview upload -> {up.status_code} {up.text[:300]}")
        seed.previews[key] = preview["id"]

    admin.put(f"/data/projects/{pid}/entities/{shots['SQ01/001']}/casting",
              [{"asset_id": assets["Hero"], "nb_occurences": 1}, {"asset_id": assets["Sword"], "nb_occurences": 2}])
    if with_playlists:
        seed.playlists["Dailies"] = make_playlist(admin, pid, "Dailies", [
            (shots["SQ01/001"], seed.previews["SQ01/001"]), (shots["SQ01/002"], seed.previews["SQ01/002"])])
        seed.playlists["No preview"] = make_playlist(admin, pid, "No preview", [
            (shots["SQ01/001"], seed.previews["SQ01/001"]), (shots["SQ02/001"], None)])
    seed.project = admin.get(f"/data/projects/{pid}")
    return seed


def make_playlist(admin: ZouAdmin, project_id: str, name: str, entries: list[tuple[str, str | None]],
                  **extra: Any) -> str:
    """POST /data/playlists, then add (entity, preview) couples with /actions/playlists/{id}/add-entities."""
    playlist = admin.post("/data/playlists", {"project_id": project_id, "name": name, "for_entity": "shot", **extra})
    if entries:
        body = {"entities": [{"entity_id": e, **({"preview_file_id": p} if p else {})} for e, p in entries]}
        admin.post(f"/actions/playlists/{playlist['id']}/add-entities", body)
    return str(playlist["id"])
