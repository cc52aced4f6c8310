"""The mood history: a real SQLite file, real threads, and fixed times in a fixed local time zone."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from facemood import history as history_module
from facemood.errors import FacemoodError
from facemood.history import (DISLIKE, LIKE, MAX_SAMPLE_SECONDS, NO_RATING, SCHEMA_VERSION, Feedback, History,
                              MoodSample, Play)
from facemood.recommend import SongResult

ROOT = Path(__file__).resolve().parent.parent
# Made by facemood/history.py schema version 1 (commit 1ff424c), with T0 = 1714564800.0:
#   s1 = start_session("default", "camera 0", at=T0); ten record_mood(s1, happy x5, sad x3, wütend x2,
#   confidence 0.80.., 1.0 s, at=T0+1..T0+10); record_song(s1, "sad", "hindi uplifting song arijit singh",
#   "youtube", <search url>, at=T0+12); end_session(s1, at=T0+60); s2 = start_session("प्रिया", "clip.mp4",
#   at=T0+3600), never ended; record_mood(s2, "rock", 0.95, 2.5, at=T0+3601); record_song(s2, "rock",
#   "rock song", "spotify", "https://open.spotify.com/search/rock%20song", at=T0+3602).
HISTORY_V1 = ROOT / "tests" / "data" / "history_v1.sqlite3"
T0 = 1714564800.0
SONG = SongResult(title="Happy Song", channel="Joy Records", duration="3:45",
                  thumbnail="https://i.ytimg.com/vi/aaaaaaaaaaa/hq720.jpg",
                  url="https://www.youtube.com/watch?v=aaaaaaaaaaa", video_id="aaaaaaaaaaa")

# POSIX TZ strings need no tz database. India has no DST; Central Europe springs forward on 2024-03-31.
INDIA = "IST-5:30"
CENTRAL_EUROPE = "CET-1CEST,M3.5.0,M10.5.0/3"


@pytest.fixture
def local_zone():
    """Switch this process's local time zone (for Python and SQLite alike); restored afterwards."""
    before = os.environ.get("TZ")

    def use(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield use
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def history(tmp_path):
    with History(tmp_path / "data" / "history.sqlite3") as h:
        yield h


def local(*args: int) -> float:
    """Unix seconds of a local wall-clock time, the same local-time logic History uses."""
    return datetime(*args).timestamp()


def test_round_trip(history):
    t0 = local(2024, 5, 1, 18, 0, 0)
    session = history.start_session("default", "camera 0", at=t0)
    history.record_mood(session, "happy", 0.9, 1.0, at=t0 + 1)
    history.record_mood(session, "happy", 0.8, 1.5, at=t0 + 2)
    history.record_mood(session, "sad", 0.7, at=t0 + 3)
    history.record_song(session, "happy", "hindi happy song", "youtube",
                        "https://www.youtube.com/results?search_query=hindi+happy+song", at=t0 + 4)
    history.end_session(session, at=t0 + 60)

    [day] = history.mood_by_day(1, now=t0 + 100)
    assert day == {"day": "2024-05-01", "moods": {"happy": 2.5, "sad": 1.0}}
    assert history.recent_songs() == [{"at": "2024-05-01T18:00:04", "mood": "happy", "query": "hindi happy song",
                                       "provider": "youtube",
                                       "url": "https://www.youtube.com/results?search_query=hindi+happy+song"}]
    assert history.sessions() == [{"id": session, "profile": "default", "source": "camera 0",
                                   "started": "2024-05-01T18:00:00", "ended": "2024-05-01T18:01:00",
                                   "mood_seconds": 3.5, "songs": 1}]


def test_file_is_wal_with_a_schema_version(tmp_path):
    path = tmp_path / "history.sqlite3"
    History(path).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


def test_mood_by_day_splits_at_local_midnight(history, local_zone):
    local_zone(INDIA)
    session = history.start_session("default", "camera 0", at=local(2024, 3, 9, 23, 0))
    history.record_mood(session, "happy", 0.9, 30, at=local(2024, 3, 9, 23, 59, 59))
    history.record_mood(session, "sad", 0.9, 2, at=local(2024, 3, 10, 0, 0, 0))  # midnight is the new day
    history.record_mood(session, "sad", 0.9, 3, at=local(2024, 3, 10, 0, 0, 10))
    history.record_mood(session, "angry", 0.9, 4, at=local(2024, 3, 3, 23, 59, 59))  # 8 days before "now"
    history.record_mood(session, "calm", 0.9, 5, at=local(2024, 3, 4, 0, 0, 0))  # first day of the window
    history.record_mood(session, "happy", 0.9, 6, at=local(2024, 3, 11, 0, 0, 1))  # after today: not shown

    days = history.mood_by_day(7, now=local(2024, 3, 10, 12, 0))

    assert [d["day"] for d in days] == [f"2024-03-{n:02d}" for n in range(4, 11)]
    by_day = {d["day"]: d["moods"] for d in days}
    assert by_day["2024-03-04"] == {"calm": 5.0}
    assert by_day["2024-03-09"] == {"happy": 30.0}
    assert by_day["2024-03-10"] == {"sad": 5.0}
    # The same instants, read in UTC, fall on other days: the split really is by local time.
    assert datetime.fromtimestamp(local(2024, 3, 10, 0, 0, 10), timezone.utc).date() == date(2024, 3, 9)


def test_mood_by_day_on_a_daylight_saving_day(history, local_zone):
    local_zone(CENTRAL_EUROPE)
    session = history.start_session("default", "camera 0", at=local(2024, 3, 30, 12, 0))
    history.record_mood(session, "happy", 0.9, 7, at=local(2024, 3, 31, 23, 30))  # the 23-hour day
    history.record_mood(session, "sad", 0.9, 8, at=local(2024, 4, 1, 0, 30))
    history.record_mood(session, "calm", 0.9, 9, at=local(2024, 3, 31, 3, 30))  # just after the jump

    days = history.mood_by_day(3, now=local(2024, 4, 1, 9, 0))

    assert days == [{"day": "2024-03-30", "moods": {}},
                    {"day": "2024-03-31", "moods": {"calm": 9.0, "happy": 7.0}},
                    {"day": "2024-04-01", "moods": {"sad": 8.0}}]


def test_empty_days_are_present(history):
    now = time.time()
    days = history.mood_by_day(now=now)
    today = datetime.fromtimestamp(now).date()
    assert days == [{"day": (today - timedelta(days=back)).isoformat(), "moods": {}} for back in range(6, -1, -1)]
    with pytest.raises(ValueError):
        history.mood_by_day(0)


def test_default_times_are_now(history):
    session = history.start_session("default", "camera 0")
    history.record_mood(session, "happy", 0.9)
    history.record_song(session, "happy", "happy song", "spotify", "https://open.spotify.com/search/happy%20song")
    assert history.mood_by_day(1)[0]["moods"] == {"happy": 1.0}
    [song] = history.recent_songs()
    assert abs(datetime.fromisoformat(song["at"]).timestamp() - time.time()) < 5


def test_recent_songs_newest_first(history):
    session = history.start_session("default", "camera 0", at=local(2024, 5, 1, 10, 0))
    for minute, mood in ((5, "b"), (1, "a"), (9, "d"), (7, "c")):  # written out of order
        history.record_song(session, mood, f"{mood} song", "youtube", f"https://www.youtube.com/{mood}",
                            at=local(2024, 5, 1, 10, minute))
    assert [s["mood"] for s in history.recent_songs()] == ["d", "c", "b", "a"]
    assert [s["at"] for s in history.recent_songs(limit=2)] == ["2024-05-01T10:09:00", "2024-05-01T10:07:00"]


def test_sessions_newest_first_and_open_ones_have_no_end(history):
    first = history.start_session("default", "camera 0", at=local(2024, 5, 1, 10, 0))
    history.end_session(first, at=local(2024, 5, 1, 11, 0))
    second = history.start_session("default", "clip.mp4", at=local(2024, 5, 2, 10, 0))
    assert [s["id"] for s in history.sessions()] == [second, first]
    assert history.sessions()[0]["ended"] is None
    assert len(history.sessions(limit=1)) == 1


def test_long_gaps_are_capped_and_empty_samples_ignored(history):
    session = history.start_session("default", "camera 0", at=local(2024, 5, 1, 10, 0))
    history.record_mood(session, "happy", 0.9, 3 * 3600, at=local(2024, 5, 1, 10, 1))  # laptop slept
    history.record_mood(session, "sad", 0.9, 0, at=local(2024, 5, 1, 10, 2))
    history.record_mood(session, "sad", 0.9, float("nan"), at=local(2024, 5, 1, 10, 2))
    assert history.mood_by_day(1, now=local(2024, 5, 1, 12, 0))[0]["moods"] == {"happy": MAX_SAMPLE_SECONDS}


def test_concurrent_writes_from_several_threads(history):
    session = history.start_session("default", "camera 0")
    threads_n, per_thread = 8, 150
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n + 1)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                history.record_mood(session, f"mood{n % 3}", 0.5, 1.0)
                if i % 50 == 0:
                    history.record_song(session, "happy", f"q{n}-{i}", "youtube", "https://www.youtube.com/x")
        except BaseException as exc:
            errors.append(exc)

    def reader() -> None:
        try:
            start.wait()
            for _ in range(30):
                history.mood_by_day(2)
                history.recent_songs()
                history.sessions()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    threads.append(threading.Thread(target=reader))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    moods = history.mood_by_day(1)[-1]["moods"]
    assert sum(moods.values()) == threads_n * per_thread
    assert len(history.recent_songs(limit=1000)) == threads_n * 3


