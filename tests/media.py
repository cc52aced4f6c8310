"""Real pictures for tests and benchmarks: skimage's astronaut (Eileen Collins, smiling; public domain,
NASA) placed on a 640x480 frame, and videos written from such frames with a little natural motion.

No package here ships a photo of a face next to a hand, so the hand frames paste the astronaut's head
into a real photo of a man holding a calibration board up in his right hand: OpenCV's sample
`samples/data/right04.jpg` (Apache-2.0 AND BSD-3-Clause, as Debian's opencv-doc ships it), kept in
tests/data/. MediaPipe finds both the face and the hand in every frame of `hand_frames`.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480
BACKGROUND = (40, 40, 40)
HAND_PHOTO = Path(__file__).parent / "data" / "opencv_right04.jpg"  # 640x480, grey, a hand at the right
# The astronaut's head and collar in her 512x512 picture (rows, columns), and where it goes in the hand
# photo: over the board, leaving the fist that holds it in view.
_HEAD = (slice(0, 260), slice(100, 350))
_HEAD_SCALE = 1.2
_HEAD_AT = (40, 8)  # top, left


def astronaut_bgr() -> np.ndarray:
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


# The astronaut's mouth in her 512x512 picture (rows, columns). Turned upside down, her smile becomes a
# frown: MediaPipe's blendshapes then read sad (frowning corners), a second real mood of one real face.
_MOUTH = (slice(131, 164), slice(192, 255))


def frowning_astronaut_bgr() -> np.ndarray:
    picture = astronaut_bgr()
    picture[_MOUTH] = picture[_MOUTH][::-1].copy()
    return picture


def astronaut_frame(shift: int = 0, angle: float = 0.0, scale: float = 1.0, face_size: int = 448,
                    picture: np.ndarray | None = None) -> np.ndarray:
    """A 640x480 BGR frame with the astronaut's head and shoulders (or `picture`, e.g. frowning), moved,
    turned and zoomed a little."""
    canvas = np.full((HEIGHT, WIDTH, 3), BACKGROUND, np.uint8)
    picture = astronaut_bgr() if picture is None else picture
    face = cv2.resize(picture, (face_size, face_size), interpolation=cv2.INTER_AREA)
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


def moving_frames(count: int, angle: float = 0.0, phase: float = 0.0,
                  picture: np.ndarray | None = None) -> list[np.ndarray]:
    """`count` frames of the astronaut swaying gently around `angle` degrees of head tilt; another
    `phase` gives other movements."""
    return [astronaut_frame(shift=int(8 * np.sin(i / 5 + phase)), angle=angle + 2 * np.sin(i / 7 + phase),
                            scale=1 + 0.05 * np.sin(i / 9 + phase), picture=picture) for i in range(count)]


def astronaut_video(path: Path, count: int = 60, angle: float = 0.0, fps: float = 30.0, phase: float = 0.0,
                    picture: np.ndarray | None = None) -> Path:
    return write_video(path, moving_frames(count, angle, phase, picture), fps)


def hand_frame(step: float = 0.0) -> np.ndarray:
    """A 640x480 BGR frame with a face and a hand in view (see the module's note). `step` moves the head
    a little within the picture and the whole picture a little in the frame, as a held camera would."""
    canvas = cv2.imread(str(HAND_PHOTO), cv2.IMREAD_COLOR)
    if canvas is None:
        raise RuntimeError(f"cannot read {HAND_PHOTO}")
    head = cv2.resize(astronaut_bgr()[_HEAD], None, fx=_HEAD_SCALE, fy=_HEAD_SCALE, interpolation=cv2.INTER_AREA)
    top = _HEAD_AT[0] + int(6 * np.sin(step / 6))
    left = _HEAD_AT[1] + int(6 * np.sin(step / 5))
    rows, cols = min(head.shape[0], HEIGHT - top), min(head.shape[1], WIDTH - left)
    canvas[top:top + rows, left:left + cols] = head[:rows, :cols]
    matrix = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), np.sin(step / 7), 1.0)
    matrix[:, 2] += (4 * np.sin(step / 9), 4 * np.sin(step / 11))
    return cv2.warpAffine(canvas, matrix, (WIDTH, HEIGHT), borderMode=cv2.BORDER_REFLECT)


def hand_video(path: Path, count: int = 60, fps: float = 30.0) -> Path:
    return write_video(path, [hand_frame(i) for i in range(count)], fps)
