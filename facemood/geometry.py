"""Landmark geometry that does not depend on how the head sits or how far away it is.

Pure numpy functions on rows of any layout (see rows.py): each face and hand block holds points as
(x, y) relative to its anchor point (the nose tip, the index finger tip). Before the model reads them:

  face:  turned so the eye line is level (a tilted head reads like an upright one), then divided by its
         size (the RMS distance of its points from the anchor: near and far read alike);
  hands: turned so the wrist -> middle-finger-base line points one way (a hand sign reads the same at
         any angle), then divided by their size; a missing hand stays all zeros;
  blendshape scores (when the layout has them) pass through: they are already pose-free.

Rotating about the anchor point is what rotating the row's own coordinates means, so rows of the classic
tutorial files (1020 columns) go through unchanged code.
"""

from __future__ import annotations

import numpy as np

from .rows import FACE_COLUMNS, HAND_COLUMNS, Layout

#: Outer and inner corners of each eye in MediaPipe's face mesh: the eye line runs between their means.
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (263, 362)
#: The hand's own axis: wrist -> base of the middle finger.
WRIST, MIDDLE_FINGER_BASE = 0, 9

#: How each version of the model prepares a row; saved with every model. "scale" is what facemood 0.1
#: models were trained on; "upright" adds the rotations above.
GEOMETRIES = ("scale", "upright")
#: Blocks smaller than this are divided by it instead of their size: a missing hand (all zeros) stays zeros.
MIN_SIZE = 1e-6


def as_points(block: np.ndarray) -> np.ndarray:
    """(n, 2k) columns x0, y0, x1, y1 ... -> (n, k, 2) points."""
    return block.reshape(len(block), -1, 2)


def rotate(points: np.ndarray, radians: np.ndarray) -> np.ndarray:
    """Turn each row's (k, 2) points about the origin (the block's anchor) by its own angle."""
    cos, sin = np.cos(radians)[:, None], np.sin(radians)[:, None]
    x, y = points[..., 0], points[..., 1]
    return np.stack([cos * x - sin * y, sin * x + cos * y], axis=-1)


def direction(points: np.ndarray, start: tuple[int, ...] | int, end: tuple[int, ...] | int) -> np.ndarray:
    """Each row's angle (radians) of the line from the mean of points `start` to the mean of `end`."""
    line = points[:, end].reshape(len(points), -1, 2).mean(1) - points[:, start].reshape(len(points), -1, 2).mean(1)
    return np.arctan2(line[:, 1], line[:, 0])


def unit_size(points: np.ndarray) -> np.ndarray:
    """Divide each row's points by their RMS distance from the anchor; all-zero rows stay zero."""
    size = np.sqrt(np.mean(np.sum(points * points, axis=-1), axis=1))
    return points / np.maximum(size, MIN_SIZE)[:, None, None]


def upright_face(points: np.ndarray) -> np.ndarray:
    return unit_size(rotate(points, -direction(points, RIGHT_EYE_CORNERS, LEFT_EYE_CORNERS)))


def upright_hand(points: np.ndarray) -> np.ndarray:
    # A missing hand is all zeros: its angle is 0 and it stays zeros.
    return unit_size(rotate(points, -direction(points, WRIST, MIDDLE_FINGER_BASE)))


def normalise(rows: np.ndarray, layout: Layout, geometry: str = "upright") -> np.ndarray:
    """(n, layout.width) rows -> (n, layout.width) float32 features the model reads."""
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, layout.width)
    out = rows.copy()
    face = as_points(rows[:, layout.face])
    if geometry == "upright":
        out[:, layout.face] = upright_face(face).reshape(len(rows), FACE_COLUMNS)
    elif geometry == "scale":
        out[:, layout.face] = unit_size(face).reshape(len(rows), FACE_COLUMNS)
    else:
        raise ValueError(f"unknown geometry {geometry!r}")
    for hand in (layout.left_hand, layout.right_hand):
        points = as_points(rows[:, hand])
        points = upright_hand(points) if geometry == "upright" else unit_size(points)
        out[:, hand] = points.reshape(len(rows), HAND_COLUMNS)
    return out.astype(np.float32)


def tilt(rows: np.ndarray, layout: Layout, degrees: float) -> np.ndarray:
    """Rows as if the head (and hands) were turned in the picture plane by `degrees`: every face and hand
    block rotated about its own anchor. For benchmarks and tests of rotation invariance."""
    rows = np.array(rows, dtype=np.float64, ndmin=2)
    out = rows.copy()
    angle = np.full(len(rows), np.deg2rad(degrees))
    for block in (layout.face, layout.left_hand, layout.right_hand):
        out[:, block] = rotate(as_points(rows[:, block]), angle).reshape(len(rows), -1)
    return out
