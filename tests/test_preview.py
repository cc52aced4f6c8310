"""The live view's JPEGs from real readings: the mirrored frame, landmarks drawn only when asked, and
made only while someone watches."""

from __future__ import annotations

import cv2
import numpy as np

from facemood.preview import Preview
from facemood.stream import JpegBuffer


def watched() -> JpegBuffer:
    """A buffer with a reader, as when the page's live view is connected."""
    frames = JpegBuffer()
    assert frames.add_reader(limit=1)
    return frames


def published(preview: Preview, reading) -> np.ndarray:
    before = preview.frames.newer_than(0, timeout=0)[1]
    preview.on_reading(reading)
    jpeg, seq = preview.frames.newer_than(before, timeout=0)
    assert jpeg is not None and seq == before + 1
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def test_each_reading_becomes_a_jpeg_of_the_mirrored_frame(readings):
    reading = readings[0]
    image = published(Preview(watched(), show_landmarks=lambda: False), reading)
    expected = cv2.cvtColor(reading.rgb, cv2.COLOR_RGB2BGR)  # the frame as MediaPipe saw it, mirrored
    assert image.shape == expected.shape
    assert np.abs(image.astype(int) - expected).mean() < 3  # JPEG's loss only
    assert np.abs(image.astype(int) - reading.frame.image).mean() > 10  # not the unmirrored camera frame


def test_landmarks_are_drawn_on_the_face_when_asked_and_the_choice_is_read_every_frame(readings):
    reading = readings[0]
    show = [False]
    preview = Preview(watched(), show_landmarks=lambda: show[0])
    plain = published(preview, reading).astype(int)
    show[0] = True
    drawn = published(preview, reading).astype(int)
    changed = np.abs(drawn - plain).sum(axis=2) > 60
    ys, xs = np.nonzero(changed)
    face = reading.landmarks.face[:, :2] * (reading.landmarks.width, reading.landmarks.height)
    assert changed.sum() > 500
    assert face[:, 0].min() - 5 <= xs.min() and xs.max() <= face[:, 0].max() + 5  # on the face, nowhere else
    assert face[:, 1].min() - 5 <= ys.min() and ys.max() <= face[:, 1].max() + 5


def test_no_jpeg_is_made_while_nobody_reads_the_stream_or_the_window_is_not_seen(readings):
    seen = [True]
    frames = JpegBuffer()
    preview = Preview(frames, show_landmarks=lambda: True, seen=lambda: seen[0])
    preview.on_reading(readings[0])
    assert frames.newer_than(0, timeout=0) == (None, 0)  # no reader: the page's live view is not connected
    assert frames.add_reader(limit=1) and not frames.add_reader(limit=1)
    seen[0] = False
    preview.on_reading(readings[0])
    assert frames.newer_than(0, timeout=0) == (None, 0)  # a reader, but the window is hidden
    seen[0] = True
    preview.on_reading(readings[0])
    assert frames.newer_than(0, timeout=0)[1] == 1
    frames.remove_reader()
    preview.on_reading(readings[1])
    assert frames.readers == 0 and frames.newer_than(1, timeout=0) == (None, 1)
