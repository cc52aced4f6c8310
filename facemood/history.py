"""Mood history, songs asked for, songs played and the user's 👍/👎, in a small SQLite file per profile.

SQLite because the window writes a mood sample every second from its live loop while the page reads
summaries from other threads: one file, safe partial writes, queries by time, and nothing to install.

Schema versions (PRAGMA user_version): 1 = sessions, moods, songs asked for. 2 adds `plays` (a song the
user played: when, for which mood, what ended it), `feedback` (👍/👎 on a result or the playing song) and
`moods.play_id` (the song playing when the mood was seen). A new file is made by the same steps that
upgrade an old one, so the two cannot drift apart; each upgrade runs in one transaction.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from .errors import FacemoodError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
# One sample stands for the time since the previous one; after a laptop sleeps or the camera stalls
# that gap can be hours, which must not count as hours of one mood.
MAX_SAMPLE_SECONDS = 60.0

# Version 1, verbatim as facemood wrote it (IF NOT EXISTS: version 1 code created the tables outside a
# transaction, so a version-0 file may hold some of them already).
_SCHEMA_V1 = (
    """CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    profile TEXT NOT NULL,
    source TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL
)""",
    """CREATE TABLE IF NOT EXISTS moods (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(id),
    at REAL NOT NULL,
    mood TEXT NOT NULL,
    confidence REAL NOT NULL,
    seconds REAL NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS moods_at ON moods(at)",
    """CREATE TABLE IF NOT EXISTS songs (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(id),
    at REAL NOT NULL,
    mood TEXT NOT NULL,
    query TEXT NOT NULL,
    provider TEXT NOT NULL,
    url TEXT NOT NULL
)""",
    "CREATE INDEX IF NOT EXISTS songs_at ON songs(at)",
)

# version -> the statements that upgrade the version before it. Append only: a released step never changes.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        """CREATE TABLE plays (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(id),
    video_id TEXT NOT NULL,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    channel TEXT NOT NULL,
    mood TEXT NOT NULL,
    query TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL,
    end_reason TEXT
)""",
        "CREATE INDEX plays_started ON plays(started)",
        # NULL for the samples of version 1 and for samples taken while nothing played.
        "ALTER TABLE moods ADD COLUMN play_id INTEGER REFERENCES plays(id)",
        "CREATE INDEX moods_play ON moods(play_id)",
        """CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(id),
    play_id INTEGER REFERENCES plays(id),
    at REAL NOT NULL,
    rating INTEGER NOT NULL,
    mood TEXT NOT NULL,
    query TEXT NOT NULL,
    video_id TEXT NOT NULL,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    channel TEXT NOT NULL
)""",
        "CREATE INDEX feedback_mood ON feedback(mood, at)",
    ),
}

LIKE, DISLIKE, NO_RATING = 1, -1, 0  # NO_RATING takes an earlier 👍 or 👎 back
# What ended a play: it played to the end, the user went to another song (next, previous, another
# result), the user stopped the player, the player failed (e.g. embedding refused), the session ended.
END_REASONS = ("ended", "skipped", "stopped", "error", "closed")


class SongLike(Protocol):
    """What the history keeps of a song; recommend.SongResult, Play and Feedback all fit."""

    @property
    def video_id(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def channel(self) -> str: ...


@dataclass(frozen=True)
class MoodSample:
    at: float  # unix seconds
    mood: str
    confidence: float
    seconds: float  # how long the sample stands for
    play_id: int | None  # the song playing then


@dataclass(frozen=True)
class Play:
    id: int
    session_id: int | None
    video_id: str
    url: str
    title: str
    channel: str
    mood: str  # the mood the song was found for
    query: str
    started: float
    ended: float | None  # None while playing, or when facemood stopped without saying (a crash)
    end_reason: str | None  # one of END_REASONS


@dataclass(frozen=True)
class Feedback:
    id: int
    at: float
    rating: int  # LIKE, DISLIKE or NO_RATING
    mood: str  # the mood the song was found for
    query: str
    video_id: str
    url: str
    title: str
    channel: str
    play_id: int | None  # set when it was given on the playing song


_PLAY_COLUMNS = "id, session_id, video_id, url, title, channel, mood, query, started, ended, end_reason"
_FEEDBACK_COLUMNS = "id, at, rating, mood, query, video_id, url, title, channel, play_id"


def _check_song(song: SongLike) -> None:
    """A song without an id cannot be ranked or shown again: a caller's mistake, not the user's."""
    if not isinstance(song.video_id, str) or not song.video_id:
        raise ValueError(f"a song needs its video id, not {song.video_id!r}")


def _upgrade_steps(version: int) -> list[str]:
    """The statements that take a file from `version` to SCHEMA_VERSION (0: a new, empty file)."""
    steps = list(_SCHEMA_V1) if version == 0 else []
    for target in range(max(version, 1) + 1, SCHEMA_VERSION + 1):
        steps.extend(_MIGRATIONS[target])
    return steps


def local_iso(at: float) -> str:
    """Unix seconds as the user's local wall-clock time, e.g. 2024-05-01T18:30:00."""
    return datetime.fromtimestamp(at).isoformat(timespec="seconds")


