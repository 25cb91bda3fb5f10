"""Typed facade over QSettings (INI, user scope). No secrets here.

Every setting is declared once below, with its key, type and default (as MusicBrainz Picard's
`picard/options.py`); reading parses by the declared type, so a hand-edited or older INI file gives the
default instead of a crash. Settings whose key carries an id (the episode shown per project, a pane's
column order) are declared once too, as a `KeyedOption` with a key template.

Tokens live in the OS keyring (desktop.api.tokens.TokenStore); a password is never stored at all.
"""

from __future__ import annotations

from typing import Any, cast, overload

from PySide6.QtCore import QByteArray, QSettings

from desktop import APP_NAME, ORG_NAME

SETTINGS_VERSION = 1


def _parse(raw: Any, kind: type, default: Any) -> Any:
    """QSettings gives back strings from INI files (and lists of one item as a string): parse by type."""
    if raw is None:
        return default
    if kind is bool:
        if isinstance(raw, str):
            return raw.lower() in ("1", "true", "yes", "on")
        return bool(raw)
    if kind is int:
        try:
            return int(str(raw))
        except (TypeError, ValueError):
            return default
    if kind is list:
        if isinstance(raw, str):
            return [raw] if raw else []
        return [str(x) for x in raw] if isinstance(raw, list | tuple) else list(default)
    if kind is QByteArray:
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else default
    return str(raw)


class Option[T]:
    """One setting: `settings.<name>` reads it (typed, default when unset), assigning writes it."""

    def __init__(self, key: str, default: T, kind: type | None = None, doc: str = "") -> None:
        self.key, self.default, self.doc = key, default, doc
        self.kind: type = kind or type(default)
        OPTIONS.append(self)

    @overload
    def __get__(self, obj: None, owner: type) -> Option[T]: ...
    @overload
    def __get__(self, obj: Settings, owner: type) -> T: ...

    def __get__(self, obj: Settings | None, owner: type) -> Option[T] | T:
        if obj is None:
            return self
        return cast(T, _parse(obj.q.value(self.key), self.kind, self.default))

    def __set__(self, obj: Settings, value: T) -> None:
        obj.q.setValue(self.key, value)


class KeyedOption[T]:
    """A family of settings whose key holds an id: `settings.<name>[id]` reads, `[id] = v` writes."""

    def __init__(self, template: str, default: T, kind: type | None = None, doc: str = "") -> None:
        self.template, self.default, self.doc = template, default, doc
        self.kind: type = kind or type(default)
        OPTIONS.append(self)

    def __get__(self, obj: Settings | None, owner: type) -> _Bound[T]:
        if obj is None:
            raise AttributeError("a keyed option is read through a Settings instance")
        return _Bound(self, obj)


class _Bound[T]:
    def __init__(self, option: KeyedOption[T], settings: Settings) -> None:
        self.option, self.settings = option, settings

    def key(self, *parts: str) -> str:
        return self.option.template.format(*parts)

    def __getitem__(self, part: str | tuple[str, ...]) -> T:
        parts = part if isinstance(part, tuple) else (part,)
        raw = self.settings.q.value(self.key(*parts))
        return cast(T, _parse(raw, self.option.kind, self.option.default))

    def __setitem__(self, part: str | tuple[str, ...], value: T) -> None:
        parts = part if isinstance(part, tuple) else (part,)
        self.settings.q.setValue(self.key(*parts), value)


OPTIONS: list[Option[Any] | KeyedOption[Any]] = []


