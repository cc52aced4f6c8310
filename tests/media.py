"""Real pictures for tests and benchmarks: skimage's astronaut (Eileen Collins, smiling; public domain,
NASA) placed on a 640x480 frame, and videos written from such frames with a little natural motion."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480
BACKGROUND = (40, 40, 40)


def astronaut_bgr() -> np.ndarray:
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def astronaut_frame(shift: int = 0, angle: float = 0.0, scale: float = 1.0, face_size: int = 448) -> np.ndarray:
    """A 640x480 BGR frame with the astronaut's head and shoulders, moved, turned and zoomed a little."""
    canvas = np.full((HEIGHT, WIDTH, 3), BACKGROUND, np.uint8)
    face = cv2.resize(astronaut_bgr(), (face_size, face_size), interpolation=cv2.INTER_AREA)
    top, left = (HEIGHT - face_size) // 2, (WIDTH - face_size) // 2 + shift
    canvas[top:top + face_size, left:left + face_size] = face
    matrix = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), angle, scale)
    return cv2.warpAffine(canvas, matrix, (WIDTH, HEIGHT), borderValue=BACKGROUND)


def blank_frame() -> np.ndarray:
    """A frame with no face in it."""
    return np.full((HEIGHT, WIDTH, 3), BACKGROUND, np.uint8)


def write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    path = Path(path)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def moving_frames(count: int, angle: float = 0.0, phase: float = 0.0) -> list[np.ndarray]:
    """`count` frames of the astronaut swaying gently around `angle` degrees of head tilt; another
    `phase` gives other movements."""
    return [astronaut_frame(shift=int(8 * np.sin(i / 5 + phase)), angle=angle + 2 * np.sin(i / 7 + phase),
                            scale=1 + 0.05 * np.sin(i / 9 + phase)) for i in range(count)]


def astronaut_video(path: Path, count: int = 60, angle: float = 0.0, fps: float = 30.0, phase: float = 0.0) -> Path:
    return write_video(path, moving_frames(count, angle, phase), fps)
