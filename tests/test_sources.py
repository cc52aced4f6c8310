import os
import socket
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from facemood.errors import FacemoodError
from facemood.files import is_camera_device
from facemood.sources import describe_source, open_source
from tests import media
from tests.conftest import ROOT


def test_video_frames_have_strictly_increasing_timestamps(upright_video):
    with open_source(upright_video) as source:
        assert source.is_stream and source.fps == pytest.approx(30, abs=0.5)
        frames = list(source)
    assert len(frames) == 60
    stamps = [f.timestamp_ms for f in frames]
    assert all(b > a for a, b in zip(stamps, stamps[1:]))
    assert stamps[1] - stamps[0] == pytest.approx(33, abs=1)
    assert frames[0].image.shape == (480, 640, 3)


def test_looping_video_keeps_going_with_increasing_time(upright_video):
    with open_source(upright_video, loop=True) as source:
        frames = []
        for frame in source:
            frames.append(frame.timestamp_ms)
            if len(frames) == 150:
                break
    assert all(b > a for a, b in zip(frames, frames[1:]))


def test_image_file_is_one_still(astronaut_png):
    with open_source(astronaut_png) as source:
        assert not source.is_stream
        frames = list(source)
    assert len(frames) == 1 and frames[0].name == "astronaut.png"


def test_folder_reads_images_in_natural_order_and_skips_broken_ones(tmp_path):
    for name in ("frame10.png", "frame2.png", "frame1.jpg"):
        cv2.imwrite(str(tmp_path / name), media.astronaut_frame())
    (tmp_path / "frame3.png").write_bytes(b"not a png")
    (tmp_path / "notes.txt").write_text("ignored")
    with open_source(tmp_path) as source:
        names = [f.name for f in source]
    assert names == ["frame1.jpg", "frame2.png", "frame10.png"]


@pytest.mark.parametrize("make, says", [
    (lambda p: p / "missing.mp4", "no such file"),
    (lambda p: p, "holds no images"),
])
def test_missing_or_empty_sources_are_refused(tmp_path, make, says):
    with pytest.raises(FacemoodError, match=says):
        open_source(make(tmp_path))


def test_broken_video_and_image_are_refused(tmp_path):
    (tmp_path / "broken.mp4").write_bytes(b"\x00" * 1000)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(FacemoodError, match="broken.mp4"):
        open_source(tmp_path / "broken.mp4")
    with pytest.raises(FacemoodError, match="broken.png"):
        open_source(tmp_path / "broken.png")


def test_absent_camera_is_named_in_the_error():
    # No camera exists on the test machines; index 9 is absent on nearly every machine anyway.
    with pytest.raises(FacemoodError, match="camera 9"):
        with open_source("9") as source:
            next(iter(source))


def test_realtime_pacing_drops_frames_instead_of_queueing(upright_video):
    import time

    with open_source(upright_video, realtime=True) as source:
        started = time.monotonic()
        seen = []
        for frame in source:
            seen.append(frame.index)
            time.sleep(0.1)  # a reader three times slower than the video
    elapsed = time.monotonic() - started
    assert elapsed < 3.0  # the 2 s video is not stretched to 60 x 0.1 s
    assert len(seen) < 40


def test_sources_are_named_for_people(tmp_path, monkeypatch):
    assert describe_source("0") == "camera 0"
    assert describe_source(" 2 ") == "camera 2"
    assert describe_source("clip.mp4") == "clip.mp4"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "0").write_bytes(b"")  # a file named like a camera index is the file
    assert describe_source("0") == "0"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and sockets are POSIX things")
@pytest.mark.parametrize("make, says", [
    (lambda p: _fifo(p / "clip.mp4"), "is a named pipe (FIFO)"),
    (lambda p: _fifo(p / "still.png"), "is a named pipe (FIFO)"),
    (lambda p: Path("/dev/null"), "is a character device"),
    (lambda p: _bound_socket(p / "sock"), "is a socket"),
])
def test_what_cannot_be_a_video_image_or_folder_is_refused_at_once(tmp_path, make, says):
    """OpenCV used to wait inside its own code for a writer to the pipe, deaf to Ctrl-C and kill: open the
    source in a child process, which the timeout kills should that come back."""
    path = make(tmp_path)
    code = ("import sys\nfrom facemood.errors import FacemoodError\nfrom facemood.sources import open_source\n"
            "try:\n    open_source(sys.argv[1])\nexcept FacemoodError as exc:\n    sys.exit(str(exc))\n")
    child = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True,
                           timeout=60)
    assert child.returncode == 1 and says in child.stderr and str(path) in child.stderr, child
    assert not is_camera_device(path)


def _fifo(path):
    os.mkfifo(path)
    return path


def _bound_socket(path):
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    return path
