"""Free-text names (emotions, profiles) made safe to use as file and folder names."""

from __future__ import annotations

import re
import unicodedata

from .errors import FacemoodError

MAX_NAME_LENGTH = 64
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
    name an emotion "rock", "sad 2" or "très content". Runs of white space become one space.
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
    return name
