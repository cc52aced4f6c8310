"""The page's payloads, read from real services (the live session not started: its state is set as its
thread would set it)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import numpy as np
import pytest

from facemood.active_profile import ActiveProfile
from facemood.live_session import LiveOptions, LiveSession, LiveState
from facemood.mood_journal import MoodJournal
from facemood.moods import Mood
from facemood.page_view import PageView, settings_overview
from facemood.player import Player
from facemood.recommend import Recommendation, Recommender
from facemood.settings import Settings
from facemood.song_prompt import SongPrompt
from facemood.songs import Songs
from facemood.takes import Takes
from facemood.training_job import TrainingJob


@dataclass
class Services:
    profiles: ActiveProfile
    live: LiveSession
    takes: Takes
    training: TrainingJob
    journal: MoodJournal
    prompt: SongPrompt
    page: PageView


@pytest.fixture
def services(home) -> Services:
    profiles = ActiveProfile(home)
    live = LiveSession(LiveOptions("7"), profiles.classifier)
    takes = Takes(profiles)
    training = TrainingJob(on_trained=lambda profile: None)
    journal = MoodJournal()
    journal.open(profiles.profile, live.source_description)
    player = Player(Songs(Recommender(), profiles, journal, current_mood=lambda: ""), journal)
    prompt = SongPrompt(profiles, playing=lambda: player.playing)
    return Services(profiles, live, takes, training, journal, prompt,
                    PageView(profiles, live, takes, training, journal, player, prompt))


def test_before_the_first_frame(services):
    state = services.page.state()
    assert state["mood"] == "" and state["bars"] == [] and state["frame"] == 0 and not state["face"]
    assert state["source"] == "camera 7" and state["error"] is None and not state["source_failed"]
    assert state["recording"] is None and state["last_take"] is None and state["default_model"]
    assert state["suggestion"] is None
    assert state["training"] == {"running": False, "fraction": 0.0, "stage": "", "error": None, "report": None}
    json.dumps(state)  # the page gets it as JSON


def test_a_frame_recording_and_a_take(services, readings):
    reading = readings[0]
    services.live.state = LiveState(reading.mood, 3, 29.5, 14.0, 2, True)
    services.takes.start("joy")
    services.takes.on_reading(reading)
    state = services.page.state()
    assert state["mood"] == "happy" and state["confidence"] == reading.mood.confidence and state["face"]
    assert state["bars"][0] == {"emotion": "happy", "p": reading.mood.probabilities["happy"]}
    assert (state["frame"], state["fps"], state["landmark_ms"], state["dropped"]) == (3, 29.5, 14.0, 2)
    assert state["recording"] == {"emotion": "joy", "count": 1, "target": None}
    services.takes.stop()
    state = services.page.state()
    assert state["recording"] is None and state["last_take"]["total"] == 1
    json.dumps(state)


def test_the_version_moves_whenever_the_overview_would_change(services, readings):
    page = services.page
    seen = [page.version]

    def changed() -> bool:
        seen.append(page.version)
        return seen[-1] != seen[-2]

    services.profiles.save_settings(singer="Adele")
    assert changed()
    services.takes.start("joy", frames=1)
    services.takes.on_reading(readings[0])
    assert changed()
    services.journal.song_asked("happy", Recommendation("q", "youtube", "https://www.youtube.com/", [], True, ""))
    assert changed()
    services.profiles.create("anna")
    assert changed()
    page.state()
    page.overview()
    assert not changed()  # reading changes nothing


def test_the_overview_lists_profiles_recordings_model_settings_and_history(services, home):
    (home / "data").mkdir(exist_ok=True)
    np.save(home / "data" / "old.npy", np.zeros((7, 1020)))
    services.profiles.set_mood_words("sad", "some blues")
    overview = services.page.overview()
    assert overview["version"] == services.page.version and overview["profile"] == "default"
    assert overview["emotions"] == [{"name": "old", "rows": 7, "takes": [{"index": 0, "count": 7, "recorded": ""}]}]
    assert overview["model"]["default"] and overview["model"]["emotions"][0] == "happy"
    # The user's own words next to the default ones the page shows as placeholder, which follow the goal.
    assert overview["settings"]["mood_words"]["sad"] == {"own": "some blues", "default": "sad"}
    assert overview["settings"]["mood_words"]["angry"] == {"own": "", "default": "angry"}
    services.profiles.save_settings(mood_goal="lift")
    settings = services.page.overview()["settings"]
    assert settings["mood_goal"] == "lift" and settings["mood_words"]["angry"] == {"own": "", "default": "calming"}
    assert (settings["suggest_songs"], settings["suggest_hold_seconds"], settings["suggest_every_minutes"]) == (
        False, 20.0, 5.0)
    assert [g["name"] for g in overview["goals"]] == ["Match my mood", "Lift my mood"]
    assert overview["player"] == {"origin": "https://www.youtube-nocookie.com", "ready_timeout_ms": 12000}
    assert overview["history"]["plays"] == [] and overview["history"]["lifted"] == []
    assert [p["id"] for p in overview["providers"]] == ["youtube", "youtube_music", "spotify"]
    assert len(overview["history"]["days"]) == 7 and overview["source"] == "camera 7"
    json.dumps(overview)


def test_the_error_shown_is_the_sources_then_the_models_then_the_historys(services):
    services.journal.error = "history broken"
    services.profiles.model_error = "model broken"
    assert services.page.state()["error"] == "model broken"
    services.live.error = "camera 7 is busy"
    state = services.page.state()
    assert state["error"] == "camera 7 is busy" and state["source_failed"]


def test_emotions_the_user_named_start_from_neutral_words_until_set():
    mood_words = settings_overview(Settings(mood_goal="lift", mood_words={"rock": "metal"}),
                                   ["sad", "greeting", "rock"])["mood_words"]
    assert mood_words == {"sad": {"own": "", "default": "uplifting"}, "greeting": {"own": "", "default": "popular"},
                          "rock": {"own": "metal", "default": "rock"}}


def test_a_song_offer_reaches_the_page_with_the_state(services, readings):
    services.profiles.save_settings(suggest_songs=True, suggest_hold_seconds=1.0)
    now = [0.0]
    services.prompt.clock = lambda: now[0]
    for moment, label in ((0.0, "happy"), (1.0, "happy"), (2.0, "sad"), (3.0, "sad")):
        now[0] = moment
        services.prompt.on_reading(dataclasses.replace(readings[0], mood=Mood(label, 0.9, {label: 0.9})))
    assert services.page.state()["suggestion"] == {"mood": "sad", "previous": "happy"}
    services.prompt.dismiss()
    assert services.page.state()["suggestion"] is None
