"""CSV in and out of Slate, Qt-free: safe atomic writing, robust reading, Zou's import headers.

* `writer`: `write_csv` (formula cells neutralised, `;` or `,`, optional BOM, atomic, progress).
* `reader`: `read_csv_file` / `read_csv_bytes` (streamed; encoding and delimiter detection, clear errors, a cap).
* `mapping`: the headers Zou's importer reads, `Assignations` renaming, the upload encoding.
* `checks`: values a spreadsheet damaged, rows Zou would refuse.
"""

from desktop.csvio.checks import check_import, damaged_values, row_key, row_label
from desktop.csvio.mapping import (
    ImportContext,
    ImportKind,
    TargetColumn,
    apply_mapping,
    encode_for_upload,
    mapping_problems,
    rename_assignations,
    suggest_mapping,
    target_columns,
)
from desktop.csvio.reader import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    CsvFormatError,
    CsvTable,
    CsvWarning,
    ReadCancelled,
    read_csv_bytes,
    read_csv_file,
    read_csv_stream,
    sniff_delimiter,
)
from desktop.csvio.safe import cell_text, neutralise, restore
from desktop.csvio.writer import (
    DEFAULT_FORMAT,
    CsvFormat,
    CsvWriteError,
    ProgressCallback,
    WriteResult,
    atomic_output,
    write_csv,
    write_rows,
)

__all__ = [
    "DEFAULT_FORMAT",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "CsvFormat",
    "CsvFormatError",
    "CsvTable",
    "CsvWarning",
    "CsvWriteError",
    "ImportContext",
    "ImportKind",
    "ProgressCallback",
    "ReadCancelled",
    "TargetColumn",
    "WriteResult",
    "apply_mapping",
    "atomic_output",
    "cell_text",
    "check_import",
    "damaged_values",
    "encode_for_upload",
    "mapping_problems",
    "neutralise",
    "read_csv_bytes",
    "read_csv_file",
    "read_csv_stream",
    "rename_assignations",
    "restore",
    "row_key",
    "row_label",
    "sniff_delimiter",
    "suggest_mapping",
    "target_columns",
    "write_csv",
    "write_rows",
]