def test_reopening_keeps_the_data(tmp_path):
    path = tmp_path / "data" / "alice" / "history.sqlite3"
    with History(path) as first:
        session = first.start_session("alice", "camera 0", at=local(2024, 5, 1, 10, 0))
        first.record_mood(session, "happy", 0.9, 4, at=local(2024, 5, 1, 10, 1))
        first.record_song(session, "happy", "happy song", "youtube", "https://www.youtube.com/x",
                          at=local(2024, 5, 1, 10, 2))
    with History(path) as again:
        assert again.mood_by_day(1, now=local(2024, 5, 1, 12, 0))[0]["moods"] == {"happy": 4.0}
        assert [s["query"] for s in again.recent_songs()] == ["happy song"]
        assert again.start_session("alice", "camera 0") > session


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "history.sqlite3"
    garbage = b"this is not a database, just some notes\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(FacemoodError) as caught:
        History(path)
    message = str(caught.value)
    assert str(path) in message and "move it away" in message and "\n" not in message
    assert path.read_bytes() == garbage  # left as it was for the user to look at


def test_a_history_from_a_newer_facemood_is_a_clear_error(tmp_path):
    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(FacemoodError, match="newer facemood"):
        History(path)


def test_failed_writes_are_logged_not_raised(tmp_path, caplog):
    path = tmp_path / "history.sqlite3"
    with History(path) as history:
        session = history.start_session("default", "camera 0")
        other = sqlite3.connect(path)
        other.execute("DROP TABLE songs")
        other.commit()
        other.close()
        with caplog.at_level(logging.WARNING, logger="facemood.history"):
            history.record_song(session, "happy", "q", "youtube", "https://www.youtube.com/x")
        assert "could not write the history" in caplog.text
        assert history.recent_songs() == []
        history.record_mood(session, "happy", 0.9)  # the rest still works
        assert history.mood_by_day(1)[0]["moods"] == {"happy": 1.0}


