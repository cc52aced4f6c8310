"""The profile the window is using: whose it is, its settings and its mood model.

Switching or creating a profile, saving a setting and swapping in a newly trained model happen here.
The live view, takes and history follow a switch because window.py tells them; this knows none of them.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from .errors import FacemoodError
from .live import load_classifier
from .moods import DefaultMoods, TrainedMoods
from .names import clean_name
from .profile import DEFAULT_PROFILE, Profile, list_profiles, resolve_profile
from .recommend import PROVIDERS
from .settings import Settings, check_setting, load_settings, save_settings


class ActiveProfile:
    """`profile`, `settings` and `classifier` are replaced whole, never changed in place, so a reader on
    another thread always sees one consistent value. `revision` grows with every change the page shows."""

    def __init__(self, home: Path | None = None, user: str | None = None):
        self.home = home
        self.revision = 0
        self.model_error: str | None = None
        self._lock = threading.Lock()
        self._use(resolve_profile(user, home))

    def _use(self, profile: Profile) -> None:
        settings = load_settings(profile.settings_path)
        classifier, error = self._load_model(profile)
        with self._lock:
            self.profile, self.settings = profile, settings
            self.classifier, self.model_error = classifier, error
            self.revision += 1

    @staticmethod
    def _load_model(profile: Profile) -> tuple[DefaultMoods | TrainedMoods, str | None]:
        try:
            return load_classifier(profile), None
        except FacemoodError as exc:
            # A broken model must not stop the window: say why and use the default moods meanwhile.
            return DefaultMoods(), f"{exc} (using the built-in default moods meanwhile)"

    def names(self) -> list[str]:
        """Every profile in this home, the default one first."""
        return list_profiles(self.home)

    def select(self, name: str) -> Profile:
        self._use(resolve_profile(None if name == DEFAULT_PROFILE else name, self.home))
        return self.profile

    def create(self, name: str) -> Profile:
        profile = resolve_profile(clean_name(name, "profile"), self.home)
        if name != DEFAULT_PROFILE and profile.data_dir.exists():
            raise FacemoodError(f"profile {profile.name!r} already exists: pick it from the list")
        profile.data_dir.mkdir(parents=True, exist_ok=True)
        self._use(profile)
        return profile

    def reload_model(self, profile: Profile) -> bool:
        """Load `profile`'s model again (it was just trained); False if another profile is in use now."""
        classifier, error = self._load_model(profile)
        with self._lock:
            if profile != self.profile:
                return False
            self.classifier, self.model_error = classifier, error
            self.revision += 1
            return True

    def save_settings(self, **changes) -> Settings:
        """Change and save some settings (names of Settings fields; others are ignored). A value a
        setting cannot take is a ValueError (FacemoodError for a music service we do not know)."""
        if "provider" in changes and changes["provider"] not in PROVIDERS:
            raise FacemoodError(f"unknown music service {changes['provider']!r}")
        known = {f.name for f in dataclasses.fields(Settings)}
        checked = {name: check_setting(name, value) for name, value in changes.items() if name in known}
        with self._lock:  # held while writing, so two quick changes reach the file in order
            self.settings = dataclasses.replace(self.settings, **checked)
            self.revision += 1
            save_settings(self.profile.settings_path, self.settings)
            return self.settings

    def set_mood_words(self, emotion: str, words: str) -> Settings:
        """The words searched for `emotion`; blank: the default words (Settings.default_words_for)."""
        emotion, words = str(emotion), " ".join(str(words).split())
        mood_words = {name: own for name, own in self.settings.mood_words.items() if name != emotion}
        if words:
            mood_words[emotion] = words
        return self.save_settings(mood_words=mood_words)
