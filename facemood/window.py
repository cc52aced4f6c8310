"""The desktop window: pywebview (Qt) showing ui/ from our loopback server, over the window's services.

The services each do one job and know nothing of the window or of each other, except through what
WindowServices hands them here:

    ActiveProfile  (active_profile.py)  the profile in use: settings, mood model, switching
    Visibility     (visibility.py)      whether anyone can see the window (the page's word and Qt's)
    LiveSession    (live_session.py)    camera -> recogniser on its own thread, at the pace visibility and
                                        a take ask for; readings to its consumers:
      Preview      (preview.py)           the JPEG live view the loopback server streams
      Takes        (takes.py)             the take being recorded
      MoodJournal  (mood_journal.py)      a mood sample a second into the profile's history
      SongPrompt   (song_prompt.py)     songs offered when the mood changes and holds (opt-in)
    TrainingJob    (training_job.py)    train.py in its own process, then the new model swapped in
    Songs          (songs.py)           "Recommend me songs" for the live or a chosen mood, ranked; 👍/👎
    Player         (player.py)          the song playing in the page's YouTube player; the browser fallback
    PageView       (page_view.py)       the state() and overview() payloads the page polls

WindowApi is what the page may call; it forwards to one service (or to WindowServices where one
service's change concerns another) and turns a FacemoodError into {"error": message}. FileDialogs asks
the user for a file (export and import of a profile, portable.py) in a native dialog.
"""

from __future__ import annotations

import dataclasses
import glob
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .active_profile import ActiveProfile
from .errors import FacemoodError
from .live_session import LiveOptions, LiveSession, Pace, pace_for
from .mood_journal import MoodJournal
from .page_view import PageView
from .player import Player, PlayerOptions
from .portable import export_profile, import_profile, profile_files, read_profile_name
from .preview import Preview
from .profile import Profile, resolve_profile
from .resources import UI_DIR
from .recommend import Recommender
from .song_prompt import SongPrompt
from .songs import Songs
from .stream import JpegBuffer, LoopbackServer
from .takes import Takes
from .training_job import TrainingJob, train_command
from .visibility import Visibility

log = logging.getLogger(__name__)
# How long a state() call from the page waits for the next mood before it answers anyway.
STATE_WAIT_S = 0.5
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


def has_gpu() -> bool:
    """Whether there is a GPU to draw the window with: on Linux, a DRM render node. Elsewhere Qt and
    Chromium choose for themselves."""
    return not sys.platform.startswith("linux") or bool(glob.glob("/dev/dri/renderD*"))


def _prepare_qt() -> None:
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    extra = []
    # QtWebEngine refuses to start as root unless its sandbox is off (containers, CI machines).
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--no-sandbox" not in flags:
        extra.append("--no-sandbox")
    if "--log-level" not in flags:
        extra.append("--log-level=3")  # Chromium's own console chatter (GPU, D-Bus) is not for users
    # Without a GPU, OpenGL is emulated on the CPU (Mesa's llvmpipe): drawing the page in software costs
    # half as much CPU, and without OpenGL on X11 at all Mesa is not even loaded (60 MB less; see
    # bench/RESULTS.md, "Window CPU"). A GPU keeps hardware compositing.
    if not has_gpu() and "QT_QUICK_BACKEND" not in os.environ and "gpu" not in flags:
        os.environ["QT_QUICK_BACKEND"] = "software"
        os.environ.setdefault("QT_XCB_GL_INTEGRATION", "none")
        extra.append("--disable-gpu")
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join([flags, *extra]).strip()


@dataclass(frozen=True)
class WindowOptions:
    source: str = "0"
    home: Path | None = None
    user: str | None = None
    face_model: Path | None = None
    hand_model: Path | None = None
    smooth: int = 5
    threshold: float = 0.6
    started: float = field(default_factory=time.monotonic)  # when the user launched us, for time to first mood
    player: PlayerOptions = field(default_factory=PlayerOptions)  # tests put a local stand-in for YouTube here


