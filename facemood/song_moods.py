"""The mood before and after each song the user played, and the songs that lifted them.

"After *Song*, sad → happy": the dominant mood in the minute before the song started, and in its last
minute (the samples the window recorded against that play). Pure functions over history rows; one
small reader (changes_from_history) fetches just the rows they need.

Choices, and why:
- Before: samples in [started - BEFORE_SECONDS, started), whatever played then: it is how the user felt
  when they chose this song.
- After: samples recorded against this play (moods.play_id) in its last END_SECONDS, up to its end (or its
  last sample, when facemood stopped without ending it). Not the time after the end: the next song of the
  queue usually starts at once and the mood then is that song's.
- Dominant = most seconds (each sample stands for its `seconds`); a tie goes to the mood seen last.
  Fewer than MIN_EVIDENCE_SECONDS of samples (no face, unsure, camera off) is no mood: None.
- Lifted: from a negative mood (emotion_words.valence) to a positive or neutral one. Names that are
  neither (unknown user names, music words like "rock") never count as lifted, nor as lifting.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .emotion_words import NEGATIVE, NEUTRAL, POSITIVE, valence
from .history import History, MoodSample, Play

log = logging.getLogger(__name__)

BEFORE_SECONDS = 60.0
END_SECONDS = 60.0
MIN_EVIDENCE_SECONDS = 5.0


@dataclass(frozen=True)
class SongMoodChange:
    play: Play
    before: str | None  # the dominant mood before the song started; None when not enough was seen
    after: str | None  # ... near its end

    @property
    def lifted(self) -> bool:
        """From a negative mood to a positive or neutral one."""
        return (self.before is not None and self.after is not None and valence(self.before) == NEGATIVE
                and valence(self.after) in (POSITIVE, NEUTRAL))

    def describe(self) -> str:
        """'after “Song”, sad → happy', or what is missing."""
        return f"after “{self.play.title}”, {self.before or '?'} → {self.after or '?'}"


@dataclass(frozen=True)
class LiftingSong:
    video_id: str
    url: str
    title: str
    channel: str
    times: int  # how many plays of it lifted the user
    last: float  # when it last did (the play's start)
    moods: tuple[str, ...]  # the moods it lifted, e.g. ("sad", "angry"), most often first


def dominant_mood(samples: Iterable[MoodSample]) -> str | None:
    """The mood with the most seconds among `samples`; None below MIN_EVIDENCE_SECONDS in all."""
    seconds: dict[str, float] = {}
    last_seen: dict[str, float] = {}
    for sample in samples:
        seconds[sample.mood] = seconds.get(sample.mood, 0.0) + sample.seconds
        last_seen[sample.mood] = max(last_seen.get(sample.mood, sample.at), sample.at)
    if sum(seconds.values()) < MIN_EVIDENCE_SECONDS:
        return None
    return max(seconds, key=lambda mood: (seconds[mood], last_seen[mood]))


def mood_change(play: Play, samples: Iterable[MoodSample]) -> SongMoodChange:
    """Before and after `play` from `samples` (any superset of the rows the windows need)."""
    samples = list(samples)
    before = [s for s in samples if play.started - BEFORE_SECONDS <= s.at < play.started]
    during = [s for s in samples if s.play_id == play.id and s.at >= play.started
              and (play.ended is None or s.at <= play.ended)]
    end = play.ended if play.ended is not None else max((s.at for s in during), default=play.started)
    after = [s for s in during if s.at >= end - END_SECONDS]
    return SongMoodChange(play, dominant_mood(before), dominant_mood(after))


def songs_that_lifted(changes: Iterable[SongMoodChange]) -> list[LiftingSong]:
    """The songs whose plays lifted the user, most often first, then most recently."""
    lifts: dict[str, list[SongMoodChange]] = {}
    for change in changes:
        if change.lifted:
            lifts.setdefault(change.play.video_id, []).append(change)
    songs = []
    for video_id, plays in lifts.items():
        latest = max(plays, key=lambda change: change.play.started).play
        counts: dict[str, int] = {}
        for change in plays:
            counts[change.before] = counts.get(change.before, 0) + 1  # type: ignore[index]
        moods = tuple(sorted(counts, key=lambda mood: (-counts[mood], mood)))
        songs.append(LiftingSong(video_id, latest.url, latest.title, latest.channel, len(plays), latest.started,
                                 moods))
    return sorted(songs, key=lambda song: (-song.times, -song.last, song.video_id))


def changes_from_history(history: History, limit: int = 20) -> list[SongMoodChange]:
    """The mood change of each of the last `limit` plays, newest first (a few small queries per play)."""
    changes = []
    for play in history.plays(limit):
        samples: Sequence[MoodSample] = (history.mood_samples(play.started - BEFORE_SECONDS, play.started)
                                         + history.mood_samples(since=play.started, play_id=play.id))
        changes.append(mood_change(play, samples))
    return changes
