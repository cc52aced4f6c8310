"""A profile's recordings: data/<emotion>.npy, one row per frame, rows in time order.

Files are plain 2-D numpy arrays, exactly what the classic tutorial scripts saved, so their recordings
train as-is. Each take we record is also listed in a small sidecar, <emotion>.takes.json, so the window
can delete one take; files without it count as one take.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import json
import logging
import math
import os
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import FacemoodError
from .files import NotAFile, open_regular
from .names import clean_name, name_key, same_name
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
#: No landmark value can lie this far from zero: coordinates are fractions of the frame's width or height,
#: taken relative to an anchor point in or near the frame, and blendshape scores lie in 0..1. Faces and
#: hands partly out of frame stay within about a frame width of their anchor (the largest value in 121
#: real recordings by 21 people is 0.64), so ten frame widths refuses no real row yet catches the 1e38s
#: that overflow training into NaN.
MAX_ABS_VALUE = 10.0
NPY_MAGIC = b"\x93NUMPY"
# atomic_write's temporary files: .<name>.<8 random characters from mkstemp>.tmp
_TEMP_SUFFIX = ".tmp"
_TEMP_RANDOM = 8
#: No write takes this long: an older temporary file was left by a writer killed mid-write (SIGKILL).
STALE_TEMP_S = 600


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
    count: int  # rows: frames with a face
    recorded: str = ""
    source: str = ""
    frames: int = 0  # frames the take looked at, with a face or not; 0: unknown (older takes, rows from a file)
    frames_without_face: int = 0


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


def _open_recording(path: Path):
    try:
        return open_regular(path)
    except NotAFile as exc:
        raise FacemoodError(f"{path} is {exc.kind}, not a recording: move it out of the data folder") from None
    except OSError as exc:
        raise FacemoodError(f"cannot read {path}: {exc.strerror or exc}; check that it exists and can be read") from None


def _not_npy(path: Path, start: bytes) -> FacemoodError:
    if not start:
        what = "is an empty file (0 bytes)"
    elif start.startswith(b"PK"):
        what = "is a zip archive (an .npz?), not a numpy array (.npy)"
    elif all(32 <= b < 127 or b in b"\t\r\n" for b in start):
        what = "holds text, not a numpy array (.npy)"
    else:
        what = "is not a numpy array (.npy) file"
    return FacemoodError(f"{path} {what}: move it out of the data folder, or delete it and record again")


def _read_header(handle, path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from a .npy header, read with our own checks: numpy's own messages for other files
    (pickles, zip archives, text) suggest loading them unsafely, which nobody should be told."""
    start = handle.read(len(NPY_MAGIC))
    if start != NPY_MAGIC:
        raise _not_npy(path, start + handle.read(64))
    handle.seek(0)
    damaged = f"{path} has a damaged numpy header"
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    try:
        version = np.lib.format.read_magic(handle)
        reader = readers.get(version)
        if reader is not None:
            shape, _fortran, dtype = reader(handle)
    except Exception:  # numpy's header parser fails on garbage with many types, tokenize.TokenError among them
        raise FacemoodError(f"{damaged}: delete it and record again") from None
    if reader is None:  # 3.0 only serves non-Latin field names, which rows never have
        raise FacemoodError(f"{damaged} (numpy format {version[0]}.{version[1]}): delete it and record again")
    return tuple(shape), dtype


