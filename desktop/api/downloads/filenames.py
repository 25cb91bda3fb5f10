"""Untrusted file names from the server made safe to write, and never outside the chosen folder.

Zou stores attachment names exactly as they were uploaded (`../../evil.sh` is a valid record) and sends
them back in `Content-Disposition`; working files have no name at all. Everything that becomes a path
goes through `sanitize_filename`, and `safe_target` re-checks the joined path, so a name can never
climb out of the folder, name a device on Windows, hide an extension behind a bidi override, or be
too long for the file system once the ` (12)` and `.part` suffixes are added.
"""

from __future__ import annotations

import email.message
import os
import re
import unicodedata
import urllib.parse
from collections.abc import Callable
from pathlib import Path

# 255 bytes is the usual limit of one path component (ext4, APFS, NTFS counts UTF-16 units: fewer);
# leave room for " (9999)" and ".part".
MAX_NAME_BYTES = 200
MAX_EXTENSION_CHARS = 16
PART_SUFFIX = ".part"

# Reserved device names on Windows, whatever the extension (`CON.txt` and `con.tar.gz` are the console).
_DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
_DEVICES |= {f"{prefix}{n}" for prefix in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]}
# Not allowed in a Windows file name (besides the separators and control characters).
_INVALID = set('<>:"|?*')
_SEPARATORS = re.compile(r"[/\\]+")
_DOUBLE_EXTENSIONS = (".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst")
_EXTENDED_FILENAME = re.compile(r"filename\*\s*=\s*([A-Za-z0-9_-]*)'[^']*'([^;]+)", re.IGNORECASE)
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, format (bidi overrides), surrogates, line breaks


class UnsafePath(ValueError):
    """A name that would leave the chosen folder (never raised for a name from `sanitize_filename`)."""


def sanitize_filename(name: str, *, fallback: str = "download", max_bytes: int = MAX_NAME_BYTES) -> str:
    """One safe path component made from an untrusted name; `fallback` when nothing usable is left."""
    text = unicodedata.normalize("NFC", str(name))
    # Every path component that is not "", "." or ".." is kept, joined with "_": a/b\c -> a_b_c,
    # ../../etc/passwd -> etc_passwd.
    parts = [p for p in _SEPARATORS.split(text) if p.strip(" .")]
    text = "_".join(parts)
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in _DROP_CATEGORIES:
            continue
        if ch in _INVALID:
            out.append("_")
        elif category == "Zs":
            out.append(" ")
        else:
            out.append(ch)
    text = re.sub(r" {2,}", " ", "".join(out))
    # No hidden files, and Windows drops trailing dots and spaces (so "a.txt." would become "a.txt").
    text = text.strip(" .")
    text = _truncate(text, max_bytes)
    if not text:
        return sanitize_filename(fallback, max_bytes=max_bytes) if fallback and fallback != name else "download"
    if text.split(".", 1)[0].rstrip(" ").upper() in _DEVICES:
        text = "_" + text
    return text


def _truncate(text: str, max_bytes: int) -> str:
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    stem, ext = split_extension(text)
    room = max(max_bytes - len(ext.encode("utf-8")), 1)
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
    return f"{cut}{ext}" if cut else text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore").strip(" .")


def split_extension(name: str) -> tuple[str, str]:
    """("shot010", ".mov"); ("scene", ".tar.gz"); ("README", ""). An odd 'extension' stays in the stem."""
    lower = name.lower()
    for double in _DOUBLE_EXTENSIONS:
        if lower.endswith(double) and len(name) > len(double):
            return name[: -len(double)], name[-len(double):]
    dot = name.rfind(".")
    if dot <= 0:
        return name, ""
    ext = name[dot:]
    if len(ext) > MAX_EXTENSION_CHARS or " " in ext or len(ext) == 1:
        return name, ""
    return name[:dot], ext


def numbered(name: str, n: int) -> str:
    """`name (n).ext`, the way browsers and file managers keep both files."""
    stem, ext = split_extension(name)
    return f"{stem} ({n}){ext}"


def unique_name(name: str, taken: Callable[[str], bool], *, limit: int = 9999) -> str:
    """`name`, else the first free `name (1).ext`, `name (2).ext`..."""
    if not taken(name):
        return name
    for n in range(1, limit + 1):
        candidate = numbered(name, n)
        if not taken(candidate):
            return candidate
    raise FileExistsError(f"No free name left for {name!r}.")


def safe_target(folder: Path | str, name: str) -> Path:
    """`folder / name`, after checking that it is a direct child of `folder` (never a way out)."""
    base = Path(os.path.abspath(folder))
    if (not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name
            or (os.altsep is not None and os.altsep in name)):
        raise UnsafePath(f"Unsafe file name: {name!r}")
    target = base / name
    if target.parent != base or Path(os.path.abspath(target)).parent != base:
        raise UnsafePath(f"Unsafe file name: {name!r}")
    return target


def filename_from_content_disposition(value: str | None) -> str | None:
    """The (still untrusted) file name of a Content-Disposition header: `filename*` (RFC 6266) first."""
    if not value:
        return None
    extended = _EXTENDED_FILENAME.search(value)
    if extended:
        charset, encoded = extended.group(1) or "utf-8", extended.group(2).strip().strip('"')
        try:
            name = urllib.parse.unquote(encoded, encoding=charset, errors="strict")
        except (LookupError, UnicodeDecodeError):
            name = ""
        if name.strip():
            return name.strip()
    msg = email.message.Message()
    try:
        msg["content-disposition"] = value
        plain = msg.get_filename()
    except (ValueError, LookupError, TypeError):
        return None
    return str(plain).strip() or None if plain else None
