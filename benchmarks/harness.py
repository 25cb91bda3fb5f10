"""The benchmark harness: a registry of figures, a runner that interleaves contenders, and the output.

A *figure* is one thing measured (e.g. "fetch + parse all shots with tasks"); its *contenders* are
Slate and the references measured in the same run (bare httpx, gazu, curl...). Each contender is a
function `Context -> Sample` that performs one run and says how long it took. Adding a figure:

    register(Figure("csv_export", "CSV export of the shots", "s", reference="curl", contenders=[
        slate_na("Slate", "desktop/api has no CSV export yet"),
        Contender("curl", curl_get("/export/csv/projects/{project_id}/shots.csv")),
    ], targets=[Target("curl", "<=", 1.2)]))

Runs are interleaved (round r runs every contender once), so drift on a noisy machine hits all
contenders alike; ratios are always taken between medians of the same run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.seed import USER_AGENT, Dataset, login


# ---------------------------------------------------------------------------------------------- model
@dataclass
class Sample:
    """One run of one contender: its duration, and the bytes it moved when that matters."""

    seconds: float
    nbytes: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Contender:
    """One thing timed in a figure. `shared`: contenders with the same key in one group of figures run
    once per round and all get that run's Sample (e.g. the bare httpx GET is the reference of several
    figures; one process measures every main-window figure); `pick` turns it into this figure's Sample."""

    label: str
    run: Callable[[Context], Sample] | None = None
    slate: bool = False
    na: str | None = None  # why it cannot be measured yet ("n/a" row)
    shared: str | None = None
    pick: Callable[[Sample], Sample] | None = None


def slate_na(reason: str, label: str = "Slate") -> Contender:
    return Contender(label, None, slate=True, na=reason)


@dataclass
class Target:
    """`against` a contender's median as a ratio (None: an absolute value in the figure's unit)."""

    against: str | None
    op: str  # "<=" or ">="
    value: float

    def text(self, unit: str = "") -> str:
        sign = "≤" if self.op == "<=" else "≥"
        return f"{sign} {self.value:g}x {self.against}" if self.against else f"{sign} {self.value:g} {unit}".rstrip()

    def met(self, value: float) -> bool:
        return value <= self.value if self.op == "<=" else value >= self.value


@dataclass
class Figure:
    key: str
    title: str
    unit: str  # "s", "ms", "MB", or "MB/s" (throughput: computed from Sample.nbytes / seconds)
    contenders: list[Contender]
    reference: str | None = None  # the contender ratios are taken against
    targets: list[Target] = field(default_factory=list)
    note: str = ""
    group: str | None = None  # figures of one group run their rounds together (see run_figures)

    def value(self, sample: Sample) -> float:
        if self.unit == "MB/s":
            assert sample.nbytes, "a throughput figure needs Sample.nbytes"
            return sample.nbytes / 1e6 / sample.seconds
        if self.unit == "ms":
            return sample.seconds * 1000
        return sample.seconds


REGISTRY: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    assert figure.key not in REGISTRY, f"figure {figure.key} registered twice"
    REGISTRY[figure.key] = figure
    return figure


