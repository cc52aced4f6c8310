"""Keep native libraries' start-up chatter (absl, TFLite, oneDNN INFO/WARNING lines) off the terminal."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile


class NativeLogMuffler:
    """Points file descriptor 2 at a temporary file between start() and stop().

    MediaPipe and TensorFlow write their INFO/WARNING lines straight to fd 2, and once OpenCV is loaded
    no environment variable silences them. We muffle only short, known-noisy stretches (landmarkers
    starting and their first frames, TensorFlow's import); stop(replay=True) writes the captured text
    out after all, for when something failed meanwhile, so no real diagnostic is lost.
    """

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._saved_fd: int | None = None
        self._capture = None

    def start(self) -> None:
        if not self.enabled or self._saved_fd is not None:
            return
        try:
            sys.stderr.flush()
            self._capture = tempfile.TemporaryFile(mode="w+b")
            self._saved_fd = os.dup(2)
            os.dup2(self._capture.fileno(), 2)
        except OSError:  # no usable fd 2 (some GUI launchers): nothing to muffle
            self._saved_fd = None

    def stop(self, replay: bool = False) -> None:
        if self._saved_fd is None:
            return
        os.dup2(self._saved_fd, 2)
        os.close(self._saved_fd)
        self._saved_fd = None
        if replay and self._capture is not None:
            self._capture.seek(0)
            text = self._capture.read().decode("utf-8", "replace")
            if text:
                sys.stderr.write(text)
                sys.stderr.flush()
        if self._capture is not None:
            self._capture.close()
            self._capture = None


@contextlib.contextmanager
def muffled_native_logs(enabled: bool = True):
    """Muffle fd 2 for the block; on an exception the captured text is replayed."""
    muffler = NativeLogMuffler(enabled)
    muffler.start()
    try:
        yield
    except BaseException:
        muffler.stop(replay=True)
        raise
    muffler.stop()