class WindowServices:
    """The window's services, wired together, and the few actions where one service's change concerns
    another (a profile switch, a take's start, training). Tested without a window."""

    def __init__(self, options: WindowOptions, recommender: Recommender | None = None):
        self.profiles = ActiveProfile(options.home, options.user)
        self.frames = JpegBuffer()
        self.visibility = Visibility()
        self.live = LiveSession(LiveOptions(options.source, options.face_model, options.hand_model, options.smooth,
                                            options.threshold, options.started), self.profiles.classifier,
                                pace=self._pace)
        self.preview = Preview(self.frames, show_landmarks=lambda: self.profiles.settings.overlay,
                               seen=lambda: self.visibility.seen)
        self.takes = Takes(self.profiles)
        self.journal = MoodJournal()
        self.training = TrainingJob(on_trained=self._use_new_model)
        self.songs = Songs(recommender or Recommender(), self.profiles, self.journal,
                           current_mood=lambda: self.live.state.mood_label)
        self.player = Player(self.songs, self.journal, options.player)
        self.prompt = SongPrompt(self.profiles, playing=lambda: self.player.playing)
        self.page = PageView(self.profiles, self.live, self.takes, self.training, self.journal, self.player,
                             self.prompt)
        self.live.add_consumer(self.preview.on_reading)
        self.live.add_consumer(self.takes.on_reading, on_stop=self.takes.stop)
        self.live.add_consumer(self.journal.on_reading)
        self.live.add_consumer(self.prompt.on_reading)
        self.journal.open(self.profiles.profile, self.live.source_description)
        self._switching = threading.Lock()

    def _pace(self) -> Pace:
        return pace_for(self.visibility.seen, self.takes.active)

    def state(self, after_mood: int | None = None) -> dict:
        """The page's state; given the `moods` count of the page's last state, it answers once a newer mood
        exists (or after STATE_WAIT_S), so a page that asks again at once gets each mood as it comes."""
        if after_mood is not None:
            self.live.wait_for_mood(int(after_mood), STATE_WAIT_S)
        return self.page.state()

    def start(self) -> None:
        """Start the live view (returns at once; the camera and MediaPipe start on their own thread)."""
        self.live.start()

    def stop(self) -> None:
        """Stop the live view, save the take in progress, close the history."""
        self.live.stop()
        self.takes.stop()
        self.journal.close()

    def select_profile(self, name: str) -> None:
        self._switch_profile(lambda: self.profiles.select(name))

    def create_profile(self, name: str) -> None:
        self._switch_profile(lambda: self.profiles.create(name))

    def _switch_profile(self, switch: Callable[[], Profile]) -> None:
        with self._switching:
            self.takes.stop()  # a take in progress is saved to the profile it was recorded for
            profile = switch()
            self.live.set_classifier(self.profiles.classifier)
            self.player.reset()  # the song on now was the other profile's; its history closes it
            self.journal.open(profile, self.live.source_description)
            self.prompt.reset()

    def export_profile(self, path: str | Path) -> dict:
        """Write the profile in use (recordings, model, settings; not its mood history) to the zip file
        `path`, replacing it: the save dialog has already asked about that."""
        if self.takes.recording is not None:
            raise FacemoodError("stop recording before exporting")
        profile, target = self.profiles.profile, Path(path)
        summary = export_profile(profile, target, overwrite=True)
        return {"message": f"Exported profile “{profile.name}” to {target}: {summary.describe()}."}

    def import_profile(self, path: str | Path, replace: bool = False) -> dict:
        """Bring in the profile a `facemood export` zip holds, then use it. A profile of that name that
        exists here is replaced only with `replace`; without it the answer asks the page to confirm."""
        archive = Path(path)
        profile = resolve_profile(read_profile_name(archive), self.profiles.home)
        if profile_files(profile) and not replace:
            return {"confirm_replace": True, "path": str(archive), "profile": profile.name,
                    "message": f"Profile “{profile.name}” already exists here. Replace its recordings, model and "
                               f"settings with the ones in {archive.name}?"}
        summaries = []

        def bring_in() -> Profile:
            self.journal.close()  # the archive may bring a mood history in place of the open one
            try:
                summaries.append(import_profile(archive, profile, replace=replace))
            except BaseException:
                self.journal.open(self.profiles.profile, self.live.source_description)
                raise
            return self.profiles.select(profile.name)

        self._switch_profile(bring_in)
        return {"profile": profile.name,
                "message": f"Imported profile “{profile.name}” from {archive.name}: {summaries[0].describe()}."}

    def record_start(self, emotion: str, frames: int | None = None) -> None:
        self.live.check_ready()
        self.takes.start(emotion, frames, self.live.source_description)

    def train(self) -> None:
        """Train the active profile in a separate process; the live view uses the model once it is saved."""
        if self.takes.recording is not None:
            raise FacemoodError("stop recording before training")
        profile = self.profiles.profile
        self.training.start(train_command(profile, self.profiles.home), profile)

    def _use_new_model(self, profile: Profile) -> None:
        if self.profiles.reload_model(profile):
            self.live.set_classifier(self.profiles.classifier)
            self.prompt.reset()  # new emotions: a change between old ones means nothing now

    def rate(self, video_id: str, rating: int) -> dict:
        """👍/👎 on a result, recorded against its play when it is the song on now."""
        return self.songs.rate(video_id, rating, play_id=self.player.play_id_of(video_id))

    def set_suggestions(self, on: bool | None = None, hold_seconds: float | None = None,
                        every_minutes: float | None = None) -> dict:
        """Change the given suggestion settings (None: leave it): each control on the page sends its own."""
        changes = {name: value for name, value in (("suggest_songs", on), ("suggest_hold_seconds", hold_seconds),
                                                   ("suggest_every_minutes", every_minutes)) if value is not None}
        settings = self.profiles.save_settings(**changes)
        return {"suggest_songs": settings.suggest_songs, "suggest_hold_seconds": settings.suggest_hold_seconds,
                "suggest_every_minutes": settings.suggest_every_minutes}


