import numpy as np
import pytest

from facemood.landmarks import LandmarkDetector
from facemood.live import Recogniser
from facemood.moods import DefaultMoods
from facemood.sources import open_source


def read_all(video, change_at: int | None = None, change_to: float | None = None, **options):
    """Every reading of the video (60 frames, 2 s), the rate changed to `change_to` at frame `change_at`."""
    with open_source(video) as source, LandmarkDetector(video=True, hands=False) as detector:
        recogniser = Recogniser(detector, DefaultMoods(), **options)
        readings = []
        for frame in source:
            if frame.index == change_at:
                recogniser.per_second = change_to
            readings.append(recogniser.read(frame))
    return readings


def test_every_frame_is_analysed_by_default(upright_video):
    readings = read_all(upright_video)
    assert len(readings) == 60 and all(r.fresh for r in readings)
    assert {r.mood.label for r in readings} == {"happy"}


@pytest.mark.parametrize("per_second", [15, 5])
def test_at_a_lower_rate_the_frames_between_carry_the_last_reading(upright_video, per_second):
    readings = read_all(upright_video, per_second=per_second)
    fresh = [r for r in readings if r.fresh]
    assert len(fresh) == 2 * per_second
    assert {r.mood.label for r in fresh} == {"happy"}  # smoothing and "unsure" behave at the lower rate
    last = None
    for reading in readings:
        if reading.fresh:
            last = reading
            continue
        assert reading.landmarks is last.landmarks and reading.mood is last.mood
        assert reading.landmark_ms == 0.0
        assert reading.frame.index > last.frame.index  # ... but each reading has its own frame to show
        assert not np.array_equal(reading.rgb, last.rgb)


def test_the_rate_can_change_while_reading(upright_video):
    readings = read_all(upright_video, per_second=None, change_at=30, change_to=5)
    assert sum(r.fresh for r in readings[:30]) == 30 and sum(r.fresh for r in readings[30:]) == 5


def test_due_tells_which_frames_read_would_analyse(upright_video):
    with open_source(upright_video) as source, LandmarkDetector(video=True, hands=False) as detector:
        recogniser = Recogniser(detector, DefaultMoods(), per_second=10)
        for frame in source:
            due = recogniser.due(frame.timestamp_ms)
            assert recogniser.read(frame).fresh == due
