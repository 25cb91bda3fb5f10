"""The item models: Qt's model tester on each (with a 10,000-shot table too), and sort / group / filter
correctness. The big table is built in memory in the columnar shape the API layer produces."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desktop.api.records import Project, UserTask, WithTasksTable
from desktop.models import (
    CastingModel,
    Chip,
    CommentsModel,
    EntityTableModel,
    EntityTasksModel,
    EntityViewModel,
    FilterResult,
    FilterScope,
    Lookups,
    MyTasksModel,
    ProjectListModel,
    Role,
    SubstringFilter,
    natural_key,
)
from desktop.models.filtering import KitsuFilter, kitsu_filter_factory
from tests.helpers.seed import ASSET_FIELDS, TASK_FIELDS, big_lookups, big_records, big_table

# Qt's C++ model tester reports problems as Qt warnings: make any warning fail the test. Pixmaps (project
# swatches, thumbnails) need a QApplication.
pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.usefixtures("qapp")]

ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder


@pytest.fixture(scope="module")
def big() -> tuple[Lookups, Project, WithTasksTable]:
    """10,000 shots x 8 task types."""
    lk = big_lookups()
    lookups, project = big_records(lk)
    return lookups, project, big_table(10_000, lk)


@pytest.fixture(scope="module")
def big_narrow() -> tuple[Lookups, Project, WithTasksTable]:
    """10,000 shots x 2 task types: Qt's tester walks every cell ~7 times, so fewer columns keep it quick."""
    lk = big_lookups(n_task_types=2)
    lookups, project = big_records(lk)
    return lookups, project, big_table(10_000, lk)


def check(tester: ModelTester, model: QAbstractItemModel) -> None:
    """Qt's C++ model tester, attached to `model` for the rest of the test (pytest-qt's API is untyped)."""
    untyped: Any = tester
    untyped.check(model)


def streamed(table: WithTasksTable) -> WithTasksTable:
    """An empty table with the same header, to stream `table`'s rows into."""
    return WithTasksTable(kind=table.kind, entity_fields=table.entity_fields, task_fields=table.task_fields)


def feed(src: EntityTableModel, full: WithTasksTable, batch: int = 500) -> WithTasksTable:
    """Stream `full` into `src` the way the main window does: extend the table, then sync_rows()."""
    table = streamed(full)
    for start in range(0, len(full.rows), batch):
        table.rows.extend(full.rows[start:start + batch])
        if start == 0:
            src.set_table(table)
        else:
            src.sync_rows()
    return table


def names_in_order(proxy: EntityViewModel, src: EntityTableModel) -> list[str]:
    name = src.column_index("name")
    return [src.data_at(r, name, Qt.ItemDataRole.DisplayRole.value) for r in proxy.entity_rows()]


def status_of(src: EntityTableModel, row: int, col: int) -> str:
    chip = src.data_at(row, col, Role.Chip)
    return chip.short_name if isinstance(chip, Chip) else ""


# ---------------------------------------------------------------------------------------- source model
def test_entity_model_on_10k_rows_passes_the_model_tester(
        qtmodeltester: ModelTester, big_narrow: tuple[Lookups, Project, WithTasksTable]) -> None:
    lookups, project, full = big_narrow
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(full)
    check(qtmodeltester, src)
    assert src.rowCount() == 10_000
    keys = src.column_keys()
    # Kitsu's order: the task statuses right after the name, the frame fields and metadata after them.
    assert keys[:6] == ["thumbnail", "sequence", "name", "task:Storyboard", "task:Layout", "frames"]
    assert "meta:difficulty" in keys
    assert [k for k in keys if k.startswith("task:")] == ["task:Storyboard", "task:Layout"]


