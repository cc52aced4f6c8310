"""Drive the real facemood window through a scenario, under Xvfb, and write what happened as JSON.

tests/test_window.py runs this in a subprocess (pywebview can start only once per process):
    python -m tests.window_driver SCENARIO --source VIDEO --home DIR --out DIR [--offline]
The browser opener is swapped for a recorder and YouTube search reads a saved response (or fails as
offline), so nothing goes over the network.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

START = time.monotonic()  # before anything else loads: launch-to-first-mood is measured from here

from tests.conftest import SAVED_SEARCH, wait_for  # noqa: E402


def js(window, code: str):
    return window.evaluate_js(code)


def text(window, element_id: str) -> str:
    return js(window, f"document.getElementById({element_id!r}).textContent") or ""


def http_status(url: str) -> tuple[int, dict]:
    """The status and headers our loopback server answers `url` with."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def check_the_page_origin(window, results: dict) -> None:
    """The page comes from our loopback server behind the token; pywebview serves nothing itself."""
    import webview.http

    href = js(window, "location.href")
    origin, token = js(window, "location.origin"), href.split("/")[3]
    results["page_url"] = href.replace(token, "TOKEN")
    results["pywebview_file_server"] = webview.http.global_server is not None
    results["page_status"], headers = http_status(href)
    results["page_policy"] = headers.get("Content-Security-Policy", "")
    results["without_token"] = [http_status(origin + path)[0] for path in ("/", "/index.html", "/app.js",
                                                                           "/stream.mjpg", f"/{token}/../README.md")]


def press(window, element_id: str, hold_s: float = 0.0) -> None:
    """Press the mouse on an element and release it `hold_s` later (0: a quick tap), as Qt delivers a
    user's click to the page: real, trusted pointer events."""
    from PyQt6.QtCore import QPoint, Qt
    from PyQt6.QtTest import QTest

    from facemood.window import on_gui_thread

    x, y = js(window, f"(() => {{ const r = document.getElementById({element_id!r}).getBoundingClientRect();"
                      f" return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)]; }})()")
    target = window.native.webview.focusProxy()
    button, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

    def down():
        QTest.mouseMove(target, QPoint(x, y))
        QTest.mousePress(target, button, none, QPoint(x, y))

    def up():
        QTest.mouseRelease(target, button, none, QPoint(x, y))

    if hold_s:
        on_gui_thread(down)
        time.sleep(hold_s)
        on_gui_thread(up)
    else:
        on_gui_thread(lambda: (down(), up()))


def live_scenario(window, services, results: dict, out: Path) -> None:
    from facemood.window import grab_screenshot

    wait_for(lambda: window.events.loaded.is_set(), 60, "the page to load")
    results["page_loaded_after"] = time.monotonic() - START
    check_the_page_origin(window, results)
    wait_for(lambda: text(window, "mood") not in ("", "—", "no face", "unsure"), 60, "a mood on the page")
    results["first_mood_after"] = services.live.first_mood_after
    results["first_mood_on_page_after"] = time.monotonic() - START
    time.sleep(3)  # let the frame rate settle
    state = services.page.state()
    results["fps"] = state["fps"]
    results["dropped"] = state["dropped"]
    results["mood_on_page"] = text(window, "mood")
    results["bars"] = js(window, "[...document.querySelectorAll('#bars .bar')].map(b => "
                                 "[b.dataset.emotion, b.querySelector('.fill').style.width])")
    results["chip"] = text(window, "model-chip")
    results["video_size"] = js(window, "[document.getElementById('video').width, "
                                       "document.getElementById('video').height]")
    results["frames_drawn"] = js(window, "LiveView.drawn()")
    grab_screenshot(window, out / "live.png")

    js(window, "document.getElementById('singer').value = 'Arijit Singh';"
               "document.getElementById('language').value = 'Hindi';"
               "document.getElementById('recommend').click();")
    wait_for(lambda: text(window, "recommend-message") not in ("", "Searching…"), 30, "the recommendation")
    results["recommend_message"] = text(window, "recommend-message")
    results["result_titles"] = js(window, "[...document.querySelectorAll('#results .title')].map(t => t.textContent)")
    time.sleep(0.5)  # thumbnails (none load offline) and layout
    grab_screenshot(window, out / "recommend.png")
    if results["result_titles"]:
        js(window, "document.querySelector('#results li').click()")
        time.sleep(0.5)
    results["settings_after"] = services.page.overview()["settings"]
    results["script_errors"] = js(window, "window.facemoodErrors")


