"""Widgets around the Kitsu filter language: the saved-filters menu and buttons bar, the filter builder."""

from desktop.api.filters import FilterGroup, SavedFilter
from desktop.ui.filters.bar import SavedFiltersBar
from desktop.ui.filters.builder import FilterBuilderDialog, article, builder_choices
from desktop.ui.filters.dialogs import NewFilterGroupDialog, SaveFilterChoice, SaveFilterDialog, next_group_color
from desktop.ui.filters.saved import SavedFiltersButton, filter_groups_for, saved_filters_for

__all__ = [
    "FilterBuilderDialog",
    "FilterGroup",
    "NewFilterGroupDialog",
    "SaveFilterChoice",
    "SaveFilterDialog",
    "SavedFilter",
    "SavedFiltersBar",
    "SavedFiltersButton",
    "article",
    "builder_choices",
    "filter_groups_for",
    "next_group_color",
    "saved_filters_for",
]
