"""Draw landmarks on the (mirrored) frame the user sees: the collect preview and the window."""

from __future__ import annotations

import functools

import cv2
import numpy as np

from .landmarks import Landmarks, import_mediapipe

FACE_COLOR = (140, 230, 120)  # BGR
HAND_COLORS = ((60, 160, 255), (255, 170, 60))  # classic "left" slot, "right" slot


@functools.lru_cache(maxsize=1)
def _connections() -> tuple[np.ndarray, np.ndarray]:
    import_mediapipe()
    from mediapipe.tasks.python.vision import FaceLandmarksConnections, HandLandmarksConnections

    face = np.array([(c.start, c.end) for c in FaceLandmarksConnections.FACE_LANDMARKS_CONTOURS])
    hand = np.array([(c.start, c.end) for c in HandLandmarksConnections.HAND_CONNECTIONS])
    return face, hand


def _lines(image: np.ndarray, points: np.ndarray, pairs: np.ndarray, color, thickness: int) -> None:
    h, w = image.shape[:2]
    xy = np.round(points[:, :2] * (w, h)).astype(np.int32)
    cv2.polylines(image, [xy[list(pair)] for pair in pairs], False, color, thickness, cv2.LINE_AA)


def draw_landmarks(image: np.ndarray, landmarks: Landmarks) -> np.ndarray:
    """Draw face contours and hand skeletons onto `image` (BGR, the mirrored frame) in place."""
    face_pairs, hand_pairs = _connections()
    thickness = max(1, round(image.shape[1] / 640))
    if landmarks.face is not None:
        _lines(image, landmarks.face, face_pairs, FACE_COLOR, thickness)
    for hand, color in zip((landmarks.left_hand, landmarks.right_hand), HAND_COLORS):
        if hand is not None:
            _lines(image, hand, hand_pairs, color, thickness + 1)
    return image


def put_label(image: np.ndarray, text: str, origin: tuple[int, int] = (16, 36)) -> None:
    """Readable text on any background: dark outline, light fill."""
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.9, (20, 20, 20), 4, cv2.LINE_AA)
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 255), 2, cv2.LINE_AA)
