"""One take of one emotion: rows gathered frame by frame, saved atomically when the take ends."""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .dataset import append_rows, read_rows
from .errors import FacemoodError
from .landmarks import Landmarks
from .rows import Layout, layout_for_width, make_row

log = logging.getLogger(__name__)


def check_can_record(path: Path, layout: Layout, replace: bool) -> None:
    """Refuse up front (before the camera opens) a take that could not be saved: a folder that cannot
    be written, or a layout that differs from the file's."""
    # Try the nearest folder that exists: a new profile's folders appear only when a take is saved.
    folder = next(p for p in (path.parent, *path.parent.parents) if p.exists())
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
        if row is None:
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
            return append_rows(self.path, rows, replace=replace, source=self.source)
        except OSError as exc:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            rescue = Path(tempfile.gettempdir()) / f"facemood-{self.path.stem}-{stamp}-{len(rows)}rows.npy"
            np.save(rescue, rows, allow_pickle=False)
            log.debug("could not write %s", self.path, exc_info=True)
            raise FacemoodError(f"cannot write {self.path}: {exc.strerror or exc}; this take's {len(rows)} rows are "
                                f"kept in {rescue}: free some space, then copy it over or record again") from exc
