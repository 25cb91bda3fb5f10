# Shared by scripts/run-app and scripts/run-tests: create the app's venv and install Slate into it.
# Zou never goes in this venv: it gets its own (per-user cache, keyed by Zou's version).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SLATE_VENV:-$ROOT/.venv}"

die() { echo "slate: $*" >&2; exit 1; }

pick_python() {
  # CPython 3.12+ first (PySide6 6.12.0 on 3.11 aborts; pyproject also pins PySide6 < 6.12).
  for cand in python3.13 python3.12 "$HOME/.pyenv/versions/3.12"*/bin/python3.12 \
              /root/.pyenv/versions/3.12*/bin/python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
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
  py="$(pick_python)" || die "no CPython 3.11+ found (install python3.12, e.g. apt-get install python3 python3-venv)"
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
