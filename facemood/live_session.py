"""The window's live view: the camera, frame by frame through the recogniser, on a thread of its own.

Each Reading goes to the consumers added with add_consumer(), on the live thread and in the order
added: the preview JPEG, the take being recorded, the mood journal (and whatever comes next, e.g. a
music player following the mood, or a recording coach). The latest outcome is `state`, one immutable
LiveState replaced per frame, so a reader on another thread never sees half of one.

How much work each frame gets is a Pace, asked for before every frame: the window analyses fewer
frames while shown (every frame still goes to the preview), far fewer while nobody can see it, and
every frame while a take records (see pace_for).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FacemoodError
from .landmarks import LandmarkDetector
from .live import Reading, Recogniser
from .moods import NO_FACE, UNSURE, Mood
from .sources import LatestFrame, describe_source, open_source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveOptions:
    source: str = "0"
    face_model: Path | None = None
    hand_model: Path | None = None
    smooth: int = 5
    threshold: float = 0.6
    started: float = field(default_factory=time.monotonic)  # when the user launched us, for time to first mood


@dataclass(frozen=True)
class Pace:
    """How much work the live view does. `per_second`: frames analysed a second, the others carry the
    last reading (None: every frame); `hand_search_ms` and `hand_track_every`: see LandmarkDetector;
    `every_frame`: frames not analysed still go to the consumers (False: they are skipped before any work
    is done on them)."""

    per_second: float | None = None
    hand_search_ms: float = 0.0
    hand_track_every: int = 1
    every_frame: bool = True


# Every frame analysed, hands looked for in each one: what a take records (and a live view without a window).
FULL = Pace()
# Shown: every camera frame reaches the preview, drawn with the latest landmarks; moods 15 times a second
# keep 10 a second on the page with room to spare (bench/RESULTS.md, "Window CPU").
SHOWN = Pace(per_second=15, hand_search_ms=200, hand_track_every=2)
# Nobody can see the window: a mood every half second is enough for the history (a sample a second).
HIDDEN = Pace(per_second=2, hand_search_ms=1000, hand_track_every=2, every_frame=False)


def pace_for(shown: bool, recording: bool) -> Pace:
    """The window's pace: a take needs every frame whether anyone looks or not."""
    if recording:
        return FULL
    return SHOWN if shown else HIDDEN


@dataclass(frozen=True)
class LiveState:
    mood: Mood | None = None  # None until the first frame
    frames: int = 0  # frames through the live view so far (each shown, not each analysed)
    fps: float = 0.0  # frames per second, smoothed
    landmark_ms: float = 0.0  # MediaPipe's time on the last frame it analysed
    dropped: int = 0  # camera frames skipped because recognising was slower
    face: bool = False  # MediaPipe found a face in the last frame
    moods: int = 0  # moods computed so far (frames analysed)

    @property
    def mood_label(self) -> str:
        """The mood's name, UNSURE or NO_FACE; "" before the first frame."""
        return self.mood.label if self.mood is not None else ""


def smoothed_fps(previous: float, seconds: float) -> float:
    """Frames per second from one frame's duration: the frame time averaged over roughly the last ten
    frames. (Averaging each frame's own rate would overstate it when frames alternate slow and quick, as
    they do when only some are analysed.)"""
    period = 0.9 / previous + 0.1 * seconds if previous else seconds
    return 1.0 / max(period, 1e-6)