def train_scenario(window, services, results: dict, out: Path) -> None:
    from facemood.window import grab_screenshot

    wait_for(lambda: window.events.loaded.is_set(), 60, "the page to load")
    wait_for(lambda: services.page.state()["frame"] > 0 and text(window, "mood") not in ("", "—"), 60, "the live view")
    results["chip_before"] = text(window, "model-chip")
    js(window, "document.getElementById('emotion').value = 'upright';"
               "document.getElementById('frames').value = '40';"
               "document.getElementById('record-n').click();")
    wait_for(lambda: "upright" in text(window, "emotions") and "40 rows" in text(window, "emotions"), 60,
             "the recorded take in the list")
    results["take_message"] = text(window, "take-message")
    js(window, "document.getElementById('train').click()")
    wait_for(lambda: services.training.status.running, 10, "training to start")
    progress = []
    while services.training.status.running:
        progress.append(services.training.status.fraction)
        time.sleep(0.2)
    results["training"] = services.page.state()["training"]
    results["progress_seen"] = progress
    wait_for(lambda: text(window, "model-chip").startswith("Your model"), 20, "the page to show the new model")
    wait_for(lambda: text(window, "mood") == "upright", 30, "the live view to use the new model")
    results["chip_after"] = text(window, "model-chip")
    results["mood_after"] = text(window, "mood")
    results["report_on_page"] = text(window, "train-report")
    time.sleep(0.5)
    grab_screenshot(window, out / "trained.png")


def hold_scenario(window, services, results: dict, out: Path) -> None:
    """"Hold to record" pressed by a real mouse: a quick tap ends its take, then a press held longer."""
    from facemood.window import grab_screenshot

    wait_for(lambda: window.events.loaded.is_set(), 60, "the page to load")
    wait_for(lambda: services.page.state()["frame"] > 0, 60, "the live view")
    js(window, "document.getElementById('emotion').value = 'calm'")
    press(window, "hold")  # released long before record_start answers
    taken = wait_for(lambda: services.takes.recording is None and services.takes.last, 10, "the tapped take to end",
                     every=0.05)
    results["after_tap"] = {"recording": services.page.state()["recording"], "last_take": taken.__dict__}
    time.sleep(1)  # still stopped a while later: nothing left it running
    results["recording_a_second_later"] = services.page.state()["recording"]
    press(window, "hold", hold_s=2.0)
    taken = wait_for(lambda: services.takes.recording is None and services.takes.last, 10, "the held take to end")
    results["after_hold"] = taken.__dict__
    results["take_message"] = wait_for(lambda: "recorded" in text(window, "take-message") and text(window, "take-message"),
                                       10, "the page to show the take")
    results["hold_active"] = js(window, "document.getElementById('hold').classList.contains('active')")
    results["script_errors"] = js(window, "window.facemoodErrors")
    grab_screenshot(window, out / "held.png")


