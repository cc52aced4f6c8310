""""Recommend me songs" in the window: the search for the current (or a chosen) mood with the profile's
singer, language, service and mood words, the results ranked by the user's 👍/👎 for that mood, the
👍/👎 themselves, and opening a link the user picked.

The page names a result by its video id only: the songs handed out are remembered here with the mood and
query they were found for, so what the history records (and any link opened) is ours, not the page's.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from .active_profile import ActiveProfile
from .history import DISLIKE, LIKE, NO_RATING
from .mood_journal import MoodJournal
from .moods import NO_FACE, UNSURE
from .ranking import LIKED_CHANNEL, LIKED_SONG, current_ratings, rank
from .recommend import Recommender, SongResult

NO_MOOD_BECAUSE = {NO_FACE: "no face in view", UNSURE: "the mood is unsure", "": "the camera has not started"}
RATINGS = (LIKE, DISLIKE, NO_RATING)
REMEMBERED_SONGS = 500  # songs handed to the page that it may still name (a few hundred searches' worth)


@dataclass(frozen=True)
class FoundSong:
    song: SongResult
    mood: str  # the mood it was found for
    query: str


def why_ranked(reason: str | None, song: SongResult) -> str:
    """The line the page shows under a result that is where it is because of the user's 👍."""
    if reason == LIKED_SONG:
        return "you liked this"
    if reason == LIKED_CHANNEL:
        return f"you liked songs from {song.channel}"
    return ""


def results_message(searched: str, shown: int, hidden: int, mood: str) -> str:
    """The search's own line, unless songs were hidden: then what the window shows, and why."""
    if not hidden:
        return searched
    if not shown:
        return f"Every result was a song you disliked for {mood}: try other words or a singer"
    results, songs = ("result" if shown == 1 else "results"), ("song" if hidden == 1 else "songs")
    return f"{shown} {results} from YouTube · {hidden} {songs} you disliked hidden"


class Songs:
    """`current_mood()` gives the live mood's name ("" before the first frame); a test passes its own."""

    def __init__(self, recommender: Recommender, profiles: ActiveProfile, journal: MoodJournal,
                 current_mood: Callable[[], str]):
        self.recommender = recommender
        self.profiles = profiles
        self.journal = journal
        self.current_mood = current_mood
        self._found: OrderedDict[str, FoundSong] = OrderedDict()
        self._lock = threading.Lock()

    def recommend(self, singer: str = "", language: str = "", provider: str | None = None,
                  mood: str | None = None) -> dict:
        """Search for `mood` (default: the live one), remembering singer, language and service."""
        settings = self.profiles.save_settings(singer=singer.strip(), language=language.strip(),
                                               provider=provider or self.profiles.settings.provider)
        label = mood or self.current_mood()
        if label in NO_MOOD_BECAUSE:
            return {"need_mood": True, "message": f"No mood yet ({NO_MOOD_BECAUSE[label]}): look at the camera "
                                                  "a moment, or pick a mood by hand"}
        result = self.recommender.recommend(settings.words_for(label), settings.language, settings.singer,
                                            settings.provider)
        self.journal.song_asked(label, result)
        for song in result.results:
            self._remember(FoundSong(song, label, result.query))
        songs, hidden = self._ranked(result.results, label)
        return {"mood": label, "query": result.query, "provider": result.provider, "url": result.url,
                "opened_in_browser": result.opened_in_browser, "hidden": hidden, "results": songs,
                "message": results_message(result.message, len(songs), hidden, label)}

    def _ranked(self, results: list[SongResult], mood: str) -> tuple[list[dict], int]:
        """The results as the page shows them, ranked by the user's 👍/👎 for `mood`, each with why it is
        where it is and its rating; and how many were hidden."""
        feedback = self.journal.feedback(mood)
        ranking = rank(results, feedback, mood)
        ratings = {video_id: item.rating for video_id, item in current_ratings(feedback, mood).items()}
        shown = [{**dataclasses.asdict(ranked.song), "reason": why_ranked(ranked.reason, ranked.song),
                  "rating": ratings.get(ranked.song.video_id, NO_RATING)} for ranked in ranking.shown]
        return shown, len(ranking.hidden)

    def _remember(self, found: FoundSong) -> None:
        with self._lock:
            self._found[found.song.video_id] = found
            self._found.move_to_end(found.song.video_id)
            while len(self._found) > REMEMBERED_SONGS:
                self._found.popitem(last=False)

    def found(self, video_id: str) -> FoundSong:
        """A song this window's searches showed, with the mood and query of the latest search that did
        (the list the page shows: it replaces its list with each search's results). ValueError for any
        other id."""
        with self._lock:
            found = self._found.get(video_id) if isinstance(video_id, str) else None
        if found is None:
            raise ValueError(f"not a song from the results: {video_id!r}")
        return found

    def rate(self, video_id: str, rating: int, play_id: int | None = None) -> dict:
        """👍 (1), 👎 (-1) or neither (0) on a result, for the mood it was found for; `play_id` when it
        is the song playing."""
        if rating not in RATINGS or isinstance(rating, bool):
            raise ValueError(f"a rating is 1 (👍), -1 (👎) or 0, not {rating!r}")
        found = self.found(video_id)
        self.journal.record_feedback(found.song, rating, found.mood, found.query, play_id=play_id)
        return {"video_id": video_id, "rating": rating, "mood": found.mood}

    def open_url(self, url: str) -> bool:
        """Open a result or search link the page hands back (ValueError unless it is a music service's)."""
        return self.recommender.open(url)
