"""The preview movies the review widgets play, one cache per signed-in session.

Movies are fetched by the API layer's `PreviewMovies` (the download manager: resumable, verified) into
the user cache folder, `previews/<preview id>/`; the detail's history and the playlist review window of
one session share the same manager, so a movie watched in one is not fetched again for the other.
"""

from __future__ import annotations

import weakref
from pathlib import Path

import platformdirs

from desktop import APP_NAME, ORG_NAME
from desktop.api.downloads import DownloadManager
from desktop.api.reviews import PreviewMovies
from desktop.api.session import ZouSession

_BY_SESSION: weakref.WeakKeyDictionary[ZouSession, PreviewMovies] = weakref.WeakKeyDictionary()


def default_movie_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, ORG_NAME)) / "previews"


def movies_for(session: ZouSession) -> PreviewMovies:
    """The session's movie cache (made on first use; needs a running event loop)."""
    movies = _BY_SESSION.get(session)
    if movies is None:
        manager = DownloadManager(session, state_file=None, load=False, parallel=2)
        manager.start()
        movies = _BY_SESSION[session] = PreviewMovies(manager, default_movie_dir())
    return movies