def read_rows(path: Path) -> np.ndarray:
    """Load one recording and check it: a non-empty 2-D array of numbers of a known layout, whole, every
    value finite and within what landmarks can be."""
    with _open_recording(path) as handle:
        shape, dtype = _read_header(handle, path)
        if dtype.hasobject:
            raise FacemoodError(f"{path} holds Python objects, not landmark rows: move it out of the data folder")
        if dtype.kind not in "fiu":
            raise FacemoodError(f"{path} holds {dtype} data, not landmark rows: move it out of the data folder")
        if len(shape) != 2:
            raise FacemoodError(f"{path} holds an array of shape {shape}, not rows of landmarks: move it out of the data folder")
        if shape[0] == 0:
            raise FacemoodError(f"{path} is empty (0 rows): record the emotion again or delete the file")
        if layout_for_width(shape[1]) is None:
            known = ", ".join(f"{lay.width} ({lay.id})" for lay in LAYOUTS.values())
            raise FacemoodError(f"{path} has rows of {shape[1]} columns; facemood reads {known}")
        expected = math.prod(shape) * dtype.itemsize
        present = os.fstat(handle.fileno()).st_size - handle.tell()
        if present < expected:
            raise FacemoodError(f"{path} is cut short: it holds {present} of its {expected} bytes of rows (a full "
                                "disk or an interrupted copy?): delete it and record again")
        handle.seek(0)
        try:
            rows = np.load(handle, allow_pickle=False)
        except (ValueError, OSError, EOFError):
            raise FacemoodError(f"{path} is damaged: delete it and record again") from None
    check_values(rows, path)
    return rows


def plausible(rows: np.ndarray) -> np.ndarray:
    """Per row: whether every value is finite and within what landmarks can be."""
    return (np.abs(np.atleast_2d(rows)) <= MAX_ABS_VALUE).all(axis=1)  # NaN compares False: refused too


def check_values(rows: np.ndarray, where: Path | str, advice: str = "delete the file and record again") -> None:
    """Refuse rows holding NaN, infinity or values no landmark can have, naming the first such row."""
    bad = ~plausible(rows)
    if not bad.any():
        return
    first = int(np.argmax(bad))
    value = float(rows[first][~(np.abs(rows[first]) <= MAX_ABS_VALUE)][0])
    shown = "NaN" if math.isnan(value) else "infinity" if math.isinf(value) else f"{value:g}"
    more = f" ({int(bad.sum()) - 1} more rows like it)" if bad.sum() > 1 else ""
    raise FacemoodError(f"{where}: row {first + 1} of {len(rows)} holds {shown}{more}, which no landmark can be "
                        f"(they lie within ±{MAX_ABS_VALUE:g}): {advice}")


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
            emotion = emotion_of(path)
            key = name_key(emotion)
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
    """data_dir/<emotion>.npy for a user-typed name. An existing file spelled in another Unicode form
    (macOS writes names in NFD) is this emotion's file; one that differs only in case is refused."""
    name = clean_name(emotion, "emotion")
    if Path(data_dir).is_dir():
        files = recording_files(data_dir)[0]
        # The exact spelling first, then the same name in another form, then clashes in case.
        for existing in sorted(files, key=lambda p: (p.stem != name, not same_name(p.stem, name))):
            if name_key(existing.stem) != name_key(name):
                continue
            if same_name(existing.stem, name):
                return existing
            raise FacemoodError(f"emotion {name!r} clashes with the existing {existing.stem!r} ({existing}): "
                                f"use {existing.stem!r} or another name")
    return Path(data_dir) / f"{name}.npy"


def recording_file_names(stem: str) -> list[str]:
    """Every file name recording `stem` may create, temporary ones included (their lengths are checked
    before a take starts)."""
    names = [f"{stem}.npy", takes_path(Path(f"{stem}.npy")).name]
    return names + [f".{name}.{'X' * _TEMP_RANDOM}{_TEMP_SUFFIX}" for name in names]


def takes_path(path: Path) -> Path:
    """The list of takes beside a recording: <emotion>.takes.json."""
    return path.with_name(path.stem + ".takes.json")


