"""Widgets around the Kitsu filter language: the saved-filters menu button of the list panes."""

from desktop.ui.filters.saved import SavedFilter, SavedFiltersButton, saved_filters_for

__all__ = ["SavedFilter", "SavedFiltersButton", "saved_filters_for"]
