""""Recommend me songs" in the window, with the live mood given through Songs' own seam (current_mood),
so no test has to reach into the live session while its thread runs."""

from __future__ import annotations

import urllib.error

import pytest

from facemood.active_profile import ActiveProfile
from facemood.mood_journal import MoodJournal
from facemood.moods import NO_FACE, UNSURE
from facemood.recommend import Recommender, YouTubeSearch
from facemood.songs import Songs


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
    assert set(result["results"][0]) == {"title", "channel", "duration", "thumbnail", "url", "video_id"}
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