def test_after_close_writes_are_dropped_and_reads_empty(tmp_path):
    history = History(tmp_path / "history.sqlite3")
    session = history.start_session("default", "camera 0")
    history.close()
    history.close()  # idempotent
    history.record_mood(session, "happy", 0.9)
    history.end_session(session)
    assert history.recent_songs() == [] and history.sessions() == []
    with pytest.raises(FacemoodError):
        history.start_session("default", "camera 0")


# --- schema version 2: plays, feedback, moods against the playing song ---------------------------------


def test_a_play_records_its_song_and_what_ended_it(history):
    session = history.start_session("default", "camera 0", at=T0)
    play = history.start_play(session, SONG, "sad", "uplifting song", at=T0 + 10)
    history.record_mood(session, "sad", 0.9, at=T0 + 11, play_id=play)
    history.record_mood(session, "happy", 0.8, at=T0 + 12, play_id=play)
    history.end_play(play, "skipped", at=T0 + 20)
    history.end_play(play, "ended", at=T0 + 30)  # the first end counts

    assert history.plays() == [Play(play, session, "aaaaaaaaaaa", SONG.url, "Happy Song", "Joy Records", "sad",
                                    "uplifting song", T0 + 10, T0 + 20, "skipped")]
    assert [(s.mood, s.play_id) for s in history.mood_samples(play_id=play)] == [("sad", play), ("happy", play)]
    with pytest.raises(ValueError, match="unknown end"):
        history.end_play(play, "finished")


