"""MediaPipe Tasks face and hand landmarks for one frame, face and hands detected concurrently.

Frames are mirrored first, as the classic tutorial scripts did (they recorded `cv2.flip(frame, 1)`), so
rows recorded here and rows recorded there live in the same coordinates, and the preview is a mirror.
"""

from __future__ import annotations

import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import FacemoodError
from .quiet import NativeLogMuffler
from .resources import FACE_BUNDLE, HAND_BUNDLE

log = logging.getLogger(__name__)

DEFAULT_FACE_MODEL = FACE_BUNDLE
DEFAULT_HAND_MODEL = HAND_BUNDLE
FACE_POINTS = 478
HAND_POINTS = 21
BLENDSHAPES = 52
# How many frames we keep MediaPipe's start-up log lines off the terminal (they appear at start and on
# the first face); see NativeLogMuffler.
_MUFFLED_FRAMES = 30


def import_mediapipe():
    """Import mediapipe without letting it import TensorFlow.

    mediapipe.tasks imports `tensorflow.tools.docs` when TensorFlow is installed (only for its API docs),
    which costs ~2.5 s and ~500 MB. Inference must start fast, so we hide TensorFlow for that one import;
    training in the same process can still import it afterwards.
    """
    if "mediapipe.tasks.python.vision" in sys.modules:
        return sys.modules["mediapipe"]
    hidden = "tensorflow" not in sys.modules
    if hidden:
        sys.modules["tensorflow"] = None  # makes `import tensorflow` raise ModuleNotFoundError
    try:
        import mediapipe
        import mediapipe.tasks.python.vision  # noqa: F401
    finally:
        if hidden:
            del sys.modules["tensorflow"]
    return mediapipe


@dataclass(frozen=True)
class Landmarks:
    """What MediaPipe saw in one (mirrored) frame. Coordinates are normalised to the frame (0..1)."""

    face: np.ndarray | None  # (478, 3) x, y, z; the first 468 are the classic face-mesh points
    blendshapes: np.ndarray | None  # (52,) scores 0..1 in MediaPipe's order (see blendshape_names)
    left_hand: np.ndarray | None  # (21, 3), the classic layout's "left" slot (see hand_slots)
    right_hand: np.ndarray | None
    width: int
    height: int

    @property
    def has_face(self) -> bool:
        return self.face is not None