# ---------------------------------------------------------------------------------------------- context
@dataclass
class Context:
    """Everything a contender needs: the server, the seeded production, and warm clients."""

    url: str
    email: str
    password: str
    project_id: str
    project_name: str
    attachment: dict[str, Any]
    dataset: Dataset
    zou_version: str = ""
    token: str = ""
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="slate-bench-")))
    state: dict[str, Any] = field(default_factory=dict)  # per-contender warm state (clients...)
    _closers: list[Callable[[], Any]] = field(default_factory=list)
    _http: httpx.Client | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _gazu: GazuWorker | None = None

    def __post_init__(self) -> None:
        self.token = login(self.url, self.email, self.password)
        self.zou_version = httpx.get(f"{self.url}/", timeout=30).json().get("version", "?")

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "User-Agent": USER_AGENT}

    @property
    def http(self) -> httpx.Client:
        """A kept-alive synchronous httpx client: the bare reference."""
        if self._http is None:
            self._http = httpx.Client(base_url=self.url, headers=self.auth_headers, timeout=600)
        return self._http

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """One event loop for every async contender (Slate's client lives on it between runs)."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    def gazu(self) -> GazuWorker:
        if self._gazu is None:
            self._gazu = GazuWorker.start(self)
        return self._gazu

    def path(self, template: str) -> str:
        return template.format(project_id=self.project_id, attachment_id=self.attachment["id"],
                               attachment_name=self.attachment["name"])

    def on_close(self, fn: Callable[[], Any]) -> None:
        self._closers.append(fn)

    def close(self) -> None:
        for fn in reversed(self._closers):
            try:
                fn()
            except Exception as exc:  # closing must not hide the results
                print(f"bench: closing: {exc}", file=sys.stderr)
        if self._http is not None:
            self._http.close()
        if self._gazu is not None:
            self._gazu.close()
        if self._loop is not None:
            self._loop.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- gazu
GAZU_VERSION = "1.3.1"


def gazu_venv() -> Path:
    from desktop.localzou.install import cache_root

    return cache_root() / "bench-gazu"


def ensure_gazu_python() -> Path:
    """gazu pins requests & co: it gets its own venv in the user cache, created once (~10 s)."""
    venv = gazu_venv()
    py = venv / "bin" / "python"
    marker = venv / ".slate-complete"
    if marker.exists() and marker.read_text() == GAZU_VERSION and py.exists():
        return py
    print(f"bench: installing gazu {GAZU_VERSION} in {venv} (once)", file=sys.stderr, flush=True)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True)
    proc = subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           f"gazu=={GAZU_VERSION}"], capture_output=True, text=True)
    if proc.returncode != 0:
        errors = [ln for ln in proc.stderr.splitlines() if "ERROR" in ln] or proc.stderr.splitlines()[-2:]
        raise RuntimeError(f"pip could not install gazu=={GAZU_VERSION}: {' '.join(errors)[-300:]}")
    marker.write_text(GAZU_VERSION)
    return py


class GazuWorker:
    """`gazu_worker.py` running in gazu's venv; one JSON line per command each way."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc

    @classmethod
    def start(cls, ctx: Context) -> GazuWorker:
        py = ensure_gazu_python()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        proc = subprocess.Popen([str(py), str(Path(__file__).with_name("gazu_worker.py"))],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        worker = cls(proc)
        worker.call({"cmd": "login", "url": ctx.url, "email": ctx.email, "password": ctx.password})
        return worker

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"gazu worker exited ({self.proc.poll()})")
        answer: dict[str, Any] = json.loads(line)
        if not answer.pop("ok"):
            raise RuntimeError(f"gazu: {answer['error']}\n{answer.get('trace', '')}")
        return answer

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()  # ours to close (a pipe left to the GC is a ResourceWarning)


# ---------------------------------------------------------------------------------------------- running
@dataclass
class ContenderResult:
    label: str
    slate: bool
    values: list[float] = field(default_factory=list)  # measured runs, warm-up excluded
    nbytes: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    na: str | None = None
    error: str | None = None
    ratio: float | None = None

    @property
    def ok(self) -> bool:
        return bool(self.values) and self.error is None

    @property
    def stats(self) -> dict[str, float] | None:
        if not self.ok:
            return None
        return {"min": min(self.values), "median": statistics.median(self.values), "max": max(self.values)}