def test_entity_model_cells_read_the_columnar_rows(big: tuple[Lookups, Project, WithTasksTable]) -> None:
    lookups, project, full = big
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(full)
    row = full.rows[0]
    d = dict(zip(full.entity_fields, row, strict=True))
    display = Qt.ItemDataRole.DisplayRole.value
    assert src.data_at(0, src.column_index("name"), display) == d["name"]
    assert src.data_at(0, src.column_index("sequence"), display) == d["sequence_name"]
    assert src.data_at(0, src.column_index("frames"), display) == str(d["nb_frames"])
    assert src.data_at(0, src.column_index("meta:difficulty"), display) == d["data"]["difficulty"]
    assert src.data(src.index(0, 0), Role.EntityId) == d["id"]
    # Task columns: Zou's status colour and short name, plus the assignees' initials.
    anim = src.column_index("task:Animation")
    task = next(t for t in d["tasks"] if t[TASK_FIELDS.index("task_type_id")] == src.specs[anim].task_type_id)
    status = lookups.statuses[task[TASK_FIELDS.index("task_status_id")]]
    chip = src.data(src.index(0, anim), Role.Chip)
    assert isinstance(chip, Chip)
    assert (chip.short_name, chip.color) == (status.short_name, status.color)
    expected = tuple(lookups.persons[p].initials for p in task[TASK_FIELDS.index("assignees")])
    assert chip.initials == expected
    assert src.data(src.index(0, anim)) == chip.text
    assert src.data(src.index(0, anim), Role.TaskId) == task[TASK_FIELDS.index("id")]
    assert src.data(src.index(0, src.column_index("name")), Role.Chip) is None


def test_unknown_task_type_gets_a_column_while_streaming(qtmodeltester: ModelTester,
                                                         big: tuple[Lookups, Project, WithTasksTable]) -> None:
    lookups, project, full = big
    only_two = Project.from_json({**project.raw, "task_types": list(project.task_types[:2])})
    src = EntityTableModel("shot", lookups)
    src.set_project(only_two)
    proxy = EntityViewModel(src)
    check(qtmodeltester, proxy)
    feed(src, WithTasksTable(full.kind, full.entity_fields, full.task_fields, rows=full.rows[:300]), batch=100)
    task_keys = [k for k in src.column_keys() if k.startswith("task:")]
    assert len(task_keys) == len(big_lookups().task_types)
    assert proxy.columnCount() == src.columnCount()


# ---------------------------------------------------------------------------------------- proxy on 10k
# Qt's tester re-walks the whole model on every signal, so it watches a streamed 300-row model live,
# and checks the 10,000-row one once, after streaming, sorting, filtering and collapsing.
def test_view_model_under_the_tester_while_streaming(qtmodeltester: ModelTester) -> None:
    lookups, project = big_records(big_lookups(n_task_types=3))
    full = big_table(300, big_lookups(n_task_types=3))
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    proxy = EntityViewModel(src)
    check(qtmodeltester, proxy)  # stays connected: every signal below is checked
    feed(src, full, batch=75)
    assert proxy.rowCount() == 300 + 3
    anim = src.column_index("task:Animation")
    proxy.sort(anim, ASC)
    proxy.set_query("sh001")
    proxy.collapse_all()
    proxy.expand_all()
    proxy.set_grouping(False)
    proxy.sort(anim, DESC)
    proxy.set_query("")
    proxy.set_grouping(True)
    proxy.sort(-1, ASC)
    assert proxy.rowCount() == 303


def test_view_model_streamed_10k_rows_sort_filter_group(
        qtmodeltester: ModelTester, big_narrow: tuple[Lookups, Project, WithTasksTable]) -> None:
    lookups, project, full = big_narrow
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    proxy = EntityViewModel(src)
    feed(src, full)
    assert src.rowCount() == 10_000
    groups = proxy.group_rows()
    assert len(groups) == 100  # 100 sequences of 100 shots
    assert proxy.rowCount() == 10_000 + 100
    assert [g[1] for g in groups[:3]] == ["SQ001", "SQ002", "SQ003"]
    assert all(count == 100 for _, _, count, _ in groups)
    # Natural order inside a group: SH0010, SH0020, ... whatever order the server sent.
    first_group = names_in_order(proxy, src)[:100]
    assert first_group == sorted(first_group, key=natural_key)
    layout = src.column_index("task:Layout")
    proxy.sort(layout, DESC)
    proxy.set_query("sh0010")
    assert proxy.matching_count() == 100
    proxy.collapse_all()
    assert proxy.rowCount() == 100
    proxy.expand_all()
    proxy.set_query("")
    assert proxy.rowCount() == 10_100
    check(qtmodeltester, proxy)


