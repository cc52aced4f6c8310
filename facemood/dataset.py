"""A profile's recordings: data/<emotion>.npy, one row per frame, rows in time order.

Files are plain 2-D numpy arrays, exactly what the classic tutorial scripts saved, so their recordings
train as-is. Each take we record is also listed in a small sidecar, <emotion>.takes.json, so the window
can delete one take; files without it count as one take.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import FacemoodError
from .names import clean_name
from .rows import LAYOUTS, Layout, layout_for_width

log = logging.getLogger(__name__)

# The classic scripts kept these beside the recordings; they hold text, not rows.
NOT_RECORDINGS = {"labels.npy", "emotion.npy"}
MIN_ROWS = 5
# Read once (os.umask can only be read by setting it): new files get the usual permissions, not
# mkstemp's private 0600.
_UMASK = os.umask(0)
os.umask(_UMASK)
HOLDOUT_FRACTION = 0.2


@dataclass
class Recording:
    emotion: str
    path: Path
    rows: np.ndarray  # (n, width) float

    @property
    def layout(self) -> Layout:
        return layout_for_width(self.rows.shape[1])


@dataclass
class Dataset:
    recordings: list[Recording]
    layout: Layout
    skipped: list[Path] = field(default_factory=list)

    @property
    def emotions(self) -> list[str]:
        seen: dict[str, None] = {}
        for rec in self.recordings:
            seen.setdefault(rec.emotion, None)
        return list(seen)

    def rows_per_emotion(self) -> dict[str, int]:
        counts = {e: 0 for e in self.emotions}
        for rec in self.recordings:
            counts[rec.emotion] += len(rec.rows)
        return counts


@dataclass(frozen=True)
class Take:
    start: int
    count: int
    recorded: str = ""
    source: str = ""


def recording_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(<emotion>.npy files, skipped files) in `folder`; hidden and temporary files are never read."""
    files, skipped = [], []
    for path in sorted(Path(folder).glob("*.npy"), key=lambda p: p.name.lower()):
        if path.name.startswith("."):
            continue
        if path.name.lower() in NOT_RECORDINGS:
            skipped.append(path)
            continue
        files.append(path)
    return files, skipped


def read_rows(path: Path) -> np.ndarray:
    """Load one recording and check it is a non-empty 2-D float array of a known layout, without NaNs."""
    try:
        rows = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise FacemoodError(f"{path} is not a readable numpy file ({_short(exc)}): delete it or record it again") from None
    if not isinstance(rows, np.ndarray) or rows.dtype.kind not in "fiu":
        raise FacemoodError(f"{path} holds {rows.dtype} data, not landmark rows: move it out of the data folder")
    if rows.ndim != 2:
        raise FacemoodError(f"{path} holds an array of shape {rows.shape}, not rows of landmarks: move it out of the data folder")
    if rows.shape[0] == 0:
        raise FacemoodError(f"{path} is empty (0 rows): record the emotion again or delete the file")
    if layout_for_width(rows.shape[1]) is None:
        known = ", ".join(f"{lay.width} ({lay.id})" for lay in LAYOUTS.values())
        raise FacemoodError(f"{path} has rows of {rows.shape[1]} columns; facemood reads {known}")
    if not np.isfinite(rows).all():
        bad = int((~np.isfinite(rows)).any(axis=1).sum())
        raise FacemoodError(f"{path} has {bad} rows with NaN or infinite values: record it again or delete those rows")
    return rows


def load_dataset(folders: list[Path]) -> Dataset:
    """Every <emotion>.npy in `folders`, checked: one layout, at least two emotions, enough rows each."""
    recordings: list[Recording] = []
    skipped: list[Path] = []
    by_key: dict[str, str] = {}
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            raise FacemoodError(f"data folder {folder} does not exist: record with collect.py first or fix --data")
        files, skip = recording_files(folder)
        skipped += skip
        for path in files:
            emotion = path.stem
            key = emotion.casefold()
            if key in by_key and by_key[key] != emotion:
                raise FacemoodError(f"{path}: emotion {emotion!r} clashes with {by_key[key]!r} (names differ only "
                                    "in case); rename one of the files")
            by_key[key] = emotion
            recordings.append(Recording(emotion, path, read_rows(path)))
    for path in skipped:
        log.info("skipping %s: the classic scripts' own file, not a recording", path)
    if not recordings:
        where = ", ".join(str(f) for f in folders)
        raise FacemoodError(f"no recordings (<emotion>.npy) in {where}: record with `python collect.py EMOTION` first")
    first = recordings[0]
    for rec in recordings[1:]:
        if rec.rows.shape[1] != first.rows.shape[1]:
            raise FacemoodError(
                f"{rec.path} has {rec.rows.shape[1]} columns but {first.path} has {first.rows.shape[1]}: all "
                "emotions must share one layout; re-record one of them (collect.py --layout) or move it away")
    dataset = Dataset(recordings, first.layout, skipped)
    if len(dataset.emotions) < 2:
        raise FacemoodError(f"only one emotion ({dataset.emotions[0]!r} in {first.path}): record at least one more "
                            "emotion to tell them apart")
    for rec in recordings:
        if len(rec.rows) < MIN_ROWS:
            raise FacemoodError(f"{rec.path} has only {len(rec.rows)} rows: record at least {MIN_ROWS} frames of "
                                f"{rec.emotion!r} (200 or more works best)")
    return dataset


