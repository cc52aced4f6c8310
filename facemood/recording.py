"""One take of one emotion: rows gathered frame by frame, saved atomically when the take ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .dataset import append_rows, read_rows
from .errors import FacemoodError
from .landmarks import Landmarks
from .rows import Layout, layout_for_width, make_row


def check_can_append(path: Path, layout: Layout, replace: bool) -> None:
    """Refuse up front (before the camera opens) a take whose layout differs from the file's."""
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
        """Write this take (appending unless `replace`); returns the file's row count. Needs rows."""
        return append_rows(self.path, np.stack(self.rows), replace=replace, source=self.source)
