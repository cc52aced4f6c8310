"""What the window remembers between runs, per profile: singer, language, music service, mood words.

A plain JSON file the user may edit by hand. Reading it is forgiving (a bad value falls back to its
default with a warning in the log) because a settings file must never stop the window from opening.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .dataset import atomic_write
from .errors import FacemoodError
from .recommend import PROVIDERS

log = logging.getLogger(__name__)


@dataclass
class Settings:
    singer: str = ""
    language: str = ""
    provider: str = "youtube"  # one of recommend.PROVIDERS
    # emotion -> words that go in the query; missing/blank = the emotion's own name
    mood_words: dict[str, str] = field(default_factory=dict)
    overlay: bool = True  # draw landmarks on the live view

    def words_for(self, emotion: str) -> str:
        """The words searched for this emotion, e.g. "sad" -> "uplifting" (white space collapsed)."""
        words = " ".join(str(self.mood_words.get(emotion) or "").split())
        return words or emotion


_TYPES = {"singer": str, "language": str, "provider": str, "overlay": bool}


def _mood_words(value: object, path: Path) -> dict[str, str]:
    if not isinstance(value, dict):
        log.warning("%s: mood_words is not an object; using the emotions' own names", path)
        return {}
    words = {}
    for emotion, text in value.items():
        if isinstance(text, str):
            words[emotion] = text
        else:
            log.warning("%s: the words for %r are not text; using %r", path, emotion, emotion)
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
        elif isinstance(value, _TYPES[f.name]):
            setattr(settings, f.name, value)
        else:
            log.warning("%s: %s should be %s, not %r; using the default", path, f.name,
                        _TYPES[f.name].__name__, value)
    if settings.provider not in PROVIDERS:
        log.warning("%s: unknown music service %r; using YouTube", path, settings.provider)
        settings.provider = "youtube"
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
