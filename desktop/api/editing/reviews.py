"""Review writes: annotations drawn on a preview (`PUT /actions/preview-files/{id}/update-annotations`).

Zou 1.0.97 merges by time and by object id under a lock (`preview_annotations_service`): additions add
objects (never overwrite one with the same id), updates replace objects by id, deletions drop them by
id. So two reviewers drawing on the same frame at once both keep their strokes. Undo deletes what was
added.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from desktop.api.editing.base import EditorBase, as_dict
from desktop.api.editing.undo import UndoEntry
from desktop.media.timing import frame_time


def annotation_entry(frame: int, fps: float, objects: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One annotation as Kitsu writes it: the frame's time on Kitsu's grid, the frame, the objects."""
    return {"time": frame_time(frame, fps), "frame": frame, "drawing": {"objects": [dict(o) for o in objects]}}


class ReviewOps(EditorBase):
    async def add_annotations(self, preview_id: str, frame: int, fps: float,
                              objects: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Add drawing objects (each with an `id`) on a frame; returns the preview file as Zou has it now."""
        entry = annotation_entry(frame, fps, objects)
        data = as_dict(await self.session.put(f"/actions/preview-files/{preview_id}/update-annotations",
                                              {"additions": [entry], "updates": [], "deletions": []}),
                       "the annotations")
        ids = [str(o.get("id")) for o in objects if o.get("id")]

        async def undo() -> None:
            await self.delete_annotations(preview_id, frame, fps, ids)

        self.undo.push(UndoEntry("Annotation", undo))
        return data

    async def delete_annotations(self, preview_id: str, frame: int, fps: float,
                                 object_ids: Sequence[str]) -> dict[str, Any]:
        deletion = {"time": frame_time(frame, fps), "frame": frame, "objects": list(object_ids)}
        return as_dict(await self.session.put(f"/actions/preview-files/{preview_id}/update-annotations",
                                              {"additions": [], "updates": [], "deletions": [deletion]}),
                       "the annotations")
