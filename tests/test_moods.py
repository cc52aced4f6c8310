import numpy as np
import pytest

from facemood.landmarks import BLENDSHAPE_NAMES, LandmarkDetector, Landmarks, mirrored_rgb
from facemood.moods import DEFAULT_MOODS, DEFAULT_SMOOTH_S, NO_FACE, UNSURE, DefaultMoods, MoodSmoother
from tests import media


def blend(**scores):
    values = np.zeros(52)
    for name, value in scores.items():
        values[BLENDSHAPE_NAMES.index(name)] = value
    return Landmarks(np.zeros((478, 3)), values, None, None, 640, 480)


def top(landmarks):
    probs = DefaultMoods().predict(landmarks)
    return DEFAULT_MOODS[int(np.argmax(probs))], float(np.max(probs))


def test_the_smiling_astronaut_is_happy_by_default():
    with LandmarkDetector(video=False, hands=False) as detector:
        seen = detector.detect(mirrored_rgb(media.astronaut_frame()))
    mood, confidence = top(seen)
    assert mood == "happy" and confidence > 0.9


def test_default_rule_reads_each_mood():
    assert top(blend(mouthFrownLeft=0.8, mouthFrownRight=0.8, browInnerUp=0.7))[0] == "sad"
    assert top(blend(browDownLeft=0.8, browDownRight=0.8, noseSneerLeft=0.5, noseSneerRight=0.5))[0] == "angry"
    assert top(blend(jawOpen=0.9, eyeWideLeft=0.7, eyeWideRight=0.7, browOuterUpLeft=0.8, browOuterUpRight=0.8))[0] == "surprised"
    assert top(blend(mouthSmileLeft=0.05, eyeBlinkLeft=0.3))[0] == "neutral"
    assert DefaultMoods().predict(Landmarks(np.zeros((478, 3)), None, None, None, 1, 1)) is None


def test_smoother_averages_and_says_unsure():
    smoother = MoodSmoother(["a", "b"], window_s=0.3, threshold=0.6)
    assert smoother.update(np.array([0.9, 0.1]), 0.0).label == "a"
    # Each frame stands for the time since the frame before; the first for the whole window.
    assert smoother.update(np.array([0.1, 0.9]), 0.15).label == UNSURE  # 0.15 s of each: 0.5/0.5
    mood = smoother.update(np.array([0.1, 0.9]), 0.2)  # 0.1 s of the first, 0.2 s of "b" frames
    assert mood.label == "b" and mood.confidence == pytest.approx((0.1 * 0.1 + 0.9 * 0.2) / 0.3)
    assert set(mood.probabilities) == {"a", "b"}
    assert smoother.update(np.array([0.1, 0.9]), 0.45).probabilities["b"] == pytest.approx(0.9)  # "a" has left


def test_at_30_frames_a_second_the_default_window_is_the_last_5_frames():
    smoother = MoodSmoother(["a", "b"])
    rng = np.random.default_rng(0)
    frames = rng.dirichlet([1, 1], size=40)
    for i, p in enumerate(frames):
        mood = smoother.update(p, i / 30)
    assert mood.probabilities["a"] == pytest.approx(frames[-5:, 0].mean())


def test_no_face_resets_the_smoother():
    smoother = MoodSmoother(["a", "b"], window_s=1.0)
    smoother.update(np.array([0.0, 1.0]), 0.0)
    assert smoother.update(None, 0.1).label == NO_FACE
    assert smoother.update(np.array([1.0, 0.0]), 0.2).label == "a"


def test_time_going_back_starts_afresh():
    smoother = MoodSmoother(["a", "b"], window_s=1.0)
    smoother.update(np.array([0.0, 1.0]), 5.0)
    assert smoother.update(np.array([1.0, 0.0]), 0.0).label == "a"  # e.g. another stream
    assert smoother.update(np.array([0.0, 1.0]), 0.0).label == "b"  # the same instant: the newer replaces


def moods_at(rate: int, window_s: float, steps: list[np.ndarray | None]) -> dict:
    """Smooth a signal that holds steps[i] for 0.2 s each (None: no face), seen `rate` times a second at
    a camera's timestamps (whole milliseconds); {ms: mood} at each instant all rates see (every 0.2 s)."""
    smoother = MoodSmoother(["happy", "sad", "angry"], window_s=window_s, threshold=0.6)
    out = {}
    for frame in range(int(len(steps) * 0.2 * rate)):
        at_ms = int(frame * 1000 / rate)
        # The value that held during the time this frame stands for (the step its instant ends).
        probabilities = steps[max(0, -(-at_ms // 200) - 1)]
        mood = smoother.update(probabilities, at_ms / 1000)
        if at_ms % 200 == 0:
            out[at_ms] = mood
    return out


@pytest.mark.parametrize("window_s", [DEFAULT_SMOOTH_S, 0.4, 1.0])
def test_the_same_face_gives_the_same_moods_at_30_15_and_5_moods_a_second(window_s):
    rng = np.random.default_rng(1)
    steps = []
    for i in range(60):  # 12 s: moods drifting, mixed, an unsure stretch, a face leaving and coming back
        if i in (20, 21, 40):
            steps.append(None)
        else:
            steps.append(rng.dirichlet([4 if i < 15 else 1, 1, 4 if i > 30 else 1]))
    seen = {rate: moods_at(rate, window_s, steps) for rate in (30, 15, 5)}
    assert seen[30].keys() == seen[15].keys() == seen[5].keys()
    labels = {rate: [m.label for m in moods.values()] for rate, moods in seen.items()}
    assert labels[30] == labels[15] == labels[5]
    assert {UNSURE, NO_FACE, "happy", "angry"} <= set(labels[30])  # the sequence exercises each case
    for at in seen[30]:
        for rate in (15, 5):
            assert seen[rate][at].probabilities == pytest.approx(seen[30][at].probabilities, abs=1e-9), (rate, at)


def test_a_window_of_zero_is_refused():
    with pytest.raises(ValueError, match="window"):
        MoodSmoother(["a"], window_s=0)