class Settings:
    # ------------------------------------------------------------ servers and session
    servers = Option[list[str]]("servers/recent", [], list, doc="remembered servers, most recent first, as typed")
    last_server = Option("session/server", "", doc="the server of the saved session, as typed")
    last_api_url = Option("session/api_url", "", doc="its API root, as found by the probe")
    last_email = Option("session/email", "", doc="the e-mail of the saved session")
    keep_signed_in = Option("session/keep_signed_in", True, doc="keep the session in the keyring after exit")
    session_in_keyring = Option("session/in_keyring", True,
                                doc="False once the keyring no longer holds the saved session (signed out): "
                                    "the next start opens the sign-in window without asking the keyring")
    ca_file = Option("tls/ca_file", "", doc="a studio CA bundle, added to the OS trust store")
    live_updates = Option("session/live_updates", True, doc="listen to Zou's event stream (no F5 needed)")
    events_url = Option("session/events_url", "", doc="the event stream when not at the API's host /socket.io")
    desktop_notifications = Option("notifications/desktop", True,
                                   doc="mentions and assignments as desktop notifications (system tray)")
    cache_max_mb = Option("cache/max_mb", 1024,
                          doc="disk cache of lists and details per server and user (MB; least recently used go)")
    # ------------------------------------------------------------ browsing
    last_project_id = Option("browse/project_id", "", doc="the project opened last")
    main_tab = Option("panes/main/tab", 0, doc="the list tab shown last (shots, assets, my tasks, playlists)")
    episode = KeyedOption("panes/projects/episode/{}", "", doc="the episode shown last, per TV show")
    # ------------------------------------------------------------ the shots and assets panes ({} = shots/assets)
    pane_grouped = KeyedOption("panes/{}/grouped", True, doc="rows grouped by sequence or asset type")
    pane_order = KeyedOption[list[str]]("panes/{}/order", [], list, doc="column keys in display order")
    pane_hidden = KeyedOption[list[str]]("panes/{}/hidden", [], list, doc="hidden column keys")
    pane_widths = KeyedOption[list[str]]("panes/{}/widths", [], list, doc="'key=width' per visible column")
    pane_sort = KeyedOption("panes/{}/sort", "", doc="'key:asc' or 'key:desc', '' for the server's order")
    # Per project ({} = shots/assets, project id); the pane-wide layout above is the default of a project not
    # arranged yet.
    project_order = KeyedOption[list[str]]("panes/{}/project/{}/order", [], list, doc="column keys, per project")
    project_hidden = KeyedOption[list[str]]("panes/{}/project/{}/hidden", [], list,
                                            doc="hidden column keys, per project")
    project_widths = KeyedOption[list[str]]("panes/{}/project/{}/widths", [], list,
                                            doc="'key=width' per visible column, per project")
    grid_density = Option("panes/density", "comfortable", doc="row height of the lists: comfortable or compact")
    # ------------------------------------------------------------ appearance
    theme = Option("appearance/theme", "system", doc="colour scheme: system, light or dark")
    # ------------------------------------------------------------ downloads
    downloads_parallel = Option("downloads/parallel", 3, doc="transfers at once (1 to the dock's maximum)")
    downloads_policy = Option("downloads/conflict_policy", "rename", doc="a file already there: rename, skip...")
    downloads_last_folder = Option("downloads/last_folder", "", doc="the folder chosen last, for any project")
    downloads_folder = KeyedOption("downloads/folder/{}", "", doc="the folder chosen per project ('_none': none)")
    # ------------------------------------------------------------ CSV
    csv_delimiter = Option("csv/delimiter", ";", doc="the delimiter of exported files")
    csv_bom = Option("csv/bom", False, doc="write a UTF-8 BOM (for Excel)")
    csv_open_when_done = Option("csv/open_when_done", "nothing", doc="after an export: nothing, file, folder")
    csv_last_dir = Option("csv/last_dir", "", doc="the folder of the last export")
    csv_import_kind = Option("csv/import_kind", "shots", doc="what the import wizard imported last")
    csv_import_update = Option("csv/import_update", False, doc="update existing rows on import")
    csv_import_dir = Option("csv/import_dir", "", doc="the folder of the last imported file")
    # ------------------------------------------------------------ window state
    geometry_of = KeyedOption("window/{}", QByteArray(), QByteArray, doc="saved geometry or state, per window")

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.q = qsettings or QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG_NAME, APP_NAME)
        version = _parse(self.q.value("meta/version"), int, 0)
        if version < SETTINGS_VERSION:
            self.q.setValue("meta/version", SETTINGS_VERSION)

    def sync(self) -> None:
        self.q.sync()

    # ------------------------------------------------------------ helpers over the declared options
    def remember_server(self, text: str) -> None:
        items = [text] + [s for s in self.servers if s != text]
        self.servers = items[:10]

    def geometry(self, name: str) -> QByteArray | None:
        value = self.geometry_of[name]
        return value if not value.isEmpty() else None

    def set_geometry(self, name: str, state: QByteArray) -> None:
        self.geometry_of[name] = state
