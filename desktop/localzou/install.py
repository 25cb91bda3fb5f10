"""Install what a local Zou needs: Debian packages and Zou in its own virtual environment.

Zou pins ~70 packages exactly, so it never shares the app's venv. The venv lives in the per-user
cache keyed by the Zou version, outside any checkout, so a fresh clone (CI) reuses it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import platformdirs

ZOU_VERSION = "1.0.97"
# Extra packages installed beside Zou in its venv: the SMTP sink used for email-OTP codes, and the
# gevent-websocket worker that serves Zou's event stream (`zou.event_stream:app`) under gunicorn.
ZOU_SIDE_PACKAGES = ("aiosmtpd>=1.4", "gevent-websocket>=0.10")

# Zou normalises uploaded movies and takes their thumbnails with ffmpeg (and ffprobe, in the same package).
MEDIA_PACKAGES = ("ffmpeg",)

PG_BIN_CANDIDATES = tuple(Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14, 13))


class MissingDependency(RuntimeError):
    """Something the local server needs is absent and cannot be installed here (one-line message)."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


def cache_root() -> Path:
    return Path(platformdirs.user_cache_dir("slate", "Slate"))


def zou_venv_dir(version: str = ZOU_VERSION) -> Path:
    override = os.environ.get("SLATE_ZOU_VENV")
    return Path(override) if override else cache_root() / f"zou-{version}"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def find_pg_bin() -> Path | None:
    for cand in PG_BIN_CANDIDATES:
        if (cand / "initdb").exists() and (cand / "pg_ctl").exists():
            return cand
    return None


def _apt_install(packages: list[str], log: bool = True) -> None:
    if log:
        print(f"slate: installing Debian packages: {' '.join(packages)}", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        # A stale package index is the usual cause on a fresh machine: update once and retry.
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        raise MissingDependency(f"apt-get could not install {' '.join(packages)}: {' '.join(tail)}")


def ensure_system_packages(extra: tuple[str, ...] = ()) -> Path:
    """Make sure PostgreSQL and Redis are present; install them with apt when root. Returns the PG bin dir."""
    missing: list[str] = []
    if find_pg_bin() is None:
        missing.append("postgresql")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    missing.extend(p for p in extra if shutil.which(p) is None)
    can_install = _is_root() and shutil.which("apt-get") is not None
    media = [p for p in MEDIA_PACKAGES if shutil.which(p) is None]
    if missing:
        if not can_install:
            raise MissingDependency(
                f"missing {', '.join(missing)}: install them (e.g. `sudo apt-get install {' '.join(missing)}`)"
                " or run this command as root"
            )
        _apt_install(missing + media)
    elif media and can_install:
        try:
            _apt_install(media)
        except MissingDependency as exc:  # pictures still work: say what movies need, and go on
            print(f"slate: {exc}: Zou cannot process movie previews without it", file=sys.stderr)
    elif media:
        print(f"slate: {', '.join(media)} is missing: Zou cannot process movie previews without it "
              f"(sudo apt-get install {' '.join(media)})", file=sys.stderr)
    pg = find_pg_bin()
    if pg is None:
        raise MissingDependency("PostgreSQL server binaries (initdb, pg_ctl) not found after install")
    return pg


def ensure_ffmpeg() -> str:
    """ffmpeg for Zou's movie processing: installed with apt when root, else a one-line MissingDependency."""
    path = shutil.which("ffmpeg")
    if path is None and _is_root() and shutil.which("apt-get") is not None:
        _apt_install(list(MEDIA_PACKAGES))
        path = shutil.which("ffmpeg")
    if path is None:
        raise MissingDependency("missing ffmpeg, which Zou needs to process movie previews: install it "
                                "(e.g. `sudo apt-get install ffmpeg`) or run this command as root")
    return path


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _pick_base_python() -> str:
    # Zou 1.0.97 supports CPython 3.10-3.12; prefer what is on PATH.
    for name in ("python3.11", "python3.12", "python3.10", "python3"):
        path = shutil.which(name)
        if path:
            return path
    return sys.executable


def _marker_text(version: str) -> str:
    return " ".join((version, *ZOU_SIDE_PACKAGES))


def _pip_install(py: Path, packages: list[str], what: str) -> None:
    proc = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("ERROR")] or proc.stderr.splitlines()[-2:]
        raise MissingDependency(f"pip could not install {what}: {' '.join(lines)[-400:]}")


def ensure_zou_venv(version: str = ZOU_VERSION) -> Path:
    """Create (once) the venv holding Zou; returns its python. Marker file = complete install; it names
    the side packages too, so a venv made before one was added gets it (a few seconds, once)."""
    venv = zou_venv_dir(version)
    marker = venv / ".slate-complete"
    py = _venv_python(venv)
    if marker.exists() and py.exists():
        if marker.read_text().strip() != _marker_text(version):
            print("slate: adding Zou's side packages to its venv", file=sys.stderr)
            _pip_install(py, list(ZOU_SIDE_PACKAGES), " ".join(ZOU_SIDE_PACKAGES))
            marker.write_text(_marker_text(version))
        return py
    print(f"slate: installing Zou {version} in {venv} (about a minute, once)", file=sys.stderr)
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([_pick_base_python(), "-m", "venv", str(venv)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise MissingDependency(f"cannot create a virtual environment for Zou: {proc.stderr.strip()[-300:]}")
    _pip_install(py, [f"zou=={version}", *ZOU_SIDE_PACKAGES], f"zou=={version}")
    marker.write_text(_marker_text(version))
    return py
