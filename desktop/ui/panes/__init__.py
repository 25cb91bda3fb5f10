"""The main window's panes. Each owns its models and widgets and does no network I/O itself."""

from desktop.ui.browse_session import ALL_EPISODES
from desktop.ui.panes.detail import DetailPane
from desktop.ui.panes.entities import EntityPane, EntityTableView
from desktop.ui.panes.my_tasks import MyTasksPane
from desktop.ui.panes.projects import ProjectsPane

__all__ = ["ALL_EPISODES", "DetailPane", "EntityPane", "EntityTableView", "MyTasksPane", "ProjectsPane"]
