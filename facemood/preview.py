"""The live view's pictures: each reading's mirrored frame as a JPEG, with the landmarks drawn when asked."""

from __future__ import annotations

from collections.abc import Callable

import cv2

from .live import Reading
from .overlay import draw_landmarks
from .stream import JpegBuffer

JPEG_QUALITY = 80


class Preview:
    """A live-session consumer that publishes into `frames`, which the loopback server streams."""

    def __init__(self, frames: JpegBuffer, show_landmarks: Callable[[], bool], quality: int = JPEG_QUALITY):
        self.frames = frames
        self.show_landmarks = show_landmarks
        self.quality = quality

    def on_reading(self, reading: Reading) -> None:
        view = cv2.cvtColor(reading.rgb, cv2.COLOR_RGB2BGR)
        if self.show_landmarks():
            draw_landmarks(view, reading.landmarks)
        ok, jpeg = cv2.imencode(".jpg", view, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if ok:
            self.frames.publish(jpeg.tobytes())
