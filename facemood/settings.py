"""What the window remembers between runs, per profile: singer, language, music service, mood words,
match or lift, suggestions on a change of mood.

A plain JSON file the user may edit by hand. Reading it is forgiving (a bad value falls back to its
default with a warning in the log) because a settings file must never stop the window from opening.
There is no file version: a key an older facemood did not write takes its default, and keys this one
does not know are ignored, so files move between versions silently.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .dataset import atomic_write
from .emotion_words import GOALS, MATCH, default_words
from .errors import FacemoodError
from .recommend import PROVIDERS
from .suggest import SuggestPolicy

log = logging.getLogger(__name__)


@dataclass
class Settings:
    singer: str = ""
    language: str = ""
    provider: str = "youtube"  # one of recommend.PROVIDERS
    # emotion -> the user's own words for the query; missing/blank = default_words_for(emotion)
    mood_words: dict[str, str] = field(default_factory=dict)
    overlay: bool = True  # draw landmarks on the live view
    mood_goal: str = MATCH  # emotion_words.MATCH ("Match my mood") or LIFT ("Lift my mood")
    suggest_songs: bool = False  # offer songs when the mood changes and holds (opt-in)
    suggest_hold_seconds: float = 20.0  # how long a new mood must hold before songs are offered
    suggest_every_minutes: float = 5.0  # at most one offer this often

    def words_for(self, emotion: str) -> str:
        """The words searched for this emotion: the user's own where set (white space collapsed), else
        the default for the goal, e.g. "sad" -> "sad" (match) or "uplifting" (lift)."""
        words = " ".join(str(self.mood_words.get(emotion) or "").split())
        return words or self.default_words_for(emotion)

    def default_words_for(self, emotion: str) -> str:
        """What words_for gives while the user has set no words for `emotion` (a placeholder to show)."""
        return default_words(emotion, self.mood_goal)

    def suggest_policy(self) -> SuggestPolicy:
        """The suggestion rules these settings ask for."""
        return SuggestPolicy(enabled=self.suggest_songs, hold_seconds=self.suggest_hold_seconds,
                             cooldown_seconds=self.suggest_every_minutes * 60.0)


def _number_between(low: float, high: float) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                and low <= value <= high)
    return check


# field -> (what a good value is, for the log; its test). mood_words is read by _mood_words.
_CHECKS: dict[str, tuple[str, Callable[[object], bool]]] = {
    "singer": ("text", lambda value: isinstance(value, str)),
    "language": ("text", lambda value: isinstance(value, str)),
    "provider": (f"one of {', '.join(PROVIDERS)}", lambda value: value in PROVIDERS),
    "overlay": ("true or false", lambda value: isinstance(value, bool)),
    "mood_goal": (f"one of {', '.join(GOALS)}", lambda value: value in GOALS),
    "suggest_songs": ("true or false", lambda value: isinstance(value, bool)),
    "suggest_hold_seconds": ("a number of seconds from 1 to 3600", _number_between(1, 3600)),
    "suggest_every_minutes": ("a number of minutes from 0 to 1440", _number_between(0, 1440)),
}
_FLOATS = {"suggest_hold_seconds", "suggest_every_minutes"}


def check_setting(name: str, value: object) -> object:
    """`value` as the setting `name` keeps it (seconds and minutes as floats); ValueError saying what a
    good value is. For values from outside, e.g. the window's page: settings_from_dict forgives instead."""
    if name == "mood_words":
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise ValueError(f"mood_words should map each emotion to its words, not {value!r}")
        return dict(value)
    wanted, check = _CHECKS[name]
    if not check(value):
        raise ValueError(f"{name} should be {wanted}, not {value!r}")
    return float(value) if name in _FLOATS else value  # type: ignore[arg-type]


def _mood_words(value: object, path: Path) -> dict[str, str]:
    if not isinstance(value, dict):
        log.warning("%s: mood_words is not an object; using the default words", path)
        return {}
    words = {}
    for emotion, text in value.items():
        if isinstance(text, str):
            words[emotion] = text
        else:
            log.warning("%s: the words for %r are not text; using the default words", path, emotion)
    return words


def settings_from_dict(raw: object, path: Path) -> Settings:
    """Settings from parsed JSON: unknown keys ignored, each wrong value replaced by its default."""
    settings = Settings()
    if not isinstance(raw, dict):
        log.warning("%s does not hold a JSON object; using the default settings", path)
        return settings
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value = raw[f.name]
        if f.name == "mood_words":
            settings.mood_words = _mood_words(value, path)
            continue
        wanted, check = _CHECKS[f.name]
        if check(value):
            setattr(settings, f.name, float(value) if f.name in _FLOATS else value)  # type: ignore[arg-type]
        else:
            log.warning("%s: %s should be %s, not %r; using the default %r", path, f.name, wanted, value,
                        getattr(settings, f.name))
    return settings


def load_settings(path: Path) -> Settings:
    """The saved settings; defaults when the file is missing or unreadable (the file is left as it is)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("cannot read the settings %s (%s); using the defaults", path, exc)
        return Settings()
    try:
        raw = json.loads(text)
    except ValueError as exc:
        log.warning("the settings %s are not valid JSON (%s); using the defaults", path, exc)
        return Settings()
    return settings_from_dict(raw, path)


def save_settings(path: Path, settings: Settings) -> None:
    """Write the settings as UTF-8 JSON, atomically: a crash mid-save leaves the old file, never half."""
    path = Path(path)
    data = json.dumps(asdict(settings), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    try:
        atomic_write(path, lambda handle: handle.write(data))
    except OSError as exc:
        raise FacemoodError(f"cannot save the settings {path}: {exc.strerror or exc}: check the folder is "
                            f"writable") from exc
