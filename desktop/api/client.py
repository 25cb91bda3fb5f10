"""Reads the panes need, on top of a `ZouSession`. Writes, files and exports live in their own modules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, cast

import orjson

from desktop.api import errors as E
from desktop.api.records import (
    AssetType,
    CastLinkRecord,
    CommentRecord,
    Entity,
    EntityRecord,
    Person,
    Project,
    TaskRecord,
    TaskStatus,
    TaskType,
    UserContext,
    UserTask,
    WithTasksTable,
    from_dict_rows,
    json_rows,
)
from desktop.api.session import ZouSession, decode_json

if TYPE_CHECKING:
    from desktop.api.cache import ReadCache
    from desktop.api.reads import Reads

BatchListener = Callable[[WithTasksTable, int], None]



class NotModified(Exception):
    """The server answered 304 to `If-None-Match`: the copy the caller holds is current."""


def with_tasks_request(kind: str, project_id: str, episode_id: str | None = None) -> tuple[str, dict[str, str]]:
    """The path and query of a shots/assets with-tasks list, as streamed (also the disk cache's key)."""
    params: dict[str, str] = {"project_id": project_id, "compact": "true", "stream": "true"}
    if episode_id:
        params["episode_id"] = episode_id
    return f"/data/{kind}s/with-tasks", params


class ZouClient:
    def __init__(self, session: ZouSession) -> None:
        self.session = session
        # The disk cache of what this user has seen (set by the main window): reads fall back to it
        # when the server cannot be reached, and the big lists are shown from it first.
        self.cache: ReadCache | None = None

    @property
    def reads(self) -> Reads:
        """Where the app's reads go: the disk cache when there is one, else the server (`desktop.api.reads`)."""
        return self.cache if self.cache is not None else self.session

    async def _get(self, path: str) -> Any:
        """Every read of this class."""
        return await self.reads.get(path)

    # ---------------------------------------------------------- lookups
    async def context(self) -> UserContext:
        data = await self._get("/data/user/context")
        if not isinstance(data, dict):
            raise E.ProtocolError("Unexpected answer for the user context.")
        return UserContext.from_json(data)

    async def open_projects(self) -> list[Project]:
        return [Project.from_json(d) for d in json_rows(await self._get("/data/user/projects/open"))]

    async def task_types(self) -> list[TaskType]:
        return [TaskType.from_json(d) for d in json_rows(await self._get("/data/task-types"))]

    async def task_statuses(self) -> list[TaskStatus]:
        return [TaskStatus.from_json(d) for d in json_rows(await self._get("/data/task-status"))]

    async def asset_types(self) -> list[AssetType]:
        return [AssetType.from_json(d) for d in json_rows(await self._get("/data/asset-types"))]

    async def people(self) -> list[Person]:
        return [Person.from_json(d) for d in json_rows(await self._get("/data/persons"))]

    async def episodes(self, project_id: str) -> list[Entity]:
        return [Entity.from_json(d) for d in json_rows(await self._get(f"/data/projects/{project_id}/episodes"))]

    async def sequences(self, project_id: str) -> list[Entity]:
        data = await self._get(f"/data/projects/{project_id}/sequences")
        return [Entity.from_json(d) for d in json_rows(data)]

    async def my_tasks(self) -> list[UserTask]:
        return [UserTask.from_json(d) for d in json_rows(await self._get("/data/user/tasks"))]

    async def done_tasks(self) -> list[UserTask]:
        """The user's tasks in a done status, in open projects (`/data/user/done-tasks`)."""
        return [UserTask.from_json(d) for d in json_rows(await self.session.get("/data/user/done-tasks"))]

    async def tasks_to_check(self) -> list[UserTask]:
        """Tasks waiting for feedback that this supervisor, manager or admin checks (artists get none).

        Without `page` Zou 1.0.97 answers the whole list (with `page` it pages by 100)."""
        return [UserTask.from_json(d) for d in json_rows(await self.session.get("/data/user/tasks-to-check"))]

    # ---------------------------------------------------------- details
    async def shot(self, shot_id: str) -> EntityRecord:
        return cast(EntityRecord, dict(await self._get(f"/data/shots/{shot_id}")))

    async def asset(self, asset_id: str) -> EntityRecord:
        return cast(EntityRecord, dict(await self._get(f"/data/assets/{asset_id}")))

    async def entity(self, entity_id: str) -> Entity:
        return Entity.from_json(await self._get(f"/data/entities/{entity_id}"))

    async def task(self, task_id: str) -> TaskRecord:
        return cast(TaskRecord, dict(await self._get(f"/data/tasks/{task_id}")))

    async def project_assets(self, project_id: str) -> list[dict[str, Any]]:
        """Every asset of a project (canceled ones included: Zou lists them with `canceled`)."""
        return json_rows(await self._get(f"/data/projects/{project_id}/assets"))

    async def task_comments(self, task_id: str) -> list[CommentRecord]:
        return cast(list[CommentRecord], json_rows(await self._get(f"/data/tasks/{task_id}/comments")))

    async def casting(self, project_id: str, entity_id: str) -> list[CastLinkRecord]:
        return cast(list[CastLinkRecord],
                    json_rows(await self._get(f"/data/projects/{project_id}/entities/{entity_id}/casting")))

    async def cast_in(self, asset_id: str) -> list[CastLinkRecord]:
        return cast(list[CastLinkRecord], json_rows(await self._get(f"/data/assets/{asset_id}/cast-in")))

    # ---------------------------------------------------------- big lists
    async def shots_with_tasks(self, project_id: str, episode_id: str | None = None, *,
                               on_batch: BatchListener | None = None) -> WithTasksTable:
        return await self._with_tasks("shot", project_id, episode_id, on_batch)

    async def assets_with_tasks(self, project_id: str, episode_id: str | None = None, *,
                                on_batch: BatchListener | None = None) -> WithTasksTable:
        return await self._with_tasks("asset", project_id, episode_id, on_batch)

    async def _with_tasks(self, kind: str, project_id: str, episode_id: str | None,
                          on_batch: BatchListener | None) -> WithTasksTable:
        table: WithTasksTable | None = None
        async for table, added in self.iter_with_tasks(kind, project_id, episode_id):
            if on_batch is not None:
                on_batch(table, added)
        if table is None:
            raise E.ProtocolError("The server sent no header for the list.")
        return table

    async def iter_with_tasks(self, kind: str, project_id: str, episode_id: str | None = None,
                              batch_rows: int = 500, *, if_none_match: str | None = None
                              ) -> AsyncIterator[tuple[WithTasksTable, int]]:
        """Stream `/data/{kind}s/with-tasks` as compact NDJSON, yielding (table, rows added) per batch.

        Parsing happens line by line as bytes arrive, so a 54 MB production never blocks the event loop
        for the whole payload (~0.4 s of JSON parsing in one piece), and the pane fills progressively.
        Older servers that ignore compact/stream answer a JSON list of dicts: that is converted once.
        With `if_none_match` (the ETag of a copy the caller holds), a 304 raises `NotModified`.
        """
        path, params = with_tasks_request(kind, project_id, episode_id)
        headers = {"If-None-Match": if_none_match} if if_none_match else {}
        table: WithTasksTable | None = None
        async with self.session.stream("GET", path, params=params, headers=headers) as response:
            if response.status_code == 304:
                raise NotModified
            ctype = response.headers.get("content-type", "")
            framed = "chunked" in response.headers.get("transfer-encoding", "").lower()
            if "ndjson" in ctype and framed:
                async for item in self._stream_batches(kind, response, batch_rows):
                    table = item[0]
                    yield item
                return
            if "ndjson" not in ctype:
                table = self._table_from_body(kind, response, await response.aread())
                yield table, len(table.rows)
                return
        # A close-delimited stream (an HTTP/1.0 proxy on the way) cannot tell a cut at a line boundary
        # from the end: Zou's NDJSON carries no row count. Ask for the same list as one JSON body, whose
        # Content-Length lets httpx detect any truncation.
        params.pop("stream")
        response = await self.session.request("GET", path, params=params, headers=headers)
        if response.status_code == 304:
            raise NotModified
        table = self._table_from_body(kind, response, response.content)
        yield table, len(table.rows)

    async def _stream_batches(self, kind: str, response: Any,
                              batch_rows: int) -> AsyncIterator[tuple[WithTasksTable, int]]:
        table: WithTasksTable | None = None
        pending: list[list[Any]] = []
        expected: int | None = None
        async for line in response.aiter_lines():
            if not line.strip():
                continue
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise E.ProtocolError("The list from the server was cut or corrupted.") from exc
            if table is None:
                if not isinstance(item, dict):
                    raise E.ProtocolError("The list from the server has no header line.")
                table = self._table_from_header(kind, item)
                table.etag = response.headers.get("etag")
                continue
            if isinstance(item, list):
                pending.append(item)
            elif isinstance(item, dict) and isinstance(item.get("count"), int):
                expected = item["count"]  # newer servers may close the stream with a row count
            if len(pending) >= batch_rows:
                table.rows.extend(pending)
                yield table, len(pending)
                pending = []
                await asyncio.sleep(0)
        if table is None:
            raise E.ProtocolError("The server sent an empty list answer.")
        table.rows.extend(pending)
        if expected is not None and expected != len(table.rows):
            raise E.ProtocolError(f"The list from the server was cut: {len(table.rows)} of {expected} rows.")
        yield table, len(pending)

    def _table_from_body(self, kind: str, response: Any, body: bytes) -> WithTasksTable:
        if not body:
            raise E.ProtocolError("The server sent an empty answer for the list.")
        data = decode_json(response)
        if isinstance(data, dict) and data.get("compact"):
            table = self._table_from_header(kind, data)
            rows = data.get("rows")
            if not isinstance(rows, list):
                raise E.ProtocolError("The list from the server has no rows.")
            table.rows = [r for r in rows if isinstance(r, list)]
        else:
            table = from_dict_rows(kind, json_rows(data))
        table.etag = response.headers.get("etag")
        return table

    @staticmethod
    def _table_from_header(kind: str, header: dict[str, Any]) -> WithTasksTable:
        efields = header.get(f"{kind}_fields") or header.get("fields")
        tfields = header.get("task_fields") or []
        if not isinstance(efields, list):
            raise E.ProtocolError("The list header names no fields.")
        return WithTasksTable(kind=kind, entity_fields=tuple(map(str, efields)),
                              task_fields=tuple(map(str, tfields)))
