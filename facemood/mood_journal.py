"""The window's diary: this session's moods (one sample a second) and the songs asked for, written to
the active profile's history file (history.py), and read back for the page's history panel."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .errors import FacemoodError
from .history import History
from .live import Reading
from .moods import NO_FACE, UNSURE
from .profile import Profile
from .recommend import Recommendation

SAMPLE_EVERY_S = 1.0


class MoodJournal:
    """Writes to one profile's History at a time (open() switches). A history that cannot be opened
    is `error`, never an exception: the live view goes on without it. `revision` grows when the
    songs listed change."""

    def __init__(self, sample_every: float = SAMPLE_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self.sample_every = sample_every
        self.clock = clock
        self.revision = 0
        self.error: str | None = None
        self._history: History | None = None
        self._session: int | None = None
        self._last_sample: float | None = None
        self._lock = threading.Lock()

    def open(self, profile: Profile, source: str) -> None:
        """Start a session in `profile`'s history (ending the previous profile's, if any)."""
        with self._lock:
            self._close()
            try:
                self._history = History(profile.history_path)
                self._session = self._history.start_session(profile.name, source)
                self.error = None
            except FacemoodError as exc:
                self._history, self._session = None, None
                self.error = str(exc)
            self.revision += 1

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._history is not None:
            self._history.end_session(self._session)
            self._history.close()
        self._history, self._session = None, None

    def on_reading(self, reading: Reading) -> None:
        """A live-session consumer: every `sample_every` seconds, the mood stands for the time since the
        last sample (unsure and no face are not moods, so they are not written)."""
        now = self.clock()
        if self._last_sample is None:
            self._last_sample = now
        elapsed = now - self._last_sample
        if elapsed < self.sample_every:
            return
        self._last_sample = now
        mood = reading.mood
        if mood.label in (NO_FACE, UNSURE):
            return
        with self._lock:
            if self._history is not None:
                self._history.record_mood(self._session, mood.label, mood.confidence, elapsed)

    def song_asked(self, mood: str, recommendation: Recommendation) -> None:
        with self._lock:
            if self._history is None:
                return
            self._history.record_song(self._session, mood, recommendation.query, recommendation.provider,
                                      recommendation.url)
            self.revision += 1

    def summary(self, days: int = 7, songs: int = 8) -> dict:
        """Seconds per mood for each of the last `days` days, and the last `songs` songs asked for."""
        with self._lock:
            history = self._history
            if history is None:
                return {"days": [], "songs": []}
            return {"days": history.mood_by_day(days), "songs": history.recent_songs(songs)}