class FileDialogs:
    """The native save and open dialogs (pywebview's), for the window set after it is created; a path,
    or None when the user cancels."""

    PROFILE_FILES = ("facemood profile (*.zip)", "All files (*.*)")

    def __init__(self, window=None):
        self.window = window

    def _ask(self, dialog: int, **options) -> str | None:
        chosen = self.window.create_file_dialog(dialog, directory=str(Path.home()), **options)
        if not chosen:
            return None
        return chosen if isinstance(chosen, str) else chosen[0]

    def save(self, file_name: str) -> str | None:
        import webview

        return self._ask(webview.FileDialog.SAVE, save_filename=file_name)

    def open(self) -> str | None:
        import webview

        return self._ask(webview.FileDialog.OPEN, file_types=self.PROFILE_FILES)


class WindowApi:
    """What the page may call (window.pywebview.api.*); runs on pywebview's worker threads. pywebview
    exposes every public attribute, so the services stay private."""

    def __init__(self, services: WindowServices, dialogs: FileDialogs | None = None):
        self._services = services
        self._dialogs = dialogs or FileDialogs()

    def _call(self, fn: Callable, *args, **kwargs):
        try:
            result = fn(*args, **kwargs)
        except (FacemoodError, ValueError) as exc:
            return {"error": str(exc)}
        if result is None:
            return {"ok": True}
        return dataclasses.asdict(result) if dataclasses.is_dataclass(result) else result

    def state(self, after_mood=None):
        return self._call(self._services.state, after_mood)

    def overview(self):
        return self._call(self._services.page.overview)

    def select_profile(self, name):
        return self._call(self._services.select_profile, name)

    def create_profile(self, name):
        return self._call(self._services.create_profile, name)

    def record_start(self, emotion, frames=None):
        return self._call(self._services.record_start, emotion, frames)

    def record_stop(self):
        return self._call(self._services.takes.stop)

    def delete_take(self, emotion, index):
        return self._call(self._services.takes.delete, emotion, index)

    def train(self):
        return self._call(self._services.train)

    def recommend(self, singer, language, provider, mood=None):
        return self._call(self._services.songs.recommend, singer, language, provider, mood or None)

    def open_url(self, url):
        return self._call(lambda: {"opened": bool(self._services.songs.open_url(url))})

    def set_overlay(self, on):
        return self._call(lambda: {"overlay": self._services.profiles.save_settings(overlay=bool(on)).overlay})

    def set_provider(self, provider):
        return self._call(lambda: {"provider": self._services.profiles.save_settings(provider=str(provider)).provider})

    def set_mood_words(self, emotion, words):
        return self._call(self._services.profiles.set_mood_words, emotion, words)

    def set_mood_goal(self, goal):
        return self._call(lambda: {"mood_goal": self._services.profiles.save_settings(mood_goal=goal).mood_goal})

    def set_suggestions(self, on=None, hold_seconds=None, every_minutes=None):
        return self._call(self._services.set_suggestions, on, hold_seconds, every_minutes)

    def dismiss_suggestion(self):
        return self._call(self._services.prompt.dismiss)

    def rate(self, video_id, rating):
        return self._call(self._services.rate, video_id, rating)

    def player_event(self, video_id, event, code=None):
        return self._call(self._services.player.event, video_id, event, code)

    def retry(self):
        return self._call(self._services.live.retry)

    def page_visibility(self, state):
        return self._call(self._services.visibility.page_changed, state)

    def export_profile(self, path=None):
        """Export the profile in use to `path`, or to the file the user picks in a save dialog."""
        def export():
            target = path or self._dialogs.save(f"{self._services.profiles.profile.name}.zip")
            return {"cancelled": True} if target is None else self._services.export_profile(target)
        return self._call(export)

    def import_profile(self, path=None, replace=False):
        """Import the zip at `path`, or the one the user picks in an open dialog (see WindowServices)."""
        def bring_in():
            archive = path or self._dialogs.open()
            return {"cancelled": True} if archive is None else self._services.import_profile(archive, bool(replace))
        return self._call(bring_in)


