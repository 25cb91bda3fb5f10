"""What the signed-in user may change in a project, mirrored from Zou's permission checks.

The UI disables what the role cannot do; the server still decides (a 403 is answered with a clear
message and the view rolls back). The rules follow `zou/app/services/permissions_service.py`:

* create assets/shots/sequences/episodes, edit casting: admin, or a project manager;
* edit an entity (PUT /data/entities): admin, manager, or the entity's creator; a supervisor may change
  only `data`, and only descriptors of one of their departments (all of them with no department);
* delete: the creator or a manager;
* change a task status: by comment; artists only on tasks assigned to them (or on entities they
  created) and only to statuses with `is_artist_allowed`;
* assign: manager; supervisor within their departments; an artist may assign themselves in their
  department.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.api.records import Descriptor, Person, TaskStatus, TaskType, UserContext

ROLE_NAMES = {"admin": "Studio manager", "manager": "Production manager", "supervisor": "Supervisor",
              "user": "Artist", "client": "Client", "vendor": "Vendor"}


def effective_role(user: Person, project_id: str | None, context: UserContext | None) -> str:
    """The role Zou applies in a project: the project override if any (admin stays global)."""
    if user.role == "admin":
        return "admin"
    if project_id and context is not None:
        role = context.project_roles.get(project_id)
        if role and role != "admin":
            return role
    return user.role


@dataclass(frozen=True)
class Capabilities:
    user_id: str
    role: str
    departments: tuple[str, ...] = ()

    @classmethod
    def for_project(cls, user: Person, project_id: str | None, context: UserContext | None = None
                    ) -> Capabilities:
        return cls(user_id=user.id, role=effective_role(user, project_id, context), departments=user.departments)

    @property
    def is_manager(self) -> bool:
        return self.role in ("admin", "manager")

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    # ------------------------------------------------------------ entities
    @property
    def can_create_entities(self) -> bool:
        return self.is_manager

    @property
    def can_edit_casting(self) -> bool:
        return self.is_manager

    def _created_by_me(self, entity: Mapping[str, Any] | None) -> bool:
        return bool(entity) and entity is not None and entity.get("created_by") == self.user_id

    def can_edit_field(self, key: str, entity: Mapping[str, Any] | None = None,
                       descriptors: Iterable[Descriptor] = ()) -> bool:
        """Whether a flat field (`name`, `data.<field>`) of this entity may be changed."""
        if self.is_manager or self._created_by_me(entity):
            return True
        if self.role == "supervisor" and key.startswith("data."):
            if not self.departments:
                return True
            bare = key[len("data."):]
            for d in descriptors:
                if d.field_name == bare:
                    return bool(set(d.departments) & set(self.departments))
        return False

    def can_edit_entity(self, entity: Mapping[str, Any] | None = None) -> bool:
        """Any field at all (a supervisor may still edit some metadata: see `can_edit_field`)."""
        return self.is_manager or self._created_by_me(entity) or self.role == "supervisor"

    def can_delete(self, entity: Mapping[str, Any] | None = None) -> bool:
        return self.is_manager or self._created_by_me(entity)

    def why_not(self, action: str) -> str:
        return f"Your role in this production ({self.role_name}) cannot {action}."

    # ------------------------------------------------------------ tasks
    def can_change_task(self, task: Mapping[str, Any], task_type: TaskType | None = None,
                        entity: Mapping[str, Any] | None = None) -> bool:
        """Post a status-changing comment on this task (`check_task_action_access`)."""
        if self.is_manager or self.role == "client":
            return True
        assignees = task.get("assignees") or []
        if self.user_id in [a if isinstance(a, str) else a.get("id") for a in assignees]:
            return True
        if self.role == "supervisor" and (not self.departments or (
                task_type is not None and task_type.department_id in self.departments)):
            return True
        return self._created_by_me(entity)

    def status_allowed(self, status: TaskStatus) -> bool:
        return self.role != "user" or status.is_artist_allowed

    def allowed_statuses(self, statuses: Sequence[TaskStatus]) -> list[TaskStatus]:
        return [s for s in statuses if self.status_allowed(s) and not s.archived]

    def can_assign(self, task_type: TaskType | None = None, person_id: str | None = None) -> bool:
        if self.is_manager:
            return True
        if self.role == "supervisor":
            return not self.departments or (task_type is not None and task_type.department_id in self.departments)
        return (person_id == self.user_id and task_type is not None
                and task_type.department_id is not None and task_type.department_id in self.departments)
