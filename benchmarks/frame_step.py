"""The review player's frame step latency on a 1080p preview (target: one frame at 24 fps, 42 ms).

    flock /tmp/slate-bench.lock .venv/bin/python -m benchmarks.frame_step [--frames 240] [--steps 100]

On the persistent bench server: a 1080p H.264 movie whose frames carry their number (vertical bands, read
back without OCR) is published as a preview through Zou's own route, so Zou normalises it with ffmpeg as
it does for Kitsu; Slate fetches Zou's movie with its download manager and opens it in the real
`ReviewPlayer` (offscreen Qt, the frame view sized 1920x1080). A latency is the time from the key press
(Right, Left) or the frame box change (a seek) to the frame painted: decode (from the cache, the next
frame, or the keyframe before it), conversion at the view's size on the decoding thread, and the paint.
Every frame measured is read back and must carry the number asked for, or the run fails.

Writes `results/frame-step.json` (`--out` to change) and prints a table: median, p95 and max per move.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RESULTS = Path(__file__).with_name("results")
TARGET_MS = 42.0
BITS = 12


def numbered_frame(number: int, width: int, height: int) -> bytes:
    """RGB24 rows: the number's bits as white/black vertical bands on top, their complement below."""
    top, bottom = bytearray(), bytearray()
    for x in range(width):
        bit = (number >> (BITS - 1 - x * BITS // width)) & 1
        top += b"\xff\xff\xff" if bit else b"\x00\x00\x00"
        bottom += b"\x00\x00\x00" if bit else b"\xff\xff\xff"
    return bytes(top) * (height // 2) + bytes(bottom) * (height - height // 2)


def read_number(image: Any) -> int:
    value = 0
    for bit in range(BITS):
        x = int((bit + 0.5) * image.width / BITS)
        one = sum(image.rgb(x, image.height // 4)) > 3 * 128
        zero = sum(image.rgb(x, image.height * 3 // 4)) > 3 * 128
        if one == zero:
            raise AssertionError("a damaged frame")
        value = (value << 1) | int(one)
    return value


def make_movie(path: Path, frames: int, width: int = 1920, height: int = 1080, fps: int = 24) -> Path:
    import av

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.options = {"preset": "ultrafast", "crf": "20", "bf": "0"}
        for i in range(frames):
            frame = av.VideoFrame(width, height, "rgb24")
            frame.planes[0].update(numbered_frame(i, width, height))
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def publish(url: str, email: str, password: str, movie: Path) -> dict[str, Any]:
    """A project with one shot and task, and the movie as its preview through Zou's preview route."""
    import httpx

    with httpx.Client(base_url=url, timeout=600) as http:
        r = http.post("/auth/login", json={"email": email, "password": password})
        r.raise_for_status()
        http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

        def call(method: str, path: str, body: Any = None) -> Any:
            resp = http.request(method, path, json=body)
            if resp.status_code >= 400:
                raise SystemExit(f"{method} {path} -> {resp.status_code} {resp.text[:200]}")
            return resp.json()

        status = next(s for s in call("GET", "/data/project-status") if s["name"].lower() == "open")
        project = call("POST", "/data/projects", {"name": f"Frame step {os.getpid()}-{int(time.time())}",
                                                  "production_type": "short", "project_status_id": status["id"],
                                                  "fps": "24", "resolution": "1920x1080"})
        task_type = next(t for t in call("GET", "/data/task-types") if t["name"] == "Animation")
        call("POST", f"/data/projects/{project['id']}/settings/task-types", {"task_type_id": task_type["id"]})
        sequence = call("POST", f"/data/projects/{project['id']}/sequences", {"name": "SQ01"})
        shot = call("POST", f"/data/projects/{project['id']}/shots",
                    {"name": "SH010", "sequence_id": sequence["id"], "data": {"frame_in": 1001}})
        [task] = call("POST", f"/actions/projects/{project['id']}/task-types/{task_type['id']}/shots/create-tasks",
                      [])
        wip = next(s for s in call("GET", "/data/task-status") if s["short_name"] == "wip")
        comment = call("POST", f"/actions/tasks/{task['id']}/comment",
                       {"task_status_id": wip["id"], "comment": "1080p"})
        preview = call("POST", f"/actions/tasks/{task['id']}/comments/{comment['id']}/add-preview", {})
        with movie.open("rb") as f:
            up = http.post(f"/pictures/preview-files/{preview['id']}", files={"file": (movie.name, f, "video/mp4")})
        if up.status_code >= 400:
            raise SystemExit(f"upload -> {up.status_code} {up.text[:200]}")
        record: dict[str, Any] = call("GET", f"/data/preview-files/{preview['id']}")
        if record.get("status") != "ready":
            raise SystemExit(f"Zou did not process the movie: {record.get('status')}")
        record["shot_id"] = shot["id"]
        return record


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(url: str, email: str, password: str, preview: dict[str, Any], steps: int, seeks: int) -> dict[str, Any]:
    import qasync
    from PySide6.QtCore import QCoreApplication, QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from desktop.api import SignedIn, ZouSession
    from desktop.ui.review.movies import movies_for
    from desktop.ui.review.player import ReviewPlayer

    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    out: dict[str, Any] = {}

    async def run() -> None:
        session = ZouSession(url)
        outcome = await session.sign_in(email, password)
        assert isinstance(outcome, SignedIn)
        t0 = time.monotonic()
        path = await movies_for(session).movie(preview)
        out["download_seconds"] = round(time.monotonic() - t0, 3)
        player = ReviewPlayer()
        player.resize(1940, 1160)
        player.view.setFixedSize(1920, 1080)
        player.show()
        await player.open_movie(path, first_frame=1001)
        count = player.frame_count

        async def until(index: int) -> None:
            while player.index != index or player._busy:
                await asyncio.sleep(0)
                QCoreApplication.processEvents()

        async def timed(action: Any, index: int) -> float:
            start = time.perf_counter()
            action()
            await until(index)
            player.view.repaint()  # the paint, synchronously
            elapsed = (time.perf_counter() - start) * 1000
            image = player.current_image()
            assert image is not None and read_number(image) == index, f"frame {index} shows another number"
            return elapsed

        def key(k: Qt.Key) -> Any:
            return lambda: QCoreApplication.sendEvent(player.view, QKeyEvent(QEvent.Type.KeyPress, k,
                                                                             Qt.KeyboardModifier.NoModifier))

        await until(0)
        size = player.view.target_size()
        out["decoded_size"] = f"{size.width()}x{size.height()}"
        forward = [await timed(key(Qt.Key.Key_Right), i) for i in range(1, min(steps, count - 1) + 1)]
        player.seek(count - 1)
        await until(count - 1)
        backward = [await timed(key(Qt.Key.Key_Left), i) for i in range(count - 2, max(-1, count - 2 - steps), -1)]
        rng = random.Random(11)
        targets = [rng.randrange(count) for _ in range(seeks)]
        seek_ms = []
        for t in targets:
            if t == player.index:
                continue
            seek_ms.append(await timed(lambda t=t: player.frame_spin.setValue(1001 + t), t))
        for name, values in (("step forward", forward), ("step backward", backward), ("seek", seek_ms)):
            out[name] = {"n": len(values), "median_ms": round(statistics.median(values), 2),
                         "p95_ms": round(percentile(values, 0.95), 2), "max_ms": round(max(values), 2)}
        out["frames"] = count
        player.close()
        await session.aclose()

    with loop:
        loop.run_until_complete(run())
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.frame_step", description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=240, help="length of the generated 1080p movie")
    ap.add_argument("--steps", type=int, default=100, help="steps measured each way")
    ap.add_argument("--seeks", type=int, default=30)
    ap.add_argument("--out", type=Path, default=RESULTS / "frame-step.json")
    args = ap.parse_args(argv)

    from benchmarks.seed import start_bench_server
    from desktop.localzou.install import ensure_system_packages

    ensure_system_packages(("ffmpeg",))  # Zou normalises the movie with it
    server = start_bench_server()
    try:
        with tempfile.TemporaryDirectory(prefix="slate-frame-step-") as tmp:
            t0 = time.monotonic()
            movie = make_movie(Path(tmp) / "numbered-1080p.mp4", args.frames)
            preview = publish(server.url, server.admin_email, server.admin_password, movie)
            publish_s = time.monotonic() - t0
            result = measure(server.url, server.admin_email, server.admin_password, preview, args.steps, args.seeks)
    finally:
        server.stop()
    result.update({"target_ms": TARGET_MS, "movie": f"1920x1080, {args.frames} frames, H.264 as Zou normalised it",
                   "generate_and_publish_seconds": round(publish_s, 1), "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                   "load_average": os.getloadavg()})
    steps_ok = all(result[k]["p95_ms"] <= TARGET_MS for k in ("step forward", "step backward"))
    result["pass"] = steps_ok
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"{'move':<14} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}   target {TARGET_MS:g} ms (p95)")
    for name in ("step forward", "step backward", "seek"):
        r = result[name]
        print(f"{name:<14} {r['n']:>4} {r['median_ms']:>10.2f} {r['p95_ms']:>8.2f} {r['max_ms']:>8.2f}")
    print(f"decoded at {result['decoded_size']}; steps {'PASS' if steps_ok else 'FAIL'}; written to {args.out}")
    return 0 if steps_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