def test_sort_by_task_status_matches_a_python_sort(big: tuple[Lookups, Project, WithTasksTable]) -> None:
    lookups, project, full = big
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    proxy = EntityViewModel(src)
    proxy.set_grouping(False)
    src.set_table(full)
    col = src.column_index("task:Layout")
    proxy.sort(col, ASC)
    statuses = [status_of(src, r, col) for r in proxy.entity_rows()]
    assert statuses == sorted(statuses)
    # Ties keep the natural sequence/name order.
    seq, name = src.column_index("sequence"), src.column_index("name")
    display = Qt.ItemDataRole.DisplayRole.value
    first = statuses[0]
    tied = [r for r in proxy.entity_rows() if status_of(src, r, col) == first]
    natural = [natural_key(f"{src.data_at(r, seq, display)} {src.data_at(r, name, display)}") for r in tied]
    assert natural == sorted(natural)
    proxy.sort(col, DESC)
    statuses = [status_of(src, r, col) for r in proxy.entity_rows()]
    assert statuses == sorted(statuses, reverse=True)


def test_sort_by_numbers_and_names_is_natural() -> None:
    lookups, project = big_records()
    full = big_table(300, big_lookups())
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(full)
    proxy = EntityViewModel(src)
    proxy.set_grouping(False)
    frames = src.column_index("frames")
    proxy.sort(frames, ASC)
    values = [int(src.data_at(r, frames, Qt.ItemDataRole.DisplayRole.value)) for r in proxy.entity_rows()]
    assert values == sorted(values)
    proxy.sort(src.column_index("name"), DESC)
    names = names_in_order(proxy, src)
    assert names == sorted(names, key=natural_key, reverse=True)


def test_grouped_sort_keeps_groups_and_sorts_inside_them() -> None:
    lookups, project = big_records()
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(big_table(350, big_lookups()))
    proxy = EntityViewModel(src)
    frames = src.column_index("frames")
    proxy.sort(frames, DESC)
    titles = [g[1] for g in proxy.group_rows()]
    assert titles == ["SQ001", "SQ002", "SQ003", "SQ004"]
    for header, _title, count, _ in proxy.group_rows():
        rows = [proxy.source_row(header + 1 + i) for i in range(count)]
        values = [int(src.data_at(r, frames, 0)) for r in rows if r is not None]
        assert values == sorted(values, reverse=True)
    # Sorting by the grouping column itself reverses the groups.
    proxy.sort(src.column_index("sequence"), DESC)
    assert [g[1] for g in proxy.group_rows()] == ["SQ004", "SQ003", "SQ002", "SQ001"]


def test_collapse_and_expand_one_group(qtmodeltester: ModelTester) -> None:
    lookups, project = big_records()
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(big_table(250, big_lookups()))
    proxy = EntityViewModel(src)
    check(qtmodeltester, proxy)
    header_row = proxy.group_rows()[1][0]
    assert proxy.data(proxy.index(header_row, proxy.label_column)).startswith("▾ SQ002")
    assert proxy.flags(proxy.index(header_row, 0)) & Qt.ItemFlag.ItemIsSelectable == Qt.ItemFlag.NoItemFlags
    assert proxy.toggle_group(header_row)
    assert proxy.rowCount() == 250 + 3 - 100
    assert proxy.data(proxy.index(header_row, 0), Role.GroupCollapsed) is True
    assert proxy.group_label(header_row).startswith("▸ SQ002  (100)")
    assert not proxy.toggle_group(1)  # an entity row is not a header
    assert proxy.toggle_group(header_row)
    assert proxy.rowCount() == 253


