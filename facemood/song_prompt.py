"""The window's small prompt offering songs when the mood changes (opt-in; suggest.py says when).

A live-session consumer: each reading's mood goes to a MoodChangeWatcher with the clock's time and
whether a song is playing; when it answers, `offer` holds the mood to offer songs for until the user
takes it or waves it away, a song starts, or OFFER_SECONDS pass. The policy follows the profile's
settings as they change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .active_profile import ActiveProfile
from .live import Reading
from .settings import Settings
from .suggest import MoodChangeWatcher, Suggestion

# An offer nobody answered goes away by itself: after a few minutes it is about an old mood.
OFFER_SECONDS = 180.0


class SongPrompt:
    def __init__(self, profiles: ActiveProfile, playing: Callable[[], bool],
                 clock: Callable[[], float] = time.monotonic):
        self.profiles = profiles
        self.playing = playing
        self.clock = clock
        self.watcher = MoodChangeWatcher()
        self._settings: Settings | None = None
        self._offer: Suggestion | None = None
        self._lock = threading.Lock()  # the live thread feeds the watcher; a profile switch resets it

    @property
    def offer(self) -> dict | None:
        """{"mood", "previous"} while songs are on offer, else None (for the page)."""
        offer = self._offer
        return None if offer is None else {"mood": offer.mood, "previous": offer.previous}

    def on_reading(self, reading: Reading) -> None:
        settings = self.profiles.settings
        if settings is not self._settings:  # replaced whole on every change
            self._settings = settings
            self.watcher.policy = settings.suggest_policy()
        now, playing = self.clock(), self.playing()
        with self._lock:
            offer = self._offer
            if offer is not None and (playing or not settings.suggest_songs or now - offer.at > OFFER_SECONDS):
                self._offer = None
            suggestion = self.watcher.update(now, reading.mood.label, playing)
            if suggestion is not None:
                self._offer = suggestion

    def dismiss(self) -> None:
        """The user took the offer or waved it away."""
        self._offer = None

    def reset(self) -> None:
        """Another profile or model: its moods start afresh (an offer about the old ones goes)."""
        with self._lock:
            self.watcher.reset()
            self._offer = None
