"""The services under the window, without a window: live loop, recording, songs, history, profiles."""

from __future__ import annotations

import time
import urllib.error

import numpy as np
import pytest

from facemood.app import App, AppOptions
from facemood.errors import FacemoodError
from facemood.recommend import Recommender, YouTubeSearch


def wait_for(check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError


@pytest.fixture
def opened():
    return []


@pytest.fixture
def app(tmp_path, upright_video, opened):
    def offline(query):
        raise urllib.error.URLError("no network in tests")

    recommender = Recommender(search=YouTubeSearch(fetch=offline, timeout=2), opener=lambda url: opened.append(url) or True,
                              spotify_app=lambda: False)
    service = App(AppOptions(source=str(upright_video), home=tmp_path), recommender)
    service.start()
    wait_for(lambda: service.state()["mood"] == "happy")
    yield service
    service.stop()


def test_live_state_and_frames(app):
    state = app.state()
    assert state["default_model"] and state["face"] and state["confidence"] > 0.6
    assert [b["emotion"] for b in state["bars"]] == ["happy", "sad", "angry", "surprised", "neutral"]
    assert app.frames.latest[:2] == b"\xff\xd8"  # a JPEG for the page
    assert app.first_mood_after is not None and app.first_mood_after < 30


def test_record_a_take_then_delete_it(app, tmp_path):
    with pytest.raises(FacemoodError):
        app.record_start("../bad")
    app.record_start("joy", frames=15)
    wait_for(lambda: app.state()["recording"] is None)
    assert app.state()["last_take"]["rows"] == 15
    app.record_start("joy")
    wait_for(lambda: app.state()["recording"]["count"] >= 5)
    saved = app.record_stop()
    assert saved["total"] >= 20
    emotions = app.overview()["emotions"]
    assert emotions[0]["name"] == "joy" and len(emotions[0]["takes"]) == 2
    app.delete_take("joy", 0)
    assert np.load(tmp_path / "data" / "joy.npy").shape[0] == saved["total"] - 15


def test_recommend_needs_a_mood_and_falls_back_to_the_browser_offline(app, opened):
    result = app.recommend("Arijit Singh", "Hindi", "youtube")
    assert result["mood"] == "happy" and result["opened_in_browser"]
    assert opened == ["https://www.youtube.com/results?search_query=Hindi+happy+song+Arijit+Singh"]
    app.save_settings(mood_words={"happy": "dance party"})
    spotify = app.recommend("", "", "spotify", mood="happy")
    assert opened[-1] == "https://open.spotify.com/search/dance%20party%20song"
    assert spotify["query"] == "dance party song"
    app._state["mood"] = "unsure"
    assert app.recommend("", "", "youtube")["need_mood"]
    songs = app.overview()["history"]["songs"]
    assert [s["provider"] for s in songs] == ["spotify", "youtube"]


def test_settings_are_remembered_per_profile(app, tmp_path, upright_video):
    app.recommend("Adele", "English", "youtube_music")
    app.create_profile("anna")
    assert app.overview()["profile"] == "anna" and app.settings.singer == ""
    app.select_profile("default")
    assert app.settings.singer == "Adele" and app.settings.provider == "youtube_music"
    assert app.overview()["profiles"] == ["default", "anna"]
    with pytest.raises(FacemoodError):
        app.create_profile("anna")


def test_a_broken_model_falls_back_to_default_moods_with_a_message(tmp_path, upright_video):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mood_model.json").write_text("{broken")
    service = App(AppOptions(source=str(upright_video), home=tmp_path))
    assert service.classifier.is_default
    assert "mood_model.json" in service.state()["error"]


def test_a_missing_camera_is_reported_not_raised(tmp_path):
    service = App(AppOptions(source="7", home=tmp_path))
    service.start()
    state = wait_for(lambda: service.state()["source_failed"] and service.state())
    assert "camera 7" in state["error"]
    service.stop()
