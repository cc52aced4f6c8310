"""The window's diary: this session's moods (one sample a second), the songs asked for, the songs played
(the moods seen while one plays are recorded against it) and the user's 👍/👎, written to the active
profile's history file (history.py), and read back for the page's history panel and for ranking."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .errors import FacemoodError
from .history import Feedback, History, SongLike
from .live import Reading
from .moods import NO_FACE, UNSURE
from .profile import Profile
from .recommend import Recommendation
from .song_moods import SongMoodChange, changes_from_history, songs_that_lifted

SAMPLE_EVERY_S = 1.0
# The history panel's lists: the last plays with the mood before and after, and the songs that lifted
# the user, found among this many recent plays.
PLAYS_SHOWN = 6
LIFTED_SHOWN = 5
PLAYS_FOR_LIFTED = 50


class MoodJournal:
    """Writes to one profile's History at a time (open() switches). A history that cannot be opened
    is `error`, never an exception: the live view goes on without it. `revision` grows when the
    songs listed change (asked for, played, ended).

    While a play is `playing` (start_play, until end_play or pause_play), each mood sample is recorded
    against it; a switch to another profile's history ends it there ("closed")."""

    def __init__(self, sample_every: float = SAMPLE_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self.sample_every = sample_every
        self.clock = clock
        self.revision = 0
        self.error: str | None = None
        self._history: History | None = None
        self._session: int | None = None
        self._playing: int | None = None  # the play the mood samples are recorded against
        self._plays: set[int] = set()  # the plays started in this history: ids of another one mean nothing here
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
        self._history, self._session, self._playing = None, None, None
        self._plays = set()

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
                self._history.record_mood(self._session, mood.label, mood.confidence, elapsed,
                                          play_id=self._playing)

    def song_asked(self, mood: str, recommendation: Recommendation) -> None:
        with self._lock:
            if self._history is None:
                return
            self._history.record_song(self._session, mood, recommendation.query, recommendation.provider,
                                      recommendation.url)
            self.revision += 1

    def start_play(self, song: SongLike, mood: str, query: str) -> int | None:
        """`song` (found for `mood` with `query`) started playing: its play id, None without a history."""
        with self._lock:
            if self._history is None:
                return None
            self._playing = self._history.start_play(self._session, song, mood, query)
            if self._playing is not None:
                self._plays.add(self._playing)
            self.revision += 1
            return self._playing

    def pause_play(self, play_id: int, paused: bool) -> None:
        """A pause stops recording moods against the play; playing again resumes it."""
        with self._lock:
            if play_id not in self._plays:
                return  # started in another profile's history, closed with it
            if paused and self._playing == play_id:
                self._playing = None
            elif not paused:
                self._playing = play_id

    def end_play(self, play_id: int, reason: str) -> None:
        """What ended the play (history.END_REASONS)."""
        with self._lock:
            if play_id not in self._plays:
                return
            self._plays.discard(play_id)
            if self._playing == play_id:
                self._playing = None
            self._history.end_play(play_id, reason)
            self.revision += 1

    def record_feedback(self, song: SongLike, rating: int, mood: str, query: str,
                        play_id: int | None = None) -> None:
        with self._lock:
            if self._history is not None:
                self._history.record_feedback(self._session, song, rating, mood, query, play_id=play_id)

    def feedback(self, mood: str) -> list[Feedback]:
        """Every 👍/👎 given for `mood` (empty without a history)."""
        with self._lock:
            return self._history.feedback(mood) if self._history is not None else []

    def summary(self, days: int = 7, songs: int = 8) -> dict:
        """Seconds per mood for each of the last `days` days, the last `songs` songs asked for, the last
        plays with the mood before and after each, and the songs that lifted the user."""
        with self._lock:
            history = self._history
            if history is None:
                return {"days": [], "songs": [], "plays": [], "lifted": []}
            changes = changes_from_history(history, PLAYS_FOR_LIFTED)
            return {"days": history.mood_by_day(days), "songs": history.recent_songs(songs),
                    "plays": [self._play_line(change) for change in changes[:PLAYS_SHOWN]],
                    "lifted": [{"title": song.title, "channel": song.channel, "url": song.url, "times": song.times,
                                "moods": list(song.moods)} for song in songs_that_lifted(changes)[:LIFTED_SHOWN]]}

    def _play_line(self, change: SongMoodChange) -> dict:
        play, before = change.play, change.before
        on_now = play.ended is None and play.session_id == self._session  # playing or paused
        if on_now:
            text = f"“{play.title}” on now" + (f", you were {before} before" if before else "")
        elif change.after is None:  # too short, or no face seen near its end
            text = f"“{play.title}”: not long enough to tell" + (f" (you were {before} before)" if before else "")
        else:
            text = change.describe()
        return {"title": play.title, "channel": play.channel, "before": change.before, "after": change.after,
                "lifted": change.lifted, "on_now": on_now, "text": text}
