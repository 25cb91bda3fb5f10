# Shared by scripts/run-app and scripts/run-tests: create the app's venv and install Slate into it.
# Zou never goes in this venv: it gets its own (per-user cache, keyed by Zou's version).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SLATE_VENV:-$ROOT/.venv}"

die() { echo "slate: $*" >&2; exit 1; }

pick_python() {
  # CPython 3.12+ (PySide6 6.12.0 on 3.11 aborts; pyproject also pins PySide6 < 6.12).
  for cand in python3.13 python3.12 "$HOME/.pyenv/versions/3.12"*/bin/python3.12 \
              /root/.pyenv/versions/3.1[2-9]*/bin/python3 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  return 1
}

ensure_apt() {  # ensure_apt <command-or-lib-check> <package>...
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    die "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  fi
  echo "slate: installing Debian packages: ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
         --no-install-recommends "${missing[@]}" >/dev/null; } \
    || die "apt-get could not install: ${missing[*]}"
}

ensure_venv() {
  local py stamp want
  py="$(pick_python)" || die "no CPython 3.12+ found (install python3.12 and its venv module, e.g. with pyenv or apt)"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "slate: creating the app's virtual environment in $VENV ($("$py" --version))" >&2
    "$py" -m venv "$VENV" || die "could not create a venv with $py (missing python3-venv?)"
  fi
  stamp="$VENV/.slate-installed"
  want="$(cat "$ROOT/pyproject.toml" | sha1sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "slate: installing Slate and its dependencies into the venv" >&2
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[test,build]" \
      || die "pip could not install Slate's dependencies (see the messages above)"
    echo "$want" > "$stamp"
  fi
}

ensure_gui_libs() {
  # Qt's xcb platform plugin needs these on a real display (tests run offscreen and don't).
  [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || return 0
  command -v dpkg >/dev/null || return 0
  ensure_apt libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1 \
    libxkbcommon-x11-0 libxcb-cursor0 libegl1 libfontconfig1 libdbus-1-3
}
