"""The live session on real media: readings to each consumer in order, the state, sources that fail or end."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from facemood.errors import FacemoodError
from facemood.live_session import LiveOptions, LiveSession, LiveState, smoothed_fps
from facemood.moods import DefaultMoods
from tests.conftest import wait_for


class TwoMoods:
    """A classifier of two made-up moods (the interface every classifier has): "calm" whenever a face is seen."""

    emotions = ["calm", "excited"]
    is_default = False

    def predict(self, landmarks):
        return np.array([0.9, 0.1])


def test_every_reading_goes_to_each_consumer_in_order_and_updates_the_state(upright_video):
    session = LiveSession(LiveOptions(str(upright_video)), DefaultMoods())
    calls, stopped = [], threading.Event()
    session.add_consumer(lambda reading: calls.append(("preview", reading.frame.index)))
    session.add_consumer(lambda reading: calls.append(("take", reading.frame.index)), on_stop=stopped.set)
    assert session.state == LiveState() and session.state.mood_label == ""
    session.start()
    try:
        wait_for(lambda: session.state.frames >= 10)
        state = session.state
        assert state.mood_label == "happy" and state.face and state.fps > 0 and state.landmark_ms > 0
        assert session.first_mood_after is not None and session.source_description.startswith("video ")
        session.check_ready()  # frames can be recorded now
    finally:
        session.stop()
    assert stopped.is_set() and not session.running
    names = [name for name, _ in calls]
    assert names[:4] == ["preview", "take", "preview", "take"]
    assert [index for name, index in calls if name == "preview"] == [index for name, index in calls if name == "take"]


def test_a_new_classifier_is_used_from_the_next_frame(upright_video):
    session = LiveSession(LiveOptions(str(upright_video)), DefaultMoods())
    session.start()
    try:
        wait_for(lambda: session.state.mood_label == "happy")
        session.set_classifier(TwoMoods())
        wait_for(lambda: session.state.mood_label == "calm")
        assert list(session.state.mood.probabilities) == ["calm", "excited"]
    finally:
        session.stop()


def test_a_classifier_set_before_the_camera_opens_is_the_one_used(upright_video):
    session = LiveSession(LiveOptions(str(upright_video)), DefaultMoods())
    session.set_classifier(TwoMoods())
    session.start()
    try:
        assert wait_for(lambda: session.state.mood_label) == "calm"
    finally:
        session.stop()


def test_a_missing_camera_is_an_error_to_show_and_retry_tries_again(tmp_path):
    session = LiveSession(LiveOptions("7"), DefaultMoods())
    stopped = []
    session.add_consumer(lambda reading: None, on_stop=lambda: stopped.append(True))
    with pytest.raises(FacemoodError, match="not running"):
        session.check_ready()
    session.start()
    wait_for(lambda: not session.running)
    assert "camera 7" in session.error and stopped == [True]
    with pytest.raises(FacemoodError, match="not running: fix the source, then press Retry"):
        session.check_ready()
    session.retry()
    wait_for(lambda: not session.running and len(stopped) == 2)
    assert "camera 7" in session.error


def test_an_image_is_recognised_once_and_the_session_ends_instead_of_spinning(astronaut_png):
    session = LiveSession(LiveOptions(str(astronaut_png)), DefaultMoods())
    session.start()
    wait_for(lambda: not session.running, timeout=60)
    assert session.state.frames == 1 and session.state.mood_label == "happy" and session.error is None


def test_frames_per_second_follow_the_last_ten_frames_or_so():
    assert smoothed_fps(0.0, 0.05) == pytest.approx(20.0)
    fps = 20.0
    for _ in range(30):
        fps = smoothed_fps(fps, 0.02)
    assert 48 < fps < 50