def time_split(rows: np.ndarray, holdout: float = HOLDOUT_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """(first part, last `holdout` part) of consecutive frames: a random split would test on near-copies."""
    n_test = max(1, int(math.ceil(len(rows) * holdout)))
    return rows[:-n_test], rows[-n_test:]


# --- writing ---------------------------------------------------------------------------------------

def emotion_path(data_dir: Path, emotion: str) -> Path:
    """data_dir/<emotion>.npy for a user-typed name, refusing names that clash with another in case."""
    name = clean_name(emotion, "emotion")
    if Path(data_dir).is_dir():
        for existing in recording_files(data_dir)[0]:
            if existing.stem.casefold() == name.casefold() and existing.stem != name:
                raise FacemoodError(f"emotion {name!r} clashes with the existing {existing.stem!r} ({existing}): "
                                    f"use {existing.stem!r} or another name")
    return Path(data_dir) / f"{name}.npy"


def _takes_path(path: Path) -> Path:
    return path.with_name(path.stem + ".takes.json")


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_UMASK
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if hasattr(os, "O_DIRECTORY"):
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def read_takes(path: Path) -> list[Take]:
    """The takes of a recording; a file without a (consistent) sidecar is one take."""
    if not path.exists():
        return []
    total = len(np.load(path, mmap_mode="r"))
    try:
        takes = [Take(**t) for t in json.loads(_takes_path(path).read_text("utf-8"))]
    except (OSError, ValueError, TypeError):
        takes = []
    if sum(t.count for t in takes) != total or any(t.start != sum(u.count for u in takes[:i]) for i, t in enumerate(takes)):
        takes = [Take(0, total, "", "earlier rows")] if total else []
    return takes


def _write_takes(path: Path, takes: list[Take]) -> None:
    text = json.dumps([t.__dict__ for t in takes], indent=1).encode("utf-8")
    atomic_write(_takes_path(path), lambda handle: handle.write(text))


def append_rows(path: Path, rows: np.ndarray, *, replace: bool = False, source: str = "") -> int:
    """Add one take to `path` atomically (or start over with `replace`). Returns the file's row count.

    A crash at any point leaves either the earlier file or the new one, never a mix.
    """
    rows = np.asarray(rows, dtype=np.float32)
    if rows.ndim != 2 or len(rows) == 0:
        raise ValueError("append_rows needs a non-empty 2-D array")
    old = None if replace or not path.exists() else read_rows(path)
    if old is not None and old.shape[1] != rows.shape[1]:
        raise FacemoodError(
            f"{path} holds {old.shape[1]}-column rows ({layout_for_width(old.shape[1]).id}) but this take has "
            f"{rows.shape[1]}: record with --layout {layout_for_width(old.shape[1]).id.split('-')[0]}, "
            "use --replace, or pick another emotion name")
    takes = [] if old is None else read_takes(path)
    # Keep the file's own dtype: classic recordings are float64 and stay so.
    combined = rows if old is None else np.concatenate([old, rows.astype(old.dtype)])
    atomic_write(path, lambda handle: np.save(handle, combined, allow_pickle=False))
    takes.append(Take(len(combined) - len(rows), len(rows), time.strftime("%Y-%m-%d %H:%M:%S"), source))
    _write_takes(path, takes)
    return len(combined)


def delete_take(path: Path, index: int) -> int:
    """Remove take `index` (0 = oldest) from a recording; deleting the only take deletes the file."""
    takes = read_takes(path)
    if not 0 <= index < len(takes):
        raise FacemoodError(f"{path} has no take {index + 1} (it has {len(takes)})")
    rows = read_rows(path)
    gone = takes[index]
    keep = np.concatenate([rows[: gone.start], rows[gone.start + gone.count:]])
    if len(keep) == 0:
        path.unlink()
        _takes_path(path).unlink(missing_ok=True)
        return 0
    atomic_write(path, lambda handle: np.save(handle, keep, allow_pickle=False))
    rest, start = [], 0
    for i, take in enumerate(takes):
        if i != index:
            rest.append(Take(start, take.count, take.recorded, take.source))
            start += take.count
    _write_takes(path, rest)
    return len(keep)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__
