"""Recording in the window: a take of one emotion, row by row from the live view, saved when it ends."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from .active_profile import ActiveProfile
from .dataset import delete_take, emotion_path, read_rows, recording_files
from .errors import FacemoodError
from .live import Reading
from .recording import TakeRecorder, check_can_record
from .rows import BLENDSHAPES, Layout, layout_for_width


@dataclass(frozen=True)
class TakeResult:
    emotion: str
    rows: int  # recorded in this take
    total: int | None  # rows of the emotion's file after it; None when nothing was saved
    message: str  # one line for the user


@dataclass(frozen=True)
class TakeProgress:
    emotion: str
    count: int  # rows so far
    target: int | None  # the take ends by itself at this many rows; None: when stopped


def recording_layout(data_dir: Path) -> Layout:
    """The layout of a profile's existing recordings (they must all share one), else the richest one."""
    for path in recording_files(data_dir)[0] if data_dir.is_dir() else []:
        try:
            return layout_for_width(read_rows(path).shape[1])
        except FacemoodError:
            continue
    return BLENDSHAPES


class Takes:
    """One take at a time, into the active profile's data folder. `revision` grows whenever the
    profile's recordings change (a take saved or deleted)."""

    def __init__(self, profiles: ActiveProfile):
        self.profiles = profiles
        self.revision = 0
        self._last: TakeResult | None = None
        self._take: TakeRecorder | None = None
        self._target: int | None = None
        self._lock = threading.Lock()

    # Read under the lock: a reader waits out a take being saved, so it sees it running or ended, never neither.
    @property
    def recording(self) -> TakeProgress | None:
        with self._lock:
            take = self._take
            return None if take is None else TakeProgress(take.path.stem, take.count, self._target)

    @property
    def last(self) -> TakeResult | None:
        """How the last take ended; None while one runs."""
        with self._lock:
            return self._last

    def start(self, emotion: str, frames: int | None = None, source: str = "") -> None:
        """Start a take of `emotion` from `source`; it ends at `frames` rows or on stop()."""
        with self._lock:
            if self._take is not None:
                raise FacemoodError(f"already recording {self._take.path.stem!r}")
            data_dir = self.profiles.profile.data_dir
            path = emotion_path(data_dir, emotion)
            layout = recording_layout(data_dir)
            check_can_record(path, layout, replace=False)
            self._take = TakeRecorder(path, layout, source)
            self._target = frames if frames and frames > 0 else None
            self._last = None

    @property
    def active(self) -> bool:
        """Whether a take is recording (cheap enough to ask every frame)."""
        return self._take is not None

    def on_reading(self, reading: Reading) -> None:
        """A live-session consumer: one frame into the take in progress, if any. Only frames analysed in
        full become rows: not one carrying an earlier frame's landmarks (a duplicate row), nor one the hand
        model skipped (a hand in view would be missing from the row)."""
        if not (reading.fresh and reading.landmarks.hands_checked):
            return
        with self._lock:
            if self._take is None:
                return
            self._take.add(reading.landmarks)
            if self._target is not None and self._take.count >= self._target:
                self._save()

    def stop(self) -> TakeResult | None:
        """End the take in progress and save it; None when none was running."""
        with self._lock:
            return self._save()

    def delete(self, emotion: str, index: int) -> None:
        with self._lock:
            delete_take(emotion_path(self.profiles.profile.data_dir, emotion), int(index))
            self.revision += 1

    def _save(self) -> TakeResult | None:
        take, self._take = self._take, None
        if take is None:
            return None
        emotion = take.path.stem
        if take.count == 0:
            self._last = TakeResult(emotion, 0, None, f"no face seen in {take.frames} frames: nothing recorded")
            return self._last
        try:
            total = take.save()
        except FacemoodError as exc:  # the rows went to a rescue file the message names
            self._last = TakeResult(emotion, take.count, None, str(exc))
            return self._last
        rows = f"{take.count} row{'s' if take.count != 1 else ''}"
        self._last = TakeResult(emotion, take.count, total, f"recorded {rows} of {emotion!r} ({total} in all)")
        self.revision += 1
        return self._last
