"""The projects pane: the user's open productions, and an episode selector for TV shows."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLabel, QListView, QVBoxLayout, QWidget

from desktop.api.records import Entity, Project
from desktop.models.lists import ProjectListModel
from desktop.ui.panes.common import ErrorBanner, named

ALL_EPISODES = "all"


class ProjectsPane(QWidget):
    project_selected = Signal(str)  # project id
    episode_selected = Signal(str)  # episode id, or "all"
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "projectsPane", "Projects pane")
        self.model = ProjectListModel(self)
        title = QLabel("<b>Projects</b>")
        self.list = named(QListView(), "projectsList", "Open projects")
        self.list.setModel(self.model)
        self.list.setIconSize(QSize(28, 28))
        self.list.setUniformItemSizes(True)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.episode_label = named(QLabel("Episode"), "episodeLabel", "Episode")
        self.episodes = named(QComboBox(), "episodeSelector", "Episode")
        self.episode_label.setBuddy(self.episodes)
        self.error = ErrorBanner("projects", "projects")
        self.empty = named(QLabel("No open project. Ask a production manager to add you to a team."),
                           "projectsEmpty", "No open project")
        self.empty.setWordWrap(True)
        self.empty.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(title)
        layout.addWidget(self.error)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.episode_label)
        layout.addWidget(self.episodes)
        self._set_episodes_visible(False)
        self._current: str | None = None
        self._updating_episodes = False

        selection = self.list.selectionModel()
        assert selection is not None
        selection.currentRowChanged.connect(self._on_current)
        self.episodes.currentIndexChanged.connect(self._on_episode)
        self.error.retry.connect(self.retry_requested)

    # ------------------------------------------------------------------ projects
    def set_projects(self, projects: Sequence[Project]) -> None:
        current = self._current
        self.model.set_projects(projects)
        self.empty.setVisible(not projects)
        self._current = None
        if current and self.model.row_of(current) >= 0:
            self.select_project(current, emit=False)
            self._current = current

    def projects(self) -> list[Project]:
        return self.model.projects()

    def current_project(self) -> Project | None:
        return self.model.project(self.list.currentIndex().row())

    def select_project(self, project_id: str, *, emit: bool = True) -> bool:
        row = self.model.row_of(project_id)
        if row < 0:
            return False
        selection = self.list.selectionModel()
        assert selection is not None
        if not emit:
            selection.blockSignals(True)
        try:
            selection.setCurrentIndex(self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            if not emit:
                selection.blockSignals(False)
        self._current = project_id
        return True

    def _on_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        del previous
        project = self.model.project(current.row())
        if project is not None and project.id != self._current:
            self._current = project.id
            self.project_selected.emit(project.id)

    # ------------------------------------------------------------------ episodes
    def _set_episodes_visible(self, visible: bool) -> None:
        self.episode_label.setVisible(visible)
        self.episodes.setVisible(visible)

    def set_episodes(self, episodes: Sequence[Entity] | None, current: str = ALL_EPISODES) -> None:
        """None hides the selector (not a TV show); otherwise "All episodes" then each episode."""
        self._updating_episodes = True
        try:
            self.episodes.clear()
            if episodes is None:
                self._set_episodes_visible(False)
                return
            self.episodes.addItem("All episodes", ALL_EPISODES)
            for episode in sorted(episodes, key=lambda e: e.name.lower()):
                self.episodes.addItem(episode.name, episode.id)
            index = self.episodes.findData(current)
            self.episodes.setCurrentIndex(index if index >= 0 else 0)
            self._set_episodes_visible(True)
        finally:
            self._updating_episodes = False

    def current_episode(self) -> str | None:
        if self.episodes.isHidden() or self.episodes.count() == 0:
            return None
        data = self.episodes.currentData()
        return str(data) if data else None

    def select_episode(self, episode_id: str) -> bool:
        index = self.episodes.findData(episode_id)
        if index < 0:
            return False
        self.episodes.setCurrentIndex(index)
        return True

    def _on_episode(self, index: int) -> None:
        if self._updating_episodes or index < 0:
            return
        data = self.episodes.itemData(index)
        if data:
            self.episode_selected.emit(str(data))
