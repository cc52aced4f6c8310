"""What kind of file a path is, before anything opens it.

Opening a named pipe (FIFO) blocks until some other program writes to it, and a character device such
as /dev/zero never ends: neither is a recording, a video or an image, and reading one would hang.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))
#: Linux's video4linux devices (/dev/video0 ...): cameras, which OpenCV opens by path too.
V4L_MAJOR = 81


def special_kind(mode: int) -> str | None:
    """'a named pipe (FIFO)', 'a folder' ... for a file mode that is not a regular file; None if it is."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def is_camera_device(path: Path) -> bool:
    """Whether `path` is a video4linux device node (a camera on Linux)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return stat.S_ISCHR(st.st_mode) and hasattr(os, "major") and os.major(st.st_rdev) == V4L_MAJOR


class NotAFile(ValueError):
    """A path that exists but is not a regular file; `kind` says what it is."""

    def __init__(self, path: Path, kind: str):
        super().__init__(f"{path} is {kind}")
        self.kind = kind


def open_regular(path: Path):
    """Open `path` for reading in binary, refusing (NotAFile) anything but a regular file, without
    blocking: a FIFO opens at once in non-blocking mode and is then refused."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        kind = special_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotAFile(Path(path), kind)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
