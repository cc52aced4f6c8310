"""One take of one emotion: rows gathered frame by frame, saved atomically when the take ends."""

from __future__ import annotations

import logging
import shlex
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .dataset import append_rows, plausible, read_rows, recording_file_names
from .errors import FacemoodError
from .landmarks import Landmarks
from .names import check_file_names
from .resources import tool_command
from .rows import Layout, layout_for_width, make_row

log = logging.getLogger(__name__)


def rescue_path(path: Path, rows: int) -> Path:
    """Where a take of `rows` rows for recording `path` goes when `path` cannot be written."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path(tempfile.gettempdir()) / f"facemood-{path.stem}-{stamp}-{rows}rows.npy"


def append_command(path: Path, rescued: Path, replace: bool = False) -> str:
    """The shell command that adds the rows in `rescued` to recording `path` as one more take (or, with
    `replace`, makes them its only take), whatever the current folder, from a checkout or installed."""
    data_dir = path.parent.absolute()
    # A profile's recordings live in HOME/data (the default profile) or HOME/data/NAME (--user NAME).
    profile = ["--home", data_dir.parent] if data_dir.name == "data" else [
        "--home", data_dir.parent.parent, "--user", data_dir.name]
    words = [*tool_command("collect"), path.stem, "--append-rows", rescued, *profile,
             *(["--replace"] if replace else [])]
    return " ".join(shlex.quote(str(word)) for word in words)


def check_can_record(path: Path, layout: Layout, replace: bool) -> None:
    """Refuse up front (before the camera opens) a take that could not be saved: a name too long for
    the files it makes, a folder that cannot be written, or a layout that differs from the file's."""
    # Try the nearest folder that exists: a new profile's folders appear only when a take is saved.
    folder = next(p for p in (path.parent, *path.parent.parents) if p.exists())
    longest_rescue = rescue_path(path, 10**9).name
    check_file_names(path.stem, "emotion", [*recording_file_names(path.stem), longest_rescue], folder)
    try:
        if not folder.is_dir():
            raise NotADirectoryError(20, "a file is in the way", str(folder))
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise FacemoodError(f"cannot write recordings to {path.parent}: {exc.strerror or exc}; make it a writable "
                            "folder or pick another profile with --home / --user") from exc
    if replace or not path.exists():
        return
    existing = layout_for_width(read_rows(path).shape[1])
    if existing.id != layout.id:
        raise FacemoodError(
            f"{path} holds {existing.id} rows but this take would record {layout.id}: add "
            f"--layout {existing.id.split('-')[0]} to extend it, --replace to start over, or pick another emotion name")


@dataclass
class TakeRecorder:
    path: Path
    layout: Layout
    source: str = ""
    rows: list[np.ndarray] = field(default_factory=list)
    frames: int = 0
    frames_without_face: int = 0

    def add(self, landmarks: Landmarks) -> bool:
        """Add a frame; returns whether it gave a row (frames without a face give none)."""
        self.frames += 1
        row = make_row(landmarks, self.layout)
        if row is None or not plausible(row)[0]:  # no face, or (never seen) a face no row can describe
            self.frames_without_face += 1
            return False
        self.rows.append(row)
        return True

    @property
    def count(self) -> int:
        return len(self.rows)

    def save(self, replace: bool = False) -> int:
        """Write this take (appending unless `replace`); returns the file's row count. Needs rows.

        If the file cannot be written (disk full, folder gone), the take goes to a rescue file in the
        temporary folder and the error names it: a take is never lost.
        """
        rows = np.stack(self.rows)
        try:
            return append_rows(self.path, rows, replace=replace, source=self.source, frames=self.frames,
                               frames_without_face=self.frames_without_face)
        except OSError as exc:
            rescue = rescue_path(self.path, len(rows))
            np.save(rescue, rows, allow_pickle=False)
            log.debug("could not write %s", self.path, exc_info=True)
            keep = "save them in its place" if replace else "add them to its earlier takes"
            raise FacemoodError(f"cannot write {self.path}: {exc.strerror or exc}; this take's {len(rows)} rows are "
                                f"kept in {rescue}; once {self.path.parent} can be written, {keep} with "
                                f"`{append_command(self.path, rescue, replace)}`") from exc