def test_filter_is_case_insensitive_substring_over_names(qtmodeltester: ModelTester) -> None:
    lookups, project = big_records()
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(big_table(400, big_lookups()))
    proxy = EntityViewModel(src)
    check(qtmodeltester, proxy)
    counts: list[tuple[int, int]] = []
    proxy.counts_changed.connect(lambda a, b: counts.append((a, b)))
    proxy.set_query("sq002")
    assert proxy.matching_count() == 100
    assert {g[1] for g in proxy.group_rows()} == {"SQ002"}
    proxy.set_query("SQ002 sh01")  # every word must match: SH0100..SH0190 of SQ002
    assert names_in_order(proxy, src) == [f"SH01{i}0" for i in range(10)]
    proxy.set_query("no such shot")
    assert proxy.rowCount() == 0
    proxy.set_query("")
    assert proxy.matching_count() == 400
    assert counts[-1] == (400, 400)


def test_filter_hook_is_swappable_and_contained() -> None:
    lookups, project = big_records()
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(big_table(50, big_lookups()))
    proxy = EntityViewModel(src)
    calls: list[str] = []

    def even_rows(table: WithTasksTable, query: str) -> FilterResult:
        calls.append(query)
        rows: Collection[int] = [i for i in range(len(table.rows)) if i % 2 == 0]
        return FilterResult(rows, ("unknown task type: anmi",))

    hints: list[list[str]] = []
    proxy.hints_changed.connect(hints.append)
    proxy.set_row_filter(even_rows)
    proxy.set_query("anmi=wip")
    assert calls == ["anmi=wip"]
    assert sorted(proxy.entity_rows()) == list(range(0, 50, 2))
    assert hints == [["unknown task type: anmi"]]

    def broken(table: WithTasksTable, query: str) -> FilterResult:
        raise ValueError("boom")

    proxy.set_row_filter(broken)
    assert proxy.matching_count() == 50  # a failing filter shows everything and says why
    assert proxy.hints and "boom" in proxy.hints[0]


def test_filter_applies_to_rows_streamed_after_typing(big: tuple[Lookups, Project, WithTasksTable]) -> None:
    lookups, project, full = big
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    proxy = EntityViewModel(src)
    table = streamed(full)
    table.rows.extend(full.rows[:100])
    src.set_table(table)
    proxy.set_query("SH0990")
    before = proxy.matching_count()
    table.rows.extend(full.rows[100:])
    src.sync_rows()
    assert proxy.matching_count() == 100  # one SH0990 per sequence
    assert before <= 100


def test_selection_follows_its_rows_through_sort_filter_and_stream(qtmodeltester: ModelTester) -> None:
    lookups, project = big_records()
    full = big_table(600, big_lookups())
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    proxy = EntityViewModel(src)
    check(qtmodeltester, proxy)
    table = streamed(full)
    table.rows.extend(full.rows[:300])
    src.set_table(table)
    selection = QItemSelectionModel(proxy)
    row = proxy.entity_rows()[37]
    wanted = src.entity_id(row)
    target = proxy.proxy_row(row)
    assert target is not None
    selection.setCurrentIndex(proxy.index(target, 2), QItemSelectionModel.SelectionFlag.ClearAndSelect
                              | QItemSelectionModel.SelectionFlag.Rows)

    def selected() -> str | None:
        return proxy.entity_id(selection.currentIndex().row())

    proxy.sort(src.column_index("task:Layout"), DESC)
    assert selected() == wanted
    table.rows.extend(full.rows[300:])
    src.sync_rows()
    assert selected() == wanted
    name = src.data_at(row, src.column_index("name"), 0)
    proxy.set_query(str(name))
    assert selected() == wanted
    proxy.set_grouping(False)
    assert selected() == wanted
    assert [proxy.entity_id(i.row()) for i in selection.selectedRows()] == [wanted]


