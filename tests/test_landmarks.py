import subprocess
import sys

import numpy as np
import pytest

from facemood.errors import FacemoodError
from facemood.landmarks import (BLENDSHAPE_NAMES, DEFAULT_FACE_MODEL, LandmarkDetector, Pacer, hand_slots,
                                 import_mediapipe, mirrored_rgb)
from tests import media
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def still_detector():
    with LandmarkDetector(video=False) as detector:
        yield detector


def test_finds_the_astronauts_face_and_her_smile(still_detector):
    found = still_detector.detect(mirrored_rgb(media.astronaut_frame()))
    assert found.face.shape == (478, 3)
    assert found.blendshapes.shape == (52,)
    smile = np.mean([found.blendshapes[BLENDSHAPE_NAMES.index(n)] for n in ("mouthSmileLeft", "mouthSmileRight")])
    assert smile > 0.6
    assert found.blendshapes[BLENDSHAPE_NAMES.index("mouthFrownLeft")] < 0.1
    # The face sits in the middle of the frame (normalised coordinates).
    assert 0.3 < found.face[:, 0].mean() < 0.7 and 0.2 < found.face[:, 1].mean() < 0.8
    assert found.left_hand is None and found.right_hand is None  # no hands in this picture


def test_no_face_in_an_empty_frame(still_detector):
    found = still_detector.detect(mirrored_rgb(media.blank_frame()))
    assert found.face is None and found.blendshapes is None and not found.has_face


def test_blendshape_names_match_mediapipe():
    mp = import_mediapipe()
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.FaceLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(DEFAULT_FACE_MODEL)),
                                           output_face_blendshapes=True)
    with vision.FaceLandmarker.create_from_options(options) as landmarker:
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(mirrored_rgb(media.astronaut_frame())))
        result = landmarker.detect(image)
    assert tuple(c.category_name for c in result.face_blendshapes[0]) == BLENDSHAPE_NAMES


def test_video_mode_tracks_a_stream(upright_video):
    from facemood.sources import open_source

    with open_source(upright_video) as source, LandmarkDetector(video=True) as detector:
        faces = [detector.detect(mirrored_rgb(f.image), f.timestamp_ms).has_face for f in source]
    assert sum(faces) == len(faces) == 60


def test_mirroring_matches_the_classic_scripts():
    frame = media.astronaut_frame(shift=60)  # face right of centre in the camera's picture
    with LandmarkDetector(video=False, hands=False) as detector:
        seen = detector.detect(mirrored_rgb(frame))
    assert seen.face[:, 0].mean() < 0.5  # ... and left of centre in the mirrored picture, like cv2.flip(frame, 1)


def test_hand_slots_follow_holistic_on_a_mirrored_frame():
    a, b = np.zeros((21, 3)), np.ones((21, 3))
    # HandLandmarker's "Right" (your real right hand) is the classic "left" slot.
    assert hand_slots([("Right", 0.9, a)]) == (a, None)
    assert hand_slots([("Left", 0.9, b)]) == (None, b)
    left, right = hand_slots([("Left", 0.8, b), ("Right", 0.9, a)])
    assert left is a and right is b
    # Two hands with one label: the surer keeps it, the other takes the free slot.
    left, right = hand_slots([("Left", 0.6, a), ("Left", 0.9, b)])
    assert right is b and left is a


def test_missing_and_broken_bundles_are_named(tmp_path):
    with pytest.raises(FacemoodError, match="--face-model"):
        LandmarkDetector(face_model=tmp_path / "nope.task")
    broken = tmp_path / "broken.task"
    broken.write_bytes(b"not a model bundle")
    with pytest.raises(FacemoodError, match="broken.task"):
        LandmarkDetector(hand_model=broken)


