"""Review records without a server: revisions from a thread, Kitsu's annotation objects and time grid,
and the decoder on a generated movie (frames read back by their pixel pattern)."""

from __future__ import annotations

from pathlib import Path

from desktop.api.reviews import Stroke, annotation_frames, revisions_from_comments, stroke_object, strokes_of
from desktop.media.frames import FrameReader
from desktop.media.timing import frame_time, time_frame
from tests.helpers.movies import make_numbered_movie, read_number


def test_revisions_come_from_the_thread_newest_first() -> None:
    comments = [
        {"id": "c1", "text": "first", "created_at": "2026-01-01T10:00:00", "object_id": "t1",
         "person": {"full_name": "Ada Lovelace"}, "task_status": {"name": "WFA"},
         "previews": [{"id": "p1", "revision": 1, "extension": "mp4", "status": "ready", "position": 1}]},
        {"id": "c2", "text": "second", "created_at": "2026-01-02T10:00:00", "object_id": "t1",
         "person": {"first_name": "Sue", "last_name": "Pervisor"}, "task_status": {"name": "Retake"},
         "previews": [{"id": "p2", "revision": 2, "extension": "png", "status": "processing", "position": 1},
                      {"id": "p3", "revision": 2, "extension": "png", "status": "ready", "position": 2}]},
        {"id": "c3", "text": "no preview", "previews": []},
    ]
    revisions = revisions_from_comments(comments)
    assert [r.id for r in revisions] == ["p2", "p3", "p1"]
    assert [r.label for r in revisions] == ["v2", "v2 (2)", "v1"]
    assert revisions[0].author == "Sue Pervisor" and not revisions[0].ready and revisions[0].is_picture
    assert revisions[2].is_movie and revisions[2].comment_text == "first" and revisions[2].task_id == "t1"


def test_strokes_round_trip_as_kitsu_paths() -> None:
    stroke = Stroke(points=((10.0, 20.0), (30.5, 40.0), (50.0, 45.0)), color="#00ff00", width=6,
                    canvas_width=1280, canvas_height=720, id="s1")
    obj = stroke_object(stroke)
    assert obj["type"] == "path" and obj["path"] == [["M", 10.0, 20.0], ["L", 30.5, 40.0], ["L", 50.0, 45.0]]
    assert (obj["left"], obj["top"], obj["canvasWidth"], obj["canvasHeight"]) == (7.0, 17.0, 1280, 720)
    [back] = strokes_of([obj, {"type": "rect", "id": "r"}])  # other fabric objects are not strokes
    assert back == stroke
    # Kitsu's quadratic segments: their end points.
    [quad] = strokes_of([{"type": "path", "path": [["M", 1, 2], ["Q", 3, 4, 5, 6]], "canvasWidth": 100}])
    assert quad.points == ((1.0, 2.0), (5.0, 6.0)) and quad.canvas_width == 100


def test_annotation_times_are_on_kitsus_frame_grid() -> None:
    assert frame_time(3, 24) == 0.1251 and time_frame(0.1251, 24) == 3
    assert all(time_frame(frame_time(i, 25), 25) == i for i in range(2000))
    assert all(time_frame(frame_time(i, 24), 24) == i for i in range(2000))
    frames = annotation_frames([{"time": 0.1251, "drawing": {"objects": [{"id": "a"}]}},
                                {"time": "0.125", "drawing": {"objects": [{"id": "b"}]}},  # an old Kitsu's
                                {"time": None, "drawing": {}}], 24)
    assert frames == {3: [{"id": "a"}, {"id": "b"}], 0: []}


def test_reader_steps_and_seeks_to_the_same_frames(tmp_path: Path) -> None:
    movie = make_numbered_movie(tmp_path / "m.mp4", 110, gop=24)
    reader = FrameReader(movie, cache_bytes=8 << 20)  # a small cache: backward steps must seek
    try:
        assert reader.frame_count == 110
        forward = [read_number(reader.image(i)) for i in range(110)]
        backward = [read_number(reader.image(i)) for i in range(109, -1, -1)]
        assert forward == list(range(110)) and backward == list(range(109, -1, -1))
        assert reader.seeks > 1
        small = reader.image(57, 64, 36)
        assert (small.width, small.height, small.index) == (64, 36, 57) and read_number(small) == 57
    finally:
        reader.close()


def test_movie_cache_prunes_the_least_recently_used(tmp_path: Path) -> None:
    import os

    from desktop.api.reviews import PreviewMovies

    movies = PreviewMovies(manager=None, cache_dir=tmp_path, max_bytes=2500)  # type: ignore[arg-type]
    for i, name in enumerate(("old", "used", "new")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "movie.mp4").write_bytes(b"x" * 1000)
        os.utime(tmp_path / name, (1000 + i, 1000 + i))
    assert movies.cached("old") is not None  # touched: now the most recent
    movies.prune(keep="new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "old"]
