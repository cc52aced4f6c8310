"""Free-text names (emotions, profiles) made safe to use as file and folder names."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from .errors import FacemoodError

MAX_NAME_LENGTH = 64
#: The longest file name most file systems take: 255 bytes of UTF-8 (ext4, btrfs, XFS, APFS) or 255
#: UTF-16 units (NTFS, exFAT, and macOS's HFS+, which stores names decomposed, in NFD).
MAX_FILE_NAME = 255
# Characters Windows forbids in file names; refused everywhere so a data/ folder copies to any machine.
_FORBIDDEN = set('<>:"/\\|?*')
# Names that mean something else in a profile folder (the classic scripts kept labels.npy and
# emotion.npy beside the recordings) or that Windows reserves.
RESERVED = {"labels", "emotion", "con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {
    f"lpt{i}" for i in range(10)
}


def clean_name(text: str, kind: str = "emotion") -> str:
    """Return `text` as a safe file name stem, or raise FacemoodError saying why it cannot be one.

    Letters of any script, digits, spaces, '-', '_', '.', apostrophes and emoji are kept, so users can
    name an emotion "rock", "sad 2" or "très content". Runs of white space become one space, and the
    name is composed (NFC), however it was typed or pasted.
    """
    name = unicodedata.normalize("NFC", " ".join(str(text).split()))
    hint = f"choose another {kind} name with letters, digits, spaces, '-' or '_'"
    if not name:
        raise FacemoodError(f"the {kind} name is empty: {hint}")
    bad = sorted({c for c in name if c in _FORBIDDEN or unicodedata.category(c).startswith("C")})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise FacemoodError(f"the {kind} name {text!r} contains {shown}, which cannot go in a file name: {hint}")
    if name.startswith("."):
        raise FacemoodError(f"the {kind} name {text!r} starts with '.' (a hidden file): {hint}")
    if len(name) > MAX_NAME_LENGTH:
        raise FacemoodError(f"the {kind} name {text!r} is longer than {MAX_NAME_LENGTH} characters: {hint}")
    stem = re.sub(r"\..*$", "", name).strip().lower()
    if stem in RESERVED or name.lower().endswith((".npy", ".json", ".tmp")):
        raise FacemoodError(f"the {kind} name {text!r} is reserved: {hint}")
    check_file_names(name, kind, [name])
    return name


def name_key(name: str) -> str:
    """What two names must share to be the same name, or to clash: case and Unicode form ignored
    ("Café" typed on Linux in NFC, "café" copied from macOS in NFD)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def same_name(a: str, b: str) -> bool:
    """Whether `a` and `b` are one name written in two Unicode forms (case still counts)."""
    return unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b)


def file_name_length(file_name: str) -> int:
    """How long `file_name` is for the strictest common file system: its UTF-8 bytes as written (NFC),
    or its UTF-16 units once decomposed (NFD, as macOS's HFS+ stores it), whichever is more."""
    decomposed = unicodedata.normalize("NFD", file_name)
    return max(len(unicodedata.normalize("NFC", file_name).encode("utf-8")),
               len(decomposed.encode("utf-16-le")) // 2)


def file_name_limit(folder: Path | None = None) -> int:
    """The longest file name `folder`'s file system takes (eCryptfs takes 143 bytes), at most 255."""
    try:
        return min(MAX_FILE_NAME, os.pathconf(folder, "PC_NAME_MAX")) if folder is not None else MAX_FILE_NAME
    except (OSError, ValueError, AttributeError):  # no pathconf on Windows, or no answer
        return MAX_FILE_NAME


def check_file_names(name: str, kind: str, file_names: list[str], folder: Path | None = None) -> None:
    """Refuse `name` when a file name made from it (the name itself, <name>.takes.json, a temporary
    file ...) would be too long for a file system, counted in bytes, not characters."""
    limit = file_name_limit(folder)
    longest = max(file_names, key=file_name_length)
    size = file_name_length(longest)
    if size > limit:
        room = limit - (size - file_name_length(name))
        raise FacemoodError(
            f"the {kind} name {name!r} is too long for a file name: {longest!r} would take {size} bytes, more "
            f"than the {limit} the disk allows (letters beyond English take 2 to 4 bytes each, emoji 4): use a "
            f"shorter name (at most {max(room, 0)} bytes)")