def test_ending_the_session_ends_the_song_still_playing(history):
    session = history.start_session("default", "camera 0", at=T0)
    done = history.start_play(session, SONG, "sad", "q", at=T0 + 1)
    history.end_play(done, "ended", at=T0 + 200)
    playing = history.start_play(session, SONG, "sad", "q", at=T0 + 201)
    history.end_session(session, at=T0 + 300)
    ends = {p.id: (p.ended, p.end_reason) for p in history.plays()}
    assert ends == {done: (T0 + 200, "ended"), playing: (T0 + 300, "closed")}


def test_plays_newest_first_with_a_limit(history):
    session = history.start_session("default", "camera 0", at=T0)
    ids = [history.start_play(session, SONG, "sad", "q", at=T0 + minute * 60) for minute in (3, 1, 2)]
    assert [p.id for p in history.plays()] == [ids[0], ids[2], ids[1]]
    assert [p.id for p in history.plays(limit=1)] == [ids[0]]


def test_feedback_is_a_log_per_mood(history):
    session = history.start_session("default", "camera 0", at=T0)
    play = history.start_play(session, SONG, "sad", "uplifting song", at=T0 + 1)
    history.record_feedback(session, SONG, DISLIKE, "happy", "happy song", at=T0 + 3)
    history.record_feedback(session, SONG, LIKE, "sad", "uplifting song", at=T0 + 2)
    history.record_feedback(session, SONG, NO_RATING, "sad", "uplifting song", play_id=play, at=T0 + 4)

    assert history.feedback("sad") == [
        Feedback(2, T0 + 2, LIKE, "sad", "uplifting song", "aaaaaaaaaaa", SONG.url, "Happy Song", "Joy Records", None),
        Feedback(3, T0 + 4, NO_RATING, "sad", "uplifting song", "aaaaaaaaaaa", SONG.url, "Happy Song", "Joy Records",
                 play)]
    assert [f.mood for f in history.feedback()] == ["sad", "happy", "sad"]  # oldest first
    assert history.feedback("angry") == []


@pytest.mark.parametrize("rating", [2, True, "1", None])
def test_a_rating_is_like_dislike_or_none(history, rating):
    with pytest.raises(ValueError, match="rating"):
        history.record_feedback(None, SONG, rating, "sad", "q")
    assert history.feedback() == []


def test_a_song_without_a_video_id_is_a_caller_error(history):
    no_id = SongResult("t", "c", "", "", "https://www.youtube.com/watch?v=", "")
    with pytest.raises(ValueError, match="video id"):
        history.start_play(None, no_id, "sad", "q")
    with pytest.raises(ValueError, match="video id"):
        history.record_feedback(None, no_id, LIKE, "sad", "q")


def test_mood_samples_by_time_and_play(history):
    session = history.start_session("default", "camera 0", at=T0)
    history.record_mood(session, "sad", 0.9, 2.0, at=T0 + 1)
    history.record_mood(session, "happy", 0.8, 1.0, at=T0 + 3, play_id=7)
    history.record_mood(session, "calm", 0.7, 1.0, at=T0 + 5)
    assert history.mood_samples() == [MoodSample(T0 + 1, "sad", 0.9, 2.0, None), MoodSample(T0 + 3, "happy", 0.8, 1.0, 7),
                                      MoodSample(T0 + 5, "calm", 0.7, 1.0, None)]
    assert [s.mood for s in history.mood_samples(since=T0 + 3)] == ["happy", "calm"]
    assert [s.mood for s in history.mood_samples(until=T0 + 3)] == ["sad"]  # until is excluded
    assert [s.mood for s in history.mood_samples(since=T0, until=T0 + 10, play_id=7)] == ["happy"]


# --- upgrading a file written by schema version 1 ------------------------------------------------------


