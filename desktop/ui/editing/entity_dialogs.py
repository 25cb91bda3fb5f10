"""Asset and shot editor dialogs (create and edit), and the small sequence / episode creation dialog.

Edit mode is given the entity as the table shows it (an entity dict or a with-tasks row): that is the
base of the conflict check, so a field changed on the server since the row was loaded opens the
conflict dialog instead of being overwritten. Only the fields the user changed are sent. A failed save
keeps everything typed and says why (field errors are marked on the fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.api import errors as E
from desktop.api.editing import EditConflict, EditContext, changed_fields, flatten, row_value
from desktop.api.records import Entity
from desktop.settings import Settings
from desktop.ui.editing.common import DescriptorField, EditingDialog, EditorSource, mark_invalid, text_of
from desktop.ui.editing.conflict import ConflictDialog, ConflictFlow
from desktop.ui.widgets import named, primary_button


class EntityEditorDialog(EditingDialog):
    """Common part of the asset and shot editors."""

    saved = Signal(dict)  # the entity as the server returned it (created or updated)
    kind = "Entity"

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, entity: Mapping[str, Any] | None = None) -> None:
        self.entity: dict[str, Any] | None = dict(entity) if entity else None
        lower = self.kind.lower()
        name = f"{lower}Editor"
        title = (f"Edit {lower} {self.entity.get('name', '')}" if self.entity else f"New {lower}").strip()
        super().__init__(editor, settings, ctx, parent, name=name, title=title)
        self.base: dict[str, Any] = flatten(self.entity) if self.entity else {}
        self.conflicts = ConflictFlow(self, self.runner, what=lambda: f"“{(self.entity or {}).get('name', '')}”",
                                      announce=lambda conflict: self.message.show_message(str(conflict), "warn"))
        self.fields: dict[str, QWidget] = {}
        self.meta: dict[str, DescriptorField] = {}
        self.caps = ctx.capabilities

        self.form = QFormLayout()
        self.name_field = self._line("name", "nameField", "Name")
        self.form.addRow("Name", self.name_field)
        self._build_specific()
        self.description_field = named(QPlainTextEdit(), "descriptionField", "Description")
        self.description_field.setFixedHeight(72)
        self.fields["description"] = self.description_field
        self.form.addRow("Description", self.description_field)

        descriptors = ctx.descriptors(self.kind)
        meta_box = QGroupBox("Metadata")
        meta_form = QFormLayout(meta_box)
        for d in descriptors:
            field = DescriptorField(d, row_value(self.entity or {}, "data." + d.field_name))
            self.meta[field.key] = field
            self.fields[field.key] = field.widget
            meta_form.addRow(d.name, field.widget)
        meta_box.setVisible(bool(descriptors))

        self.save_button = named(primary_button("Create" if self.entity is None else "Save"), "saveButton",
                                 "Create" if self.entity is None else "Save")
        self.cancel_button = named(QPushButton("Cancel"), "cancelButton", "Cancel")
        self.save_button.clicked.connect(lambda: self.run(self.save(), key="save"))
        self.cancel_button.clicked.connect(self.reject)
        self.save_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(meta_box)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        self.resize(460, self.sizeHint().height())

        self._fill()
        self._apply_permissions()

    # ------------------------------------------------------------ building
    def _line(self, key: str, object_name: str, label: str, placeholder: str = "") -> QLineEdit:
        line = named(QLineEdit(), object_name, label)
        if placeholder:
            line.setPlaceholderText(placeholder)
        self.fields[key] = line
        return line

    def _build_specific(self) -> None:
        """Kind-specific rows (asset type, sequence, frames...)."""

    def _fill(self) -> None:
        e = self.entity or {}
        self.name_field.setText(str(e.get("name") or ""))
        self.description_field.setPlainText(str(e.get("description") or ""))

    def _apply_permissions(self) -> None:
        if self.entity is None:
            allowed = self.caps.can_create_entities
            self.allow(self.save_button, allowed, self.caps.why_not(f"create {self.kind.lower()}s"))
            if not allowed:
                self.message.show_message(self.caps.why_not(f"create {self.kind.lower()}s"), "warn")
            return
        descriptors = self.ctx.descriptors(self.kind)
        any_editable = False
        for key, widget in self.fields.items():
            ok = self.caps.can_edit_field(key, self.entity, descriptors)
            if key in self.meta and not self.meta[key].editable:
                ok = False
            widget.setEnabled(ok)
            any_editable = any_editable or ok
        self.allow(self.save_button, any_editable, self.caps.why_not(f"edit this {self.kind.lower()}"))
        if not any_editable:
            self.message.show_message(self.caps.why_not(f"edit this {self.kind.lower()}"), "warn")

    # ------------------------------------------------------------ values
    def values(self) -> dict[str, Any]:
        """What the form shows, as flat fields (`name`, `data.frame_in`...)."""
        out: dict[str, Any] = {"name": self.name_field.text(), "description": text_of(self.description_field)}
        for key, field in self.meta.items():
            if field.editable:
                out[key] = field.value()
        return out

    def changes(self) -> dict[str, Any]:
        """Only what the user changed from the loaded entity (edit mode)."""
        editable = {k: v for k, v in self.values().items() if self.fields.get(k) is None
                    or self.fields[k].isEnabled()}
        return changed_fields(self.base, editable)

    def metadata_values(self) -> dict[str, Any]:
        return {k[len("data."):]: v for k, v in self.values().items() if k.startswith("data.") and k in self.meta
                and v not in ("", None, "false")}

    # ------------------------------------------------------------ saving
    async def save(self) -> bool:
        """Create or save; True when the server accepted it. Errors are shown, never raised."""
        self._clear_errors()
        try:
            if self.entity is None:
                result = await self._create()
            else:
                changes = self.changes()
                if not changes:
                    self.accept()
                    return True
                result = await self.editor.save_entity(str(self.entity["id"]), changes, base=self.entity)
        except EditConflict as conflict:
            self._show_conflict(conflict)
            return False
        except E.ValidationError as exc:
            self._show_field_errors(exc)
            return False
        except E.ZouError as exc:
            self.show_error(exc)
            return False
        self._done(result)
        return True

    async def _create(self) -> dict[str, Any]:
        raise NotImplementedError

    def _done(self, entity: dict[str, Any]) -> None:
        self.entity = entity
        self.base = flatten(entity)
        self.saved.emit(entity)
        self.accept()

    @property
    def conflict_dialog(self) -> ConflictDialog | None:
        return self.conflicts.dialog

    def _show_conflict(self, conflict: EditConflict) -> None:
        self.conflicts.show(conflict, resolve=self.editor.resolve_conflict, saved=self._done,
                            failed=lambda exc, _conflict: self._save_failed(exc),
                            cancelled=lambda _conflict: self.message.show_message(
                                "Not saved. Your changes are still here: save again to compare them with the latest "
                                "version, or cancel to drop them.", "warn"))

    def _save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, E.ValidationError):
            self._show_field_errors(exc)
        elif isinstance(exc, E.ZouError):
            self.show_error(exc)
        else:
            raise exc  # a bug, not a refusal: the runner reports it

    def _clear_errors(self) -> None:
        self.message.clear_message()
        for widget in self.fields.values():
            if widget.property("invalid"):
                mark_invalid(widget, None)

    def _show_field_errors(self, exc: E.ValidationError) -> None:
        unplaced = []
        for key, text in exc.field_errors.items():
            widget = self.fields.get(key)
            if widget is not None:
                mark_invalid(widget, text)
            else:
                unplaced.append(text)
        self.message.show_message(str(exc) if not exc.field_errors or unplaced
                                  else "Please fix: " + " ".join(exc.field_errors.values()))


class AssetEditorDialog(EntityEditorDialog):
    kind = "Asset"

    def _build_specific(self) -> None:
        self.asset_type_field = named(QComboBox(), "assetTypeField", "Asset type")
        for t in self.ctx.asset_types:
            self.asset_type_field.addItem(t.name, t.id)
        self.fields["entity_type_id"] = self.asset_type_field
        self.form.addRow("Type", self.asset_type_field)

    def _fill(self) -> None:
        super()._fill()
        e = self.entity or {}
        type_id = e.get("entity_type_id") or e.get("asset_type_id")
        if type_id:
            self.asset_type_field.setCurrentIndex(max(0, self.asset_type_field.findData(type_id)))

    def values(self) -> dict[str, Any]:
        out = super().values()
        out["entity_type_id"] = self.asset_type_field.currentData()
        return out

    async def _create(self) -> dict[str, Any]:
        type_id = self.asset_type_field.currentData()
        if not type_id:
            raise E.ValidationError("Choose an asset type.", field_errors={"entity_type_id": "Choose an asset type."})
        return await self.editor.create_asset(
            self.ctx.project.id, str(type_id), self.name_field.text(),
            description=text_of(self.description_field), data=self.metadata_values())


class ShotEditorDialog(EntityEditorDialog):
    kind = "Shot"

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, entity: Mapping[str, Any] | None = None,
                 sequences: list[Entity] | None = None, sequence_id: str | None = None) -> None:
        self._sequences = sequences
        self._default_sequence = sequence_id
        self._nb_frames_typed = False
        super().__init__(editor, settings, ctx, parent, entity=entity)
        self.loaded = sequences is not None
        if sequences is not None:
            self._set_sequences(sequences)

    def _build_specific(self) -> None:
        self.sequence_field = named(QComboBox(), "sequenceField", "Sequence")
        self.fields["parent_id"] = self.sequence_field
        self.form.addRow("Sequence", self.sequence_field)
        self.frame_in_field = self._line("data.frame_in", "frameInField", "Frame in", "1001")
        self.frame_out_field = self._line("data.frame_out", "frameOutField", "Frame out", "1100")
        self.nb_frames_field = self._line("nb_frames", "nbFramesField", "Frames", "100")
        self.fps_field = self._line("data.fps", "fpsField", "FPS", self.ctx.project.fps or "24")
        frames = QHBoxLayout()
        frames.addWidget(self.frame_in_field)
        frames.addWidget(self.frame_out_field)
        self.form.addRow("Frame in / out", frames)
        self.form.addRow("Frames", self.nb_frames_field)
        self.form.addRow("FPS", self.fps_field)
        self.nb_frames_field.textEdited.connect(self._nb_frames_edited)
        self.frame_in_field.textEdited.connect(self._update_nb_frames)
        self.frame_out_field.textEdited.connect(self._update_nb_frames)

    def _nb_frames_edited(self, _text: str) -> None:
        self._nb_frames_typed = True

    def _update_nb_frames(self, _text: str) -> None:
        """Frames follow frame in/out (inclusive) until the user types a frame count."""
        if self._nb_frames_typed:
            return
        try:
            first, last = int(self.frame_in_field.text()), int(self.frame_out_field.text())
        except ValueError:
            return
        if last >= first:
            self.nb_frames_field.setText(str(last - first + 1))

    def _fill(self) -> None:
        super()._fill()
        e = self.entity or {}
        for key, line in (("data.frame_in", self.frame_in_field), ("data.frame_out", self.frame_out_field),
                          ("data.fps", self.fps_field)):
            value = row_value(e, key)
            line.setText("" if value is None else str(value))
        nb = e.get("nb_frames")
        self.nb_frames_field.setText("" if nb is None else str(nb))
        self._nb_frames_typed = nb is not None

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._sequences is None and not self.runner.busy:
            self.run(self.load(), key="load")

    async def load(self) -> None:
        """The production's sequences for the sequence picker."""
        try:
            sequences = await self.editor.client.sequences(self.ctx.project.id)
        except E.ZouError as exc:
            self.show_error(exc)
            return
        self._set_sequences(sequences)

    def _set_sequences(self, sequences: list[Entity]) -> None:
        self._sequences = sequences
        current = (self.entity or {}).get("parent_id") or (self.entity or {}).get("sequence_id") \
            or self._default_sequence
        self.sequence_field.clear()
        for s in sorted(sequences, key=lambda s: s.name.lower()):
            self.sequence_field.addItem(s.name, s.id)
        if current:
            self.sequence_field.setCurrentIndex(max(0, self.sequence_field.findData(current)))
        self.loaded = True

    def values(self) -> dict[str, Any]:
        out = super().values()
        out.update({"data.frame_in": self.frame_in_field.text(), "data.frame_out": self.frame_out_field.text(),
                    "nb_frames": self.nb_frames_field.text(), "data.fps": self.fps_field.text()})
        if self.sequence_field.count():
            out["parent_id"] = self.sequence_field.currentData()
        return out

    async def _create(self) -> dict[str, Any]:
        seq = self.sequence_field.currentData()
        return await self.editor.create_shot(
            self.ctx.project.id, str(seq) if seq else None, self.name_field.text(),
            nb_frames=self.nb_frames_field.text() or None, frame_in=self.frame_in_field.text() or None,
            frame_out=self.frame_out_field.text() or None, fps=self.fps_field.text() or None,
            description=text_of(self.description_field), data=self.metadata_values())


