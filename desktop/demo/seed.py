"""Seed the demo production on a local Zou through its real HTTP API (no database shortcuts).

A short film and a TV show (episodes, sequences, ~200 shots, ~60 assets, tasks with varied statuses
and assignees, comments with attachments, generated previews, casting, a playlist, a saved filter) and
demo accounts in each role, one of them with TOTP. It runs once per demo server (~30-60 s).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp

from desktop.demo.pictures import preview_png

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample" / "demo_production.json"
Progress = Callable[[str], None]


@dataclass
class DemoAccount:
    email: str
    password: str
    role: str
    name: str
    totp_secret: str | None = None


@dataclass
class DemoInfo:
    accounts: list[DemoAccount] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)

    def account(self, role_key: str) -> DemoAccount:
        return next(a for a in self.accounts if a.email.startswith(role_key))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))
        path.chmod(0o600)

    @classmethod
    def load(cls, path: Path) -> DemoInfo:
        data = json.loads(path.read_text())
        return cls(accounts=[DemoAccount(**a) for a in data["accounts"]], projects=list(data["projects"]))


class _Api:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60, headers={"User-Agent": "Slate demo seeder"},
                                 limits=httpx.Limits(max_connections=8))
        self.others: list[_Api] = []  # clients of other accounts opened on the way: closed with this one

    def close(self) -> None:
        for other in self.others:
            other.close()
        self.http.close()

    def login(self, email: str, password: str) -> None:
        r = self.http.post("/auth/login", json={"email": email, "password": password})
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def call(self, method: str, path: str, **kw: Any) -> Any:
        r = self.http.request(method, path, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"demo seeding: {method} {path} -> {r.status_code} {r.text[:200]}")
        return r.json() if r.content else None

    def many(self, calls: list[tuple[str, str, dict[str, Any]]]) -> list[Any]:
        """Independent requests in parallel: Zou spends ~40 ms of CPU per write, the server has workers
        on both cores, so a small pool halves the seeding time. Results keep the calls' order."""
        with ThreadPoolExecutor(max_workers=6) as pool:
            return list(pool.map(lambda c: self.call(c[0], c[1], **c[2]), calls))


