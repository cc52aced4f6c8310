""""Recommend me songs" in the window, with the live mood given through Songs' own seam (current_mood),
so no test has to reach into the live session while its thread runs."""

from __future__ import annotations

import urllib.error

import pytest

from facemood.active_profile import ActiveProfile
from facemood.history import DISLIKE, LIKE, NO_RATING
from facemood.mood_journal import MoodJournal
from facemood.moods import NO_FACE, UNSURE
from facemood.recommend import Recommender, YouTubeSearch
from facemood.songs import Songs, results_message


@pytest.fixture
def opened():
    return []


def make_songs(home, opened, mood: str, fetch=None) -> Songs:
    def offline(query):
        raise urllib.error.URLError("no network in tests")

    recommender = Recommender(search=YouTubeSearch(fetch=fetch or offline, timeout=2),
                              opener=lambda url: opened.append(url) or True, spotify_app=lambda: False)
    profiles = ActiveProfile(home)
    journal = MoodJournal()
    journal.open(profiles.profile, "camera 0")
    return Songs(recommender, profiles, journal, current_mood=lambda: mood)


@pytest.mark.parametrize("mood, why", [(UNSURE, "the mood is unsure"), (NO_FACE, "no face in view"),
                                       ("", "the camera has not started")])
def test_without_a_mood_nothing_is_searched_and_the_user_is_asked_for_one(home, opened, mood, why):
    songs = make_songs(home, opened, mood)
    result = songs.recommend("Adele", "English", "youtube")
    assert result["need_mood"] and why in result["message"] and "pick a mood by hand" in result["message"]
    assert opened == [] and songs.journal.summary()["songs"] == []
    assert songs.profiles.settings.singer == "Adele"  # remembered all the same


def test_a_mood_picked_by_hand_wins_over_an_unsure_one(home, opened):
    songs = make_songs(home, opened, UNSURE)
    result = songs.recommend("", "", "spotify", mood="sad")
    assert result["mood"] == "sad" and opened == ["https://open.spotify.com/search/sad%20song"]


def test_the_live_mood_is_searched_with_the_profiles_words_and_remembered(home, opened, raw_response):
    songs = make_songs(home, opened, "sad", fetch=lambda query: raw_response)
    songs.profiles.set_mood_words("sad", "uplifting")
    result = songs.recommend(" Meera Kapoor ", "hindi", "youtube")
    assert result["query"] == "hindi uplifting song Meera Kapoor" and not result["opened_in_browser"]
    assert result["results"][0]["url"] == "https://www.youtube.com/watch?v=q3Xb7mKpL2A"
    assert set(result["results"][0]) == {"title", "channel", "duration", "thumbnail", "url", "video_id", "reason",
                                         "rating"}
    assert songs.journal.summary()["songs"][0]["mood"] == "sad"
    assert songs.profiles.settings.singer == "Meera Kapoor" and opened == []


def test_without_a_service_the_profiles_one_is_used(home, opened):
    songs = make_songs(home, opened, "happy")
    songs.profiles.save_settings(provider="youtube_music")
    assert songs.recommend()["provider"] == "youtube_music"
    assert opened == ["https://music.youtube.com/search?q=happy+song"]


def test_only_music_service_links_are_opened(home, opened):
    songs = make_songs(home, opened, "happy")
    assert songs.open_url("https://www.youtube.com/watch?v=q3Xb7mKpL2A")
    with pytest.raises(ValueError):
        songs.open_url("file:///etc/passwd")
    assert opened == ["https://www.youtube.com/watch?v=q3Xb7mKpL2A"]


def test_disliked_results_are_hidden_and_liked_ones_first_for_that_mood_only(home, opened, raw_response):
    songs = make_songs(home, opened, "sad", fetch=lambda query: raw_response)
    first = songs.recommend()
    a, b, c = (result["video_id"] for result in first["results"][:3])
    assert [r["rating"] for r in first["results"]] == [NO_RATING] * 7 and first["hidden"] == 0
    assert songs.rate(b, DISLIKE) == {"video_id": b, "rating": DISLIKE, "mood": "sad"}
    songs.rate(c, LIKE)
    again = songs.recommend()
    shown = [r["video_id"] for r in again["results"]]
    assert shown[:2] == [c, a] and b not in shown
    assert again["results"][0]["reason"] == "you liked this" and again["results"][0]["rating"] == LIKE
    assert again["hidden"] == 1 and again["message"] == "6 results from YouTube · 1 song you disliked hidden"
    songs.rate(b, NO_RATING)  # taken back (the page keeps a song disliked on its list until the next search)
    assert songs.recommend()["hidden"] == 0
    songs.current_mood = lambda: "happy"  # another mood: the user's 👍/👎 for sad say nothing about it
    assert [r["video_id"] for r in songs.recommend()["results"]][:3] == [a, b, c]
    songs.rate(a, LIKE)  # for the mood of the list shown now
    assert [(f.video_id, f.rating) for f in songs.journal.feedback("happy")] == [(a, LIKE)]
    rows = songs.journal.feedback("sad")
    assert [(f.video_id, f.rating, f.mood, f.query) for f in rows] == [
        (b, DISLIKE, "sad", "sad song"), (c, LIKE, "sad", "sad song"), (b, NO_RATING, "sad", "sad song")]


def test_a_liked_channel_ranks_its_other_songs_first_and_says_so(home, opened, raw_response):
    songs = make_songs(home, opened, "sad", fetch=lambda query: raw_response)
    results = songs.recommend()["results"]
    by_channel: dict[str, list[str]] = {}
    for result in results:
        by_channel.setdefault(result["channel"], []).append(result["video_id"])
    channel, ids = next((name, ids) for name, ids in by_channel.items() if len(ids) > 1)
    songs.rate(ids[0], LIKE)
    ranked = songs.recommend()["results"]
    assert [r["video_id"] for r in ranked][:len(ids)] == ids
    assert ranked[1]["reason"] == f"you liked songs from {channel}"


def test_only_songs_the_window_showed_can_be_rated(home, opened, raw_response):
    songs = make_songs(home, opened, "sad", fetch=lambda query: raw_response)
    with pytest.raises(ValueError, match="not a song from the results"):
        songs.rate("q3Xb7mKpL2A", LIKE)  # a real id, but never shown in this window
    video_id = songs.recommend()["results"][0]["video_id"]
    for bad in (2, True, "1", None):
        with pytest.raises(ValueError, match="a rating is"):
            songs.rate(video_id, bad)
    assert songs.journal.feedback("sad") == []
    assert songs.found(video_id).query == "sad song" and songs.found(video_id).mood == "sad"


@pytest.mark.parametrize("shown, hidden, message", [
    (7, 0, "7 results from YouTube"), (6, 1, "6 results from YouTube · 1 song you disliked hidden"),
    (1, 2, "1 result from YouTube · 2 songs you disliked hidden"),
    (0, 3, "Every result was a song you disliked for sad: try other words or a singer")])
def test_the_results_line_says_how_many_are_shown_and_hidden(shown, hidden, message):
    assert results_message("7 results from YouTube", shown, hidden, "sad") == message
