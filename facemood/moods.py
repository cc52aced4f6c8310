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
    """Average the last `window` frames' probabilities; report UNSURE below `threshold`."""

    def __init__(self, emotions: list[str], window: int = 5, threshold: float = 0.6):
        self.emotions = list(emotions)
        self.threshold = threshold
        self._recent: deque[np.ndarray] = deque(maxlen=max(1, int(window)))

    def reset(self) -> None:
        self._recent.clear()

    def update(self, probabilities: np.ndarray | None) -> Mood:
        """Add one frame (None: no face in it, which also forgets the earlier frames)."""
        if probabilities is None:
            self.reset()
            return Mood(NO_FACE, 0.0, {e: 0.0 for e in self.emotions})
        self._recent.append(np.asarray(probabilities, dtype=np.float64))
        mean = np.mean(self._recent, axis=0)
        top = int(mean.argmax())
        label = self.emotions[top] if mean[top] >= self.threshold else UNSURE
        return Mood(label, float(mean[top]), {e: float(p) for e, p in zip(self.emotions, mean)})
