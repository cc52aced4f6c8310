"""The services under the desktop window: live recognition, recording, training, songs, history.

The window (window.py) is a thin js_api over this class, so everything here is tested without a window.
Public methods are called from pywebview's worker threads while the live loop runs on its own thread:
shared state is guarded by one lock, and slow work (training, searching) never holds it.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from .dataset import delete_take, emotion_path, read_takes, recording_files, read_rows
from .errors import FacemoodError
from .history import History
from .landmarks import LandmarkDetector
from .live import Recogniser, load_classifier
from .moods import NO_FACE, UNSURE, DefaultMoods
from .names import clean_name
from .overlay import draw_landmarks
from .profile import DEFAULT_PROFILE, PACKAGE_HOME, Profile, list_profiles, resolve_profile
from .recommend import PROVIDER_NAMES, PROVIDERS, Recommender
from .recording import TakeRecorder, check_can_record
from .rows import BLENDSHAPES, layout_for_width
from .settings import Settings, load_settings, save_settings
from .sources import LatestFrame, describe_source, open_source
from .stream import JpegBuffer

log = logging.getLogger(__name__)
JPEG_QUALITY = 80
HISTORY_EVERY_S = 1.0


@dataclass
class AppOptions:
    source: str = "0"
    home: Path | None = None
    user: str | None = None
    face_model: Path | None = None
    hand_model: Path | None = None
    smooth: int = 5
    threshold: float = 0.6
    started: float = field(default_factory=time.monotonic)  # when the user launched us, for time to first mood


@dataclass
class _Training:
    running: bool = False
    fraction: float = 0.0
    stage: str = ""
    error: str | None = None
    report: dict | None = None


class App:
    def __init__(self, options: AppOptions, recommender: Recommender | None = None):
        self.options = options
        self.frames = JpegBuffer()
        self.recommender = recommender or Recommender()
        self.stream_url = ""
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._recogniser: Recogniser | None = None
        self._take: TakeRecorder | None = None
        self._take_target: int | None = None
        self._last_take: dict | None = None
        self._training = _Training()
        self._state = {"mood": "", "confidence": 0.0, "bars": [], "face": False, "fps": 0.0, "frame": 0}
        self._error: str | None = None
        self._source_error: str | None = None
        self._source_description = describe_source(options.source)
        self.first_mood_after: float | None = None
        self.version = 0  # bumped whenever overview() would change, so the page knows to refresh it
        self.overlay = True
        self._history: History | None = None
        self._session: int | None = None
        self._switch_profile(resolve_profile(options.user, options.home))

    # --- profile, model, settings -------------------------------------------------------------------

    def _switch_profile(self, profile: Profile) -> None:
        with self._lock:
            self._take = None
            self.profile = profile
            self.settings = load_settings(profile.settings_path)
            self.overlay = self.settings.overlay
            self.classifier = self._load_classifier()
            if self._recogniser is not None:
                self._recogniser.set_classifier(self.classifier)
            if self._history is not None:
                self._history.end_session(self._session)
                self._history.close()
            try:
                self._history = History(profile.history_path)
                self._session = self._history.start_session(profile.name, self._source_description)
            except FacemoodError as exc:
                self._history, self._session = None, None
                self._error = str(exc)
            self.version += 1

    def _load_classifier(self):
        try:
            classifier = load_classifier(self.profile)
            if not classifier.is_default:
                self._error = None
            return classifier
        except FacemoodError as exc:
            # A broken model must not stop the window: show why and fall back to the default moods.
            self._error = f"{exc} (using the built-in default moods meanwhile)"
            return DefaultMoods()

    def select_profile(self, name: str) -> None:
        self._switch_profile(resolve_profile(None if name == DEFAULT_PROFILE else name, self.options.home))

    def create_profile(self, name: str) -> None:
        profile = resolve_profile(clean_name(name, "profile"), self.options.home)
        if name != DEFAULT_PROFILE and profile.data_dir.exists():
            raise FacemoodError(f"profile {profile.name!r} already exists: pick it from the list")
        profile.data_dir.mkdir(parents=True, exist_ok=True)
        self._switch_profile(profile)

    def save_settings(self, **changes) -> Settings:
        with self._lock:
            for key, value in changes.items():
                if key == "provider" and value not in PROVIDERS:
                    raise FacemoodError(f"unknown music service {value!r}")
                if hasattr(self.settings, key):
                    setattr(self.settings, key, value)
            self.overlay = self.settings.overlay
            save_settings(self.profile.settings_path, self.settings)
            self.version += 1
            return self.settings

    # --- the live loop ------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the source and start recognising on a background thread (returns at once)."""
        self._stop.clear()
        self._source_error = None
        self._thread = threading.Thread(target=self._live, name="live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            self._save_take()
            if self._history is not None:
                self._history.end_session(self._session)
                self._history.close()
                self._history = None

    def retry(self) -> None:
        """Try the source again after an error (e.g. the camera was busy)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self.start()

    def _live(self) -> None:
        options = self.options
        frames = None
        try:
            source = open_source(options.source, loop=True, realtime=True)
            self._source_description = source.description
            frames = LatestFrame(source).start()
            with LandmarkDetector(options.face_model, options.hand_model, video=source.is_stream) as detector:
                with self._lock:
                    self._recogniser = Recogniser(detector, self.classifier, smooth=options.smooth,
                                                  threshold=options.threshold)
                self._loop(frames)
        except FacemoodError as exc:
            self._source_error = str(exc)
            log.error("%s", exc)
        except Exception as exc:  # keep the window alive and say what happened
            log.exception("the live view stopped")
            self._source_error = f"the live view stopped: {exc}"
        finally:
            if frames is not None:
                frames.stop()
            with self._lock:
                self._recogniser = None
                self._save_take()

    def _loop(self, frames: LatestFrame) -> None:
        last_sample = time.monotonic()
        fps = 0.0
        last = None
        while not self._stop.is_set():
            frame = frames.next(timeout=0.5)
            if frame is None:
                if frames.error is not None:
                    raise frames.error
                continue
            reading = self._recogniser.read(frame)
            now = time.monotonic()
            if last is not None:
                fps = 0.9 * fps + 0.1 / max(now - last, 1e-6) if fps else 1.0 / max(now - last, 1e-6)
            last = now
            self._publish(reading)
            with self._lock:
                self._add_to_take(reading.landmarks)
                mood = reading.mood
                self._state = {
                    "mood": mood.label, "confidence": mood.confidence, "face": reading.landmarks.has_face,
                    "bars": [{"emotion": e, "p": p} for e, p in mood.probabilities.items()],
                    "fps": fps, "frame": self._state["frame"] + 1,
                    "landmark_ms": reading.landmark_ms, "dropped": frames.dropped,
                }
                if self.first_mood_after is None and mood.label not in (NO_FACE, UNSURE):
                    self.first_mood_after = time.monotonic() - self.options.started
                if now - last_sample >= HISTORY_EVERY_S:
                    if self._history is not None and mood.label not in (NO_FACE, UNSURE):
                        self._history.record_mood(self._session, mood.label, mood.confidence, now - last_sample)
                    last_sample = now

    def _publish(self, reading) -> None:
        view = cv2.cvtColor(reading.rgb, cv2.COLOR_RGB2BGR)
        if self.overlay:
            draw_landmarks(view, reading.landmarks)
        ok, jpeg = cv2.imencode(".jpg", view, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if ok:
            self.frames.publish(jpeg.tobytes())

    # --- recording ----------------------------------------------------------------------------------

    def _profile_layout(self):
        files = recording_files(self.profile.data_dir)[0] if self.profile.data_dir.is_dir() else []
        for path in files:
            try:
                return layout_for_width(read_rows(path).shape[1])
            except FacemoodError:
                continue
        return BLENDSHAPES

    def record_start(self, emotion: str, frames: int | None = None) -> None:
        """Start a take of `emotion`; it ends at `frames` rows or on record_stop()."""
        with self._lock:
            if self._take is not None:
                raise FacemoodError(f"already recording {self._take.path.stem!r}")
            if self._recogniser is None:
                starting = self._thread is not None and self._thread.is_alive()
                raise FacemoodError("the camera is still starting: try again in a moment" if starting else
                                    "the camera is not running: fix the source, then press Retry")
            path = emotion_path(self.profile.data_dir, emotion)
            layout = self._profile_layout()
            check_can_record(path, layout, replace=False)
            self._take = TakeRecorder(path, layout, self._source_description)
            self._take_target = frames if frames and frames > 0 else None
            self._last_take = None

    def _add_to_take(self, landmarks) -> None:
        if self._take is None:
            return
        self._take.add(landmarks)
        if self._take_target is not None and self._take.count >= self._take_target:
            self._save_take()

    def _save_take(self) -> dict | None:
        take, self._take = self._take, None
        if take is None:
            return None
        if take.count == 0:
            self._last_take = {"emotion": take.path.stem, "rows": 0, "total": None,
                               "message": f"no face seen in {take.frames} frames: nothing recorded"}
        else:
            try:
                total = take.save()
            except FacemoodError as exc:  # the rows went to a rescue file the message names
                self._last_take = {"emotion": take.path.stem, "rows": take.count, "total": None, "message": str(exc)}
                return self._last_take
            self._last_take = {"emotion": take.path.stem, "rows": take.count, "total": total,
                               "message": f"recorded {take.count} rows of {take.path.stem!r} ({total} in all)"}
            self.version += 1
        return self._last_take

    def record_stop(self) -> dict | None:
        with self._lock:
            return self._save_take()

    def delete_take(self, emotion: str, index: int) -> None:
        with self._lock:
            delete_take(emotion_path(self.profile.data_dir, emotion), int(index))
            self.version += 1

    # --- training -----------------------------------------------------------------------------------

    def train(self) -> None:
        """Train in a separate process (TensorFlow stays out of the live view), then swap the model in."""
        with self._lock:
            if self._training.running:
                return
            if self._take is not None:
                raise FacemoodError("stop recording before training")
            self._training = _Training(running=True, stage="starting")
        command = [sys.executable, str(PACKAGE_HOME / "train.py"), "--json"]
        if not self.profile.is_default:
            command += ["--user", self.profile.name]
        if self.options.home is not None:
            command += ["--home", str(self.options.home)]
        threading.Thread(target=self._run_training, args=(command, self.profile), name="train", daemon=True).start()

    def _run_training(self, command: list[str], profile: Profile) -> None:
        training = self._training
        try:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for line in proc.stdout:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if message.get("fraction") is not None:
                    training.fraction = float(message["fraction"])
                training.stage = message.get("stage", training.stage)
                if "report" in message:
                    training.report = message["report"]
            err = proc.stderr.read()
            code = proc.wait()
            if code != 0 or training.report is None:
                lines = [line for line in err.splitlines() if line.strip()]
                last = lines[-1] if lines else f"train.py exited with code {code}"
                training.error = last.split("error: ", 1)[-1]
            elif profile == self.profile:
                with self._lock:
                    self.classifier = self._load_classifier()
                    if self._recogniser is not None:
                        self._recogniser.set_classifier(self.classifier)
                    self.version += 1
        except OSError as exc:
            training.error = f"could not start training: {exc}"
        finally:
            training.running = False
            training.fraction = 1.0 if training.error is None else training.fraction

    # --- songs --------------------------------------------------------------------------------------

    def recommend(self, singer: str = "", language: str = "", provider: str | None = None,
                  mood: str | None = None) -> dict:
        settings = self.save_settings(singer=singer.strip(), language=language.strip(),
                                      provider=provider or self.settings.provider)
        label = mood or self._state["mood"]
        if not label or label in (NO_FACE, UNSURE):
            why = {NO_FACE: "no face in view", UNSURE: "the mood is unsure"}.get(label, "the camera has not started")
            return {"need_mood": True, "message": f"No mood yet ({why}): look at the camera a moment, "
                                                  "or pick a mood by hand"}
        words = settings.words_for(label)
        result = self.recommender.recommend(words, settings.language, settings.singer, settings.provider)
        if self._history is not None:
            self._history.record_song(self._session, label, result.query, result.provider, result.url)
        self.version += 1
        return {"mood": label, "query": result.query, "provider": result.provider, "url": result.url,
                "opened_in_browser": result.opened_in_browser, "message": result.message,
                "results": [r.__dict__ for r in result.results]}

    def open_url(self, url: str) -> bool:
        return self.recommender.open(url)

    # --- what the page shows ------------------------------------------------------------------------

    def state(self) -> dict:
        """Everything that changes every frame (the page polls this)."""
        with self._lock:
            take = self._take
            training = self._training
            state = dict(self._state)
            state.update({
                "error": self._source_error or self._error,
                "source_failed": self._source_error is not None,
                "source": self._source_description,
                "recording": None if take is None else {"emotion": take.path.stem, "count": take.count,
                                                        "target": self._take_target},
                "last_take": self._last_take,
                "training": training.__dict__.copy(),
                "default_model": self.classifier.is_default,
                "version": self.version,
                "first_mood_after": self.first_mood_after,
            })
            return state

    def overview(self) -> dict:
        """What changes rarely: profiles, recordings, model, settings, history."""
        with self._lock:
            profile, settings, classifier = self.profile, self.settings, self.classifier
            emotions = []
            if profile.data_dir.is_dir():
                for path in recording_files(profile.data_dir)[0]:
                    takes = read_takes(path)
                    emotions.append({"name": path.stem, "rows": sum(t.count for t in takes),
                                     "takes": [{"index": i, "count": t.count, "recorded": t.recorded}
                                               for i, t in enumerate(takes)]})
            meta = getattr(getattr(classifier, "model", None), "meta", {})
            history = self._history
            return {
                "version": self.version,
                "profiles": list_profiles(self.options.home),
                "profile": profile.name,
                "emotions": emotions,
                "model": {"default": classifier.is_default, "emotions": classifier.emotions,
                          "accuracy": meta.get("heldout_accuracy"), "per_emotion": meta.get("per_emotion_accuracy"),
                          "trained_at": meta.get("trained_at"), "layout": meta.get("layout")},
                "settings": {"singer": settings.singer, "language": settings.language,
                             "provider": settings.provider, "overlay": settings.overlay,
                             "mood_words": {e: settings.words_for(e) for e in classifier.emotions}},
                "providers": [{"id": p, "name": PROVIDER_NAMES[p]} for p in PROVIDERS],
                "history": {"days": history.mood_by_day(7) if history else [],
                            "songs": history.recent_songs(8) if history else []},
                "stream_url": self.stream_url,
                "source": self._source_description,
            }
