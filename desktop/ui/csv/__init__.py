"""CSV in the GUI: export options, "export current view", and the import wizard.

* `ExportOptionsDialog` / `ask_export_options(settings, parent, ...)`: file, delimiter, BOM, open when
  done; remembered under `csv/` in the settings.
* `export_view(model, path, fmt, columns)` / `export_view_async(...)`: what a view shows, on any
  `QAbstractItemModel` (pass the view's proxy); `visible_columns(view)`, `columns_for_view(model, ...)`.
* `ImportWizard(client, settings, project, parent)`.
* `CsvActions(client, settings, window)`: the above behind one object for the main window's menus.
"""

from desktop.ui.csv.actions import CsvActions
from desktop.ui.csv.import_wizard import ImportWizard
from desktop.ui.csv.options import (
    CsvPrefs,
    ExportChoice,
    ExportOptionsDialog,
    ask_export_options,
    load_prefs,
    open_result,
    safe_file_name,
    save_prefs,
)
from desktop.ui.csv.view_export import (
    EXPORT_TEXT_ROLE,
    ExportColumn,
    columns_for_view,
    export_view,
    export_view_async,
    view_rows,
    visible_columns,
)

__all__ = [
    "EXPORT_TEXT_ROLE", "CsvActions", "CsvPrefs", "ExportChoice", "ExportColumn", "ExportOptionsDialog", "ImportWizard",
    "ask_export_options", "columns_for_view", "export_view", "export_view_async", "load_prefs", "open_result",
    "safe_file_name", "save_prefs", "view_rows", "visible_columns",
]
