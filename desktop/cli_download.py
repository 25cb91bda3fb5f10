"""`slate download ...`: previews of the shots a filter query selects, the attachments of a task, working
files — through the app's download manager (`desktop.api.downloads`: resumable, verified, never overwrites a
file), with a progress bar on a terminal and nothing at all with `--quiet`.

    slate download previews --project "My Film" --filter "anim=wip sq01" -o ./previews [--latest]
    slate download attachments --task <task id> -o ./attachments
    slate download working-file <working file id> [...] -o ./files

The filter is Kitsu's filter language, evaluated by the same engine as the shots pane
(`desktop.models.filtering.KitsuFilter`). Imported by `desktop.cli` only when this subcommand runs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, TextIO

from desktop.api.client import ZouClient
from desktop.api.downloads import DownloadItem, DownloadManager, DownloadSource, Status, format_size
from desktop.api.downloads.sources import (
    PreviewVariant,
    entity_preview_sources,
    task_comment_sources,
    working_file_sources,
)
from desktop.api.session import ZouSession

BAR_WIDTH = 30
REDRAW_S = 0.1  # the progress line is redrawn at most this often


def add_parser(sub: Any, common: Any) -> None:
    dl = sub.add_parser("download", help="download previews, attachments or working files",
                        description="Download through Slate's download manager: resumable, verified, an existing "
                                    "file is never overwritten (a new one is named 'name (1).ext').")
    what = dl.add_subparsers(dest="what", required=True, parser_class=type(dl))
    previews = what.add_parser("previews", help="previews of the shots (or assets) a filter query selects")
    common(previews)
    previews.add_argument("--filter", default="", metavar="QUERY",
                          help="Kitsu filter query, as in the shots pane (default: every shot)")
    previews.add_argument("--assets", action="store_true", help="assets instead of shots")
    previews.add_argument("--episode", help="episode name or id (TV shows)")
    previews.add_argument("--latest", action="store_true", help="only each task's newest revision")
    previews.add_argument("--variant", choices=[v.value for v in PreviewVariant], default="original",
                          help="original file (default), low-definition movie, picture or thumbnail")
    attachments = what.add_parser("attachments", help="attachments (and previews) of a task's comments")
    common(attachments)
    attachments.add_argument("--task", required=True, help="the task id")
    attachments.add_argument("--no-previews", action="store_true", help="attachments only")
    files = what.add_parser("working-file", help="working files by id")
    common(files)
    files.add_argument("ids", nargs="+", metavar="ID", help="working file id")
    for p in (previews, attachments, files):
        p.add_argument("-o", "--out", required=True, type=Path, help="the folder to download into")
        p.add_argument("--parallel", type=int, default=3, help="transfers at once (default 3)")


async def sources_for(session: ZouSession, args: argparse.Namespace, project: dict[str, Any] | None,
                      episode_id: str | None) -> list[DownloadSource]:
    if args.what == "attachments":
        return await task_comment_sources(session, args.task, previews=not args.no_previews)
    if args.what == "working-file":
        return await working_file_sources(session, args.ids)
    assert project is not None
    entity_ids = await filtered_entities(session, str(project["id"]), "asset" if args.assets else "shot",
                                         args.filter, None if episode_id in (None, "all", "main") else episode_id)
    return await entity_preview_sources(session, entity_ids, variant=args.variant, latest_only=args.latest)


async def filtered_entities(session: ZouSession, project_id: str, kind: str, query: str,
                            episode_id: str | None) -> list[str]:
    """The ids of the project's shots or assets the Kitsu query selects (all of them for an empty one)."""
    from desktop.models.filtering import FilterScope, KitsuFilter  # the panes' engine (no widget)
    from desktop.models.lookups import Lookups

    client = ZouClient(session)
    context = await client.context()
    table = await (client.shots_with_tasks if kind == "shot" else client.assets_with_tasks)(project_id, episode_id)
    project = next((p for p in context.projects if p.id == project_id), None)
    result = KitsuFilter(FilterScope(kind, project, Lookups.from_context(context)))(table, query)
    rows = list(table.row_dicts())
    chosen = range(len(rows)) if result.rows is None else result.rows
    return [str(rows[i]["id"]) for i in chosen if rows[i].get("id")]


class ProgressLine:
    """One line on a terminal: bar, percent, bytes, speed, files done; redrawn in place."""

    def __init__(self, manager: DownloadManager, out: TextIO) -> None:
        self.manager, self.out = manager, out
        self.last = 0.0
        self.count = 0

    def __call__(self, item: DownloadItem, event: str) -> None:
        del item
        now = time.monotonic()
        if event == "progress" and now - self.last < REDRAW_S:
            return
        self.last = now
        self.draw()

    def draw(self) -> None:
        totals = self.manager.totals()
        items = self.manager.items
        done = sum(1 for i in items if i.status is Status.DONE)
        fraction = totals.fraction or 0.0
        filled = int(BAR_WIDTH * fraction)
        line = (f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction * 100:5.1f}% "
                f"{format_size(totals.received)}/{format_size(totals.total)} "
                f"{format_size(totals.speed)}/s  {done}/{len(items)} files")
        self.out.write(line.ljust(80))
        self.out.flush()

    def finish(self) -> None:
        self.draw()
        self.out.write("\n")
        self.out.flush()


async def download(session: ZouSession, sources: list[DownloadSource], folder: Path, *, parallel: int,
                   progress: TextIO | None) -> tuple[list[DownloadItem], list[DownloadItem]]:
    """Queue every source into `folder`, wait for all; returns (done, failed)."""
    manager = DownloadManager(session, parallel=max(1, parallel), load=False)  # not the app's saved queue
    line = ProgressLine(manager, progress) if progress is not None else None
    if line is not None:
        manager.subscribe(line)
    try:
        items = manager.enqueue(sources, folder)
        manager.start()
        await manager.wait([i.id for i in items])
    finally:
        await manager.shutdown()
    if line is not None:
        line.finish()
    done = [i for i in items if i.status is Status.DONE]
    return done, [i for i in items if i.status is not Status.DONE]