def hand_slots(hands: list[tuple[str, float, np.ndarray]]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Put detected hands into the classic layout's (left, right) slots.

    The classic scripts mirrored the frame and then used Holistic's left/right hand, which follows the
    pose model: on a mirrored frame Holistic calls your real right hand "left". HandLandmarker assumes
    a mirrored (selfie) frame and names your real hands, so its "Right" goes in the classic "left" slot.
    When both hands get the same label, the more confident keeps it and the other takes the free slot.

    `hands` holds (label, score, points) as HandLandmarker reports them.
    """
    slots: list[np.ndarray | None] = [None, None]
    for label, _score, points in sorted(hands, key=lambda h: -h[1])[:2]:
        want = 0 if label == "Right" else 1
        if slots[want] is not None:
            want = 1 - want
        slots[want] = points
    return slots[0], slots[1]


# How early a frame may be and still count as on time for a Pacer's schedule.
_EARLY_MS = 10.0


class Pacer:
    """Which frames to take so that about `per_second` of them are taken each second, judged by the frames'
    own timestamps (so a video file, a camera and a test all pace alike). None or 0 takes every frame.

    Frames are taken on a schedule, one interval apart: the first frame at or after each point, or one a
    little early (camera jitter, whole-millisecond timestamps: up to 10 ms or a quarter of the interval).
    So 15 a second of a 30 frames/s camera is every other frame, not every third, and the rate holds
    however the camera's frames fall.
    """

    def __init__(self, per_second: float | None = None):
        self.per_second = per_second
        self._last_ms: float | None = None
        self._next_ms: float | None = None

    @property
    def per_second(self) -> float | None:
        return self._per_second

    @per_second.setter
    def per_second(self, value: float | None) -> None:
        if value is not None and value < 0:
            raise ValueError(f"per_second must be positive or None, not {value}")
        self._per_second = value or None
        self._next_ms = None  # a new rate starts its schedule at the next frame

    def _interval(self) -> float:
        return 1000.0 / self._per_second if self._per_second else 0.0

    def due(self, timestamp_ms: float) -> bool:
        if self._per_second is None or self._next_ms is None or timestamp_ms < self._last_ms:
            return True  # every frame; the first frame; or time went back (a new stream)
        return timestamp_ms >= self._next_ms - min(0.25 * self._interval(), _EARLY_MS)

    def take(self, timestamp_ms: float, force: bool = False) -> bool:
        """Whether this frame is taken (due, or `force`); a frame taken sets when the next one is due."""
        due = self.due(timestamp_ms)
        if not (due or force):
            return False
        interval = self._interval()
        on_schedule = (due and self._next_ms is not None and timestamp_ms >= self._last_ms
                       and timestamp_ms < self._next_ms + interval)
        self._next_ms = self._next_ms + interval if on_schedule else timestamp_ms + interval
        self._last_ms = timestamp_ms
        return True


def _check_bundle(path: Path, flag: str) -> Path:
    path = Path(path).expanduser()
    if not path.is_file():
        raise FacemoodError(f"MediaPipe model bundle not found: {path}; pass {flag} with the path of a .task file")
    return path


class LandmarkDetector:
    """Face (with blendshapes) and hand landmarks, run concurrently on two threads.

    `video=True` uses MediaPipe's VIDEO mode (tracking between frames, strictly increasing timestamps),
    `video=False` the IMAGE mode for unrelated stills. `hands=False` skips the hand model (the built-in
    default moods read the face only). Always close it (or use `with`): MediaPipe 1.2.2 prints
    tracebacks at exit for landmarkers left open.

    `hand_search_ms` (VIDEO mode only) saves most of the hand model's cost while no hand is in view:
    with no hand tracked, HandLandmarker runs its palm detector on every frame it gets, so once no hand
    has been seen for that many milliseconds of video, it gets a frame only every `hand_search_ms`.
    A hand found is tracked on every frame again. 0 (the default) runs it on every frame, as recording
    needs: a take must not miss a hand for the first frames it is in view.
    """

    def __init__(self, face_model: Path | str | None = None, hand_model: Path | str | None = None, *,
                 video: bool = True, hands: bool = True, quiet: bool = True, hand_search_ms: float = 0):
        face_path = _check_bundle(face_model or DEFAULT_FACE_MODEL, "--face-model")
        hand_path = _check_bundle(hand_model or DEFAULT_HAND_MODEL, "--hand-model") if hands else None
        mp = import_mediapipe()
        from mediapipe.tasks.python import BaseOptions
        from mediapipe.tasks.python import vision

        self._mp = mp
        self.video = video
        self._face = self._hands = None
        self._pool: ThreadPoolExecutor | None = None
        self._frames_seen = 0
        self._hand_search = Pacer()
        self._hand_seen_ms: float | None = None
        self.hand_search_ms = hand_search_ms
        self._muffler = NativeLogMuffler(quiet)
        mode = vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE
        self._muffler.start()
        try:
            try:
                self._face = vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
                    base_options=BaseOptions(model_asset_path=str(face_path)), running_mode=mode,
                    num_faces=1, output_face_blendshapes=True))
            except (RuntimeError, ValueError) as exc:
                raise FacemoodError(f"cannot load face model {face_path}: {_first_line(exc)}; "
                                    "pass --face-model with a MediaPipe face_landmarker.task") from None
            if hand_path is not None:
                try:
                    self._hands = vision.HandLandmarker.create_from_options(vision.HandLandmarkerOptions(
                        base_options=BaseOptions(model_asset_path=str(hand_path)), running_mode=mode, num_hands=2))
                except (RuntimeError, ValueError) as exc:
                    raise FacemoodError(f"cannot load hand model {hand_path}: {_first_line(exc)}; "
                                        "pass --hand-model with a MediaPipe hand_landmarker.task") from None
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hands")
        except BaseException as exc:
            self._muffler.stop(replay=not isinstance(exc, FacemoodError))
            self.close()
            raise

    def detect(self, rgb: np.ndarray, timestamp_ms: int = 0) -> Landmarks:
        """Landmarks of one RGB frame (already mirrored, see `mirrored_rgb`)."""
        if self._face is None:
            raise RuntimeError("LandmarkDetector is closed")
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        try:
            if self.video:
                run_hands = self._hands is not None and self._hands_due(timestamp_ms)
                hands_job = self._pool.submit(self._hands.detect_for_video, image, timestamp_ms) if run_hands else None
                face = self._face.detect_for_video(image, timestamp_ms)
            else:
                hands_job = self._pool.submit(self._hands.detect, image) if self._hands else None
                face = self._face.detect(image)
            hands = hands_job.result() if hands_job else None
        except BaseException:
            self._muffler.stop(replay=True)
            raise
        self._frames_seen += 1
        if self._frames_seen >= _MUFFLED_FRAMES or (face.face_landmarks and self._frames_seen > 1):
            self._muffler.stop()
        if hands is not None and hands.hand_landmarks:
            self._hand_seen_ms = timestamp_ms
        return self._to_landmarks(face, hands, rgb.shape[1], rgb.shape[0])

    @property
    def hand_search_ms(self) -> float:
        return self._hand_search_ms

    @hand_search_ms.setter
    def hand_search_ms(self, value: float) -> None:
        """May change while running (e.g. search less often while the window is hidden)."""
        self._hand_search_ms = max(0.0, float(value))
        self._hand_search.per_second = 1000.0 / self._hand_search_ms if self._hand_search_ms else None

    def _hands_due(self, timestamp_ms: int) -> bool:
        """Whether the hand model gets this frame (see hand_search_ms). A frame it does not get carries the
        last hand result, which was "no hand": a hand seen lately always gets the frame."""
        seen_lately = (self._hand_seen_ms is not None
                       and 0 <= timestamp_ms - self._hand_seen_ms < self._hand_search_ms)
        return self._hand_search.take(timestamp_ms, force=seen_lately)

    @staticmethod
    def _to_landmarks(face, hands, width: int, height: int) -> Landmarks:
        face_points = blendshapes = None
        if face.face_landmarks:
            face_points = np.array([(p.x, p.y, p.z) for p in face.face_landmarks[0]], dtype=np.float32)
            if face.face_blendshapes:
                blendshapes = np.array([c.score for c in face.face_blendshapes[0]], dtype=np.float32)
        found = []
        if hands is not None:
            for points, labels in zip(hands.hand_landmarks, hands.handedness):
                xyz = np.array([(p.x, p.y, p.z) for p in points], dtype=np.float32)
                found.append((labels[0].category_name, labels[0].score, xyz))
        left, right = hand_slots(found)
        return Landmarks(face_points, blendshapes, left, right, width, height)

    def close(self) -> None:
        self._muffler.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for name in ("_hands", "_face"):
            landmarker = getattr(self, name, None)
            if landmarker is not None:
                setattr(self, name, None)
                landmarker.close()

    def __enter__(self) -> "LandmarkDetector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def mirrored_rgb(bgr: np.ndarray) -> np.ndarray:
    """OpenCV's BGR frame -> the mirrored RGB picture MediaPipe sees (and the preview shows)."""
    return cv2.cvtColor(cv2.flip(bgr, 1), cv2.COLOR_BGR2RGB)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# The order FaceLandmarker reports them in (checked against mediapipe 1.2.2; a test guards it).
BLENDSHAPE_NAMES = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft",
    "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight",
    "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight",
    "jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight",
    "mouthFrownLeft", "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft",
    "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft",
    "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight",
)