@dataclass
class FigureResult:
    figure: Figure
    contenders: list[ContenderResult]

    def by_label(self, label: str | None) -> ContenderResult | None:
        return next((c for c in self.contenders if c.label == label), None)

    @property
    def slate(self) -> ContenderResult | None:
        return next((c for c in self.contenders if c.slate), None)

    def target_results(self) -> list[tuple[Target, float | None, bool | None]]:
        """Each target with the value it is checked on (a ratio, or Slate's median) and met or not."""
        out: list[tuple[Target, float | None, bool | None]] = []
        slate = self.slate
        for target in self.figure.targets:
            value: float | None = None
            if slate is not None and slate.stats is not None:
                if target.against is None:
                    value = slate.stats["median"]
                else:
                    ref = self.by_label(target.against)
                    if ref is not None and ref.stats is not None:
                        value = slate.stats["median"] / ref.stats["median"]
            out.append((target, value, None if value is None else target.met(value)))
        return out

    @property
    def passed(self) -> bool | None:
        results = [met for _, _, met in self.target_results()]
        if not results or any(m is None for m in results):
            return None
        return all(results)


def run_figures(ctx: Context, figures: list[Figure], runs: int = 5, warmup: int = 1,
                progress: Callable[[str], None] | None = None) -> list[FigureResult]:
    """Run every figure: 1 round = every contender once; `warmup` rounds are not counted.

    Figures of the same `group` run their rounds together, and their contenders with the same `shared`
    key run once per round for all of them: the same runs serve as the reference of several figures."""
    results = {fig.key: FigureResult(fig, [ContenderResult(c.label, c.slate, na=c.na) for c in fig.contenders])
               for fig in figures}
    groups: dict[str, list[Figure]] = {}
    for fig in figures:
        groups.setdefault(fig.group or f"\x00{fig.key}", []).append(fig)
    for members in groups.values():
        _run_group(ctx, members, results, runs, warmup, progress)
    out = []
    for fig in figures:
        res = results[fig.key]
        ref = res.by_label(fig.reference)
        if ref is not None and ref.stats is not None:
            for c in res.contenders:
                if c.stats is not None:
                    c.ratio = c.stats["median"] / ref.stats["median"]
        out.append(res)
    return out


Member = tuple[Figure, Contender, ContenderResult]


def _run_group(ctx: Context, figures: list[Figure], results: dict[str, FigureResult], runs: int, warmup: int,
               progress: Callable[[str], None] | None) -> None:
    jobs: dict[Any, list[Member]] = {}  # one job per distinct run, in order of first appearance
    for fig in figures:
        for contender, out in zip(fig.contenders, results[fig.key].contenders, strict=True):
            if contender.run is not None and not contender.na:
                jobs.setdefault(contender.shared or id(contender), []).append((fig, contender, out))

    def failed(members: list[Member], exc: Exception) -> None:
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''}"
        for fig, contender, out in members:
            out.error = error
            if progress:
                progress(f"{fig.key} / {contender.label}: {error}")

    for rnd in range(warmup + runs):
        for members in jobs.values():
            live = [m for m in members if m[2].error is None]
            if not live:
                continue
            run = live[0][1].run
            assert run is not None
            try:
                shared_sample = run(ctx)
            except Exception as exc:
                failed(live, exc)
                continue
            warm = rnd < warmup
            for fig, contender, out in live:
                try:
                    sample = contender.pick(shared_sample) if contender.pick else shared_sample
                except Exception as exc:
                    failed([(fig, contender, out)], exc)
                    continue
                if not warm:
                    out.values.append(fig.value(sample))
                out.nbytes = sample.nbytes
                out.extra = sample.extra
                if progress:
                    tag = "warm-up" if warm else f"run {rnd - warmup + 1}/{runs}"
                    progress(f"{fig.key} / {contender.label}: {tag} {fig.value(sample):.3f} {fig.unit}")


