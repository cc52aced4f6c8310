"""The window's diary on real readings and a real SQLite file, with a clock the test moves (no sleeping)."""

from __future__ import annotations

import dataclasses

import pytest

from facemood.history import DISLIKE, History
from facemood.mood_journal import MoodJournal
from facemood.moods import NO_FACE, UNSURE, Mood
from facemood.profile import resolve_profile
from facemood.recommend import Recommendation, SongResult
from tests.conftest import SEEDED_SONG_TITLE, Clock, seed_a_song_that_lifted

SONG = SongResult("Udaan", "Saregam Studio Sessions", "4:02", "", "https://www.youtube.com/watch?v=Vb8_nT4sWq0",
                  "Vb8_nT4sWq0")


def with_mood(reading, label: str):
    return dataclasses.replace(reading, mood=Mood(label, 0.5, {"happy": 0.5}))


def feed(journal: MoodJournal, clock: Clock, reading, at: list[float]) -> None:
    for moment in at:
        clock.now = 100.0 + moment
        journal.on_reading(reading)


def test_one_sample_a_second_standing_for_the_time_since_the_last(home, readings, clock):
    journal = MoodJournal(clock=clock)
    profile = resolve_profile(None, home)
    journal.open(profile, "video clip.mp4")
    feed(journal, clock, readings[0], [0.0, 0.4, 0.9, 1.0, 1.5, 2.5])
    journal.close()
    with History(profile.history_path) as history:
        today = history.mood_by_day(1)[0]["moods"]
        session = history.sessions()[0]
    assert today == {"happy": pytest.approx(2.5)}  # samples at 1.0 s (1.0 s) and 2.5 s (1.5 s)
    assert session["source"] == "video clip.mp4" and session["ended"] is not None


def test_unsure_and_no_face_are_not_moods_but_their_time_passes(home, readings, clock):
    journal = MoodJournal(clock=clock)
    journal.open(resolve_profile(None, home), "camera 0")
    feed(journal, clock, with_mood(readings[0], UNSURE), [0.0, 1.0])
    feed(journal, clock, with_mood(readings[-1], NO_FACE), [2.0])
    feed(journal, clock, readings[0], [3.0])
    assert journal.summary(1)["days"][0]["moods"] == {"happy": pytest.approx(1.0)}


def test_songs_asked_for_are_listed_newest_first(home):
    journal = MoodJournal()
    journal.open(resolve_profile(None, home), "camera 0")
    revision = journal.revision
    for query in ("happy song", "calm song"):
        journal.song_asked("happy", Recommendation(query, "youtube", f"https://www.youtube.com/results?q={query}",
                                                   [], True, ""))
    assert [song["query"] for song in journal.summary()["songs"]] == ["calm song", "happy song"]
    assert journal.revision == revision + 2


def test_opening_another_profile_ends_the_first_ones_session(home, readings, clock):
    journal = MoodJournal(clock=clock)
    first, second = resolve_profile(None, home), resolve_profile("anna", home)
    journal.open(first, "camera 0")
    journal.open(second, "camera 0")
    feed(journal, clock, readings[0], [0.0, 1.0])
    journal.close()
    with History(first.history_path) as history:
        assert history.sessions()[0]["ended"] is not None and history.mood_by_day(1)[0]["moods"] == {}
    with History(second.history_path) as history:
        assert history.mood_by_day(1)[0]["moods"] == {"happy": pytest.approx(1.0)}


def test_a_broken_history_file_is_an_error_to_show_and_nothing_breaks(home, readings, clock):
    profile = resolve_profile(None, home)
    profile.history_path.parent.mkdir(parents=True)
    profile.history_path.write_bytes(b"not a database" * 100)
    journal = MoodJournal(clock=clock)
    journal.open(profile, "camera 0")
    assert "history.sqlite3" in journal.error
    feed(journal, clock, readings[0], [0.0, 1.0, 2.0])
    journal.song_asked("happy", Recommendation("q", "youtube", "https://www.youtube.com/", [], True, ""))
    assert journal.summary() == {"days": [], "songs": [], "plays": [], "lifted": []}
    assert journal.start_play(SONG, "sad", "uplifting song") is None and journal.feedback("sad") == []
    journal.open(resolve_profile("anna", home), "camera 0")
    assert journal.error is None


