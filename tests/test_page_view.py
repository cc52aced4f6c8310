"""The page's payloads, read from real services (the live session not started: its state is set as its
thread would set it)."""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass

import numpy as np
import pytest

from facemood.active_profile import ActiveProfile
from facemood.dataset import append_rows
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
from facemood.training_job import TrainingJob, train_command


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
    assert overview["emotions"] == [{"name": "old", "rows": 7, "accuracy": None, "mistaken_for": None,
                                     "changed_since_training": False,
                                     "takes": [{"index": 0, "count": 7, "recorded": "", "frames": 0,
                                                "frames_without_face": 0}],
                                     "advice": [{"kind": "few-rows", "finding": "old has only 7 rows.",
                                                 "step": "Record at least 93 more frames (about 3 s), ideally as a "
                                                         "new take."},
                                                {"kind": "one-take", "finding": "old is one take.",
                                                 "step": "Record a second take at another moment (other light, other "
                                                         "position) so facemood learns the expression, not that moment."}]}]
    assert overview["advice"] == []  # one emotion: no neutral one missing yet
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


def advice_kinds(entries: list[dict]) -> list[str]:
    return [a["kind"] for a in entries]


def test_the_recording_coach_beside_each_emotion_before_and_after_a_real_training(services, home, detected_rows,
                                                                                   readings):
    """Real rows, the real train.py, the model swapped in as the window does: the take list gains each
    emotion's held-out accuracy and what it is mistaken for, and the coach's advice follows."""
    data = home / "data"
    upright, frowning = detected_rows["upright"], detected_rows["frowning"]
    append_rows(data / "upright.npy", upright[:30], source="camera 0", frames=30)
    append_rows(data / "upright.npy", upright[30:], source="camera 0", frames=len(upright) - 30 + 15,
                frames_without_face=15)  # the face left the picture for a while
    append_rows(data / "frowning.npy", frowning, source="frowning.mp4", frames=len(frowning))
    append_rows(data / "smiling.npy", upright, source="upright.mp4")  # upright's very face: no model can tell them apart
    page = services.page

    before = page.overview()
    by_name = {e["name"]: e for e in before["emotions"]}
    assert list(by_name) == ["frowning", "smiling", "upright"]
    assert [(e["rows"], len(e["takes"]), e["accuracy"], e["mistaken_for"]) for e in by_name.values()] == [
        (len(frowning), 1, None, None), (len(upright), 1, None, None), (len(upright), 2, None, None)]
    upright_advice = by_name["upright"]["advice"]
    assert advice_kinds(upright_advice) == ["few-rows", "no-face"]  # and one-take is not its problem
    assert upright_advice[1]["finding"] == f"Take 2 of upright: 15 of {len(upright) - 30 + 15} frames had no face."
    assert "record a new take" in upright_advice[1]["step"]
    assert advice_kinds(before["advice"]) == ["one-take", "no-neutral"]  # about the profile: under the list
    assert before["advice"][0]["finding"] == "frowning and smiling are one take each."
    assert before["model"]["default"] and before["model"]["chosen"] is None

    services.training.on_trained = services.profiles.reload_model  # as the window wires it
    version = page.version
    assert services.training.start(train_command(services.profiles.profile, home), services.profiles.profile)
    while services.training.status.running:
        time.sleep(0.1)
    assert services.training.status.error is None, services.training.status
    assert page.version != version  # the page asks for the overview again

    after = page.overview()
    report = json.loads(services.profiles.profile.meta_path.read_text("utf-8"))
    emotions = report["emotions"]
    by_name = {e["name"]: e for e in after["emotions"]}
    for name, shown in by_name.items():
        assert shown["accuracy"] == report["per_emotion_accuracy"][name] and not shown["changed_since_training"]
        counts = report["confusion"][emotions.index(name)]
        others = [(count, emotions[j]) for j, count in enumerate(counts) if emotions[j] != name]
        if max(others)[0]:
            share = max(others)[0] / sum(counts)
            assert shown["mistaken_for"] == {"emotion": max(others)[1], "share": share, "look_alike": share >= 0.25}
        else:
            assert shown["mistaken_for"] is None
    assert by_name["frowning"]["accuracy"] >= 0.9  # a different face: told apart
    look_alike = [a for e in after["emotions"] for a in e["advice"] if a["kind"] == "look-alike"]
    assert len(look_alike) == 1 and look_alike[0]["finding"].startswith(("smiling and upright look alike to facemood",
                                                                         "upright and smiling look alike to facemood"))
    assert look_alike[0]["step"].startswith("Record them more distinctly")
    assert by_name[look_alike[0]["finding"].split()[0]]["mistaken_for"]["look_alike"]  # marked beside it too
    assert "no-face" in advice_kinds(by_name["upright"]["advice"])
    model = after["model"]
    assert model["accuracy"] == report["heldout_accuracy"] and model["chosen"] == report["chosen"]
    assert model["holdout_rows"] == report["holdout_rows"] and model["candidates"] == len(report["candidates"]) > 1

    services.takes.start("frowning", frames=3)  # a new take: frowning's numbers are now the last training's
    for reading in readings[:3]:
        services.takes.on_reading(reading)
    changed = {e["name"]: e["changed_since_training"] for e in page.overview()["emotions"]}
    assert changed == {"frowning": True, "smiling": False, "upright": False}
    json.dumps(after)