class ParentEntityDialog(EditingDialog):
    """Create a sequence (in an episode for TV shows) or an episode."""

    created = Signal(dict)

    def __init__(self, editor: EditorSource, settings: Settings | None, ctx: EditContext,
                 parent: QWidget | None = None, *, kind: str = "Sequence",
                 episodes: list[Entity] | None = None) -> None:
        if kind not in ("Sequence", "Episode"):
            raise ValueError(kind)
        self.kind = kind
        super().__init__(editor, settings, ctx, parent, name=f"new{kind}Dialog", title=f"New {kind.lower()}")
        self.name_field = named(QLineEdit(), "nameField", f"{kind} name")
        self.episode_field = named(QComboBox(), "episodeField", "Episode")
        for ep in sorted(episodes or [], key=lambda e: e.name.lower()):
            self.episode_field.addItem(ep.name, ep.id)
        form = QFormLayout()
        form.addRow("Name", self.name_field)
        if kind == "Sequence" and ctx.project.is_tv_show:
            form.addRow("Episode", self.episode_field)
        else:
            self.episode_field.setVisible(False)
        self.save_button = named(primary_button("Create"), "saveButton", "Create")
        self.cancel_button = named(QPushButton("Cancel"), "cancelButton", "Cancel")
        self.save_button.clicked.connect(lambda: self.run(self.save(), key="save"))
        self.cancel_button.clicked.connect(self.reject)
        self.allow(self.save_button, ctx.capabilities.can_create_entities,
                   ctx.capabilities.why_not(f"create {kind.lower()}s"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)

    async def save(self) -> bool:
        mark_invalid(self.name_field, None)
        try:
            if self.kind == "Episode":
                created = await self.editor.create_episode(self.ctx.project.id, self.name_field.text())
            else:
                episode = self.episode_field.currentData() if self.ctx.project.is_tv_show else None
                created = await self.editor.create_sequence(self.ctx.project.id, self.name_field.text(),
                                                            episode_id=str(episode) if episode else None)
        except E.ValidationError as exc:
            mark_invalid(self.name_field, exc.field_errors.get("name"))
            self.show_error(exc)
            return False
        except E.ZouError as exc:
            self.show_error(exc)
            return False
        self.created.emit(created)
        self.accept()
        return True