# ---------------------------------------------------------------------------------------------- output
def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {"cores": os.cpu_count(), "platform": platform.platform(),
                            "python": platform.python_version()}
    try:
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()
        info["ram_gib"] = round(int(mem[1]) / 1024 / 1024, 1)
        cpu = [ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")]
        info["cpu"] = cpu[0].split(":", 1)[1].strip() if cpu else platform.processor()
        info["load_avg"] = os.getloadavg()
    except OSError:
        pass
    return info


def source_info() -> dict[str, Any]:
    """The commit measured, and the files of the app that differed from it when the run started (the
    working tree may be shared with people editing it)."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    changed = [ln[3:] for ln in git("status", "--porcelain", "--", "desktop").splitlines() if ln.strip()]
    return {"commit": git("rev-parse", "--short", "HEAD") or "?", "uncommitted_app_files": changed}


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}" if abs(v) < 1000 else f"{v:.0f}"


def _rows(results: list[FigureResult]) -> Iterator[list[str]]:
    for res in results:
        fig = res.figure
        verdict = {True: "PASS", False: "FAIL", None: "n/a"}[res.passed] if fig.targets else ""
        targets = "; ".join(t.text(fig.unit) for t in fig.targets)
        yield [fig.title, "", "", "", "", "", "", targets, verdict]
        for c in res.contenders:
            label = f"  {c.label}" + (" (ref)" if c.label == fig.reference else "")
            if c.na or c.error:
                yield [label, "n/a" if c.na else "error", "", "", fig.unit, "", "", c.na or c.error or "", ""]
                continue
            s = c.stats
            assert s is not None
            mb = f"{c.nbytes / 1e6:.1f}" if c.nbytes else ""
            ratio = f"{c.ratio:.2f}x" if c.ratio is not None else ""
            yield [label, _fmt(s["min"]), _fmt(s["median"]), _fmt(s["max"]), fig.unit, ratio, mb, "", ""]


HEADER = ["figure / contender", "min", "median", "max", "unit", "ratio", "MB", "target", "result"]


def render_table(results: list[FigureResult]) -> str:
    rows = [HEADER, *_rows(results)]
    widths = [min(max(len(r[i]) for r in rows), 64 if i in (0, 7) else 40) for i in range(len(HEADER))]
    lines = []
    for r in rows:
        cells = [r[i][: widths[i]].ljust(widths[i]) if i in (0, 4, 7, 8) else r[i].rjust(widths[i])
                 for i in range(len(HEADER))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def render_markdown(results: list[FigureResult]) -> str:
    """The same table for the README."""
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in _rows(results):
        cells = [c.strip() or " " for c in r]
        if not r[0].startswith("  "):
            cells[0] = f"**{cells[0]}**"
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def to_json(results: list[FigureResult], ctx_info: dict[str, Any], runs: int, warmup: int) -> dict[str, Any]:
    figures = []
    for res in results:
        fig = res.figure
        slate = res.slate
        ref = res.by_label(fig.reference)
        slate_stats = slate.stats if slate is not None else None
        figures.append({
            "name": fig.key,
            "title": fig.title,
            "unit": fig.unit,
            "min": slate_stats["min"] if slate_stats else None,
            "median": slate_stats["median"] if slate_stats else None,
            "max": slate_stats["max"] if slate_stats else None,
            "reference": fig.reference,
            "reference_median": ref.stats["median"] if ref is not None and ref.stats else None,
            "ratio": slate.ratio if slate is not None else None,
            "target": "; ".join(t.text(fig.unit) for t in fig.targets) or None,
            "targets": [{"text": t.text(fig.unit), "value": v, "met": met} for t, v, met in res.target_results()],
            "pass": res.passed,
            "note": fig.note or None,
            "contenders": [{
                "label": c.label, "slate": c.slate, "na": c.na, "error": c.error,
                **(c.stats or {"min": None, "median": None, "max": None}),
                "runs": c.values, "ratio": c.ratio, "bytes": c.nbytes, "extra": c.extra,
            } for c in res.contenders],
        })
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "runs": runs,
        "warmup": warmup,
        **ctx_info,
        "figures": figures,
    }


def timed(fn: Callable[[], int | None]) -> Sample:
    """Time `fn` (which returns the bytes it moved, or None) with a monotonic high-resolution clock."""
    t0 = time.perf_counter()
    nbytes = fn()
    return Sample(time.perf_counter() - t0, nbytes)
