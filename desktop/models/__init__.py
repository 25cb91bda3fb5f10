"""Qt item models over data the API layer loaded. No network calls here: models only read records.

- `EntityTableModel`: shots or assets of a project over the columnar `WithTasksTable` (streamed rows).
- `EntityViewModel`: filter (swappable `RowFilter`), Python sort on precomputed keys, collapsible groups.
- small lists: `ProjectListModel`, `MyTasksModel`, `EntityTasksModel`, `CommentsModel`, `CastingModel`.
"""

from desktop.models.columns import ColumnKind, ColumnSpec, build_columns
from desktop.models.entities import EntityTableModel, ThumbnailSource
from desktop.models.filtering import (
    FilterResult,
    FilterScope,
    RowFilter,
    RowFilterFactory,
    SubstringFilter,
    substring_filter_factory,
)
from desktop.models.grouped import EntityViewModel
from desktop.models.lists import CastingModel, CommentsModel, EntityTasksModel, MyTasksModel, ProjectListModel
from desktop.models.lookups import Chip, Lookups, natural_key
from desktop.models.roles import Role

__all__ = [
    "CastingModel", "Chip", "ColumnKind", "ColumnSpec", "CommentsModel", "EntityTableModel", "EntityTasksModel",
    "EntityViewModel", "FilterResult", "FilterScope", "Lookups", "MyTasksModel", "ProjectListModel", "Role",
    "RowFilter", "RowFilterFactory", "SubstringFilter", "ThumbnailSource", "build_columns", "natural_key",
    "substring_filter_factory",
]
