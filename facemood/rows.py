"""Landmarks -> one feature row. Pure functions; the layouts are the contract between recording,
training and inference.

classic (1020 floats), as the tutorial scripts wrote it:
  468 face points as (x, y) minus face point 1 (the nose tip)          -> 936
  "left" hand 21 points as (x, y) minus its point 8 (index finger tip)  -> 42, zeros if absent
  "right" hand likewise                                                 -> 42, zeros if absent
blendshapes (1072 floats): the classic row followed by MediaPipe's 52 blendshape scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .landmarks import Landmarks

CLASSIC_FACE_POINTS = 468
FACE_ANCHOR = 1  # nose tip
HAND_ANCHOR = 8  # index finger tip
FACE_COLUMNS = CLASSIC_FACE_POINTS * 2  # 936
HAND_COLUMNS = 21 * 2  # 42
CLASSIC_WIDTH = FACE_COLUMNS + 2 * HAND_COLUMNS  # 1020
BLENDSHAPE_COLUMNS = 52
BLENDSHAPES_WIDTH = CLASSIC_WIDTH + BLENDSHAPE_COLUMNS  # 1072


@dataclass(frozen=True)
class Layout:
    """A row layout: its id (saved with every model), width and column blocks."""

    id: str
    width: int
    description: str
    has_blendshapes: bool = False

    # Every layout starts with the classic blocks.
    face = slice(0, FACE_COLUMNS)
    left_hand = slice(FACE_COLUMNS, FACE_COLUMNS + HAND_COLUMNS)
    right_hand = slice(FACE_COLUMNS + HAND_COLUMNS, CLASSIC_WIDTH)

    @property
    def blendshapes(self) -> slice | None:
        return slice(CLASSIC_WIDTH, self.width) if self.has_blendshapes else None


CLASSIC = Layout("classic-1020", CLASSIC_WIDTH, "classic tutorial layout: face and hand points")
BLENDSHAPES = Layout("blendshapes-1072", BLENDSHAPES_WIDTH, "classic layout + 52 blendshape scores",
                     has_blendshapes=True)
LAYOUTS = {layout.id: layout for layout in (CLASSIC, BLENDSHAPES)}
_BY_WIDTH = {layout.width: layout for layout in LAYOUTS.values()}


def layout_for_width(width: int) -> Layout | None:
    return _BY_WIDTH.get(int(width))


def relative_xy(points: np.ndarray, anchor: int) -> np.ndarray:
    """(N, >=2) points -> flat [x0 - xa, y0 - ya, x1 - xa, ...] relative to point `anchor`."""
    xy = np.asarray(points, dtype=np.float64)[:, :2]
    return (xy - xy[anchor]).ravel()


def classic_row(face: np.ndarray, left_hand: np.ndarray | None, right_hand: np.ndarray | None) -> np.ndarray:
    """The classic 1020-float row from face points (>= 468) and the two hand slots."""
    parts = [relative_xy(face[:CLASSIC_FACE_POINTS], FACE_ANCHOR)]
    for hand in (left_hand, right_hand):
        parts.append(relative_xy(hand, HAND_ANCHOR) if hand is not None else np.zeros(HAND_COLUMNS))
    return np.concatenate(parts)


def make_row(landmarks: Landmarks, layout: Layout = BLENDSHAPES) -> np.ndarray | None:
    """The row for `layout`, or None when the frame has no face (such frames give no row)."""
    if landmarks.face is None:
        return None
    row = classic_row(landmarks.face, landmarks.left_hand, landmarks.right_hand)
    if layout.blendshapes is None:
        return row
    blend = landmarks.blendshapes if landmarks.blendshapes is not None else np.zeros(BLENDSHAPE_COLUMNS)
    return np.concatenate([row, np.asarray(blend, dtype=np.float64)])