def _v1_copy(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite3"
    shutil.copyfile(HISTORY_V1, path)
    return path


def _raw(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _schema(path: Path) -> list[tuple]:
    return _raw(path, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")


def _v1_rows(path: Path) -> dict[str, list[tuple]]:
    """Every row of the version 1 tables, in version 1's columns."""
    return {"sessions": _raw(path, "SELECT id, profile, source, started, ended FROM sessions ORDER BY id"),
            "moods": _raw(path, "SELECT id, session_id, at, mood, confidence, seconds FROM moods ORDER BY id"),
            "songs": _raw(path, "SELECT id, session_id, at, mood, query, provider, url FROM songs ORDER BY id")}


def test_the_fixture_is_a_version_1_file():
    assert _raw(HISTORY_V1, "PRAGMA user_version") == [(1,)]
    rows = _v1_rows(HISTORY_V1)
    assert [len(rows[t]) for t in ("sessions", "moods", "songs")] == [2, 11, 2]
    assert not any(name == "plays" for _, name, _, _ in _schema(HISTORY_V1))


def test_a_version_1_file_is_upgraded_without_losing_rows(tmp_path):
    path = _v1_copy(tmp_path)
    before = _v1_rows(path)

    with History(path) as history:
        assert [s.mood for s in history.mood_samples()] == ["happy"] * 5 + ["sad"] * 3 + ["wütend"] * 2 + ["rock"]
        assert all(s.play_id is None for s in history.mood_samples())
        assert [s["query"] for s in history.recent_songs()] == ["rock song", "hindi uplifting song arijit singh"]
        assert [(s["profile"], s["mood_seconds"], s["songs"]) for s in history.sessions()] == [
            ("प्रिया", 2.5, 1), ("default", 10.0, 1)]
        # ...and the new tables work on it.
        play = history.start_play(1, SONG, "sad", "hindi uplifting song arijit singh", at=T0 + 20)
        history.record_mood(1, "happy", 0.9, at=T0 + 21, play_id=play)
        history.record_feedback(1, SONG, LIKE, "sad", "hindi uplifting song arijit singh", play_id=play)
        assert [p.id for p in history.plays()] == [play] and len(history.feedback("sad")) == 1

    assert _raw(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    after = _v1_rows(path)
    assert after["sessions"] == before["sessions"] and after["songs"] == before["songs"]
    assert after["moods"][:len(before["moods"])] == before["moods"]


def test_an_upgraded_file_has_the_same_schema_as_a_new_one(tmp_path):
    upgraded = _v1_copy(tmp_path)
    History(upgraded).close()
    new = tmp_path / "new.sqlite3"
    History(new).close()
    assert _schema(upgraded) == _schema(new)
    assert {name for kind, name, _, _ in _schema(new) if kind == "table"} == {
        "sessions", "moods", "songs", "plays", "feedback"}


def test_a_failed_upgrade_leaves_the_version_1_file_as_it_was(tmp_path, monkeypatch):
    path = _v1_copy(tmp_path)
    before_rows, before_schema = _v1_rows(path), _schema(path)
    # The last step fails after every other one ran (as a full disk would).
    steps = history_module._MIGRATIONS[2] + ("INSERT INTO no_such_table VALUES (1)",)
    monkeypatch.setitem(history_module._MIGRATIONS, 2, steps)

    with pytest.raises(FacemoodError) as caught:
        History(path)
    message = str(caught.value)
    assert "cannot upgrade the history" in message and str(path) in message and "\n" not in message
    assert _raw(path, "PRAGMA user_version") == [(1,)]
    assert _schema(path) == before_schema and _v1_rows(path) == before_rows

    monkeypatch.undo()  # the next start (a fixed facemood) upgrades it
    with History(path) as history:
        assert len(history.mood_samples()) == 11
    assert _raw(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_kill_during_the_upgrade_leaves_the_version_1_file_as_it_was(tmp_path):
    path = _v1_copy(tmp_path)
    before_rows, before_schema = _v1_rows(path), _schema(path)
    # A child process that kills itself with SIGKILL after every upgrade step ran, before the commit.
    child = f"""
import os, signal, sqlite3
import facemood.history as history
connect = sqlite3.connect
def dying_connect(*args, **kwargs):
    conn = connect(*args, **kwargs)
    conn.create_function("die", 0, lambda: os.kill(os.getpid(), signal.SIGKILL))
    return conn
sqlite3.connect = dying_connect
history._MIGRATIONS[2] += ("SELECT die()",)
history.History({str(path)!r})
print("not killed")
"""
    proc = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout, proc.stderr)

    assert _raw(path, "PRAGMA user_version") == [(1,)]
    assert _schema(path) == before_schema and _v1_rows(path) == before_rows
    with History(path) as history:
        assert len(history.mood_samples()) == 11


def test_a_newer_history_is_refused_and_left_alone(tmp_path):
    path = _v1_copy(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    schema = _schema(path)
    with pytest.raises(FacemoodError, match="newer facemood"):
        History(path)
    assert _raw(path, "PRAGMA user_version") == [(SCHEMA_VERSION + 1,)] and _schema(path) == schema