def watched(window, services) -> dict:
    """What the page and Qt say about being seen, and what the live view does about it."""
    from facemood.window import on_gui_thread

    qt = {}
    on_gui_thread(lambda: qt.update(visible=window.native.isVisible(), minimised=window.native.isMinimized()))
    drawn = js(window, "LiveView.drawn()")
    seq = services.frames.newer_than(0, timeout=0)[1]
    moods = services.live.state.moods
    time.sleep(1.5)
    return {"page": js(window, "document.visibilityState"), "qt": qt, "pace": str(services.live.pace),
            "readers": services.frames.readers, "jpegs": services.frames.newer_than(0, timeout=0)[1] - seq,
            "drawn": js(window, "LiveView.drawn()") - drawn, "moods": services.live.state.moods - moods}


def hide_scenario(window, services, results: dict, out: Path) -> None:
    """Hidden or minimised, the live view slows down and makes no JPEGs, the history goes on; shown
    again, it comes back."""
    from facemood.live_session import HIDDEN, SHOWN

    wait_for(lambda: window.events.loaded.is_set(), 60, "the page to load")
    wait_for(lambda: text(window, "mood") not in ("", "—"), 60, "a mood on the page")
    results["shown"] = watched(window, services)
    for hide, show in (("hide", "show"), ("minimize", "restore")):
        getattr(window, hide)()
        try:
            results[f"{hide}_seen_as_hidden"] = wait_for(lambda: services.live.pace == HIDDEN, 10, every=0.1)
        except TimeoutError:
            results[f"{hide}_seen_as_hidden"] = False
        history = history_seconds(services)
        results[hide] = watched(window, services)
        time.sleep(1.5)
        results[hide]["history_written_s"] = history_seconds(services) - history
        getattr(window, show)()
        wait_for(lambda: services.live.pace == SHOWN, 10, f"the live view to speed up after {show}")
        wait_for(lambda: services.frames.readers > 0, 10, f"the page's live view to reconnect after {show}")
        results[show] = watched(window, services)
    results["script_errors"] = js(window, "window.facemoodErrors")


def history_seconds(services) -> float:
    return sum(sum(day["moods"].values()) for day in services.journal.summary()["days"])


SCENARIOS = {"live": live_scenario, "train": train_scenario, "hold": hold_scenario, "hide": hide_scenario}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--source", required=True)
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--offline", action="store_true", help="YouTube search fails as it does offline")
    args = parser.parse_args()

    from facemood.cli.infer import build_parser
    from facemood.recommend import Recommender, YouTubeSearch
    from facemood.window import launch

    def saved_fetch(query: str) -> dict:
        return json.loads(SAVED_SEARCH.read_text("utf-8"))

    def offline_fetch(query: str) -> dict:
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    opened: list[str] = []

    def opener(url: str) -> bool:
        opened.append(url)
        return True

    recommender = Recommender(search=YouTubeSearch(fetch=offline_fetch if args.offline else saved_fetch, timeout=5),
                              opener=opener, spotify_app=lambda: False)
    results: dict = {"scenario": args.scenario}
    args.out.mkdir(parents=True, exist_ok=True)
    infer_args = build_parser().parse_args(["--source", args.source, "--home", str(args.home)])

    def driver(window, services):
        try:
            SCENARIOS[args.scenario](window, services, results, args.out)
        except Exception as exc:
            results["error"] = f"{type(exc).__name__}: {exc}"
            results["state_at_error"] = services.page.state()
            results["script_errors"] = js(window, "window.facemoodErrors")
            from facemood.window import grab_screenshot

            grab_screenshot(window, args.out / f"{args.scenario}-failed.png")
            raise

    try:
        results["exit_code"] = launch(infer_args, recommender=recommender,
                                      driver=driver, started=START)
    finally:
        results["opened"] = opened
        results["total_s"] = time.monotonic() - START
        (args.out / f"{args.scenario}.json").write_text(json.dumps(results, indent=1, default=str))
    # Should leaving the interpreter ever hang, show where every thread is instead of waiting silently.
    faulthandler.dump_traceback_later(60, exit=True)
    from facemood.window import leave_when_done

    return leave_when_done(0 if "error" not in results else 1)


if __name__ == "__main__":
    sys.exit(main())