def local_midnight(day: date) -> float:
    """Unix seconds at the start of `day` in local time (DST-aware: some days are 23 or 25 hours)."""
    return datetime.combine(day, datetime.min.time()).timestamp()


class History:
    """SQLite in the profile's folder (data/history.sqlite3 or data/NAME/history.sqlite3): sessions, moods
    over time, songs asked for, songs played and 👍/👎. Thread-safe (the window's live loop and its UI
    calls use it from different threads).

    Writes that fail at run time (disk full, file locked by another program) are logged and dropped: a
    lost history sample must never stop the live view. Opening a broken file is a FacemoodError.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn: sqlite3.Connection | None = sqlite3.connect(self.path, check_same_thread=False, timeout=5.0)
        except (OSError, sqlite3.Error) as exc:
            raise FacemoodError(f"cannot open the history {self.path}: {exc}: check the folder is writable") from exc
        try:
            self._prepare()
        except sqlite3.OperationalError as exc:  # read-only file or folder, locked, disk full
            self.close()
            raise FacemoodError(f"cannot open the history {self.path}: {exc}: check the file and its folder "
                                f"are writable") from exc
        except sqlite3.DatabaseError as exc:  # "file is not a database" and other corruption
            self.close()
            raise FacemoodError(f"{self.path} is not a facemood history ({exc}): move it away and "
                                f"facemood starts a new one") from exc
        except FacemoodError:
            self.close()
            raise

    def _prepare(self) -> None:
        conn = self._conn
        assert conn is not None
        # Reading the version first makes a file that is not a database fail here, before we write.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        self._refuse_newer(version)
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # e.g. some network drives; the default journal still works
            log.debug("%s: journal mode %s, not WAL", self.path, mode)
        if version < SCHEMA_VERSION:
            self._upgrade()

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise FacemoodError(f"{self.path} was written by a newer facemood (history version {version}): "
                                f"update facemood, or move the file away to start a new history")

    def _upgrade(self) -> None:
        """Bring the file to SCHEMA_VERSION in one transaction: a failure or a kill at any point leaves the
        file as it was (and readable by the facemood that wrote it); the next start tries again."""
        conn = self._conn
        assert conn is not None
        conn.execute("BEGIN IMMEDIATE")  # the write lock first: another window may be upgrading it too
        version = None
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            self._refuse_newer(version)
            if version < SCHEMA_VERSION:
                for statement in _upgrade_steps(version):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.commit()
        except BaseException as exc:
            conn.rollback()
            if version and isinstance(exc, sqlite3.Error):
                raise FacemoodError(f"cannot upgrade the history {self.path} from version {version} to "
                                    f"{SCHEMA_VERSION} ({exc}); it is left as it was: check the disk has space "
                                    f"and the file is writable") from exc
            raise
        if 0 < version < SCHEMA_VERSION:
            log.info("upgraded the history %s from version %d to %d", self.path, version, SCHEMA_VERSION)

    # --- writes -------------------------------------------------------------------------------------

    def _write(self, sql: str, params: tuple) -> int | None:
        """Run one INSERT/UPDATE and commit; the new row id, or None when the write failed (logged)."""
        with self._lock:
            if self._conn is None:
                log.debug("history %s is closed; dropped: %s", self.path, sql.split("(")[0])
                return None
            try:
                with self._conn:
                    return self._conn.execute(sql, params).lastrowid
            except sqlite3.Error as exc:
                log.warning("could not write the history %s: %s", self.path, exc)
                return None

    def start_session(self, profile: str, source: str, at: float | None = None) -> int:
        row = self._write("INSERT INTO sessions (profile, source, started) VALUES (?, ?, ?)",
                          (profile, source, time.time() if at is None else at))
        if row is None:
            raise FacemoodError(f"cannot write the history {self.path}: check the disk has space and the file "
                                f"is writable")
        return row

    def end_session(self, session_id: int, at: float | None = None) -> None:
        """The session's end; a song still playing then ends with it ("closed")."""
        at = time.time() if at is None else at
        self._write("UPDATE plays SET ended = ?, end_reason = 'closed' WHERE session_id = ? AND ended IS NULL",
                    (at, session_id))
        self._write("UPDATE sessions SET ended = ? WHERE id = ?", (at, session_id))

    def record_mood(self, session_id: int, mood: str, confidence: float, seconds: float = 1.0,
                    at: float | None = None, play_id: int | None = None) -> None:
        """One sample standing for `seconds` of time (at most MAX_SAMPLE_SECONDS); `play_id`: the song
        playing (start_play's id), so the mood during and at the end of a song can be told apart."""
        if not math.isfinite(seconds) or seconds <= 0:
            log.debug("ignored a mood sample of %r seconds", seconds)
            return
        self._write("INSERT INTO moods (session_id, at, mood, confidence, seconds, play_id) VALUES (?, ?, ?, ?, ?, ?)",
                    (session_id, time.time() if at is None else at, mood, float(confidence),
                     min(float(seconds), MAX_SAMPLE_SECONDS), play_id))

    def record_song(self, session_id: int, mood: str, query: str, provider: str, url: str,
                    at: float | None = None) -> None:
        self._write("INSERT INTO songs (session_id, at, mood, query, provider, url) VALUES (?, ?, ?, ?, ?, ?)",
                    (session_id, time.time() if at is None else at, mood, query, provider, url))

    def start_play(self, session_id: int | None, song: SongLike, mood: str, query: str,
                   at: float | None = None) -> int | None:
        """The user started playing `song`, found for `mood` with `query`; the play's id (pass it to
        record_mood while it plays and to end_play), or None when the write failed (logged)."""
        _check_song(song)
        return self._write(
            "INSERT INTO plays (session_id, video_id, url, title, channel, mood, query, started) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, song.video_id, song.url, song.title, song.channel, mood, query,
             time.time() if at is None else at))

    def end_play(self, play_id: int, reason: str, at: float | None = None) -> None:
        """What ended the play (one of END_REASONS); the first end counts, later ones are ignored."""
        if reason not in END_REASONS:
            raise ValueError(f"unknown end of a play {reason!r}: use one of {', '.join(END_REASONS)}")
        self._write("UPDATE plays SET ended = ?, end_reason = ? WHERE id = ? AND ended IS NULL",
                    (time.time() if at is None else at, reason, play_id))

    def record_feedback(self, session_id: int | None, song: SongLike, rating: int, mood: str, query: str,
                        play_id: int | None = None, at: float | None = None) -> int | None:
        """👍 (LIKE), 👎 (DISLIKE) or taken back (NO_RATING) on `song`, found for `mood` with `query`;
        `play_id` when it was the playing song. Kept as a log: the latest rating of a song for a mood
        is the one that counts (see ranking.current_ratings)."""
        _check_song(song)
        if rating not in (LIKE, DISLIKE, NO_RATING) or isinstance(rating, bool):
            raise ValueError(f"a rating is {LIKE}, {DISLIKE} or {NO_RATING}, not {rating!r}")
        return self._write(
            "INSERT INTO feedback (session_id, play_id, at, rating, mood, query, video_id, url, title, channel) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, play_id, time.time() if at is None else at, rating, mood, query, song.video_id,
             song.url, song.title, song.channel))

    # --- reads --------------------------------------------------------------------------------------

    def _read(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            if self._conn is None:
                return []
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                log.warning("could not read the history %s: %s", self.path, exc)
                return []

    def mood_by_day(self, days: int = 7, now: float | None = None) -> list[dict]:
        """Seconds per mood for each local calendar day of the last `days` days (today included), oldest
        first; days without data are there with empty moods, so the chart keeps its time axis."""
        if days < 1:
            raise ValueError(f"days must be at least 1, not {days}")
        today = datetime.fromtimestamp(time.time() if now is None else now).date()
        out = []
        for back in range(days - 1, -1, -1):
            day = today - timedelta(days=back)
            rows = self._read("SELECT mood, SUM(seconds) FROM moods WHERE at >= ? AND at < ? GROUP BY mood "
                              "ORDER BY SUM(seconds) DESC, mood",
                              (local_midnight(day), local_midnight(day + timedelta(days=1))))
            out.append({"day": day.isoformat(), "moods": {mood: float(seconds) for mood, seconds in rows}})
        return out

    def recent_songs(self, limit: int = 10) -> list[dict]:
        """The songs asked for, newest first."""
        rows = self._read("SELECT at, mood, query, provider, url FROM songs ORDER BY at DESC, id DESC LIMIT ?",
                          (limit,))
        return [{"at": local_iso(at), "mood": mood, "query": query, "provider": provider, "url": url}
                for at, mood, query, provider, url in rows]

    def sessions(self, limit: int = 20) -> list[dict]:
        """The sessions, newest first; "ended" is None while running (or after a crash)."""
        rows = self._read(
            "SELECT s.id, s.profile, s.source, s.started, s.ended, "
            "(SELECT COALESCE(SUM(seconds), 0) FROM moods WHERE session_id = s.id), "
            "(SELECT COUNT(*) FROM songs WHERE session_id = s.id) "
            "FROM sessions s ORDER BY s.started DESC, s.id DESC LIMIT ?", (limit,))
        return [{"id": sid, "profile": profile, "source": source, "started": local_iso(started),
                 "ended": None if ended is None else local_iso(ended), "mood_seconds": float(mood_seconds),
                 "songs": songs}
                for sid, profile, source, started, ended, mood_seconds, songs in rows]

    def feedback(self, mood: str | None = None) -> list[Feedback]:
        """Every 👍/👎 given (for `mood`, or all), oldest first."""
        where, params = ("WHERE mood = ?", (mood,)) if mood is not None else ("", ())
        rows = self._read(f"SELECT {_FEEDBACK_COLUMNS} FROM feedback {where} ORDER BY at, id", params)
        return [Feedback(*row) for row in rows]

    def plays(self, limit: int = 20) -> list[Play]:
        """The songs played, newest first."""
        rows = self._read(f"SELECT {_PLAY_COLUMNS} FROM plays ORDER BY started DESC, id DESC LIMIT ?", (limit,))
        return [Play(*row) for row in rows]

    def mood_samples(self, since: float | None = None, until: float | None = None,
                     play_id: int | None = None) -> list[MoodSample]:
        """The mood samples with since <= at < until (either end open when None), only those taken while
        play `play_id` played when given; oldest first."""
        clauses, params = [], []
        for clause, value in (("at >= ?", since), ("at < ?", until), ("play_id = ?", play_id)):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._read(f"SELECT at, mood, confidence, seconds, play_id FROM moods {where} ORDER BY at, id",
                          tuple(params))
        return [MoodSample(*row) for row in rows]

    def close(self) -> None:
        """Close the file (idempotent); later writes are dropped and reads are empty."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
