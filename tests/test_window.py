"""The real window: pywebview + Qt under Xvfb, driven from a video source (see window_driver.py).

Screenshots land in tests/artifacts/ to look at; the tests check what the page shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np

from tests.conftest import ROOT, assert_clean_error, run_tool

ARTIFACTS = ROOT / "tests" / "artifacts"


def drive(scenario: str, source, home, display: str, *extra: str, out_name: str | None = None) -> dict:
    out = ARTIFACTS / (out_name or scenario)
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = display
    proc = subprocess.run([sys.executable, "-m", "tests.window_driver", scenario, "--source", str(source),
                           "--home", str(home), "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=240, cwd=ROOT, env=env)
    report = out / f"{scenario}.json"
    assert report.exists(), proc.stderr[-3000:]
    results = json.loads(report.read_text())
    assert proc.returncode == 0 and "error" not in results, (results, proc.stderr[-3000:])
    assert "Exception ignored" not in proc.stderr, proc.stderr[-3000:]
    return results


def looks_like_a_window(path) -> None:
    """The screenshot is the window: big, not blank, with the camera picture in it."""
    image = cv2.imread(str(path))
    assert image is not None and image.shape[0] >= 600 and image.shape[1] >= 900
    assert image.std() > 20


def test_live_view_moods_bars_and_search_results(tmp_path, upright_video, xvfb_display):
    results = drive("live", upright_video, tmp_path / "home", xvfb_display)
    assert results["mood_on_page"] == "happy"  # built-in default moods, smiling astronaut
    assert results["chip"] == "Built-in default moods"
    assert [name for name, _ in results["bars"]] == ["happy", "sad", "angry", "surprised", "neutral"]
    assert float(results["bars"][0][1].rstrip("%")) > 60
    assert results["video_size"] == [640, 480]
    assert results["fps"] > 10
    # The saved YouTube answer shows in the window; nothing was opened in the browser but the clicked result.
    assert len(results["result_titles"]) >= 5
    assert "results from YouTube" in results["recommend_message"]
    assert len(results["opened"]) == 1 and results["opened"][0].startswith("https://www.youtube.com/watch?v=")
    assert results["settings_after"]["singer"] == "Arijit Singh"
    looks_like_a_window(ARTIFACTS / "live" / "live.png")
    looks_like_a_window(ARTIFACTS / "live" / "recommend.png")


def test_offline_recommend_opens_the_search_in_the_browser(tmp_path, upright_video, xvfb_display):
    results = drive("live", upright_video, tmp_path / "home", xvfb_display, "--offline", out_name="offline")
    assert results["result_titles"] == []
    assert results["opened"] == ["https://www.youtube.com/results?search_query=Hindi+happy+song+Arijit+Singh"]
    assert "browser" in results["recommend_message"]


def test_record_and_train_in_the_window_then_the_live_view_uses_the_model(tmp_path, tilted_video, upright_video,
                                                                         xvfb_display, detected_rows):
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    np.save(home / "data" / "tilted.npy", detected_rows["tilted"])  # recorded earlier
    results = drive("train", upright_video, home, xvfb_display)
    assert results["chip_before"] == "Built-in default moods"
    assert results["training"]["error"] is None and results["training"]["report"]["emotions"] == ["tilted", "upright"]
    assert results["chip_after"].startswith("Your model · 2 emotions")
    assert results["mood_after"] == "upright"
    assert "held-out accuracy" in results["report_on_page"]
    assert max(results["progress_seen"]) <= 1.0 and len(results["progress_seen"]) > 3
    assert np.load(home / "data" / "upright.npy").shape == (40, 1072)
    looks_like_a_window(ARTIFACTS / "train" / "trained.png")


def test_no_display_is_one_clear_line(tmp_path, upright_video):
    result = run_tool("infer.py", "--source", upright_video, "--home", tmp_path)
    assert_clean_error(result, "no display", "--no-window")


def test_ctrl_c_or_a_kill_closes_the_window_cleanly(tmp_path, upright_video, xvfb_display):
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = xvfb_display
    for signum in (signal.SIGINT, signal.SIGTERM):
        home = tmp_path / signum.name
        proc = subprocess.Popen([sys.executable, "infer.py", "--source", str(upright_video), "--home", str(home)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        history = home / "data" / "history.sqlite3"
        deadline = time.monotonic() + 60
        while not history.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(3)  # the window is up and the page polling
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
        # Ctrl-C quits like closing the window; a kill ends with the shell's code for SIGTERM.
        assert proc.returncode == (0 if signum == signal.SIGINT else 128 + signal.SIGTERM), (signum, err[-3000:])
        assert "Traceback" not in err and "Exception ignored" not in err, err[-3000:]
