"""The per-frame path when recognising: frame -> landmarks -> classifier -> smoothed mood."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np

from .landmarks import LandmarkDetector, Landmarks, Pacer, mirrored_rgb
from .model_store import has_model, load_model
from .moods import DefaultMoods, Mood, MoodSmoother, TrainedMoods
from .profile import Profile
from .sources import Frame

log = logging.getLogger(__name__)
# `smooth` counts frames of a camera at this rate; the smoother itself works in seconds.
SMOOTH_FRAMES_PER_S = 30.0


def load_classifier(profile: Profile, use_default: bool = False) -> DefaultMoods | TrainedMoods:
    """The profile's trained model, or the built-in default moods when it has none yet.

    A model whose files disagree (labels.npy, metadata, weights) is an error, not a silent fallback.
    """
    if use_default or not has_model(profile):
        return DefaultMoods()
    return TrainedMoods(load_model(profile))


@dataclass(frozen=True)
class Reading:
    frame: Frame
    rgb: np.ndarray  # the mirrored frame MediaPipe saw
    landmarks: Landmarks
    mood: Mood
    landmark_ms: float  # how long MediaPipe took on this frame (0 when it was not analysed)
    fresh: bool = True  # False: this frame was not analysed; landmarks and mood are the last reading's


class Recogniser:
    """Turns frames into smoothed moods. Swap the classifier at any time (e.g. after retraining).

    `smooth` is the smoothing window as a number of frames of a 30 frames/s camera (5: 1/6 s); it is
    kept in time, so moods computed at a lower rate are smoothed alike. `per_second` analyses at most
    that many frames a second (None: every frame); the frames in between get the last reading's
    landmarks and mood, with `fresh` False. It may change at any time (e.g. lower while nobody looks).
    """

    def __init__(self, detector: LandmarkDetector, classifier, *, smooth: int = 5, threshold: float = 0.6,
                 per_second: float | None = None):
        self.detector = detector
        self.smooth = smooth
        self.threshold = threshold
        self._pacer = Pacer(per_second)
        self._last: Reading | None = None
        self.set_classifier(classifier)

    def set_classifier(self, classifier) -> None:
        # One attribute, assigned at once: a frame read mid-swap gets the old pair or the new one.
        smoother = MoodSmoother(classifier.emotions, self.smooth / SMOOTH_FRAMES_PER_S, self.threshold)
        self._current = (classifier, smoother)

    @property
    def per_second(self) -> float | None:
        return self._pacer.per_second

    @per_second.setter
    def per_second(self, value: float | None) -> None:
        self._pacer.per_second = value

    def due(self, timestamp_ms: float) -> bool:
        """Whether read() would analyse a frame with this timestamp (callers may skip the others)."""
        return self._last is None or self._pacer.due(timestamp_ms)

    def read(self, frame: Frame) -> Reading:
        rgb = mirrored_rgb(frame.image)
        if not self._pacer.take(frame.timestamp_ms, force=self._last is None):
            return replace(self._last, frame=frame, rgb=rgb, landmark_ms=0.0, fresh=False)
        started = time.perf_counter()
        landmarks = self.detector.detect(rgb, frame.timestamp_ms)
        landmark_ms = (time.perf_counter() - started) * 1000
        classifier, smoother = self._current
        probabilities = classifier.predict(landmarks) if landmarks.has_face else None
        mood = smoother.update(probabilities, frame.timestamp_ms / 1000)
        self._last = Reading(frame, rgb, landmarks, mood, landmark_ms)
        return self._last
