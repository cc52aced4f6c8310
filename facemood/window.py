"""The desktop window: pywebview (Qt backend) showing ui/ over the services in app.py."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from collections.abc import Callable

from .app import App, AppOptions
from .errors import FacemoodError
from .profile import PACKAGE_HOME, Profile
from .recommend import Recommender
from .stream import FrameServer

log = logging.getLogger(__name__)
UI_DIR = PACKAGE_HOME / "ui"
_OFFSCREEN_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "wayland", "xcb"}


def check_display() -> None:
    """Qt aborts the whole process (exit 134, blaming xcb-cursor) when there is no display: say it plainly."""
    if sys.platform.startswith(("win", "darwin")):
        return
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or platform in _OFFSCREEN_PLATFORMS - {"xcb", "wayland"}:
        return
    raise FacemoodError("no display to open the window on (DISPLAY is not set): run it on your desktop, "
                        "under xvfb-run, or add --no-window to print moods as text")


def _prepare_qt() -> None:
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    extra = []
    # QtWebEngine refuses to start as root unless its sandbox is off (containers, CI machines).
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--no-sandbox" not in flags:
        extra.append("--no-sandbox")
    if "--log-level" not in flags:
        extra.append("--log-level=3")  # Chromium's own console chatter (GPU, D-Bus) is not for users
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join([flags, *extra]).strip()


class WindowApi:
    """What the page may call (window.pywebview.api.*). Thin: every method forwards to App and turns a
    FacemoodError into {"error": message} for the page to show. Runs on pywebview's worker threads."""

    def __init__(self, app: App):
        self._app = app

    def _call(self, fn: Callable, *args, **kwargs):
        try:
            result = fn(*args, **kwargs)
            return {"ok": True} if result is None else result
        except FacemoodError as exc:
            return {"error": str(exc)}
        except ValueError as exc:
            return {"error": str(exc)}

    def state(self):
        return self._call(self._app.state)

    def overview(self):
        return self._call(self._app.overview)

    def select_profile(self, name):
        return self._call(self._app.select_profile, name)

    def create_profile(self, name):
        return self._call(self._app.create_profile, name)

    def record_start(self, emotion, frames=None):
        return self._call(self._app.record_start, emotion, frames)

    def record_stop(self):
        return self._call(self._app.record_stop)

    def delete_take(self, emotion, index):
        return self._call(self._app.delete_take, emotion, index)

    def train(self):
        return self._call(self._app.train)

    def recommend(self, singer, language, provider, mood=None):
        return self._call(self._app.recommend, singer, language, provider, mood or None)

    def open_url(self, url):
        return self._call(lambda: {"opened": bool(self._app.open_url(url))})

    def set_overlay(self, on):
        return self._call(lambda: {"overlay": self._app.save_settings(overlay=bool(on)).overlay})

    def set_provider(self, provider):
        return self._call(lambda: {"provider": self._app.save_settings(provider=str(provider)).provider})

    def set_mood_words(self, emotion, words):
        def change():
            mood_words = dict(self._app.settings.mood_words)
            mood_words[str(emotion)] = str(words).strip()
            self._app.save_settings(mood_words=mood_words)
        return self._call(change)

    def retry(self):
        return self._call(self._app.retry)


def grab_screenshot(window, path: Path, timeout: float = 10.0) -> bool:
    """Save a PNG of the window as Qt draws it. Call from a background thread (not the GUI thread)."""
    from PyQt6.QtCore import QObject, Qt, pyqtSignal
    from PyQt6.QtWidgets import QApplication

    done = threading.Event()

    class Grabber(QObject):
        requested = pyqtSignal()

        def grab(self):
            try:
                window.native.grab().save(str(path))
            finally:
                done.set()

    grabber = Grabber()
    grabber.moveToThread(QApplication.instance().thread())  # so its slot runs on the GUI thread
    grabber.requested.connect(grabber.grab, Qt.ConnectionType.QueuedConnection)
    grabber.requested.emit()
    return done.wait(timeout)


def leave_when_done(code: int, grace_s: float = 1.0) -> int:
    """Return `code`, or end the process with it when pywebview left threads that will never finish.

    pywebview answers each call from the page on a thread of its own, which waits without a timeout for
    the GUI loop; a call in flight when the window closes (the page polls several times a second) waits
    forever and would keep Python from exiting. By the time this runs everything of ours is saved and
    closed, so we flush and leave without waiting for them.
    """
    deadline = time.monotonic() + grace_s
    while True:
        stuck = [t for t in threading.enumerate()
                 if t is not threading.main_thread() and not t.daemon and t.is_alive()]
        if not stuck:
            return code
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    log.debug("leaving %d stuck window threads behind: %s", len(stuck), [t.name for t in stuck])
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def launch(args, profile: Profile, *, recommender: Recommender | None = None,
           driver: Callable | None = None, started: float | None = None) -> int:
    """Open the window and run until the user closes it. `driver(window, app)`, when given, runs on a
    background thread once the window exists (tests and screenshots use it); the window closes after it."""
    check_display()
    _prepare_qt()
    try:
        import webview
    except ImportError as exc:
        raise FacemoodError(f"the window needs pywebview with Qt ({exc.name} is missing): "
                            "pip install -r requirements.txt, or use --no-window") from None
    options = AppOptions(source=args.source, home=args.home, user=args.user, face_model=args.face_model,
                         hand_model=args.hand_model, smooth=args.smooth, threshold=args.threshold,
                         started=started or time.monotonic())
    app = App(options, recommender)
    server = FrameServer(app.frames).start()
    app.stream_url = server.stream_url
    app.start()  # MediaPipe starts while Qt does
    window = webview.create_window("facemood", url=str(UI_DIR / "index.html"), js_api=WindowApi(app),
                                   width=1280, height=860, min_size=(1000, 700), background_color="#14161b")

    def drive(window):
        try:
            driver(window, app)
        except Exception:
            log.exception("window driver failed")
            raise
        finally:
            window.destroy()

    killed = []

    def close_on_sigterm(signum, frame):
        # A kill closes the window the normal way; raising inside Qt's loop would only print a traceback
        # from whichever Qt callback happened to be running. destroy() waits for the GUI thread.
        # (Ctrl-C needs nothing: pywebview quits the Qt loop on SIGINT itself.)
        killed.append(signum)
        threading.Thread(target=window.destroy, name="close", daemon=True).start()

    signal.signal(signal.SIGTERM, close_on_sigterm)
    try:
        webview.start(drive if driver else None, window, gui="qt")
    finally:
        app.stop()
        server.stop()
    return 128 + signal.SIGTERM if killed else 0
