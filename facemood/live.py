"""The per-frame path when recognising: frame -> landmarks -> classifier -> smoothed mood."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from .landmarks import LandmarkDetector, Landmarks, mirrored_rgb
from .model import load_model
from .moods import DefaultMoods, Mood, MoodSmoother, TrainedMoods
from .profile import Profile
from .sources import Frame

log = logging.getLogger(__name__)


def load_classifier(profile: Profile, use_default: bool = False) -> DefaultMoods | TrainedMoods:
    """The profile's trained model, or the built-in default moods when it has none yet.

    A model whose files disagree (labels.npy, metadata, weights) is an error, not a silent fallback.
    """
    if use_default or not profile.meta_path.exists():
        return DefaultMoods()
    return TrainedMoods(load_model(profile))


@dataclass(frozen=True)
class Reading:
    frame: Frame
    rgb: np.ndarray  # the mirrored frame MediaPipe saw
    landmarks: Landmarks
    mood: Mood
    landmark_ms: float  # how long MediaPipe took on this frame


class Recogniser:
    """Turns frames into smoothed moods. Swap the classifier at any time (e.g. after retraining)."""

    def __init__(self, detector: LandmarkDetector, classifier, *, smooth: int = 5, threshold: float = 0.6):
        self.detector = detector
        self.smooth = smooth
        self.threshold = threshold
        self.set_classifier(classifier)

    def set_classifier(self, classifier) -> None:
        # One attribute, assigned at once: a frame read mid-swap gets the old pair or the new one.
        self._current = (classifier, MoodSmoother(classifier.emotions, self.smooth, self.threshold))

    def read(self, frame: Frame) -> Reading:
        rgb = mirrored_rgb(frame.image)
        started = time.perf_counter()
        landmarks = self.detector.detect(rgb, frame.timestamp_ms)
        landmark_ms = (time.perf_counter() - started) * 1000
        classifier, smoother = self._current
        probabilities = classifier.predict(landmarks) if landmarks.has_face else None
        return Reading(frame, rgb, landmarks, smoother.update(probabilities), landmark_ms)
