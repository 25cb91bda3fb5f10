"""Resumable, verified downloads from Zou: a queue of parallel transfers that survives a restart.

Qt-free. The rules a studio can trust:

* bytes go to `<name>.part` in the target folder; the file gets its real name only when it is complete
  and verified, with an atomic rename that never replaces an existing file (`transfer`, `part_file`);
* a broken transfer resumes with `Range` + `If-Range: <ETag>`; a file changed on the server starts over
  instead of splicing two versions (`transfer`);
* an HTTP error is raised as the API layer's typed error before any byte is written: never a file;
* names from the server are sanitised (`filenames`) and an existing file is never overwritten (`manager`);
* free space is checked before a transfer starts; a full disk or an unwritable folder fails that item
  with a clear error, keeps the `.part`, and the other transfers go on (`errors`);
* the event loop (the Qt loop in the app) is never held for long: a big body is read on a thread
  (`fast_path`), a smaller one streamed and written by `part_file.PartWriter`;
* the queue is a JSON file: unfinished downloads resume after a restart (`state`).

Modules, by subject: `items` (the records), `errors`, `part_file`, `state` (the saved queue), `transfer`
(one item's transfer), `fast_path` (the body of a big file on a thread), `manager` (the queue),
`sources` (what to download, from Zou records), `filenames` (untrusted names made safe).
"""

from desktop.api.downloads.errors import (
    DiskFull,
    DownloadError,
    FolderNotWritable,
    IntegrityError,
    NotAFile,
    UnverifiableSize,
)
from desktop.api.downloads.items import (
    ConflictChoice,
    ConflictPolicy,
    DownloadItem,
    DownloadSource,
    Listener,
    Status,
    Totals,
    format_size,
)
from desktop.api.downloads.manager import DownloadManager
from desktop.api.downloads.state import default_state_file
from desktop.api.downloads.transfer import tune_http_reads

__all__ = [
    "ConflictChoice", "ConflictPolicy", "DiskFull", "DownloadError", "DownloadItem", "DownloadManager",
    "DownloadSource", "FolderNotWritable", "IntegrityError", "Listener", "NotAFile", "Status", "Totals",
    "UnverifiableSize", "default_state_file", "format_size", "tune_http_reads",
]
