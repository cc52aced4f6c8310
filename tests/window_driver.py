"""Drive the real facemood window through a scenario, under Xvfb, and write what happened as JSON.

tests/test_window.py runs this in a subprocess (pywebview can start only once per process):
    python -m tests.window_driver SCENARIO --source VIDEO --home DIR --out DIR [--offline]
The browser opener is swapped for a recorder, YouTube search reads a saved response (or fails as
offline) and the in-window player is a local stand-in for YouTube's (tests/fake_youtube.py), so nothing
goes over the network.
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

from tests.conftest import SAVED_SEARCH, SAVED_SEARCH_IDS, wait_for  # noqa: E402
from tests.fake_youtube import UNREACHABLE, FakeYouTube, Fails, Plays  # noqa: E402


def js(window, code: str):
    return window.evaluate_js(code)


def text(window, element_id: str) -> str:
    return js(window, f"document.getElementById({element_id!r}).textContent") or ""


def texts(window, selector: str) -> list[str]:
    """The text of each element `selector` picks, in order."""
    return js(window, f"[...document.querySelectorAll({selector!r})].map(e => e.textContent)")


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


def press(window, selector: str, hold_s: float = 0.0) -> None:
    """Press the mouse on the element `selector` picks (scrolled into view first) and release it `hold_s`
    later (0: a quick tap), as Qt delivers a user's click to the page: real, trusted pointer events."""
    from PyQt6.QtCore import QPoint, Qt
    from PyQt6.QtTest import QTest

    from facemood.window import on_gui_thread

    x, y = js(window, f"(() => {{ const e = document.querySelector({selector!r});"
                      f" e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();"
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


def live_scenario(window, services, results: dict, out: Path, fake: FakeYouTube) -> None:
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
    results["result_titles"] = texts(window, "#results .title")
    time.sleep(0.5)  # thumbnails (none load offline) and layout
    grab_screenshot(window, out / "recommend.png")
    if results["result_titles"]:
        js(window, "document.querySelector('#results li').click()")  # plays it in the window's player
        wait_for(lambda: services.player.playing, 20, "the clicked song to play")
        results["playing"] = services.player.now.video_id
    results["settings_after"] = services.page.overview()["settings"]
    results["script_errors"] = js(window, "window.facemoodErrors")


def train_scenario(window, services, results: dict, out: Path, fake: FakeYouTube) -> None:
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
    check_the_coach(window, services, results, out)


def check_the_coach(window, services, results: dict, out: Path) -> None:
    """After training, the Record & train panel: the coach's numbers beside each emotion, its advice."""
    from facemood.window import grab_screenshot

    wait_for(lambda: "held-out" in text(window, "emotions"), 10, "the held-out accuracy beside each emotion")
    results["coach"] = {"cells": texts(window, "#emotions td.coach"),
                        "emotion_advice": texts(window, "#emotions .advice li"),
                        "profile_advice": texts(window, "#coach li"),
                        "overview": services.page.overview()["emotions"]}
    # Everything fits the panel at the window's size: nothing wider than its card.
    results["coach"]["overflow"] = js(window, "(() => { const card = document.getElementById('emotions')"
                                              ".closest('.card'); return [...card.querySelectorAll('*')]"
                                              ".filter(e => e.getBoundingClientRect().right > "
                                              "card.getBoundingClientRect().right + 1).map(e => e.tagName + '.' + "
                                              "e.className); })()")
    js(window, "document.getElementById('train-report').closest('.card').scrollIntoView({block: 'end'})")
    time.sleep(0.5)
    grab_screenshot(window, out / "coach.png")
    results["script_errors"] = js(window, "window.facemoodErrors")


def hold_scenario(window, services, results: dict, out: Path, fake: FakeYouTube) -> None:
    """"Hold to record" pressed by a real mouse: a quick tap ends its take, then a press held longer."""
    from facemood.window import grab_screenshot

    wait_for(lambda: window.events.loaded.is_set(), 60, "the page to load")
    wait_for(lambda: services.page.state()["frame"] > 0, 60, "the live view")
    js(window, "document.getElementById('emotion').value = 'calm'")
    press(window, "#hold")  # released long before record_start answers
    taken = wait_for(lambda: services.takes.recording is None and services.takes.last, 10, "the tapped take to end",
                     every=0.05)
    results["after_tap"] = {"recording": services.page.state()["recording"], "last_take": taken.__dict__}
    time.sleep(1)  # still stopped a while later: nothing left it running
    results["recording_a_second_later"] = services.page.state()["recording"]
    press(window, "#hold", hold_s=2.0)
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


def hide_scenario(window, services, results: dict, out: Path, fake: FakeYouTube) -> None:
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
    """Seconds of moods in the history (a sample a second while the live view runs)."""
    return sum(sum(day["moods"].values()) for day in services.journal.summary()["days"])


# What each song of the saved search does in the stand-in player (the music scenario's queue).
A, B, C, D, E, F, G = SAVED_SEARCH_IDS
BEHAVIOURS = {A: Plays(2.0), D: Fails(153), E: UNREACHABLE}
READY_TIMEOUT_S = 3.0


def now_playing(services) -> str | None:
    now = services.player.now
    return now.video_id if now is not None and not now.paused else None


def music_scenario(window, services, results: dict, out: Path, fake: FakeYouTube) -> None:
    """Issue 10 in one window: the prompt on a change of mood, the queue in the player (next on ended,
    next/previous/pause), 👍/👎 and the ranking they make, the fallback on a player error and on no
    answer, the history panel, Match or Lift and the suggestion settings. The source turns from happy to
    sad and back; the profile starts with Lift my mood and suggestions on (a 1 s hold)."""
    from facemood.window import grab_screenshot

    def song(video_id: str) -> str:
        return f"#results li[data-video='{video_id}']"

    wait_for(lambda: window.events.loaded.is_set(), 60, "the page to load")
    wait_for(lambda: text(window, "mood") not in ("", "—"), 60, "a mood on the page")
    results["policy"] = http_status(js(window, "location.href"))[1].get("Content-Security-Policy", "")
    results["page_origin"] = js(window, "location.origin")
    results["player_origin"] = fake.origin
    placeholder = "document.querySelector('#mood-words input[data-emotion=sad]').placeholder"
    results["sad_placeholder_lift"] = js(window, placeholder)

    # The first change is happy -> sad 3 s into the video, or sad -> happy where it loops when the live
    # view started late (a busy machine drops frames to keep up with the video).
    wait_for(lambda: js(window, "!document.getElementById('suggestion').hidden"), 30, "the prompt")
    results["prompt"] = " ".join(text(window, "suggestion").split())
    results["offer"] = offer = services.prompt.offer
    time.sleep(0.5)  # Qt's grab shows the last frame the page drew
    grab_screenshot(window, out / "prompt.png")
    # No real click yet, anywhere in the window: the songs below start as a queue's next song does, with no
    # click in their frame, which Qt's autoplay rules refuse unless the window allows it.
    js(window, "document.getElementById('suggestion-go').click()")
    wait_for(lambda: js(window, "document.querySelectorAll('#results li').length") == 7, 20, "the songs offered")
    results["offered"] = {"message": text(window, "recommend-message"),
                          "prompt_hidden": js(window, "document.getElementById('suggestion').hidden"),
                          "titles": texts(window, "#results .title")}

    js(window, f"document.querySelector(\"{song(A)}\").click()")  # plays 2 s, then the queue goes on by itself
    wait_for(lambda: now_playing(services) == A, 20, "the first song to play")
    wait_for(lambda: now_playing(services) == B, 20, "the next song to start when the first ended")
    time.sleep(2.5)  # a few mood samples against it
    results["history"] = {"plays": texts(window, "#plays li"), "lifted": texts(window, "#lifted li")}
    results["status_playing"] = text(window, "player-status")
    results["player_card"] = js(window, "(() => { const r = document.getElementById('player-frame')"
                                        ".getBoundingClientRect(); return [r.width, r.height]; })()")
    js(window, "window.scrollTo(0, 0)")
    time.sleep(0.3)
    grab_screenshot(window, out / "player.png")

    press(window, "#play-pause")
    wait_for(lambda: services.player.now.paused, 10, "the song to pause")
    results["paused_button"] = js(window, "document.getElementById('play-pause').title")
    press(window, "#play-pause")
    wait_for(lambda: now_playing(services) == B, 10, "the song to play on")
    press(window, "#next")
    wait_for(lambda: now_playing(services) == C, 20, "the next song")
    press(window, "#prev")
    wait_for(lambda: now_playing(services) == B, 20, "the previous song")
    press(window, "#np-rating button[data-rating='-1']")  # 👎 on the song playing: it goes, the next plays
    wait_for(lambda: now_playing(services) == C, 20, "the disliked song to be skipped")
    results["disliked_class"] = js(window, f"document.querySelector(\"{song(B)}\").className")

    press(window, song(D))  # error 153
    results["after_error"] = wait_for(lambda: "browser" in text(window, "player-status")
                                      and text(window, "player-status"), 20, "the fallback on error 153")
    press(window, song(E))  # the player never answers
    results["after_unreachable"] = wait_for(lambda: "reach" in text(window, "player-status")
                                            and text(window, "player-status"), 20, "the fallback on no answer")
    js(window, "document.getElementById('player-card').scrollIntoView()")
    time.sleep(0.5)
    grab_screenshot(window, out / "fallback.png")
    press(window, f"{song(F)} button[data-rating='1']")
    wait_for(lambda: js(window, f"document.querySelector(\"{song(F)} button.rate.on\") !== null"), 10,
             "the 👍 to show")
    press(window, song(F))
    wait_for(lambda: now_playing(services) == F, 20, "the liked song to play")
    press(window, "#open-browser")  # ↗: the song on now, in the browser
    press(window, "#stop")
    wait_for(lambda: services.player.now is None, 10, "the player to stop")
    results["card_hidden_after_stop"] = js(window, "document.getElementById('player-card').hidden")

    js(window, f"document.getElementById('mood-pick').value = {offer['mood']!r}")
    press(window, "#recommend")
    wait_for(lambda: js(window, "document.querySelectorAll('#results li').length") == 6, 20, "the ranked songs")
    results["ranked"] = {"message": text(window, "recommend-message"),
                         "ids": js(window, "[...document.querySelectorAll('#results li')].map(li => li.dataset.video)"),
                         "first_reason": js(window, "document.querySelector('#results .reason').textContent")}
    results["embeds"] = fake.embeds()

    press(window, "#goals button[data-goal='match']")
    wait_for(lambda: services.profiles.settings.mood_goal == "match", 10, "Match my mood to be saved")
    results["sad_placeholder_match"] = wait_for(lambda: js(window, placeholder) != results["sad_placeholder_lift"]
                                                and js(window, placeholder), 10, "the placeholder to follow Match")

    press(window, "#suggest")  # the setting in the window: off, a longer hold, on again
    wait_for(lambda: not services.profiles.settings.suggest_songs, 10, "suggestions to be turned off")
    js(window, "const hold = document.getElementById('suggest-hold'); hold.value = '30';"
               "hold.dispatchEvent(new Event('change'));")
    wait_for(lambda: services.profiles.settings.suggest_hold_seconds == 30, 10, "the longer hold to be saved")
    press(window, "#suggest")
    wait_for(lambda: services.profiles.settings.suggest_songs, 10, "suggestions to be turned on again")
    settings = services.profiles.settings
    results["suggest_settings"] = [settings.suggest_songs, settings.suggest_hold_seconds,
                                   settings.suggest_every_minutes]
    results["script_errors"] = js(window, "window.facemoodErrors")


def banner_says(window, words: str, timeout: float = 60) -> str:
    return wait_for(lambda: words in text(window, "banner-text") and text(window, "banner-text"), timeout,
                    f"the banner to say {words!r}")


def save_in_the_dialog(path: Path) -> None:
    """Type `path` into the save dialog that has the keyboard, as a user does, and press Enter (xdotool)."""
    import subprocess

    subprocess.run(["xdotool", "key", "ctrl+a"], check=True, timeout=10)
    subprocess.run(["xdotool", "type", "--delay", "10", str(path)], check=True, timeout=30)
    subprocess.run(["xdotool", "key", "Return"], check=True, timeout=10)


def carry_scenario(window, services, results: dict, out: Path, fake: FakeYouTube) -> None:
    """Issue 11's Export and Import buttons: export the profile to a file, import it back (replacing the
    profile only once confirmed), then Export through the native save dialog, typed into with xdotool."""
    from facemood.window import grab_screenshot, on_gui_thread

    wait_for(lambda: window.events.loaded.is_set(), 60, "the page to load")
    wait_for(lambda: services.page.state()["frame"] > 0, 60, "the live view")
    results["buttons"] = texts(window, "header button")
    archive = out / "carried.zip"
    archive.unlink(missing_ok=True)
    js(window, f"exportProfile({str(archive)!r})")  # the page's own Export, with the file a dialog would give
    results["exported"] = banner_says(window, "Exported profile")
    time.sleep(0.3)
    grab_screenshot(window, out / "exported.png")

    js(window, "window.confirm = (message) => { window.confirmed = message; return false; }")
    js(window, f"importProfile({str(archive)!r})")
    results["asked"] = wait_for(lambda: js(window, "window.confirmed || ''"), 30, "the page to ask to replace")
    time.sleep(1)
    results["after_no"] = {"banner": text(window, "banner-text"), "profile": services.profiles.profile.name}
    js(window, "window.confirm = (message) => true")
    js(window, f"importProfile({str(archive)!r})")
    results["imported"] = banner_says(window, "Imported profile")
    results["profile_after_import"] = js(window, "document.getElementById('profile').value")

    dialog_file = out / "through-the-dialog.zip"
    dialog_file.unlink(missing_ok=True)
    press(window, "#export-profile")
    from PyQt6.QtWidgets import QApplication, QFileDialog

    def dialog_open():
        found = []
        on_gui_thread(lambda: found.append(isinstance(QApplication.activeModalWidget(), QFileDialog)))
        return found[0]

    wait_for(dialog_open, 20, "the save dialog")
    time.sleep(0.5)
    on_gui_thread(lambda: QApplication.activeModalWidget().grab().save(str(out / "dialog.png")))
    save_in_the_dialog(dialog_file)
    results["through_the_dialog"] = banner_says(window, "Exported profile")
    results["dialog_file_written"] = dialog_file.is_file()
    results["script_errors"] = js(window, "window.facemoodErrors")


SCENARIOS = {"live": live_scenario, "train": train_scenario, "hold": hold_scenario, "hide": hide_scenario,
             "music": music_scenario, "carry": carry_scenario}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--source", required=True)
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--offline", action="store_true", help="YouTube search fails as it does offline")
    args = parser.parse_args()

    from facemood.cli.infer import build_parser
    from facemood.player import PlayerOptions
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

    fake = FakeYouTube(BEHAVIOURS).start()

    def driver(window, services):
        try:
            SCENARIOS[args.scenario](window, services, results, args.out, fake)
        except Exception as exc:
            results["error"] = f"{type(exc).__name__}: {exc}"
            results["state_at_error"] = services.page.state()
            results["script_errors"] = js(window, "window.facemoodErrors")
            from facemood.window import grab_screenshot

            grab_screenshot(window, args.out / f"{args.scenario}-failed.png")
            raise

    try:
        results["exit_code"] = launch(infer_args, recommender=recommender, driver=driver, started=START,
                                      player=PlayerOptions(fake.origin, READY_TIMEOUT_S))
    finally:
        fake.stop()
        results["opened"] = opened
        results["total_s"] = time.monotonic() - START
        (args.out / f"{args.scenario}.json").write_text(json.dumps(results, indent=1, default=str))
    # Should leaving the interpreter ever hang, show where every thread is instead of waiting silently.
    faulthandler.dump_traceback_later(60, exit=True)
    from facemood.window import leave_when_done

    return leave_when_done(0 if "error" not in results else 1)


if __name__ == "__main__":
    sys.exit(main())