class LiveSession:
    """`pace()` is asked before each frame (e.g. from whether the window is shown); by default every frame
    is analysed."""

    def __init__(self, options: LiveOptions, classifier, pace: Callable[[], Pace] = lambda: FULL):
        self.options = options
        self.state = LiveState()
        self.error: str | None = None  # why the source failed, until the next start()
        self.source_description = describe_source(options.source)
        self.first_mood_after: float | None = None  # seconds from launch to the first real mood
        self.pace: Pace | None = None  # the pace of the last frame
        self._classifier = classifier
        self._pace = pace
        self._new_mood = threading.Condition()
        self._recogniser: Recogniser | None = None
        self._consumers: list[Callable[[Reading], None]] = []
        self._on_stop: list[Callable[[], None]] = []
        self._lock = threading.Lock()  # the classifier and the recogniser change together
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add_consumer(self, on_reading: Callable[[Reading], None], on_stop: Callable[[], None] | None = None) -> None:
        """Call `on_reading` with every Reading, and `on_stop` when the live view stops. Add before start()."""
        self._consumers.append(on_reading)
        if on_stop is not None:
            self._on_stop.append(on_stop)

    def set_classifier(self, classifier) -> None:
        """Recognise with `classifier` from the next frame on (a new profile, a newly trained model)."""
        with self._lock:
            self._classifier = classifier
            if self._recogniser is not None:
                self._recogniser.set_classifier(classifier)

    def wait_for_mood(self, after: int, timeout: float) -> LiveState:
        """The state once more than `after` moods have been computed, or after `timeout` seconds."""
        with self._new_mood:
            self._new_mood.wait_for(lambda: self.state.moods > after, timeout)
            return self.state

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def check_ready(self) -> None:
        """FacemoodError saying why no frames can be taken now, if none can."""
        if self._recogniser is None:
            raise FacemoodError("the camera is still starting: try again in a moment" if self.running else
                                "the camera is not running: fix the source, then press Retry")

    def start(self) -> None:
        """Open the source and start recognising on a background thread (returns at once)."""
        self._stop.clear()
        self.error = None
        self._thread = threading.Thread(target=self._run, name="live", daemon=True)
        self._thread.start()

    def retry(self) -> None:
        """Try the source again after an error (e.g. the camera was busy); nothing while it runs."""
        if not self.running:
            self.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        options = self.options
        frames = None
        try:
            source = open_source(options.source, loop=True, realtime=True)
            self.source_description = source.description
            frames = LatestFrame(source).start()
            with LandmarkDetector(options.face_model, options.hand_model, video=source.is_stream) as detector:
                with self._lock:
                    self._recogniser = Recogniser(detector, self._classifier, smooth=options.smooth,
                                                  threshold=options.threshold)
                self._recognise(frames)
        except FacemoodError as exc:
            self.error = str(exc)
            log.error("%s", exc)
        except Exception as exc:  # keep the window alive and say what happened
            log.exception("the live view stopped")
            self.error = f"the live view stopped: {exc}"
        finally:
            if frames is not None:
                frames.stop()
            with self._lock:
                self._recogniser = None
            for on_stop in self._on_stop:
                on_stop()

    def _recognise(self, frames: LatestFrame) -> None:
        last = None
        fps = 0.0
        self.pace = None
        while not self._stop.is_set():
            frame = frames.next(timeout=0.5)
            if frame is None:
                if frames.error is not None:
                    raise frames.error
                if frames.finished:
                    return  # an image or a folder shown once: keep its mood, stop waiting for more
                continue
            recogniser = self._recogniser
            if (pace := self._pace()) != self.pace:
                recogniser.per_second = pace.per_second
                recogniser.detector.hand_search_ms = pace.hand_search_ms
                recogniser.detector.hand_track_every = pace.hand_track_every
                self.pace = pace
            if not pace.every_frame and not recogniser.due(frame.timestamp_ms):
                continue  # nobody needs it: not even mirrored
            reading = recogniser.read(frame)
            now = time.monotonic()
            if last is not None:
                fps = smoothed_fps(fps, now - last)
            last = now
            self._publish(reading, fps, frames.dropped)
            if self.first_mood_after is None and reading.mood.label not in (NO_FACE, UNSURE):
                self.first_mood_after = now - self.options.started
            for consumer in self._consumers:
                consumer(reading)

    def _publish(self, reading: Reading, fps: float, dropped: int) -> None:
        state = self.state
        if not reading.fresh:  # the same mood as before: only the frame moved on
            self.state = dataclasses.replace(state, frames=state.frames + 1, fps=fps, dropped=dropped)
            return
        with self._new_mood:
            self.state = LiveState(reading.mood, state.frames + 1, fps, reading.landmark_ms, dropped,
                                   reading.landmarks.has_face, state.moods + 1)
            self._new_mood.notify_all()
