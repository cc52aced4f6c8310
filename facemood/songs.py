""""Recommend me songs" in the window: the search for the current (or a chosen) mood with the profile's
singer, language, service and mood words, and opening a result the user picked."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from .active_profile import ActiveProfile
from .mood_journal import MoodJournal
from .moods import NO_FACE, UNSURE
from .recommend import Recommender

NO_MOOD_BECAUSE = {NO_FACE: "no face in view", UNSURE: "the mood is unsure", "": "the camera has not started"}


class Songs:
    """`current_mood()` gives the live mood's name ("" before the first frame); a test passes its own."""

    def __init__(self, recommender: Recommender, profiles: ActiveProfile, journal: MoodJournal,
                 current_mood: Callable[[], str]):
        self.recommender = recommender
        self.profiles = profiles
        self.journal = journal
        self.current_mood = current_mood

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
        return {"mood": label, "query": result.query, "provider": result.provider, "url": result.url,
                "opened_in_browser": result.opened_in_browser, "message": result.message,
                "results": [dataclasses.asdict(song) for song in result.results]}

    def open_url(self, url: str) -> bool:
        """Open a result or search link the page hands back (ValueError unless it is a music service's)."""
        return self.recommender.open(url)
