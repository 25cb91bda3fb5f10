"""One CRUD helper over Zou's `/data/<collection>` routes, driven by a `Family` declaration.

Reads go through `reads` (`desktop.api.reads`): the disk cache when the window has one, the path every
read of the app takes, so the studio's lists stay readable offline. Writes
send only the fields the family declares writable, after checking the required ones, so a typo in a form
never reaches Zou as an unknown column (Zou would answer 400 or silently drop it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from desktop.api import errors as E
from desktop.api.reads import Reads, Routes
from desktop.api.records import json_rows
from desktop.api.session import ZouSession
from desktop.api.studio.families import Family, FieldSpec
from desktop.api.studio.records import Record


def one(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict) or not data.get("id"):
        raise E.ProtocolError(f"Unexpected answer for the {what}.")
    return data


def clean_values(family: Family, values: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """The body to send: declared writable fields only, typed as Zou stores them; a clear ValidationError
    naming the field otherwise (nothing is sent)."""
    allowed = {f.key: f for f in family.writable(creating=creating)}
    if creating and family.scope and family.scope not in allowed and family.scope in values:
        allowed[family.scope] = FieldSpec(family.scope, family.scope)
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise E.ValidationError(f"{family.noun.capitalize()}: {', '.join(unknown)} cannot be set here.",
                                field_errors={k: "cannot be set here" for k in unknown})
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in values.items():
        spec = allowed[key]
        try:
            body[key] = _typed(spec, value)
        except ValueError as exc:
            errors[key] = str(exc)
    for key, spec in allowed.items():
        if spec.required and (creating or key in body) and body.get(key) in (None, ""):
            errors.setdefault(key, "is required")
    if errors:
        labels = {f.key: f.label for f in family.fields}
        text = "; ".join(f"{labels.get(k, k)} {m}" for k, m in errors.items())
        raise E.ValidationError(f"{family.noun.capitalize()}: {text}.", field_errors=errors)
    return body


def _typed(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("must be yes or no")
        return value
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("must be a whole number")
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError("must be a whole number") from None
    text = str(value).strip()
    if spec.kind == "color":
        if len(text) != 7 or text[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in text[1:]):
            raise ValueError("must be a colour like #3f8fd2")
        return text.lower()
    if spec.kind == "date":
        try:
            return dt.date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise ValueError("must be a date (YYYY-MM-DD)") from None
    if spec.kind == "choice" and spec.choices and text not in spec.choices:
        raise ValueError(f"must be one of {', '.join(spec.choices)}")
    return text if text or spec.kind != "ref" else None


class Collection[R: Record](Routes):
    """List / get / create / update / delete of one family (`R` is its record type)."""

    def __init__(self, session: ZouSession, family: Family, reads: Reads | None = None) -> None:
        super().__init__(session, reads)
        self.family = family

    @property
    def base(self) -> str:
        return f"/data/{self.family.collection}"

    async def list(self, scope_id: str | None = None, **filters: str) -> list[R]:
        """The family's rows; `scope_id` fills the family's scope (a project, an entity, a comment)."""
        family = self.family
        params = dict(filters)
        if family.scope_is_me:
            scope_id = self._me()
        if family.scope and scope_id:
            if family.scoped_list_route:
                data = await self.reads.get(family.scoped_list_route.format(id=scope_id), params=params or None)
                return cast(list[R], json_rows(data))
            params[family.scope] = scope_id
        elif family.scope_required:
            raise E.ValidationError(f"Choose a {family.scope_ref or 'scope'} to list its {family.title.lower()}.")
        return cast(list[R], json_rows(await self.reads.get(self.base, params=params or None)))

    def _me(self) -> str:
        user = self.session.user
        if user is None or not user.id:
            raise E.SessionExpired("You are not signed in.")
        return user.id

    async def get(self, record_id: str) -> R:
        return cast(R, one(await self.reads.get(f"{self.base}/{record_id}"), self.family.noun))

    async def create(self, values: Mapping[str, Any]) -> R:
        if not self.family.can_create:
            raise E.ValidationError(f"Zou does not create {self.family.title.lower()} this way.")
        if self.family.scope_is_me and self.family.scope:
            values = {**values, self.family.scope: self._me()}  # one's own, never someone else's
        body = clean_values(self.family, values, creating=True)
        return cast(R, one(await self.session.post(self.base, body), self.family.noun))

    async def update(self, record_id: str, values: Mapping[str, Any]) -> R:
        if not self.family.can_update:
            raise E.ValidationError(f"Zou does not edit {self.family.title.lower()}.")
        body = clean_values(self.family, values, creating=False)
        return cast(R, one(await self.session.put(f"{self.base}/{record_id}", body), self.family.noun))

    async def delete(self, record_id: str) -> None:
        if not self.family.can_delete:
            raise E.ValidationError(f"Zou does not delete {self.family.title.lower()}.")
        await self.session.delete(f"{self.base}/{record_id}")
