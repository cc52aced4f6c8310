"""When to offer songs on a change of mood: a small state machine fed (time, mood, song playing?).

The window feeds it every mood it shows and shows a small prompt when it answers. It never sleeps and
never reads a clock: the caller passes the time (time.monotonic() in the window, made-up seconds in the
tests), so its timing is tested exactly.

The rules, and why:
- Off unless the user turned it on (an unasked prompt is an interruption).
- Only a *change*: the first mood that holds after the start is where the user is, not a change.
- The new mood must hold `hold_seconds` without another mood in between: expressions flicker, and a
  prompt for a two-second frown would be noise. A moment of "unsure" or "no face" (up to `blink_seconds`,
  e.g. a look away or a blink of the smoother) does not break a hold; a longer one does.
- Never for "unsure" or "no face": there is no mood to find songs for.
- Not while a song plays: the user already has music. A change during a song becomes the new starting
  point silently, so the song's own effect is not answered with a prompt when it ends.
- At most one offer every `cooldown_seconds`. A change that holds during the cooldown is offered when the
  cooldown ends, if the user is still in that mood.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .moods import NO_FACE, UNSURE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SuggestPolicy:
    enabled: bool = False
    hold_seconds: float = 20.0
    cooldown_seconds: float = 300.0
    blink_seconds: float = 2.0  # unsure / no face this short does not break a hold


@dataclass(frozen=True)
class Suggestion:
    mood: str  # offer songs for this mood
    previous: str  # the mood the user was in before ("you look sad now")
    at: float  # the caller's clock


class MoodChangeWatcher:
    """Says when to offer songs; see the module's docstring for the rules."""

    def __init__(self, policy: SuggestPolicy | None = None):
        self.policy = policy or SuggestPolicy()  # replace it when the settings change
        self._last_offer: float | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the moods seen, not the last offer (the profile or its emotions changed)."""
        self._settled: str | None = None  # the mood the user is in: held, offered or lived with
        self._candidate: str | None = None  # the mood seen now, and since when
        self._since = 0.0
        self._last_seen = 0.0

    def update(self, now: float, mood: str, playing: bool) -> Suggestion | None:
        """One mood reading at time `now` (seconds of a clock that never goes back, e.g. time.monotonic());
        a Suggestion when songs should be offered now, else None."""
        if not mood or mood in (UNSURE, NO_FACE):
            if self._candidate is not None and now - self._last_seen > self.policy.blink_seconds:
                self._candidate = None
            return None
        if mood != self._candidate:
            self._candidate, self._since = mood, now
        self._last_seen = now
        if now - self._since < self.policy.hold_seconds or mood == self._settled:
            return None
        previous, self._settled = self._settled, mood  # settled from here on, unless it waits below
        if previous is None:
            return None
        if not self.policy.enabled or playing:
            return None
        if self._last_offer is not None and now - self._last_offer < self.policy.cooldown_seconds:
            self._settled = previous  # still a change: offer it when the cooldown ends
            return None
        self._last_offer = now
        log.info("the mood changed from %s to %s and held %.0f s: offering songs", previous, mood,
                 now - self._since)
        return Suggestion(mood, previous, now)