def _csv(lines: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(lines)
    return buf.getvalue().encode("utf-8")


def _file_tree(tree: dict[str, Any]) -> dict[str, Any]:
    """The sample's tree with its mount point in this user's home (`~` expanded), so "Open folder" can open it."""
    return {mode: {**part, "mountpoint": str(Path(part["mountpoint"]).expanduser())} if isinstance(part, dict)
            else part for mode, part in tree.items()}


def seed_demo(url: str, admin_email: str, admin_password: str, progress: Progress = print) -> DemoInfo:
    with contextlib.closing(_Api(url)) as admin:
        return _seed(admin, url, admin_email, admin_password, progress)


def _seed(admin: _Api, url: str, admin_email: str, admin_password: str, progress: Progress) -> DemoInfo:
    sample = json.loads(SAMPLE.read_text())
    rnd = random.Random(20261128)
    admin.login(admin_email, admin_password)
    info = DemoInfo()

    progress("creating demo accounts")
    people: dict[str, dict[str, Any]] = {}
    for p in sample["people"]:
        password = "demo-" + secrets.token_urlsafe(6)
        person = admin.call("POST", "/data/persons", json={
            "email": p["email"], "first_name": p["first_name"], "last_name": p["last_name"], "role": p["role"],
            "password": password, "active": True})
        people[p["key"]] = person
        account = DemoAccount(email=p["email"], password=password, role=p["role"],
                              name=f"{p['first_name']} {p['last_name']}")
        if p.get("totp"):
            with contextlib.closing(_Api(url)) as user:
                user.login(p["email"], password)
                secret = user.call("PUT", "/auth/totp")["otp_secret"]
                user.call("POST", "/auth/totp", json={"totp": pyotp.TOTP(secret).now()})
            account.totp_secret = secret
        info.accounts.append(account)

    statuses = {s["short_name"]: s for s in admin.call("GET", "/data/task-status")}
    task_types = admin.call("GET", "/data/task-types")
    open_status = next(s for s in admin.call("GET", "/data/project-status") if s["name"].lower() == "open")
    # First is the default status (no update needed); about half the tasks keep it.
    status_cycle = [s for s in ("todo", "wip", "wfa", "retake", "done") if s in statuses] or list(statuses)
    status_weights = [50, 18, 10, 5, 17][: len(status_cycle)] + [1] * max(0, len(status_cycle) - 5)

    known_outputs = {o["short_name"] for o in admin.call("GET", "/data/output-types")}
    for output in sample["output_types"]:
        if output["short_name"] not in known_outputs:
            admin.call("POST", "/data/output-types", json=output)
    file_tree = _file_tree(sample["file_tree"])

    for spec in sample["projects"]:
        progress(f"creating {spec['name']}")
        project = admin.call("POST", "/data/projects", json={
            "name": spec["name"], "production_type": spec["production_type"],
            "project_status_id": open_status["id"], "fps": "24", "resolution": "1920x1080"})
        pid = project["id"]
        # A file tree, so Where do I save? answers in the demo (Zou computes the paths from it).
        admin.call("PUT", f"/data/projects/{pid}", json={"file_tree": file_tree})
        info.projects.append(spec["name"])
        for person in people.values():
            admin.call("POST", f"/data/projects/{pid}/team", json={"person_id": person["id"]})
        for status in statuses.values():
            admin.call("POST", f"/data/projects/{pid}/settings/task-status", json={"task_status_id": status["id"]})

        def tt(name: str, for_entity: str, pid: str = pid) -> dict[str, Any]:
            found = next((t for t in task_types if t["name"] == name and t["for_entity"] == for_entity), None)
            if found is None:
                found = admin.call("POST", "/data/task-types", json={"name": name, "for_entity": for_entity})
                task_types.append(found)
            admin.call("POST", f"/data/projects/{pid}/settings/task-types", json={"task_type_id": found["id"]})
            return dict(found)

        shot_tts = [tt(n, "Shot") for n in spec["shot_task_types"]]
        for n in spec["asset_task_types"]:
            tt(n, "Asset")
        for d in spec["descriptors"]:
            admin.call("POST", f"/data/projects/{pid}/metadata-descriptors", json={
                "name": d["name"], "entity_type": d["entity_type"], "data_type": d["data_type"],
                "choices": d.get("choices", [])})

        # (episode, sequence, shot count): Zou's import creates episodes and sequences by name.
        sequences: list[tuple[str, str, int]] = []
        if spec["production_type"] == "tvshow":
            ep = spec["episodes"]
            for e in range(1, ep["count"] + 1):
                for n in range(1, ep["sequences_per_episode"] + 1):
                    sequences.append((f"E{e:02d}_SQ{n:02d}0", f"E{e:02d}", ep["shots_per_sequence"]))
        else:
            for n in range(1, spec["sequences"]["count"] + 1):
                sequences.append((f"SQ{n:02d}0", "", spec["sequences"]["shots_per_sequence"]))

        # Shots, assets, their tasks, statuses and assignees in one CSV import per list: Zou creates
        # the rows with its own code, ~20x faster than one HTTP call per shot, task and status.
        progress(f"{spec['name']}: shots, assets, tasks, statuses and assignees")
        is_tv = spec["production_type"] == "tvshow"

        descs = spec["descriptors"]
        header = (["Episode"] if is_tv else []) + ["Sequence", "Name", "Description", "Nb Frames", "Frame In",
                                                   "Frame Out", "FPS"] + [d["name"] for d in descs]
        lines = [header]
        for seq, episode_name, count in sequences:
            for n in range(1, count + 1):
                frames = rnd.choice([24, 36, 48, 60, 72, 96, 120])
                values: list[str] = []
                for d in descs:
                    if d["data_type"] == "list":
                        values.append(rnd.choice(d["choices"]))
                    elif d["data_type"] == "number":
                        values.append(str(rnd.randint(1, 5)))
                    else:
                        values.append(rnd.choice(["Airlock", "Crater", "Dome", "Corridor"]))
                lines.append(([episode_name] if is_tv else []) + [
                    seq, f"SH{n * 10:04d}", f"{seq} shot {n}", str(frames), "1001", str(1000 + frames), "24",
                    *values])
        admin.call("POST", f"/import/csv/projects/{pid}/shots", files={"file": ("shots.csv", _csv(lines), "text/csv")})

        header = ["Name", "Type", "Description"]
        lines = [header]
        for type_name, names in spec["asset_types"].items():
            for name in names:
                lines.append([name, type_name, f"{type_name}: {name}"])
        admin.call("POST", f"/import/csv/projects/{pid}/assets",
                   files={"file": ("assets.csv", _csv(lines), "text/csv")})

        # Tasks in bulk per task type, then statuses (a CRUD update, no comment: Zou's comment path costs
        # ~150 ms per task) and assignees (one call per person).
        for t in task_types:
            if t["name"] in spec["shot_task_types"] and t["for_entity"] == "Shot":
                admin.call("POST", f"/actions/projects/{pid}/task-types/{t['id']}/shots/create-tasks", json={})
            if t["name"] in spec["asset_task_types"] and t["for_entity"] == "Asset":
                admin.call("POST", f"/actions/projects/{pid}/task-types/{t['id']}/assets/create-tasks", json={})
        shot_rows = admin.call("GET", "/data/shots/with-tasks", params={"project_id": pid})
        asset_rows = admin.call("GET", "/data/assets/with-tasks", params={"project_id": pid})
        shots = [{"id": r["id"], "source_id": r.get("episode_id")} for r in shot_rows]
        assets = [{"id": r["id"]} for r in asset_rows]
        tasks = [t for r in shot_rows for t in r["tasks"]]
        all_tasks = tasks + [t for r in asset_rows for t in r["tasks"]]
        status_calls: list[tuple[str, str, dict[str, Any]]] = []
        by_person: dict[str, list[str]] = {}
        artist_ids = [people[p["key"]]["id"] for p in sample["people"] if p["role"] == "user"]
        for task in all_tasks:
            short = rnd.choices(status_cycle, weights=status_weights)[0]
            task["status_short"] = short
            if short != status_cycle[0]:
                status_calls.append(("PUT", f"/data/tasks/{task['id']}",
                                     {"json": {"task_status_id": statuses[short]["id"]}}))
            if rnd.random() < 0.6:
                for person_id in rnd.sample(artist_ids, rnd.choice([1, 1, 2])):
                    by_person.setdefault(person_id, []).append(task["id"])
        admin.many(status_calls)
        for person_id, task_ids in by_person.items():
            admin.call("PUT", f"/actions/persons/{person_id}/assign", json={"task_ids": task_ids})

        progress(f"{spec['name']}: comments, attachments and previews")
        coordinator = _Api(url)
        admin.others.append(coordinator)
        coord = next(a for a in info.accounts if a.email.startswith("coordinator"))
        coordinator.login(coord.email, coord.password)
        anim_tt = next(t for t in shot_tts if t["name"] == "Animation")
        anim_tasks = [t for t in tasks if t["task_type_id"] == anim_tt["id"]]
        preview_by_shot: dict[str, str] = {}
        for i, task in enumerate(rnd.sample(anim_tasks, min(24, len(anim_tasks)))):
            status = statuses.get(task["status_short"], statuses[status_cycle[0]])
            form = {"task_status_id": status["id"], "comment": rnd.choice(sample["comments"])}
            files = None
            if i % 4 == 0:
                files = {"file": (f"notes_{i:02d}.txt", f"Notes for shot, revision {i}\n".encode(), "text/plain")}
            comment = coordinator.call("POST", f"/actions/tasks/{task['id']}/comment", data=form, files=files)
            if i < 12:
                preview = coordinator.call("POST", f"/actions/tasks/{task['id']}/comments/{comment['id']}/add-preview",
                                           json={})
                coordinator.call("POST", f"/pictures/preview-files/{preview['id']}",
                                 files={"file": ("frame.png", preview_png(i + len(info.projects) * 50), "image/png")})
                coordinator.call("PUT", f"/actions/preview-files/{preview['id']}/set-main-preview", json={})
                preview_by_shot[task["entity_id"]] = preview["id"]

        progress(f"{spec['name']}: casting and playlist")
        admin.many([
            ("PUT", f"/data/projects/{pid}/entities/{shot['id']}/casting", {"json": [
                {"asset_id": a["id"], "nb_occurences": rnd.choice([1, 1, 2]), "label": "animate"}
                for a in rnd.sample(assets, rnd.randint(1, 4))]})
            for shot in rnd.sample(shots, min(60, len(shots)))])
        playlist = coordinator.call("POST", "/data/playlists", json={
            "name": spec["playlist"], "project_id": pid, "for_entity": "shot", "for_client": False,
            **({"episode_id": shots[0].get("source_id") or None} if spec["production_type"] == "tvshow" else {})})
        for shot_id, preview_id in list(preview_by_shot.items())[:12]:
            coordinator.call("POST", f"/actions/playlists/{playlist['id']}/add-entity",
                             json={"entity_id": shot_id, "preview_file_id": preview_id})
        f = sample["saved_filter"]
        coordinator.call("POST", "/data/user/filters", json={
            "name": f["name"], "query": f["query"], "list_type": f["list_type"], "project_id": pid})
    progress("demo production ready")
    return info
