"""The projects pane: the user's open productions, and an episode selector for TV shows."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLabel, QListView, QVBoxLayout, QWidget

from desktop.api.records import Entity, Project, UserContext
from desktop.models.lists import ProjectListModel
from desktop.ui.browse_session import ALL_EPISODES, BrowseSession
from desktop.ui.panes.common import ErrorBanner, named
from desktop.ui.thumbnails import ThumbnailCache, project_picture_path


class ProjectsPane(QWidget):
    project_selected = Signal(str)  # project id
    episode_selected = Signal(str)  # episode id, or "all"
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, browse: BrowseSession | None = None,
                 thumbnails: ThumbnailCache | None = None) -> None:
        super().__init__(parent)
        named(self, "projectsPane", "Projects pane")
        self.browse = browse
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
        if thumbnails is not None:
            self.model.picture = lambda p: thumbnails.pixmap(project_picture_path(p.id))
            thumbnails.ready.connect(self._on_picture_ready)
        if browse is not None:
            self._follow(browse)

    # ------------------------------------------------------------------ the browse session
    def _follow(self, browse: BrowseSession) -> None:
        browse.context_changed.connect(self._on_context)
        browse.project_opened.connect(self._on_project_opened)
        browse.episodes_changed.connect(self._on_episodes)
        browse.load_failed.connect(self._on_load_failed)
        self.project_selected.connect(lambda project_id: browse.open_project(project_id))
        self.episode_selected.connect(browse.select_episode)
        self.retry_requested.connect(browse.retry_projects)

    def _on_project_opened(self, project: Project | None, kept: bool) -> None:
        del kept
        if project is not None:
            self.select_project(project.id, emit=False)

    def _on_load_failed(self, key: str, message: str) -> None:
        if key in ("context", "project"):
            self.error.show_error(message)

    def _on_context(self, context: UserContext) -> None:
        self.error.clear()
        self.set_projects(context.projects)

    def _on_episodes(self, episodes: Sequence[Entity] | None, current: str) -> None:
        self.set_episodes(episodes, current or ALL_EPISODES)
        self.error.clear()

    def _on_picture_ready(self, path: str) -> None:
        prefix = "/pictures/thumbnails/projects/"
        if path.startswith(prefix):
            self.model.refresh_picture(path[len(prefix):].removesuffix(".png"))

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
