"""From class probabilities to the mood we report: the built-in default moods, smoothing, "unsure"."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from .landmarks import BLENDSHAPE_NAMES, Landmarks
from .model import MoodModel
from .rows import make_row

UNSURE = "unsure"
NO_FACE = "no face"
DEFAULT_MOODS = ("happy", "sad", "angry", "surprised", "neutral")

_BLENDSHAPE_INDEX = {name: i for i, name in enumerate(BLENDSHAPE_NAMES)}
# When no expression reaches this strength the face counts as neutral.
_NEUTRAL_LEVEL = 0.3
# Sharpness of the softmax that turns the rule's scores (0..1) into confidences.
_SHARPNESS = 10.0
# Smoothing window: the 5 frames facemood has always averaged, at a camera's 30 frames/s.
DEFAULT_SMOOTH_S = 5 / 30


def _score(blendshapes: np.ndarray, name: str) -> float:
    return float(blendshapes[_BLENDSHAPE_INDEX[name]])


def _mean(blendshapes: np.ndarray, *names: str) -> float:
    return float(np.mean([_score(blendshapes, name) for name in names]))


def default_mood_scores(blendshapes: np.ndarray) -> np.ndarray:
    """A rule of thumb over MediaPipe's blendshapes for the five common moods (DEFAULT_MOODS order).

    happy: smiling mouth corners. sad: frowning corners, inner brows raised. angry: brows pulled down,
    nose sneer. surprised: jaw dropped, eyes wide, brows raised. neutral: none of these strong.
    Not a trained model: it reads how most faces move, not yours. Train your own for real use.
    """
    shapes = np.asarray(blendshapes, dtype=np.float64)
    happy = _mean(shapes, "mouthSmileLeft", "mouthSmileRight")
    sad = 0.7 * _mean(shapes, "mouthFrownLeft", "mouthFrownRight") + 0.3 * _score(shapes, "browInnerUp")
    angry = (0.7 * _mean(shapes, "browDownLeft", "browDownRight")
             + 0.3 * _mean(shapes, "noseSneerLeft", "noseSneerRight"))
    surprised = (0.4 * _score(shapes, "jawOpen") + 0.3 * _mean(shapes, "eyeWideLeft", "eyeWideRight")
                 + 0.3 * _mean(shapes, "browOuterUpLeft", "browOuterUpRight"))
    return np.array([happy, sad, angry, surprised, _NEUTRAL_LEVEL])


class DefaultMoods:
    """The classifier used before the user has trained anything."""

    emotions = list(DEFAULT_MOODS)
    layout = None
    is_default = True
    needs_hands = False

    def predict(self, landmarks: Landmarks) -> np.ndarray | None:
        if landmarks.blendshapes is None:
            return None
        scores = default_mood_scores(landmarks.blendshapes) * _SHARPNESS
        weights = np.exp(scores - scores.max())  # softmax, shifted so exp never overflows
        return weights / weights.sum()


class TrainedMoods:
    """The user's trained model, fed rows in the layout it was trained on."""

    is_default = False
    needs_hands = True

    def __init__(self, model: MoodModel):
        self.model = model
        self.emotions = model.emotions
        self.layout = model.layout

    def predict(self, landmarks: Landmarks) -> np.ndarray | None:
        row = make_row(landmarks, self.layout)
        return None if row is None else self.model.predict_proba(row)[0]


@dataclass(frozen=True)
class Mood:
    label: str  # an emotion, UNSURE or NO_FACE
    confidence: float  # of the top emotion after smoothing, 0..1
    probabilities: dict[str, float]  # smoothed, every emotion


class MoodSmoother:
    """Average the probabilities of the last `window_s` seconds; report UNSURE below `threshold`.

    The window is time, not a count of frames, so the same face gives the same moods whether moods are
    computed 30, 15 or 5 times a second. Each frame stands for the time since the frame before it (the
    first frame after a reset for the whole window), and the average weighs frames by that time within
    the window: the mean of the probabilities over the last `window_s` seconds, each frame's values held
    until the next frame.
    """

    def __init__(self, emotions: list[str], window_s: float = DEFAULT_SMOOTH_S, threshold: float = 0.6):
        if not window_s > 0:
            raise ValueError(f"the smoothing window must be longer than 0 s, not {window_s}")
        self.emotions = list(emotions)
        self.window_s = float(window_s)
        self.threshold = threshold
        self._recent: deque[tuple[float, np.ndarray]] = deque()  # (time in s, probabilities), oldest first

    def reset(self) -> None:
        self._recent.clear()

    def update(self, probabilities: np.ndarray | None, at_s: float) -> Mood:
        """Add the frame at `at_s` seconds (None: no face in it, which also forgets the earlier frames)."""
        if probabilities is None:
            self.reset()
            return Mood(NO_FACE, 0.0, {e: 0.0 for e in self.emotions})
        if self._recent and at_s < self._recent[-1][0]:
            self.reset()  # time went back: a new stream
        if self._recent and at_s == self._recent[-1][0]:
            self._recent.pop()  # the same instant again: the newer reading replaces it
        self._recent.append((at_s, np.asarray(probabilities, dtype=np.float64)))
        start = at_s - self.window_s
        while len(self._recent) > 1 and self._recent[1][0] <= start:
            self._recent.popleft()  # the next frame's time already covers the whole window's start
        times = [t for t, _ in self._recent]
        # Each frame's share of the window: from the frame before it (or the window's start) to itself.
        weights = [max(times[0] - start, 0.0)] + [t - max(before, start) for before, t in zip(times, times[1:])]
        mean = np.average([p for _, p in self._recent], axis=0, weights=weights)
        top = int(mean.argmax())
        label = self.emotions[top] if mean[top] >= self.threshold else UNSURE
        return Mood(label, float(mean[top]), {e: float(p) for e, p in zip(self.emotions, mean)})
