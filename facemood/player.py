"""The song playing in the window's YouTube player, as the page reports it, and the way out when it
cannot play there.

The page (ui/player.js) drives YouTube's embeddable player in an iframe from PLAYER_ORIGIN with
postMessage, and reports what the player did: "playing", "paused", "ended", "skipped", "stopped",
"error" (with YouTube's code) or "unreachable" (the player never became ready: no connection). This
service keeps the one song on now, records each play in the history (the moods seen meanwhile go
against it), and on an error or no connection opens that video in the browser through the same
checked path as any link, with one line saying so.

No YouTube script runs in our page: postMessage is all the player needs, so the page's policy adds one
frame origin and nothing to script-src.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

from .mood_journal import MoodJournal
from .songs import Songs

log = logging.getLogger(__name__)

PLAYER_ORIGIN = "https://www.youtube-nocookie.com"
# How long the player may take to answer before we call it unreachable (slow networks load ~1 MB of
# player first; offline it never answers).
READY_TIMEOUT_S = 12.0
# Tests put a local stand-in for YouTube's player on another loopback port; nothing else may be framed.
_LOOPBACK_ORIGIN = re.compile(r"http://127\.0\.0\.1:\d{1,5}")

# YouTube's error codes (the IFrame Player API reference; 153 from its 2025 refusals without a referrer).
PLAYER_ERRORS = {
    2: "YouTube found the request invalid",
    5: "the player cannot play it here",
    100: "the video was removed or is private",
    101: "its owner does not allow playing it in other apps",
    150: "its owner does not allow playing it in other apps",
    153: "YouTube could not identify this window",
}
STATES = ("playing", "paused")
ENDS = ("ended", "skipped", "stopped")
FAILURES = ("error", "unreachable")
EVENTS = STATES + ENDS + FAILURES


@dataclass(frozen=True)
class PlayerOptions:
    origin: str = PLAYER_ORIGIN
    ready_timeout_s: float = READY_TIMEOUT_S

    def __post_init__(self):
        if self.origin != PLAYER_ORIGIN and not _LOOPBACK_ORIGIN.fullmatch(self.origin):
            raise ValueError(f"the player comes from {PLAYER_ORIGIN} (or a local stand-in), not {self.origin!r}")
        if not 0 < self.ready_timeout_s <= 120:
            raise ValueError(f"ready_timeout_s must be in (0, 120], not {self.ready_timeout_s!r}")


@dataclass(frozen=True)
class NowPlaying:
    video_id: str
    play_id: int | None  # None when the history could not be written
    paused: bool = False


def error_words(code: object) -> str:
    if not isinstance(code, int) or isinstance(code, bool):
        return "YouTube's player failed"
    return f"YouTube error {code}: {PLAYER_ERRORS.get(code, 'the player failed')}"


class Player:
    def __init__(self, songs: Songs, journal: MoodJournal, options: PlayerOptions | None = None):
        self.songs = songs
        self.journal = journal
        self.options = options or PlayerOptions()
        self.now: NowPlaying | None = None
        self._lock = threading.Lock()

    @property
    def playing(self) -> bool:
        """A song is on and not paused."""
        now = self.now
        return now is not None and not now.paused

    def play_id_of(self, video_id: str) -> int | None:
        """The play id of `video_id` if it is the song on now."""
        now = self.now
        return now.play_id if now is not None and now.video_id == video_id else None

    def page_config(self) -> dict:
        """What the page needs to build the player."""
        return {"origin": self.options.origin, "ready_timeout_ms": round(self.options.ready_timeout_s * 1000)}

    def reset(self) -> None:
        """Forget the song on now (its history was closed: another profile is in use)."""
        with self._lock:
            self.now = None

    def event(self, video_id: str, event: str, code: int | None = None) -> dict:
        """What the page's player did with `video_id`; see the module's docstring. Events about a song
        that is not on are stale (nothing to record), except that a song failing or starting means the
        one before is off."""
        if event not in EVENTS:
            raise ValueError(f"unknown player event {event!r}: use one of {', '.join(EVENTS)}")
        found = self.songs.found(video_id)
        with self._lock:
            now = self.now if self.now is not None and self.now.video_id == video_id else None
            if now is None and self.now is not None and event in ("playing",) + FAILURES:
                self._end("skipped")  # the page moved on to another song without saying so
            if event == "playing":
                if now is None:
                    self.now = NowPlaying(video_id, self.journal.start_play(found.song, found.mood, found.query))
                elif now.paused:
                    self._pause(False)
                return {"play_id": self.now.play_id}
            if now is not None:
                if event == "paused":
                    self._pause(True)
                else:
                    self._end("error" if event in FAILURES else event)
        if event in FAILURES:
            return self._fall_back(found.song.title, found.song.url, error_words(code) if event == "error" else None)
        return {}

    def _pause(self, paused: bool) -> None:
        now = self.now
        if now.play_id is not None:
            self.journal.pause_play(now.play_id, paused)
        self.now = NowPlaying(now.video_id, now.play_id, paused)

    def _end(self, reason: str) -> None:
        if self.now is not None and self.now.play_id is not None:
            self.journal.end_play(self.now.play_id, reason)
        self.now = None

    def _fall_back(self, title: str, url: str, error: str | None) -> dict:
        """Open the video in the browser (the checked path) and say why, in one line."""
        why = f"“{title}” cannot play in the window ({error})" if error else \
            f"The player could not reach YouTube (no connection?) for “{title}”"
        log.info("%s: opening %s in the browser", why, url)
        if self.songs.open_url(url):
            return {"opened": True, "url": url, "message": f"{why}: opened it in your browser."}
        return {"opened": False, "url": url, "message": f"{why}, and no browser could be opened: copy this link: {url}"}
