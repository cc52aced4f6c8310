"""The live view's pictures: each reading's mirrored frame as a JPEG, with the landmarks drawn when asked."""

from __future__ import annotations

from collections.abc import Callable

import cv2

from .live import Reading
from .overlay import draw_landmarks
from .stream import JpegBuffer

JPEG_QUALITY = 80


class Preview:
    """A live-session consumer that publishes into `frames`, which the loopback server streams. It makes
    JPEGs only while `seen()` and someone reads `frames` (the page's live view is connected)."""

    def __init__(self, frames: JpegBuffer, show_landmarks: Callable[[], bool], quality: int = JPEG_QUALITY,
                 seen: Callable[[], bool] = lambda: True):
        self.frames = frames
        self.show_landmarks = show_landmarks
        self.quality = quality
        self.seen = seen

    def on_reading(self, reading: Reading) -> None:
        if not (self.frames.readers and self.seen()):
            return
        view = cv2.cvtColor(reading.rgb, cv2.COLOR_RGB2BGR)
        if self.show_landmarks():
            draw_landmarks(view, reading.landmarks)
        ok, jpeg = cv2.imencode(".jpg", view, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if ok:
            self.frames.publish(jpeg.tobytes())