def emotion_of(path: Path) -> str:
    """The emotion a recording holds: its file name, in NFC (a file named on macOS is in NFD)."""
    return unicodedata.normalize("NFC", path.stem)


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=path.parent)
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
    _remove_stale_temps(path)
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make renames in `folder` durable (POSIX; elsewhere a no-op)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_stale_temps(path: Path) -> None:
    """Delete what a SIGKILL in the middle of an earlier write of `path` left: hidden and never read, but
    as big as the file."""
    cutoff = time.time() - STALE_TEMP_S
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*{_TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()


def read_takes(path: Path) -> list[Take]:
    """The takes of a recording; a file without a (consistent) sidecar is one take."""
    if not path.exists():
        return []
    with _open_recording(path) as handle:
        shape = _read_header(handle, path)[0]
    total = shape[0] if shape else 0
    try:
        takes = [take_from_json(t) for t in json.loads(takes_path(path).read_text("utf-8"))]
    except (OSError, ValueError, TypeError, AttributeError):
        takes = []
    if not _takes_fit(takes, total):
        # append_rows writes the sidecar first: a kill before the rows were written leaves it one take ahead.
        takes = takes[:-1] if _takes_fit(takes[:-1], total) else []
    if not _takes_fit(takes, total):
        takes = [Take(0, total, "", "earlier rows")] if total else []
    return takes


_TAKE_FIELDS = {f.name for f in dataclasses.fields(Take)}


def take_from_json(entry: dict) -> Take:
    """A take as the sidecar lists it: fields it lacks (older files) take their defaults, fields a newer
    facemood added are left out, frame counts that make no sense count as unknown."""
    take = Take(**{name: value for name, value in entry.items() if name in _TAKE_FIELDS})
    frames, without = take.frames, take.frames_without_face
    if not (type(frames) is int and type(without) is int and 0 <= without <= frames
            and (frames == 0 or frames >= take.count)):
        take = dataclasses.replace(take, frames=0, frames_without_face=0)
    return take


def _takes_fit(takes: list[Take], total: int) -> bool:
    """Whether `takes` cover rows 0..total one after another."""
    start = 0
    for take in takes:
        if take.start != start or take.count <= 0:
            return False
        start += take.count
    return start == total


def _write_takes(path: Path, takes: list[Take]) -> None:
    text = json.dumps([t.__dict__ for t in takes], indent=1).encode("utf-8")
    atomic_write(takes_path(path), lambda handle: handle.write(text))


def append_rows(path: Path, rows: np.ndarray, *, replace: bool = False, source: str = "", frames: int = 0,
                frames_without_face: int = 0) -> int:
    """Add one take to `path` atomically (or start over with `replace`). Returns the file's row count.
    `frames` and `frames_without_face` say how many frames the take looked at and how many had no face
    (0: unknown), for the recording coach.

    A crash at any point leaves either the earlier file or the new one, never a mix.
    """
    rows = np.asarray(rows, dtype=np.float32)
    if rows.ndim != 2 or len(rows) == 0:
        raise ValueError("append_rows needs a non-empty 2-D array")
    check_values(rows, f"the take for {path}", "record it again")  # never write what reading would refuse
    old = None if replace or not path.exists() else read_rows(path)
    if old is not None and old.shape[1] != rows.shape[1]:
        raise FacemoodError(
            f"{path} holds {old.shape[1]}-column rows ({layout_for_width(old.shape[1]).id}) but this take has "
            f"{rows.shape[1]}: record with --layout {layout_for_width(old.shape[1]).id.split('-')[0]}, "
            "use --replace, or pick another emotion name")
    takes = [] if old is None else read_takes(path)
    # Keep the file's own dtype: classic recordings are float64 and stay so.
    combined = rows if old is None else np.concatenate([old, rows.astype(old.dtype)])
    takes.append(Take(len(combined) - len(rows), len(rows), time.strftime("%Y-%m-%d %H:%M:%S"), source, frames,
                      frames_without_face))
    # The sidecar first: if the rows never follow (a kill, a full disk), read_takes drops its last take.
    _write_takes(path, takes)
    atomic_write(path, lambda handle: np.save(handle, combined, allow_pickle=False))
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
        takes_path(path).unlink(missing_ok=True)
        return 0
    atomic_write(path, lambda handle: np.save(handle, keep, allow_pickle=False))
    rest, start = [], 0
    for i, take in enumerate(takes):
        if i != index:
            rest.append(dataclasses.replace(take, start=start))
            start += take.count
    _write_takes(path, rest)
    return len(keep)

