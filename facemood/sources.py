"""`--source` -> frames: a camera index, a video file, an image file or a folder of images.

Every source yields `Frame`s (BGR pixels as OpenCV reads them, with a strictly increasing timestamp in
milliseconds, which MediaPipe's VIDEO mode requires). Streams (camera, video) are tracked from frame to
frame; stills (image, folder) are detected one by one.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from .errors import FacemoodError
from .files import is_camera_device, special_kind

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
# OpenCV prints its own messages ("Camera index out of range") to stderr; we say it in one line instead.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


@dataclass(frozen=True)
class Frame:
    index: int
    timestamp_ms: int
    image: np.ndarray  # BGR, uint8, H x W x 3
    name: str = ""  # the image file, for folders


class FrameSource:
    """Base class: iterate for frames; use as a context manager so devices are always released."""

    description = ""
    is_stream = False  # True: consecutive frames of one scene (VIDEO mode tracking applies)
    fps: float = 0.0
    frame_count: int | None = None

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "FrameSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_image(path: Path) -> np.ndarray | None:
    # np.fromfile + imdecode also reads paths with non-ASCII characters on every OS.
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError:
        return None
    if data.size == 0:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return image if image is not None and image.size else None


def _natural_key(path: Path) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


class ImageSource(FrameSource):
    def __init__(self, paths: list[Path], description: str):
        self.paths = paths
        self.description = description
        self.frame_count = len(paths)
        self.skipped: list[Path] = []

    def __iter__(self) -> Iterator[Frame]:
        produced = 0
        for path in self.paths:
            image = _read_image(path)
            if image is None:
                log.warning("skipping %s: not a readable image", path)
                self.skipped.append(path)
                continue
            yield Frame(produced, produced * 1000, image, path.name)
            produced += 1
        if produced == 0:
            raise FacemoodError(f"no readable image in {self.description}: check the files or pass another --source")


class VideoSource(FrameSource):
    """A video file, or a camera when `camera` is set. `loop` replays a file (a stand-in camera)."""

    def __init__(self, capture: cv2.VideoCapture, description: str, camera: bool, loop: bool = False,
                 realtime: bool = False):
        self.capture = capture
        self.description = description
        self.camera = camera
        self.is_stream = True
        self.loop = loop and not camera
        # Pace a file at its own frame rate, dropping frames when the reader falls behind (a camera
        # never waits for its reader either).
        self.realtime = realtime and not camera
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1 <= fps <= 240 else 30.0
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if not camera else 0
        self.frame_count = count if count > 0 else None

    def _read(self) -> np.ndarray | None:
        ok, image = self.capture.read()
        return image if ok and image is not None and image.size else None

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        last_ms = -1
        start = time.monotonic()
        file_ms = 0.0  # position in the file, across loops
        while True:
            if self.realtime:
                due = start + file_ms / 1000.0
                now = time.monotonic()
                if now < due:
                    time.sleep(due - now)
                elif now - due > 1.0 / self.fps:
                    # Behind: skip the frames whose time has passed instead of queueing them.
                    if self.capture.grab():
                        file_ms += 1000.0 / self.fps
                        continue
            image = self._read()
            if image is None:
                if self.camera and index == 0:
                    raise FacemoodError(
                        f"{self.description} opened but gives no frames: it may be in use by another app; "
                        "close that app or pass --source with another camera index or a video file")
                if self.camera:
                    raise FacemoodError(f"{self.description} stopped giving frames: check the cable or pass another --source")
                if index == 0:
                    raise FacemoodError(f"cannot read any frame from {self.description}: the file is damaged or its "
                                        "format is not supported; convert it to .mp4 or pass another --source")
                if not self.loop:
                    return
                self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                continue
            if self.camera:
                stamp = int((time.monotonic() - start) * 1000)
            else:
                stamp = int(file_ms)
                file_ms += 1000.0 / self.fps
            stamp = max(stamp, last_ms + 1)  # MediaPipe's VIDEO mode needs strictly increasing times
            last_ms = stamp
            yield Frame(index, stamp, image)
            index += 1

    def close(self) -> None:
        self.capture.release()


def _camera_index(text: str) -> int | None:
    """The camera index `--source` names, or None for a path (a file named "0" wins over camera 0)."""
    return int(text) if re.fullmatch(r"\d{1,3}", text) and not Path(text).exists() else None


def describe_source(spec: str | int | Path) -> str:
    """How to name `--source` to the user before it is open: "camera 0", or the path as given."""
    text = str(spec).strip()
    index = _camera_index(text)
    return text if index is None else f"camera {index}"


def _open_camera(device: int | str, name: str, width: int, height: int) -> VideoSource:
    capture = cv2.VideoCapture(device)
    if not capture.isOpened():
        capture.release()
        raise FacemoodError(
            f"cannot open {name}: no such camera, or no permission to use it; "
            "plug one in, pass --source with another index, or a video or image file")
    capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
    capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
    return VideoSource(capture, name, camera=True)


def open_source(spec: str | int | Path, *, loop: bool = False, realtime: bool = False,
                width: int = 640, height: int = 480) -> FrameSource:
    """Open `--source`: a camera index ("0"), a video file, an image file or a folder of images.

    Raises FacemoodError with one line naming the device or file when it cannot be used.
    """
    text = str(spec).strip()
    index = _camera_index(text)
    if index is not None:
        return _open_camera(index, f"camera {index}", width, height)

    path = Path(text).expanduser()
    if not path.exists():
        raise FacemoodError(f"--source {text}: no such file, folder or camera index")
    if is_camera_device(path):
        return _open_camera(str(path), f"camera {path}", width, height)
    if not path.is_dir() and not path.is_file():
        # OpenCV would wait inside its own code for a pipe's writer, deaf to Ctrl-C and kill.
        raise FacemoodError(f"--source {path} is {special_kind(path.stat().st_mode)}, not a video, an image or a "
                            "folder of images: pass a file, a folder or a camera index")
    if path.is_dir():
        images = sorted((p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
                        key=_natural_key)
        if not images:
            kinds = " ".join(sorted(IMAGE_SUFFIXES))
            raise FacemoodError(f"folder {path} holds no images ({kinds}): put frames there or pass another --source")
        return ImageSource(images, f"folder {path}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        if _read_image(path) is None:
            raise FacemoodError(f"cannot read image {path}: the file is empty, damaged or not an image")
        return ImageSource([path], f"image {path}")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise FacemoodError(f"cannot read {path}: not a video or image OpenCV can open; convert it to .mp4 or .png")
    return VideoSource(capture, f"video {path}", camera=False, loop=loop, realtime=realtime)


class LatestFrame:
    """Reads a source on its own thread and keeps only the newest frame.

    The window's live loop takes whatever is newest when it is ready for more: when processing is slower
    than the camera, frames are dropped, never queued (a queue would make the view lag further and
    further behind). `error` holds the FacemoodError that stopped the source, if any.
    """

    def __init__(self, source: FrameSource):
        self.source = source
        self.error: FacemoodError | None = None
        self.finished = False
        self.dropped = 0
        self._frame: Frame | None = None
        self._fresh = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="frames", daemon=True)

    def start(self) -> "LatestFrame":
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for frame in self.source:
                if self._stop.is_set():
                    break
                with self._fresh:
                    if self._frame is not None:
                        self.dropped += 1
                    self._frame = frame
                    self._fresh.notify_all()
        except FacemoodError as exc:
            self.error = exc
        except Exception as exc:  # a camera driver failing mid-stream: report it, do not kill the app
            log.exception("reading %s failed", self.source.description)
            self.error = FacemoodError(f"{self.source.description} failed: {exc}")
        finally:
            with self._fresh:
                self.finished = True
                self._fresh.notify_all()

    def next(self, timeout: float = 1.0) -> Frame | None:
        """The newest frame not handed out yet; None if none came within `timeout` or the source ended."""
        with self._fresh:
            if self._frame is None and not self.finished:
                self._fresh.wait(timeout)
            frame, self._frame = self._frame, None
            return frame

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.source.close()
