"""The 500 MB movie upload: Slate's publish upload (`Editor.multipart_upload`, the code path of
`desktop/api/publish.py`, with its progress callback) against curl's multipart upload (`-F file=@…`) to the
same route, `POST /pictures/preview-files/{id}?normalize=false`.

Each run uploads into a new preview file of one comment (made before the clock starts, like every other
step of a publish but the upload) and force-deletes it afterwards, so the bench server's disk does not
fill. `normalize=false`: Zou stores the movie as sent and takes its thumbnails, the same work for both
contenders; normalising 500 MB with ffmpeg would measure ffmpeg, not the upload.

The movie is made once with ffmpeg (raw 1080p video and a silent soundtrack in an .avi, ~500 MB: no encoding
to wait for, and a file ffprobe and Zou read) in the user cache (`bench-media/`).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Contender, Context, Figure, Sample, Target, register

MOVIE_BYTES = 500 * 1000 * 1000
TINY_MOVIE_BYTES = 8 * 1000 * 1000  # the tiny dataset (the suite's smoke): the same path, a few frames
FRAME_BYTES = 1920 * 1080 * 3 // 2  # yuv420p
CURL_UPLOAD = "curl -F (multipart)"


def bench_movie(ctx: Context) -> Path:
    from desktop.localzou.install import cache_root, ensure_ffmpeg

    size = MOVIE_BYTES if ctx.dataset.name == "full" else TINY_MOVIE_BYTES
    path = cache_root() / "bench-media" / f"movie-{size // 1_000_000}mb.avi"
    if path.exists() and path.stat().st_size >= size:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = size // FRAME_BYTES + 1
    tmp = path.with_suffix(".part.avi")
    subprocess.run([ensure_ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24",
                    "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-frames:v", str(frames), "-shortest",
                    "-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-c:a", "pcm_s16le", str(tmp)], check=True)
    tmp.rename(path)
    return path


def _comment(ctx: Context) -> tuple[str, str]:
    """(task id, comment id) the previews go onto: a comment of the seeded production, made once."""
    found = ctx.state.get("upload_comment")
    if found is None:
        attachment = ctx.http.get(f"/data/attachment-files/{ctx.attachment['id']}").json()
        seeded = ctx.http.get(f"/data/comments/{attachment['comment_id']}").json()
        task_id = str(seeded["object_id"])
        task = ctx.http.get(f"/data/tasks/{task_id}").json()
        r = ctx.http.post(f"/actions/tasks/{task_id}/comment",
                          json={"task_status_id": task["task_status_id"], "comment": "upload benchmark"})
        r.raise_for_status()
        found = (task_id, str(r.json()["id"]))
        ctx.state["upload_comment"] = found
    return found  # type: ignore[no-any-return]


def _new_preview(ctx: Context) -> str:
    task_id, comment_id = _comment(ctx)
    r = ctx.http.post(f"/actions/tasks/{task_id}/comments/{comment_id}/add-preview", json={})
    r.raise_for_status()
    return str(r.json()["id"])


def _check_and_drop(ctx: Context, preview_id: str, answer: dict[str, Any]) -> None:
    try:
        stored = ctx.http.get(f"/data/preview-files/{preview_id}").json()
        if answer.get("id") != preview_id or stored.get("original_name") != bench_movie(ctx).stem:
            raise RuntimeError(f"the upload did not reach preview {preview_id}: {str(answer)[:200]}")
    finally:
        ctx.http.delete(f"/data/preview-files/{preview_id}", params={"force": "true"})


def slate_upload(ctx: Context) -> Sample:
    from benchmarks.figures import _slate_client
    from desktop.api.editing import Attachment, Editor

    movie = bench_movie(ctx)
    editor = ctx.state.get("slate_editor")
    if editor is None:
        editor = ctx.state["slate_editor"] = Editor(_slate_client(ctx))
    preview_id = _new_preview(ctx)
    seen = [0]

    def progress(sent: int, _total: int) -> None:  # what the dialog's progress costs, included
        seen[0] = sent

    from benchmarks.window_probe import RssPeak

    # The upload streams from disk: the harness's RSS must not grow by the movie's size.
    with RssPeak() as rss:
        t0 = time.perf_counter()
        try:
            answer = ctx.loop.run_until_complete(editor.multipart_upload(
                f"/pictures/preview-files/{preview_id}", {}, [Attachment.from_path(movie)], progress,
                params={"normalize": "false"}))
        finally:
            seconds = time.perf_counter() - t0
    _check_and_drop(ctx, preview_id, answer)
    if seen[0] != movie.stat().st_size:
        raise RuntimeError(f"Slate reported {seen[0]} bytes sent of {movie.stat().st_size}")
    return Sample(seconds, movie.stat().st_size, {"rss_growth_mb": rss.growth_mb})


def curl_upload(ctx: Context) -> Sample:
    import json

    movie = bench_movie(ctx)
    preview_id = _new_preview(ctx)
    out = ctx.workdir / "curl-upload.json"
    cmd = ["curl", "-sS", "-o", str(out), "-w", "%{http_code} %{size_upload} %{time_total}",
           "-H", f"Authorization: Bearer {ctx.token}", "-H", "User-Agent: slate-bench",
           "-F", f"file=@{movie}", f"{ctx.url}/pictures/preview-files/{preview_id}?normalize=false"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"curl failed: {proc.stderr.strip()[:200]}")
    code, size, total = proc.stdout.split()
    answer = json.loads(out.read_text() or "{}")
    out.unlink(missing_ok=True)
    if code != "201":
        raise RuntimeError(f"curl got HTTP {code}: {str(answer)[:200]}")
    _check_and_drop(ctx, preview_id, answer)
    return Sample(float(total), movie.stat().st_size, {"size_upload": int(float(size))})


register(Figure(
    "upload_500mb", "500 MB movie upload to a preview file", "MB/s", reference=CURL_UPLOAD,
    contenders=[
        Contender("Slate (publish upload)", slate_upload, slate=True),
        Contender(CURL_UPLOAD, curl_upload),
    ],
    targets=[Target(CURL_UPLOAD, ">=", 0.9)], group="upload",
    note="POST /pictures/preview-files/{id}?normalize=false, the whole call (Zou stores the movie and takes its "
         "thumbnails in the request, the same for both).",
))
