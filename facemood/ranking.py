"""Search results in the order this user wants for this mood, from their 👍/👎 (pure functions).

The rules are few so the window can say why a song is where it is:
1. A song whose latest rating for this mood is 👎 is not shown (it is counted, so the window can say
   "2 songs you disliked are hidden").
2. Songs the user liked for this mood come first, then songs from channels they liked for this mood
   (a 👍 on any of that channel's songs), then the rest.
3. Within each group YouTube's order stays (a stable sort): it already ranks by relevance to the query.

Feedback counts per mood only: a song disliked when sad may be just right when happy. The latest rating
of a song for a mood is the one that counts, so a later 👍 undoes a 👎 and NO_RATING takes both back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from .history import DISLIKE, LIKE, Feedback

log = logging.getLogger(__name__)

LIKED_SONG = "liked song"  # the user liked this song for this mood
LIKED_CHANNEL = "liked channel"  # the user liked another song of this channel for this mood


class RankableSong(Protocol):
    @property
    def video_id(self) -> str: ...

    @property
    def channel(self) -> str: ...


Song = TypeVar("Song", bound=RankableSong)


@dataclass(frozen=True)
class RankedSong(Generic[Song]):
    song: Song
    reason: str | None  # LIKED_SONG, LIKED_CHANNEL, or None: YouTube's order


@dataclass(frozen=True)
class Ranking(Generic[Song]):
    shown: list[RankedSong[Song]]  # in the order to show
    hidden: list[Song]  # disliked for this mood, in YouTube's order


def current_ratings(feedback: Iterable[Feedback], mood: str) -> dict[str, Feedback]:
    """video id -> the latest feedback on it for `mood` (ties in time go to the later row)."""
    latest: dict[str, Feedback] = {}
    for item in feedback:
        if item.mood != mood:
            continue
        before = latest.get(item.video_id)
        if before is None or (item.at, item.id) >= (before.at, before.id):
            latest[item.video_id] = item
    return latest


def _channel_key(channel: str) -> str:
    return " ".join(channel.split()).casefold()


def rank(results: Sequence[Song], feedback: Iterable[Feedback], mood: str) -> Ranking[Song]:
    """`results` (e.g. recommend.SongResult, in YouTube's order) ranked by the user's feedback for `mood`."""
    ratings = current_ratings(feedback, mood)
    liked = {video for video, item in ratings.items() if item.rating == LIKE}
    disliked = {video for video, item in ratings.items() if item.rating == DISLIKE}
    liked_channels = {_channel_key(ratings[video].channel) for video in liked} - {""}
    shown: list[tuple[int, int, RankedSong[Song]]] = []
    hidden: list[Song] = []
    for order, song in enumerate(results):
        if song.video_id in disliked:
            hidden.append(song)
        elif song.video_id in liked:
            shown.append((0, order, RankedSong(song, LIKED_SONG)))
        elif _channel_key(song.channel) in liked_channels:
            shown.append((1, order, RankedSong(song, LIKED_CHANNEL)))
        else:
            shown.append((2, order, RankedSong(song, None)))
    shown.sort(key=lambda entry: entry[:2])
    if hidden or liked:
        log.debug("ranked %d results for %s: %d hidden, %d liked channels", len(results), mood, len(hidden),
                  len(liked_channels))
    return Ranking([entry[2] for entry in shown], hidden)