def test_moods_seen_while_a_song_plays_are_recorded_against_it_but_not_while_it_is_paused(home, readings, clock):
    journal = MoodJournal(clock=clock)
    profile = resolve_profile(None, home)
    journal.open(profile, "camera 0")
    feed(journal, clock, readings[0], [0.0, 1.0])
    play = journal.start_play(SONG, "sad", "uplifting song")
    feed(journal, clock, readings[0], [2.0, 3.0])
    journal.pause_play(play, True)
    feed(journal, clock, readings[0], [4.0])
    journal.pause_play(play, False)
    feed(journal, clock, readings[0], [5.0])
    journal.record_feedback(SONG, DISLIKE, "sad", "uplifting song", play_id=play)
    journal.end_play(play, "skipped")
    feed(journal, clock, readings[0], [6.0])
    journal.pause_play(play, False)  # late news about a play that ended: nothing resumes
    feed(journal, clock, readings[0], [7.0])
    assert journal.feedback("sad")[0].play_id == play and journal.feedback("happy") == []
    journal.close()
    with History(profile.history_path) as history:
        assert [sample.play_id for sample in history.mood_samples()] == [None, play, play, None, play, None, None]
        assert history.plays()[0].end_reason == "skipped" and history.plays()[0].query == "uplifting song"


def test_the_history_panel_has_the_mood_before_and_after_each_song_and_the_songs_that_lifted(home, readings, clock):
    profile = resolve_profile(None, home)
    seed_a_song_that_lifted(profile.history_path)
    journal = MoodJournal(clock=clock)
    journal.open(profile, "camera 0")
    revision = journal.revision
    play = journal.start_play(SONG, "sad", "uplifting song")
    summary = journal.summary()
    assert journal.revision == revision + 1
    assert [line["text"] for line in summary["plays"]] == ["“Udaan” on now",
                                                          f"after “{SEEDED_SONG_TITLE}”, sad → happy"]
    assert summary["plays"][1]["lifted"] and not summary["plays"][0]["lifted"]
    assert summary["lifted"] == [{"title": SEEDED_SONG_TITLE, "channel": "Seed Channel", "times": 1, "moods": ["sad"],
                                  "url": "https://www.youtube.com/watch?v=Zz9_seed000"}]
    feed(journal, clock, readings[0], [0.0, 1.0])
    journal.end_play(play, "ended")  # a second of happy is not enough to tell
    assert journal.summary()["plays"][0]["text"] == "“Udaan”: not long enough to tell"


def test_a_play_of_another_profiles_history_touches_nothing_in_this_one(home, readings, clock):
    first, second = resolve_profile(None, home), resolve_profile("anna", home)
    journal = MoodJournal(clock=clock)
    journal.open(second, "camera 0")
    theirs = journal.start_play(SONG, "sad", "uplifting song")  # id 1 in anna's history
    journal.end_play(theirs, "ended")
    journal.open(first, "camera 0")
    play = journal.start_play(SONG, "sad", "uplifting song")  # id 1 in this one too
    journal.open(second, "camera 0")  # the switch closes it ("closed")
    journal.pause_play(play, False)  # late news from the page: not about anna's play 1
    journal.end_play(play, "skipped")
    feed(journal, clock, readings[0], [0.0, 1.0])
    journal.close()
    with History(first.history_path) as history:
        assert history.plays()[0].end_reason == "closed"
    with History(second.history_path) as history:
        assert history.plays()[0].end_reason == "ended" and history.mood_samples()[0].play_id is None
