"""Shared fixtures: real media (skimage's astronaut, videos made from it) and real landmark rows."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests import media
from tests.xvfb import start_xvfb, stop_xvfb

ROOT = Path(__file__).resolve().parent.parent
# A hand-built answer in the shape of YouTube's InnerTube WEB search, standing in for the network.
SAVED_SEARCH = ROOT / "tests" / "data" / "youtube_search.json"
SAVED_SEARCH_QUERY = "hindi uplifting song Meera Kapoor"
SAVED_SEARCH_IDS = ["q3Xb7mKpL2A", "Vb8_nT4sWq0", "Lm2-pQ9rTx4", "jK7wE3rYu1I", "Hd5sA1fGh6J", "Np0oKi9uJy8",
                    "Rt6yUi2oPa3"]


@dataclass
class Result:
    code: int
    out: str
    err: str


def facemood_in_process(capsys, *args) -> Result:
    """The `facemood` command run in this process (the same code path as the console script), its output
    taken from pytest's capsys."""
    from facemood.cli.common import run
    from facemood.cli.main import main

    argv = [str(a) for a in args]
    code = run(main, argv, f"facemood {argv[0]}")
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def run_tool(script: str, *args: str, timeout: float = 180, env: dict | None = None) -> Result:
    """Run collect.py / train.py / infer.py (or "facemood", the command) as a user would, in a fresh interpreter."""
    # No display unless a test asks for one: the tools must then fall back to no preview by themselves.
    full_env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    full_env.update(env or {})
    command = ["-m", "facemood"] if script == "facemood" else [str(ROOT / script)]
    proc = subprocess.run([sys.executable, *command, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=full_env, cwd=ROOT)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def wait_for(check, timeout: float = 60, what: str = "", every: float = 0.05):
    """check()'s first truthy value, asked every `every` seconds; TimeoutError after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what or check}")


class Clock:
    """A clock the test moves by hand (services take `clock=`): exact timing, no sleeping."""

    def __init__(self, now: float = 0.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def assert_clean_error(result: Result, *fragments: str) -> None:
    """Exit code 2, one line on stderr naming what went wrong, no traceback."""
    assert result.code == 2, (result.code, result.out, result.err)
    assert "Traceback" not in result.err, result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def youtube_answer(*items: dict) -> dict:
    """A YouTube search answer holding `items` in its one section."""
    return {"contents": {"twoColumnSearchResultsRenderer": {"primaryContents": {"sectionListRenderer": {
        "contents": [{"itemSectionRenderer": {"contents": list(items)}}]}}}}}


SEEDED_SONG_TITLE = "Seeded Song"


def seed_a_song_that_lifted(history_path: Path, days_ago: float = 1.0) -> None:
    """A session `days_ago`: a minute sad, then "Seeded Song" played while the mood turned happy, written
    with the History facemood records with."""
    from facemood.history import History
    from facemood.recommend import SongResult

    song = SongResult(SEEDED_SONG_TITLE, "Seed Channel", "3:00", "", "https://www.youtube.com/watch?v=Zz9_seed000",
                      "Zz9_seed000")
    start = time.time() - days_ago * 86400
    with History(history_path) as history:
        session = history.start_session("default", "camera 0", at=start - 70)
        for i in range(10):
            history.record_mood(session, "sad", 0.9, 6.0, at=start - 60 + 6 * i)
        play = history.start_play(session, song, "sad", "uplifting song", at=start)
        for i in range(10):
            history.record_mood(session, "happy", 0.9, 6.0, at=start + 6 * (i + 1), play_id=play)
        history.end_play(play, "ended", at=start + 61)
        history.end_session(session, at=start + 70)


@pytest.fixture
def raw_response() -> dict:
    """The saved YouTube search answer, parsed."""
    return json.loads(SAVED_SEARCH.read_text(encoding="utf-8"))


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to reach the network fails at once, as it would on an offline machine."""
    def refuse(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "network disabled in tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


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
def frowning_video(media_dir) -> Path:
    """The astronaut frowning, head tilted 25 degrees: a second, clearly different expression (the tilt
    alone would not be one: facemood's model reads faces the same however the head sits)."""
    return media.astronaut_video(media_dir / "frowning.mp4", count=60, angle=25, picture=media.frowning_astronaut_bgr())


@pytest.fixture(scope="session")
def mood_change_video(media_dir) -> Path:
    """The astronaut smiling for 3 s, then frowning for 6 s (happy, then sad, with the default moods)."""
    frames = media.moving_frames(90) + media.moving_frames(180, phase=1.0, picture=media.frowning_astronaut_bgr())
    return media.write_video(media_dir / "happy-then-sad.mp4", frames)


@pytest.fixture(scope="session")
def no_face_video(media_dir) -> Path:
    return media.write_video(media_dir / "empty.mp4", [media.blank_frame()] * 10)


@pytest.fixture(scope="session")
def detected_rows(upright_video, frowning_video) -> dict[str, np.ndarray]:
    """Real MediaPipe rows (1072 columns) of the two videos, computed once."""
    from facemood.landmarks import LandmarkDetector, mirrored_rgb
    from facemood.rows import make_row
    from facemood.sources import open_source

    rows = {}
    for name, video in (("upright", upright_video), ("frowning", frowning_video)):
        with open_source(video) as source, LandmarkDetector(video=True) as detector:
            found = [make_row(detector.detect(mirrored_rgb(f.image), f.timestamp_ms)) for f in source]
        rows[name] = np.array([r for r in found if r is not None])
    return rows


@pytest.fixture(scope="session")
def readings(upright_video) -> list:
    """Real live readings (MediaPipe, then the built-in default moods) of the upright video's first
    frames, and a last one of a frame without a face: what the window's live session hands its consumers."""
    from facemood.landmarks import LandmarkDetector
    from facemood.live import Recogniser
    from facemood.moods import DefaultMoods
    from facemood.sources import Frame, open_source

    with open_source(upright_video) as source, LandmarkDetector(video=True) as detector:
        recogniser = Recogniser(detector, DefaultMoods())
        found = [recogniser.read(frame) for frame, _ in zip(source, range(12))]
        last = found[-1].frame.timestamp_ms
        found.append(recogniser.read(Frame(len(found), last + 33, media.blank_frame())))
    assert all(r.landmarks.has_face for r in found[:-1]) and not found[-1].landmarks.has_face
    return found


@pytest.fixture
def home(tmp_path) -> Path:
    """An empty facemood home (data/, models/, labels.npy) for one test."""
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def xvfb_display():
    """A private virtual screen (Xvfb) for the real-window tests; CI installs xvfb (tools/setup.sh --test)."""
    try:
        proc, display = start_xvfb()
    except RuntimeError as exc:
        pytest.fail(f"the window tests need a virtual screen: {exc}")
    yield display
    stop_xvfb(proc)