def test_asset_model_groups_by_asset_type(qtmodeltester: ModelTester) -> None:
    lookups, _ = big_records()
    tt = next(iter(lookups.task_types.values()))
    project = Project.from_json({"id": "p", "name": "P", "task_types": []})
    rows: list[list[Any]] = []
    for i, (type_name, name) in enumerate([("Prop", "sword"), ("Character", "Hero"), ("Character", "bob"),
                                           ("Environment", "Forest"), ("Prop", "Axe2"), ("Prop", "Axe10")]):
        task: list[Any] = [None] * len(TASK_FIELDS)
        task[TASK_FIELDS.index("task_type_id")] = tt.id
        task[TASK_FIELDS.index("task_status_id")] = next(iter(lookups.statuses))
        task[TASK_FIELDS.index("assignees")] = []
        asset = {"id": f"a{i}", "name": name, "preview_file_id": "", "description": "", "asset_type_name": type_name,
                 "asset_type_id": f"t-{type_name}", "canceled": False, "ready_for": "None", "episode_id": "",
                 "casting_episode_ids": [], "is_casting_standby": False, "is_shared": False, "data": {},
                 "tasks": [task]}
        rows.append([asset[f] for f in ASSET_FIELDS])
    table = WithTasksTable("asset", ASSET_FIELDS, TASK_FIELDS, rows=rows)
    src = EntityTableModel("asset", lookups)
    src.set_project(project)
    src.set_table(table)
    proxy = EntityViewModel(src)
    check(qtmodeltester, src)
    check(qtmodeltester, proxy)
    assert [g[1] for g in proxy.group_rows()] == ["Character", "Environment", "Prop"]
    assert names_in_order(proxy, src) == ["bob", "Hero", "Forest", "Axe2", "Axe10", "sword"]
    assert src.column_keys()[:3] == ["thumbnail", "asset_type", "name"]
    assert src.data(src.index(0, 0), Qt.ItemDataRole.DecorationRole) is None  # "" preview: no thumbnail
    assert src.column_index(f"task:{tt.name}") > 0  # not in the project, found in the rows


# ---------------------------------------------------------------------------------------- small models
def test_project_list_model(qtmodeltester: ModelTester) -> None:
    model = ProjectListModel()
    model.set_projects([Project.from_json({"id": "b", "name": "Beta", "production_type": "tvshow"}),
                        Project.from_json({"id": "a", "name": "alpha", "color": "#ff0000"})])
    check(qtmodeltester, model)
    assert [model.data(model.index(r), Role.EntityId) for r in range(2)] == ["a", "b"]
    assert "TV show" in model.data(model.index(1))
    assert model.data(model.index(0), Qt.ItemDataRole.DecorationRole) is not None


def _user_task(i: int, **kw: Any) -> UserTask:
    base = {"id": f"t{i}", "project_id": "p", "project_name": "Proj", "entity_id": f"e{i}",
            "entity_name": f"SH{i:03d}", "entity_type_name": "Shot", "sequence_name": "SQ01",
            "task_type_name": "Animation", "task_type_for_entity": "Shot", "task_status_id": "unknown",
            "task_status_short_name": "wip", "task_status_color": "#3273dc", "task_status_name": "WIP",
            "due_date": f"2026-12-{i + 1:02d}T00:00:00", "priority": i % 3, "assignees": [],
            "last_comment": {"text": f"note {i}"}}
    base.update(kw)
    return UserTask.from_json(base)


