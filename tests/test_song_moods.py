"""The mood before and after each played song, and the songs that lifted the user, on made-up rows."""

from __future__ import annotations

from facemood.history import History, MoodSample, Play
from facemood.recommend import SongResult
from facemood.song_moods import (BEFORE_SECONDS, END_SECONDS, MIN_EVIDENCE_SECONDS, LiftingSong, SongMoodChange,
                                 changes_from_history, dominant_mood, mood_change, songs_that_lifted)

T0 = 1_000_000.0


def play(play_id: int, started: float, ended: float | None, video_id: str = "aaaaaaaaaaa",
         title: str = "Here Comes the Sun") -> Play:
    return Play(play_id, 1, video_id, f"https://www.youtube.com/watch?v={video_id}", title, "The Beatles", "sad",
                "uplifting song", started, ended, None if ended is None else "ended")


def samples(mood: str, start: float, count: int, play_id: int | None = None, seconds: float = 1.0
            ) -> list[MoodSample]:
    """`count` samples a second apart from `start`."""
    return [MoodSample(start + i, mood, 0.9, seconds, play_id) for i in range(count)]


def test_the_windows_are_the_documented_ones():
    assert (BEFORE_SECONDS, END_SECONDS, MIN_EVIDENCE_SECONDS) == (60.0, 60.0, 5.0)


def test_dominant_mood_by_seconds_with_ties_to_the_latest_and_too_little_is_none():
    assert dominant_mood(samples("sad", 0, 3) + samples("happy", 3, 2, seconds=2.0)) == "happy"  # 4 s > 3 s
    assert dominant_mood(samples("happy", 0, 3) + samples("sad", 3, 3)) == "sad"  # a tie: the later one
    assert dominant_mood(samples("sad", 0, 4)) is None  # 4 s is not enough to say
    assert dominant_mood([]) is None


def test_before_is_the_minute_before_and_after_the_last_minute_of_the_song():
    song = play(7, T0, T0 + 200)
    rows = (samples("angry", T0 - 200, 100)  # long before: outside the window
            + samples("sad", T0 - 60, 60)  # the minute before (another song may have played: play_id 6)
            + samples("sad", T0, 100, play_id=7)  # the start of the song: still sad
            + samples("happy", T0 + 140, 60, play_id=7)  # its last minute
            + samples("angry", T0 + 200, 60, play_id=8))  # the next song
    rows[150] = MoodSample(rows[150].at, rows[150].mood, 0.9, 1.0, 6)
    change = mood_change(song, rows)
    assert (change.before, change.after) == ("sad", "happy")
    assert change.lifted
    assert change.describe() == "after “Here Comes the Sun”, sad → happy"


def test_after_uses_only_the_samples_recorded_against_the_play():
    song = play(7, T0, T0 + 120)
    rows = samples("sad", T0 - 60, 60) + samples("happy", T0 + 60, 60)  # untagged: nothing said it was playing
    assert mood_change(song, rows).after is None
    assert not mood_change(song, rows).lifted


def test_a_play_that_never_ended_ends_at_its_last_sample():
    song = play(7, T0, None)  # facemood was killed while it played
    rows = samples("sad", T0 - 30, 30) + samples("sad", T0, 200, play_id=7) + samples("calm", T0 + 200, 30, 7)
    assert mood_change(song, rows).after == "sad"  # its last minute (to T0 + 229): 31 s sad, 30 s calm
    rows += samples("calm", T0 + 230, 10, 7)
    assert mood_change(song, rows).after == "calm"


def test_a_short_play_looks_at_what_it_has_and_nothing_before_means_no_before():
    song = play(7, T0, T0 + 8)
    change = mood_change(song, samples("happy", T0, 8, play_id=7))
    assert change == SongMoodChange(song, None, "happy") and not change.lifted
    assert change.describe() == "after “Here Comes the Sun”, ? → happy"


def test_what_counts_as_lifted():
    song = play(1, T0, T0 + 1)
    lifted = [(b, a) for b in ("sad", "angry", "fear", "frustated", "happy", "neutral", "rock", "greeting")
              for a in ("happy", "neutral", "surprised", "sad", "angry", "rock", "greeting")
              if SongMoodChange(song, b, a).lifted]
    negatives = ("sad", "angry", "fear", "frustated")
    assert lifted == [(b, a) for b in negatives for a in ("happy", "neutral", "surprised")]


def test_songs_that_lifted_you_most_often_first():
    changes = [SongMoodChange(play(1, T0, T0 + 1, "aaaaaaaaaaa", "Sun"), "sad", "happy"),
               SongMoodChange(play(2, T0 + 10, T0 + 11, "bbbbbbbbbbb", "Calm"), "angry", "neutral"),
               SongMoodChange(play(3, T0 + 20, T0 + 21, "aaaaaaaaaaa", "Sun (live)"), "angry", "happy"),
               SongMoodChange(play(4, T0 + 30, T0 + 31, "ccccccccccc", "Rain"), "happy", "sad"),
               SongMoodChange(play(5, T0 + 40, T0 + 41, "aaaaaaaaaaa", "Sun"), "happy", "happy"),
               SongMoodChange(play(6, T0 + 50, T0 + 51, "ddddddddddd", "Late"), "sad", "happy")]
    assert songs_that_lifted(changes) == [
        LiftingSong("aaaaaaaaaaa", "https://www.youtube.com/watch?v=aaaaaaaaaaa", "Sun (live)", "The Beatles", 2,
                    T0 + 20, ("angry", "sad")),
        LiftingSong("ddddddddddd", "https://www.youtube.com/watch?v=ddddddddddd", "Late", "The Beatles", 1, T0 + 50,
                    ("sad",)),
        LiftingSong("bbbbbbbbbbb", "https://www.youtube.com/watch?v=bbbbbbbbbbb", "Calm", "The Beatles", 1, T0 + 10,
                    ("angry",))]


def test_from_a_real_history_newest_first(tmp_path):
    sun = SongResult("Here Comes the Sun", "The Beatles", "3:05", "", "https://www.youtube.com/watch?v=aaaaaaaaaaa",
                     "aaaaaaaaaaa")
    rain = SongResult("Rain", "The Beatles", "3:00", "", "https://www.youtube.com/watch?v=bbbbbbbbbbb",
                      "bbbbbbbbbbb")
    with History(tmp_path / "history.sqlite3") as history:
        session = history.start_session("default", "camera 0", at=T0)
        for i in range(60):
            history.record_mood(session, "sad", 0.9, at=T0 + i)
        first = history.start_play(session, sun, "sad", "uplifting song", at=T0 + 60)
        for i in range(120):
            history.record_mood(session, "sad" if i < 60 else "happy", 0.9, at=T0 + 60 + i, play_id=first)
        history.end_play(first, "ended", at=T0 + 180)
        second = history.start_play(session, rain, "sad", "uplifting song", at=T0 + 180)
        for i in range(30):
            history.record_mood(session, "angry", 0.9, at=T0 + 180 + i, play_id=second)
        history.end_session(session, at=T0 + 210)

        changes = changes_from_history(history)
    assert [(c.play.title, c.before, c.after, c.play.end_reason) for c in changes] == [
        ("Rain", "happy", "angry", "closed"), ("Here Comes the Sun", "sad", "happy", "ended")]
    assert [s.title for s in songs_that_lifted(changes)] == ["Here Comes the Sun"]
