"""What the page shows, as the JSON-ready payloads it polls: state() every frame, overview() on change.

Reads the services, changes nothing. `version` is the sum of the services' revisions: it moves
whenever overview() would answer differently, so the page asks for it only then.
"""

from __future__ import annotations

import dataclasses

from .active_profile import ActiveProfile
from .dataset import read_takes, recording_files
from .emotion_words import LIFT, MATCH
from .live_session import LiveSession
from .mood_journal import MoodJournal
from .player import Player
from .profile import Profile
from .recommend import PROVIDER_NAMES, PROVIDERS
from .settings import Settings
from .song_prompt import SongPrompt
from .takes import Takes
from .training_job import TrainingJob

HISTORY_DAYS = 7
HISTORY_SONGS = 8
GOALS = [{"id": MATCH, "name": "Match my mood"}, {"id": LIFT, "name": "Lift my mood"}]


def recordings_overview(profile: Profile) -> list[dict]:
    """Each emotion the profile recorded, with its rows and takes, for the take list."""
    if not profile.data_dir.is_dir():
        return []
    emotions = []
    for path in recording_files(profile.data_dir)[0]:
        takes = read_takes(path)
        emotions.append({"name": path.stem, "rows": sum(t.count for t in takes),
                         "takes": [{"index": i, "count": t.count, "recorded": t.recorded} for i, t in enumerate(takes)]})
    return emotions


def settings_overview(settings: Settings, emotions: list[str]) -> dict:
    """The settings as the page edits them: each emotion's own words ("" when unset) next to the default
    words shown as the placeholder (which follow Match or Lift)."""
    return {"singer": settings.singer, "language": settings.language, "provider": settings.provider,
            "overlay": settings.overlay, "mood_goal": settings.mood_goal,
            "mood_words": {e: {"own": settings.mood_words.get(e, ""), "default": settings.default_words_for(e)}
                           for e in emotions},
            "suggest_songs": settings.suggest_songs, "suggest_hold_seconds": settings.suggest_hold_seconds,
            "suggest_every_minutes": settings.suggest_every_minutes}


class PageView:
    def __init__(self, profiles: ActiveProfile, live: LiveSession, takes: Takes, training: TrainingJob,
                 journal: MoodJournal, player: Player, prompt: SongPrompt):
        self.profiles = profiles
        self.live = live
        self.takes = takes
        self.training = training
        self.journal = journal
        self.player = player
        self.prompt = prompt

    @property
    def version(self) -> int:
        return self.profiles.revision + self.takes.revision + self.journal.revision

    def state(self) -> dict:
        """Everything that changes every frame (the page polls this)."""
        live = self.live.state
        mood = live.mood
        recording = self.takes.recording
        last_take = self.takes.last
        source_error = self.live.error
        return {
            "mood": live.mood_label, "confidence": mood.confidence if mood else 0.0, "face": live.face,
            "bars": [{"emotion": e, "p": p} for e, p in mood.probabilities.items()] if mood else [],
            "fps": live.fps, "frame": live.frames, "landmark_ms": live.landmark_ms, "dropped": live.dropped,
            "error": source_error or self.profiles.model_error or self.journal.error,
            "source_failed": source_error is not None,
            "source": self.live.source_description,
            "recording": None if recording is None else dataclasses.asdict(recording),
            "last_take": None if last_take is None else dataclasses.asdict(last_take),
            "training": dataclasses.asdict(self.training.status),
            "default_model": self.profiles.classifier.is_default,
            "version": self.version,
            "first_mood_after": self.live.first_mood_after,
            "suggestion": self.prompt.offer,
        }

    def overview(self) -> dict:
        """What changes rarely: profiles, recordings, model, settings, history."""
        version = self.version  # before reading, so a change meanwhile shows up on the next poll
        profiles = self.profiles
        profile, settings, classifier = profiles.profile, profiles.settings, profiles.classifier
        meta = classifier.model.meta if not classifier.is_default else {}
        return {
            "version": version,
            "profiles": profiles.names(),
            "profile": profile.name,
            "emotions": recordings_overview(profile),
            "model": {"default": classifier.is_default, "emotions": classifier.emotions,
                      "accuracy": meta.get("heldout_accuracy"), "per_emotion": meta.get("per_emotion_accuracy"),
                      "trained_at": meta.get("trained_at"), "layout": meta.get("layout")},
            "settings": settings_overview(settings, classifier.emotions),
            "providers": [{"id": p, "name": PROVIDER_NAMES[p]} for p in PROVIDERS],
            "goals": GOALS,
            "player": self.player.page_config(),
            "history": self.journal.summary(HISTORY_DAYS, HISTORY_SONGS),
            "source": self.live.source_description,
        }