def test_my_tasks_model_sorts_and_filters(qtmodeltester: ModelTester) -> None:
    model = MyTasksModel(Lookups())
    check(qtmodeltester, model)
    model.set_tasks([_user_task(i) for i in range(5)]
                    + [_user_task(9, entity_type_name="Character", task_type_for_entity="Asset", entity_name="Hero")])
    assert model.rowCount() == 6
    assert model.data(model.index(0, model.column_index("entity"))) == "SQ01 / SH000"
    assert model.data(model.index(5, model.column_index("entity"))) == "Character / Hero"
    chip = model.data(model.index(0, model.column_index("status")), Role.Chip)
    assert isinstance(chip, Chip) and chip.short_name == "wip" and chip.color == "#3273dc"
    model.sort(model.column_index("due_date"), DESC)
    dues = [model.data(model.index(r, model.column_index("due_date"))) for r in range(6)]
    assert dues == sorted(dues, reverse=True)
    model.sort(model.column_index("priority"), ASC)
    prios = [model.record(r).priority for r in range(6)]
    assert prios == sorted(prios)
    model.set_query("hero")
    assert model.rowCount() == 1
    model.set_query("")
    assert model.rowCount() == 6


def test_detail_models(qtmodeltester: ModelTester) -> None:
    lookups, _ = big_records()
    tt = list(lookups.task_types.values())
    status = next(iter(lookups.statuses.values()))
    person = next(iter(lookups.persons.values()))
    tasks = EntityTasksModel(lookups)
    check(qtmodeltester, tasks)
    tasks.set_tasks([{"id": "t2", "task_type_id": tt[1].id, "task_status_id": status.id, "assignees": [person.id]},
                     {"id": "t1", "task_type_id": tt[0].id, "task_status_id": status.id, "assignees": []}])
    assert [tasks.record(r)["id"] for r in range(2)] == ["t1", "t2"]  # task type priority order
    tasks.set_last_comments({"t2": "looks good"})
    assert tasks.data(tasks.index(1, tasks.column_index("last_comment"))) == "looks good"
    assert tasks.data(tasks.index(1, tasks.column_index("assignees"))) == person.full_name

    comments = CommentsModel()
    check(qtmodeltester, comments)
    comments.set_comments("t1", [
        {"id": "c1", "created_at": "2026-01-01T10:00:00", "text": "old", "person": {"full_name": "Ann"},
         "task_status": {"short_name": "wip"}, "attachment_files": []},
        {"id": "c2", "created_at": "2026-01-02T10:00:00", "text": "new", "person": {"full_name": "Bob"},
         "task_status": {"short_name": "wfa"}, "attachment_files": [{"name": "notes.txt", "size": 2048}]},
    ])
    assert comments.data(comments.index(0), Role.EntityId) == "c2"  # newest first
    assert "notes.txt (2.0 KB)" in comments.data(comments.index(0))

    casting = CastingModel()
    check(qtmodeltester, casting)
    casting.set_casting("assets", [{"asset_id": "a2", "asset_name": "Sword", "asset_type_name": "Prop",
                                    "nb_occurences": 2},
                                   {"asset_id": "a1", "asset_name": "Hero", "asset_type_name": "Character",
                                    "nb_occurences": 1}])
    assert [casting.data(casting.index(r)) for r in range(2)] == ["Character / Hero", "Prop / Sword  ×2"]
    casting.set_casting("shots", [{"shot_id": "s1", "shot_name": "SH010", "sequence_name": "SQ01",
                                   "nb_occurences": 1}])
    assert casting.data(casting.index(0)) == "SQ01 / SH010"
    assert casting.data(casting.index(0), Role.EntityId) == "s1"


def test_substring_filter_extends_its_index_as_rows_stream() -> None:
    full = big_table(30, big_lookups())
    table = streamed(full)
    table.rows.extend(full.rows[:10])
    f = SubstringFilter()
    first = f(table, "sh")
    assert first.rows is not None and len(first.rows) == 10
    table.rows.extend(full.rows[10:])
    again = f(table, "SH")
    assert again.rows is not None and len(again.rows) == 30
    assert f(table, "   ").rows is None


def test_natural_key_orders_numbers_as_numbers() -> None:
    names = ["SH10", "sh2", "SH1", "SH100", "SQ01/SH9", "A", ""]
    assert sorted(names, key=natural_key) == ["", "A", "SH1", "sh2", "SH10", "SH100", "SQ01/SH9"]


