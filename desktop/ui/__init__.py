"""Qt widgets: windows, dialogs and panes. Thin: they call the async API layer and show what it returns."""