def test_landmarks_never_import_tensorflow():
    code = ("import sys; from facemood.landmarks import LandmarkDetector; from tests import media;"
            "from facemood.landmarks import mirrored_rgb\n"
            "with LandmarkDetector(video=False) as d: d.detect(mirrored_rgb(media.astronaut_frame()))\n"
            "import facemood.live, facemood.moods, facemood.model\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False"
    assert "Exception ignored" not in out.stderr and "Traceback" not in out.stderr


def test_pacer_takes_frames_at_the_asked_rate_by_their_timestamps():
    def taken(per_second, fps=30, seconds=2):
        pacer = Pacer(per_second)
        return [ms for ms in (int(i * 1000 / fps) for i in range(int(seconds * fps))) if pacer.take(ms)]

    assert len(taken(None)) == 60
    assert taken(15)[:4] == [0, 66, 133, 200]  # every other frame of a 30 frames/s camera
    assert taken(5)[:3] == [0, 200, 400] and taken(12)[:4] == [0, 100, 166, 266]  # on schedule, on average
    assert [len(taken(rate)) for rate in (12, 10, 5, 1)] == [24, 20, 10, 2]
    pacer = Pacer(5)
    assert pacer.take(1000) and not pacer.take(1100) and pacer.take(0)  # time going back starts afresh
    assert pacer.take(10, force=True) and not pacer.due(50)
    with pytest.raises(ValueError):
        Pacer(-1)


class CountingHands:
    """The real HandLandmarker, counting the frames it gets."""

    def __init__(self, landmarker):
        self.landmarker, self.calls = landmarker, []

    def detect_for_video(self, image, timestamp_ms):
        self.calls.append(timestamp_ms)
        return self.landmarker.detect_for_video(image, timestamp_ms)

    def close(self):
        self.landmarker.close()


def detect_video(frames, **options):
    """Landmarks of each frame (30 frames/s timestamps) and the timestamps the hand model got."""
    with LandmarkDetector(video=True, **options) as detector:
        detector._hands = hands = CountingHands(detector._hands)
        found = [detector.detect(mirrored_rgb(frame), int(i * 1000 / 30)) for i, frame in enumerate(frames)]
    return found, hands.calls


def has_hand(landmarks):
    return landmarks.left_hand is not None or landmarks.right_hand is not None


def hand_points(landmarks):
    return landmarks.left_hand if landmarks.left_hand is not None else landmarks.right_hand


def test_without_a_hand_in_view_the_hand_model_searches_only_every_hand_search_ms():
    frames = media.moving_frames(60)
    every, every_calls = detect_video(frames)
    paced, paced_calls = detect_video(frames, hand_search_ms=200)
    assert len(every_calls) == 60 and len(paced_calls) == 10  # 2 s: 5 searches a second
    assert all(b - a >= 150 for a, b in zip(paced_calls, paced_calls[1:]))  # strictly increasing, spaced
    assert not any(has_hand(lm) for lm in every + paced)
    assert all(lm.has_face for lm in paced)  # the face model still sees every frame


def test_a_hand_is_found_soon_after_it_appears_then_tracked_on_every_frame():
    frames = media.moving_frames(30) + [media.hand_frame(i) for i in range(45)]  # a hand from frame 30 (1 s)
    every, _ = detect_video(frames)
    paced, calls = detect_video(frames, hand_search_ms=200)
    assert [has_hand(lm) for lm in every[30:]] == [True] * 45
    first = next(i for i, lm in enumerate(paced) if has_hand(lm))
    assert 30 <= first <= 30 + 6  # within 200 ms of video
    assert all(has_hand(lm) for lm in paced[first:])
    assert calls[-(75 - first):] == [int(i * 1000 / 30) for i in range(first, 75)]  # tracked every frame
    for a, b in zip(every[first:], paced[first:]):  # the same hand in the same slot, within 2% of the frame
        assert (a.left_hand is None, a.right_hand is None) == (b.left_hand is None, b.right_hand is None)
        assert np.abs(hand_points(a) - hand_points(b)).max() < 0.02