def on_gui_thread(action: Callable[[], object], timeout: float = 10.0) -> bool:
    """Run `action` on Qt's GUI thread and wait for it (False after `timeout`). Call from a background
    thread, e.g. a launch() driver: Qt widgets may be touched only from the GUI thread."""
    from PyQt6.QtCore import QObject, Qt, pyqtSignal
    from PyQt6.QtWidgets import QApplication

    done = threading.Event()

    class Runner(QObject):
        requested = pyqtSignal()

        def run(self):
            try:
                action()
            finally:
                done.set()

    runner = Runner()
    runner.moveToThread(QApplication.instance().thread())  # so its slot runs on the GUI thread
    runner.requested.connect(runner.run, Qt.ConnectionType.QueuedConnection)
    runner.requested.emit()
    return done.wait(timeout)


def watch_window_state(window, visibility: Visibility) -> None:
    """Tell `visibility` each time Qt shows, hides, minimises or restores the window. Runs on the GUI
    thread (before_show)."""
    from PyQt6.QtCore import QEvent, QObject

    native = window.native
    changes = {QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.WindowStateChange}

    class Watcher(QObject):
        def eventFilter(self, watched, event):
            if event.type() in changes:
                visibility.window_changed(native.isVisible() and not native.isMinimized())
            return False

    native.installEventFilter(Watcher(native))  # a child of the window: it lives as long as the window


def grab_screenshot(window, path: Path, timeout: float = 10.0) -> bool:
    """Save a PNG of the window as Qt draws it. Call from a background thread (not the GUI thread)."""
    return on_gui_thread(lambda: window.native.grab().save(str(path)), timeout)


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


def allow_playback_without_a_click(window) -> None:
    """The next song of the queue starts when one ends, with no click in YouTube's frame. Qt's default
    refuses media a frame starts without a user gesture (which earlier click counts differs between Qt
    versions); the page plays only what the user picked, so it may. Runs on the GUI thread (before_show)."""
    from PyQt6.QtWebEngineCore import QWebEngineSettings

    window.native.webview.page().settings().setAttribute(
        QWebEngineSettings.WebAttribute.PlaybackRequiresUserGesture, False)


def launch(args, *, recommender: Recommender | None = None, driver: Callable | None = None,
           started: float | None = None, player: PlayerOptions | None = None) -> int:
    """Open the window for infer.py's `args` and run until the user closes it. `driver(window, services)`,
    when given, runs on a background thread once the window exists (tests and screenshots use it); the
    window closes after it. `player`: tests point the in-window player at a local stand-in for YouTube."""
    check_display()
    _prepare_qt()
    try:
        import webview
    except ImportError as exc:
        raise FacemoodError(f"the window needs pywebview with Qt ({exc.name} is missing): "
                            "pip install -r requirements.txt, or use --no-window") from None
    options = WindowOptions(source=args.source, home=args.home, user=args.user, face_model=args.face_model,
                            hand_model=args.hand_model, smooth=args.smooth, threshold=args.threshold,
                            started=started or time.monotonic(), player=player or PlayerOptions())
    services = WindowServices(options, recommender)
    server = LoopbackServer(services.frames, UI_DIR, frame_sources=(options.player.origin,)).start()
    services.start()  # MediaPipe starts while Qt does
    dialogs = FileDialogs()
    # An http:// URL: pywebview starts no file server of its own, and the page has a real origin.
    # text_select=True: style.css makes text unselectable itself (pywebview would add an inline <style>).
    window = webview.create_window("facemood", url=server.page_url, js_api=WindowApi(services, dialogs),
                                   text_select=True, width=1280, height=860, min_size=(1000, 700),
                                   background_color="#14161b")
    dialogs.window = window
    window.events.before_show += allow_playback_without_a_click
    window.events.before_show += lambda window: watch_window_state(window, services.visibility)

    def drive(window):
        try:
            driver(window, services)
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
        services.stop()
        server.stop()
    return 128 + signal.SIGTERM if killed else 0
