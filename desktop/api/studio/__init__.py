"""The studio's reference data and admin routes, Qt-free: typed records (`records`), the declared
families (`families`), one CRUD helper over `/data/<collection>` (`crud`), and the routes that are not
CRUD (`extras`). `StudioData` gathers them for one session."""

from __future__ import annotations

from typing import Any

from desktop.api.reads import Reads
from desktop.api.session import ZouSession
from desktop.api.studio import families as F
from desktop.api.studio.crud import Collection
from desktop.api.studio.extras import (
    AssetInstances,
    EventQuery,
    EventsLog,
    InstanceUse,
    PreviewBackgrounds,
    Removal,
    ShotgunImport,
    TaskSubscriptions,
)
from desktop.api.studio.families import BY_KEY, FAMILIES, Family, FieldSpec
from desktop.api.studio.records import (
    AttachmentFileRecord,
    DepartmentRecord,
    MilestoneRecord,
    OutputFileRecord,
    ProjectStatusRecord,
    SalaryScaleRecord,
    SoftwareRecord,
    StudioRecord,
    SubscriptionRecord,
    TaskStatusRecord,
)


class StudioData:
    """Every studio family and route for one signed-in session."""

    def __init__(self, session: ZouSession, reads: Reads | None = None) -> None:
        self.session = session
        self.project_statuses: Collection[ProjectStatusRecord] = Collection(session, F.PROJECT_STATUSES, reads)
        self.task_statuses: Collection[TaskStatusRecord] = Collection(session, F.TASK_STATUSES, reads)
        self.departments: Collection[DepartmentRecord] = Collection(session, F.DEPARTMENTS, reads)
        self.softwares: Collection[SoftwareRecord] = Collection(session, F.SOFTWARES, reads)
        self.studios: Collection[StudioRecord] = Collection(session, F.STUDIOS, reads)
        self.milestones: Collection[MilestoneRecord] = Collection(session, F.MILESTONES, reads)
        self.salary_scales: Collection[SalaryScaleRecord] = Collection(session, F.SALARY_SCALES, reads)
        self.subscriptions: Collection[SubscriptionRecord] = Collection(session, F.SUBSCRIPTIONS, reads)
        self.output_files: Collection[OutputFileRecord] = Collection(session, F.OUTPUT_FILES, reads)
        self.attachment_files: Collection[AttachmentFileRecord] = Collection(session, F.ATTACHMENT_FILES, reads)
        self.task_subscriptions = TaskSubscriptions(session, reads)
        self.backgrounds = PreviewBackgrounds(session, reads)
        self.events = EventsLog(session, reads)
        self.shotgun = ShotgunImport(session, reads)
        self.asset_instances = AssetInstances(session, reads)

    def collection(self, family: Family | str) -> Collection[Any]:
        """The collection of a family, for code that works on any of them (the generic editor)."""
        key = family if isinstance(family, str) else family.key
        if key == F.PREVIEW_BACKGROUNDS.key:
            return self.backgrounds.collection
        if key == F.EVENTS.key:
            return self.events.collection
        found: Collection[Any] = getattr(self, key)
        return found


__all__ = ["BY_KEY", "FAMILIES", "AssetInstances", "Collection", "EventQuery", "EventsLog", "Family",
           "FieldSpec", "InstanceUse", "PreviewBackgrounds", "Removal", "ShotgunImport", "StudioData",
           "TaskSubscriptions"]
