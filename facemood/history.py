"""Mood history and songs asked for, in a small SQLite file in the profile's folder.

SQLite because the window writes a mood sample every second from its live loop while the page reads
summaries from other threads: one file, safe partial writes, queries by time, and nothing to install.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from .errors import FacemoodError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# One sample stands for the time since the previous one; after a laptop sleeps or the camera stalls
# that gap can be hours, which must not count as hours of one mood.
MAX_SAMPLE_SECONDS = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    profile TEXT NOT NULL,
    source TEXT NOT NULL,
    started REAL NOT NULL,
    ended REAL
);
CREATE TABLE IF NOT EXISTS moods (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(id),
    at REAL NOT NULL,
    mood TEXT NOT NULL,
    confidence REAL NOT NULL,
    seconds REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS moods_at ON moods(at);
CREATE TABLE IF NOT EXISTS songs (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(id),
    at REAL NOT NULL,
    mood TEXT NOT NULL,
    query TEXT NOT NULL,
    provider TEXT NOT NULL,
    url TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS songs_at ON songs(at);
"""


def local_iso(at: float) -> str:
    """Unix seconds as the user's local wall-clock time, e.g. 2024-05-01T18:30:00."""
    return datetime.fromtimestamp(at).isoformat(timespec="seconds")


def local_midnight(day: date) -> float:
    """Unix seconds at the start of `day` in local time (DST-aware: some days are 23 or 25 hours)."""
    return datetime.combine(day, datetime.min.time()).timestamp()


class History:
    """SQLite in the profile's folder (data/history.sqlite3 or data/NAME/history.sqlite3): sessions, moods
    over time, songs asked for. Thread-safe (the window's live loop and its UI calls use it from different
    threads).

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
        if version > SCHEMA_VERSION:
            raise FacemoodError(f"{self.path} was written by a newer facemood (history version {version}): "
                                f"update facemood, or move the file away to start a new history")
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # e.g. some network drives; the default journal still works
            log.debug("%s: journal mode %s, not WAL", self.path, mode)
        with conn:
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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
        self._write("UPDATE sessions SET ended = ? WHERE id = ?", (time.time() if at is None else at, session_id))

    def record_mood(self, session_id: int, mood: str, confidence: float, seconds: float = 1.0,
                    at: float | None = None) -> None:
        """One sample standing for `seconds` of time (at most MAX_SAMPLE_SECONDS)."""
        if not math.isfinite(seconds) or seconds <= 0:
            log.debug("ignored a mood sample of %r seconds", seconds)
            return
        self._write("INSERT INTO moods (session_id, at, mood, confidence, seconds) VALUES (?, ?, ?, ?, ?)",
                    (session_id, time.time() if at is None else at, mood, float(confidence),
                     min(float(seconds), MAX_SAMPLE_SECONDS)))

    def record_song(self, session_id: int, mood: str, query: str, provider: str, url: str,
                    at: float | None = None) -> None:
        self._write("INSERT INTO songs (session_id, at, mood, query, provider, url) VALUES (?, ?, ?, ?, ?, ?)",
                    (session_id, time.time() if at is None else at, mood, query, provider, url))

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
