"""Takes recorded in the window, from real readings: started, fed, stopped or ended at a count, deleted."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from facemood.active_profile import ActiveProfile
from facemood.dataset import read_takes
from facemood.errors import FacemoodError
from facemood.recording import TakeRecorder
from facemood.rows import BLENDSHAPES, CLASSIC
from facemood.takes import TakeProgress, TakeResult, Takes, recording_layout


@pytest.fixture
def takes(home) -> Takes:
    return Takes(ActiveProfile(home))


def test_a_take_records_a_row_per_face_and_is_saved_when_stopped(takes, home, readings):
    with_face = readings[:-1]
    takes.start("joy", source="video clip.mp4")
    for reading in readings:
        takes.on_reading(reading)
    assert takes.recording == TakeProgress("joy", len(with_face), None)
    result = takes.stop()
    assert result == TakeResult("joy", len(with_face), len(with_face), f"recorded {len(with_face)} rows of 'joy' "
                                                                        f"({len(with_face)} in all)")
    assert takes.recording is None and takes.last == result and takes.revision == 1
    rows = np.load(home / "data" / "joy.npy")
    assert rows.shape == (len(with_face), BLENDSHAPES.width)
    take = read_takes(home / "data" / "joy.npy")[0]
    assert take.source == "video clip.mp4"
    assert (take.frames, take.frames_without_face) == (len(readings), 1)  # for the coach
    assert takes.stop() is None  # nothing running any more


def test_a_take_with_a_target_ends_by_itself(takes, home, readings):
    takes.start("joy", frames=5)
    for reading in readings:
        takes.on_reading(reading)
    assert takes.recording is None and takes.last.rows == 5
    assert np.load(home / "data" / "joy.npy").shape[0] == 5


def test_a_take_without_a_face_saves_nothing_and_says_so(takes, home, readings):
    takes.start("joy")
    for _ in range(3):
        takes.on_reading(readings[-1])
    assert takes.stop() == TakeResult("joy", 0, None, "no face seen in 3 frames: nothing recorded")
    assert not (home / "data" / "joy.npy").exists() and takes.revision == 0


def test_one_take_at_a_time_and_only_clean_names(takes, readings):
    with pytest.raises(FacemoodError):
        takes.start("../joy")
    takes.start("joy")
    with pytest.raises(FacemoodError, match="already recording 'joy'"):
        takes.start("calm")
    takes.on_reading(readings[0])
    assert takes.stop().rows == 1


def test_takes_follow_the_layout_of_the_profiles_earlier_recordings(takes, home, readings, detected_rows):
    assert recording_layout(home / "data") == BLENDSHAPES  # nothing recorded yet: the richest layout
    (home / "data").mkdir()
    np.save(home / "data" / "old.npy", detected_rows["upright"][:, :CLASSIC.width])  # a classic tutorial file
    assert recording_layout(home / "data") == CLASSIC
    takes.start("joy")
    takes.on_reading(readings[0])
    takes.stop()
    assert np.load(home / "data" / "joy.npy").shape == (1, CLASSIC.width)


def test_a_take_goes_to_the_profile_active_when_it_started(home, readings):
    profiles = ActiveProfile(home)
    takes = Takes(profiles)
    profiles.create("anna")
    takes.start("joy")
    takes.on_reading(readings[0])
    takes.stop()
    assert np.load(home / "data" / "anna" / "joy.npy").shape[0] == 1


def test_deleting_a_take_keeps_the_others(takes, home, readings):
    for count in (3, 5):
        takes.start("joy", frames=count)
        for reading in readings:
            takes.on_reading(reading)
    takes.delete("joy", 0)
    assert np.load(home / "data" / "joy.npy").shape[0] == 5 and takes.revision == 3
    with pytest.raises(FacemoodError, match="no take 2"):
        takes.delete("joy", 1)


def test_a_take_being_saved_reads_as_running_or_ended_never_neither(takes, readings, monkeypatch):
    """The page polls from another thread while the live thread writes the file (fsync can take a while)."""
    writing, release = threading.Event(), threading.Event()
    real_save = TakeRecorder.save

    def slow_save(self, *args, **kwargs):
        writing.set()
        release.wait(10)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(TakeRecorder, "save", slow_save)
    takes.start("joy", frames=1)
    saver = threading.Thread(target=takes.on_reading, args=(readings[0],))
    saver.start()
    assert writing.wait(10)
    seen = []
    reader = threading.Thread(target=lambda: seen.append((takes.recording, takes.last)))
    reader.start()
    reader.join(0.3)
    release.set()
    saver.join(10)
    reader.join(10)
    assert seen and seen[0] != (None, None) and seen[0][1].rows == 1


def test_only_frames_analysed_in_full_become_rows(takes, readings):
    """A reading that carries an earlier frame's landmarks would be a duplicate row; one whose frame the
    hand model skipped could miss a hand in view."""
    carried = dataclasses.replace(readings[1], fresh=False, landmarks=readings[0].landmarks)
    unchecked = dataclasses.replace(readings[2], landmarks=dataclasses.replace(readings[2].landmarks,
                                                                               hands_checked=False))
    takes.start("joy")
    assert takes.active
    for reading in (readings[0], carried, unchecked, readings[3]):
        takes.on_reading(reading)
    assert takes.recording.count == 2
    takes.stop()
    assert not takes.active
