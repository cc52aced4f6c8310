import numpy as np

from facemood.landmarks import BLENDSHAPE_NAMES, LandmarkDetector, Landmarks, mirrored_rgb
from facemood.moods import DEFAULT_MOODS, NO_FACE, UNSURE, DefaultMoods, MoodSmoother
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
    smoother = MoodSmoother(["a", "b"], window=3, threshold=0.6)
    assert smoother.update(np.array([0.9, 0.1])).label == "a"
    assert smoother.update(np.array([0.1, 0.9])).label == UNSURE  # mean 0.5/0.5
    mood = smoother.update(np.array([0.1, 0.9]))
    assert mood.label == "b" and abs(mood.confidence - (0.1 + 0.9 + 0.9) / 3) < 1e-9
    assert set(mood.probabilities) == {"a", "b"}


def test_no_face_resets_the_smoother():
    smoother = MoodSmoother(["a", "b"], window=5)
    smoother.update(np.array([0.0, 1.0]))
    assert smoother.update(None).label == NO_FACE
    assert smoother.update(np.array([1.0, 0.0])).label == "a"
