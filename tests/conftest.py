"""Shared fixtures: real media (skimage's astronaut, videos made from it) and real landmark rows."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests import media

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_tool(script: str, *args: str, timeout: float = 180, env: dict | None = None) -> Result:
    """Run collect.py / train.py / infer.py (or "facemood", the command) as a user would, in a fresh interpreter."""
    # No display unless a test asks for one: the tools must then fall back to no preview by themselves.
    full_env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    full_env.update(env or {})
    command = ["-m", "facemood"] if script == "facemood" else [str(ROOT / script)]
    proc = subprocess.run([sys.executable, *command, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=full_env, cwd=ROOT)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def assert_clean_error(result: Result, *fragments: str) -> None:
    """Exit code 2, one line on stderr naming what went wrong, no traceback."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err, result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def astronaut_png(media_dir) -> Path:
    path = media_dir / "astronaut.png"
    cv2.imwrite(str(path), media.astronaut_frame())
    return path


@pytest.fixture(scope="session")
def upright_video(media_dir) -> Path:
    """The astronaut smiling, head upright, swaying gently: 2 s at 30 frames/s."""
    return media.astronaut_video(media_dir / "upright.mp4", count=60, angle=0)


@pytest.fixture(scope="session")
def tilted_video(media_dir) -> Path:
    """The same face with the head tilted 25 degrees: a second, clearly different 'expression'."""
    return media.astronaut_video(media_dir / "tilted.mp4", count=60, angle=25)


@pytest.fixture(scope="session")
def no_face_video(media_dir) -> Path:
    return media.write_video(media_dir / "empty.mp4", [media.blank_frame()] * 10)


@pytest.fixture(scope="session")
def detected_rows(upright_video, tilted_video) -> dict[str, np.ndarray]:
    """Real MediaPipe rows (1072 columns) of the two videos, computed once."""
    from facemood.landmarks import LandmarkDetector, mirrored_rgb
    from facemood.rows import make_row
    from facemood.sources import open_source

    rows = {}
    for name, video in (("upright", upright_video), ("tilted", tilted_video)):
        with open_source(video) as source, LandmarkDetector(video=True) as detector:
            found = [make_row(detector.detect(mirrored_rgb(f.image), f.timestamp_ms)) for f in source]
        rows[name] = np.array([r for r in found if r is not None])
    return rows


@pytest.fixture
def home(tmp_path) -> Path:
    """An empty facemood home (data/, models/, labels.npy) for one test."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def xvfb_display():
    """A private virtual screen (Xvfb) for the real-window tests; CI installs xvfb (tools/setup.sh --test)."""
    import shutil

    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("the window tests need Xvfb: run `bash tools/setup.sh --test` (Debian package xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1400x950x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as reader:
        number = reader.readline().strip()
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    proc.terminate()
    proc.wait(timeout=10)
