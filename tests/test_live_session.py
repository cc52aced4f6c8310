"""The live session on real media: readings to each consumer in order, the state, sources that fail or end."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from facemood.errors import FacemoodError
from facemood.live_session import FULL, HIDDEN, SHOWN, LiveOptions, LiveSession, LiveState, pace_for, smoothed_fps
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
    assert 46 < fps < 50
    for _ in range(30):  # analysed and carried frames in turn: 30 frames a second, not 55
        fps = smoothed_fps(smoothed_fps(fps, 0.056), 0.0107)
    assert fps == pytest.approx(30, abs=2)


def test_the_window_paces_by_whether_it_is_seen_and_a_take_records_every_frame():
    assert pace_for(shown=True, recording=False) == SHOWN
    assert pace_for(shown=False, recording=False) == HIDDEN
    assert pace_for(shown=True, recording=True) == pace_for(shown=False, recording=True) == FULL
    assert FULL.per_second is None and FULL.hand_search_ms == 0 and FULL.hand_track_every == 1
    assert SHOWN.every_frame and SHOWN.per_second >= 12  # every frame shown, 10 moods a second on the page
    assert not HIDDEN.every_frame and HIDDEN.per_second <= 2


def mean_spacing_ms(readings) -> float:
    """The mean time between the readings' frames, by the video's clock (the pacer keeps a rate on
    average: after a frame late, the next comes that much sooner)."""
    return (readings[-1].frame.timestamp_ms - readings[0].frame.timestamp_ms) / (len(readings) - 1)


def test_the_pace_is_asked_before_each_frame_and_can_change_at_any_time(upright_video):
    wanted = [SHOWN]
    session = LiveSession(LiveOptions(str(upright_video)), DefaultMoods(), pace=lambda: wanted[0])
    readings = []
    session.add_consumer(readings.append)
    session.start()
    try:
        wait_for(lambda: sum(r.fresh for r in readings) >= 15)
        shown = list(readings)
        for pace in (HIDDEN, FULL):
            wanted[0] = pace
            wait_for(lambda: session.pace == pace)
            start = len(readings)
            wait_for(lambda: len(readings) >= start + 4, timeout=10)
            if pace == HIDDEN:
                hidden = readings[start:start + 4]
                moods_before = session.state.moods
        full = readings[start:start + 4]
    finally:
        session.stop()
    # Shown: at most 15 analysed a second (by the video's clock), each frame still reaches the consumers.
    assert mean_spacing_ms([r for r in shown if r.fresh]) >= 1000 / 15 - 5
    assert session.state.frames >= len(readings) and session.state.moods < session.state.frames
    # Hidden: frames not analysed are skipped before any work, so the consumers get only moods, 2 a second.
    assert all(r.fresh for r in hidden) and mean_spacing_ms(hidden) >= 500 - 5
    assert moods_before > 0 and {r.mood.label for r in hidden} == {"happy"}
    # A take: every frame analysed.
    assert all(r.fresh for r in full)
