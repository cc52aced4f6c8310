"""What the page shows, as the JSON-ready payloads it polls: state() every frame, overview() on change.

Reads the services, changes nothing. `version` is the sum of the services' revisions: it moves
whenever overview() would answer differently, so the page asks for it only then.
"""

from __future__ import annotations

import dataclasses

from .active_profile import ActiveProfile
from .coach import CONFUSED_SHARE, Advice, TakeInfo, advise, summarise
from .dataset import Take, emotion_of, read_takes, recording_files
from .emotion_words import LIFT, MATCH
from .live_session import LiveSession
from .mood_journal import MoodJournal
from .moods import DefaultMoods, TrainedMoods
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


def recordings_overview(profile: Profile, report: dict | None = None) -> dict:
    """The take list and the recording coach: each emotion the profile recorded with its rows and takes,
    its held-out accuracy and what it is mistaken for in the last training (`report`, None before any), and
    its advice; then the advice on the whole profile. Each piece of advice is a finding and a next step."""
    takes = _recorded_takes(profile)
    infos = {emotion: [TakeInfo.of(take) for take in its_takes] for emotion, its_takes in takes.items()}
    summaries = summarise(report, infos)
    advice = advise(summaries, infos)
    trained_rows = (report or {}).get("rows_per_emotion") or {}
    emotions = []
    for s in summaries:
        emotions.append({
            "name": s.emotion, "rows": s.rows,
            "takes": [{"index": i, "count": t.count, "recorded": t.recorded, "frames": t.frames,
                       "frames_without_face": t.frames_without_face} for i, t in enumerate(takes[s.emotion])],
            "accuracy": s.heldout_accuracy,
            "mistaken_for": {"emotion": s.confused_with, "share": s.confused_share,
                             "look_alike": s.confused_share >= CONFUSED_SHARE} if s.confused_with else None,
            # The numbers are the last training's: say when the emotion's rows changed since.
            "changed_since_training": s.heldout_accuracy is not None and trained_rows.get(s.emotion) != s.rows,
            "advice": [_advice_payload(a) for a in advice if a.emotion == s.emotion],
        })
    return {"emotions": emotions, "advice": [_advice_payload(a) for a in advice if a.emotion is None]}


def _recorded_takes(profile: Profile) -> dict[str, list[Take]]:
    if not profile.data_dir.is_dir():
        return {}
    # Named as training names them, so the report's numbers match.
    return {emotion_of(path): read_takes(path) for path in recording_files(profile.data_dir)[0]}


def _advice_payload(advice: Advice) -> dict:
    return {"kind": advice.kind, "finding": advice.finding, "step": advice.step}


def model_overview(classifier: DefaultMoods | TrainedMoods) -> dict:
    """The model in use, and for a trained one what its last training reported: the held-out accuracy
    (on rows that played no part in training or in choosing the model) and the model it chose."""
    meta = classifier.model.meta if not classifier.is_default else {}
    return {"default": classifier.is_default, "emotions": classifier.emotions,
            "accuracy": meta.get("heldout_accuracy"), "per_emotion": meta.get("per_emotion_accuracy"),
            "holdout_rows": meta.get("holdout_rows"), "chosen": meta.get("chosen"),
            "candidates": len(meta.get("candidates") or []), "trained_at": meta.get("trained_at"),
            "layout": meta.get("layout")}


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
            "moods": live.moods,
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
        # The model's report was read (model_store.read_report) when the model was loaded, with the model.
        recordings = recordings_overview(profile, None if classifier.is_default else classifier.model.meta)
        return {
            "version": version,
            "profiles": profiles.names(),
            "profile": profile.name,
            "emotions": recordings["emotions"],
            "advice": recordings["advice"],
            "model": model_overview(classifier),
            "settings": settings_overview(settings, classifier.emotions),
            "providers": [{"id": p, "name": PROVIDER_NAMES[p]} for p in PROVIDERS],
            "goals": GOALS,
            "player": self.player.page_config(),
            "history": self.journal.summary(HISTORY_DAYS, HISTORY_SONGS),
            "source": self.live.source_description,
        }