def test_models_need_no_event_loop(qapp: QApplication) -> None:
    """Models are pure data: building and sorting one never needs the network or a running loop."""
    lookups, project = big_records()
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(big_table(20, big_lookups()))
    proxy = EntityViewModel(src)
    proxy.sort(src.column_index("name"), ASC)
    assert proxy.rowCount() == 20 + 1
    assert proxy.index(0, 0).isValid() and not proxy.index(0, 0).parent().isValid()
    assert proxy.rowCount(proxy.index(0, 0)) == 0
    assert proxy.data(QModelIndex()) is None


@pytest.mark.parametrize("engine", ["kitsu", "substring"])
def test_an_edited_row_is_filtered_by_its_new_values(engine: str) -> None:
    """An inline or dialog edit changes a loaded row in place: an active filter sees the new value at once
    (the filter's per-row cache is refreshed for that row, not left stale until a reload)."""
    lookups, project = big_records()
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(big_table(200, big_lookups()))
    proxy = EntityViewModel(src)
    if engine == "kitsu":
        proxy.set_row_filter(kitsu_filter_factory(FilterScope("shot", project, lookups)))
    proxy.set_query("renamedshot")
    assert proxy.matching_count() == 0
    src.update_row(7, {"name": "RenamedShot"})
    assert proxy.matching_count() == 1
    assert proxy.entity_rows() == [7]
    src.update_row(7, {"name": "SH9999"})
    assert proxy.matching_count() == 0
    proxy.set_query("")
    assert proxy.matching_count() == 200


def test_pane_filter_reads_the_assets_ready_counts() -> None:
    """`assetsready=` compares a task's nb_assets_ready with its entity's nb_entities_out: the pane's
    filter must be given both fields (without them every row matched)."""
    lk = big_lookups()
    lookups, project = big_records(lk)
    table = big_table(50, lk)
    layout = next(tt_id for tt_id, name in lk.task_types if name == "Layout")
    tpos, ttype = TASK_FIELDS.index("nb_assets_ready"), TASK_FIELDS.index("task_type_id")
    task = next(t for t in table.tasks(table.rows[3]) if t[ttype] == layout)
    table.rows[3][table.col("nb_entities_out")] = 2  # two assets cast in shot 3 ...
    task[tpos] = 2  # ... both ready for its layout
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    src.set_table(table)
    proxy = EntityViewModel(src, kitsu_filter_factory(FilterScope("shot", project, lookups)))
    proxy.set_query("assetsready=Layout")
    assert proxy.entity_rows() == [3]


def test_the_filter_is_built_in_idle_slices_before_the_first_keystroke(qtbot: QtBot) -> None:
    """After rows arrive (and stop arriving), the view model lets the Kitsu filter build its data in small
    slices between event-loop turns, so the first query finds it ready."""
    lk = big_lookups()
    lookups, project = big_records(lk)
    src = EntityTableModel("shot", lookups)
    src.set_project(project)
    engine = kitsu_filter_factory(FilterScope("shot", project, lookups))
    proxy = EntityViewModel(src, engine)
    table = big_table(3000, lk)
    src.set_table(table)
    assert isinstance(engine, KitsuFilter)
    qtbot.waitUntil(lambda: not proxy._warm_timer.isActive(), timeout=10_000)
    assert engine.prepare(table, 0.0) is False  # nothing left to build
    proxy.set_query("layout=wip")
    layout = next(tt_id for tt_id, name in lk.task_types if name == "Layout")
    wip = next(st_id for st_id, short, _ in lk.statuses if short == "wip")
    tt, st = TASK_FIELDS.index("task_type_id"), TASK_FIELDS.index("task_status_id")
    expected = [i for i, row in enumerate(table.rows)
                if any(t[tt] == layout and t[st] == wip for t in table.tasks(row))]
    assert expected
    assert sorted(proxy.entity_rows()) == expected
