"""The prompt offering songs on a change of mood, fed real readings (their mood set as the recogniser
would set it) and a clock the test moves: no sleeping, exact timing."""

from __future__ import annotations

import dataclasses

import pytest

from facemood.active_profile import ActiveProfile
from facemood.moods import NO_FACE, Mood
from facemood.song_prompt import OFFER_SECONDS, SongPrompt


@pytest.fixture
def playing():
    return [False]


@pytest.fixture
def prompt(home, playing, clock) -> SongPrompt:
    profiles = ActiveProfile(home)
    profiles.save_settings(suggest_songs=True, suggest_hold_seconds=20.0, suggest_every_minutes=5.0)
    return SongPrompt(profiles, playing=lambda: playing[0], clock=clock)


def see(prompt: SongPrompt, reading, mood: str, start: float, end: float, every: float = 0.5) -> None:
    """The live view showing `mood` from `start` to `end` seconds, a reading every `every` seconds."""
    shown = dataclasses.replace(reading, mood=Mood(mood, 0.9, {mood: 0.9}))
    steps = round((end - start) / every)
    for i in range(steps + 1):
        prompt.clock.now = start + i * every
        prompt.on_reading(shown)


def test_a_new_mood_held_20_s_is_offered_once_it_has_held(prompt, readings):
    see(prompt, readings[0], "happy", 0, 30)  # where the user is: not a change
    assert prompt.offer is None
    see(prompt, readings[0], "sad", 30.5, 50)
    assert prompt.offer is None  # 19.5 s
    see(prompt, readings[0], "sad", 50.5, 50.5)
    assert prompt.offer == {"mood": "sad", "previous": "happy"}


def test_off_unless_the_user_turned_it_on_and_the_policy_follows_the_settings(prompt, readings):
    prompt.profiles.save_settings(suggest_songs=False)
    see(prompt, readings[0], "happy", 0, 30)
    see(prompt, readings[0], "sad", 30.5, 60)
    assert prompt.offer is None
    prompt.profiles.save_settings(suggest_songs=True, suggest_hold_seconds=5.0)
    see(prompt, readings[0], "happy", 60.5, 65)
    assert prompt.offer is None
    see(prompt, readings[0], "happy", 65.5, 65.5)  # 5 s is enough now
    assert prompt.offer == {"mood": "happy", "previous": "sad"}
    prompt.profiles.save_settings(suggest_songs=False)
    see(prompt, readings[0], "happy", 66, 66)
    assert prompt.offer is None  # turned off: the offer goes too


def test_not_while_a_song_plays_and_an_offer_goes_when_one_starts(prompt, readings, playing):
    see(prompt, readings[0], "happy", 0, 30)
    playing[0] = True
    see(prompt, readings[0], "sad", 30.5, 60)
    assert prompt.offer is None  # the song's own effect: the new starting point, silently
    playing[0] = False
    see(prompt, readings[0], "happy", 60.5, 81)
    assert prompt.offer == {"mood": "happy", "previous": "sad"}
    playing[0] = True
    see(prompt, readings[0], "happy", 81.5, 81.5)
    assert prompt.offer is None


def test_an_offer_stands_until_taken_waved_away_or_old(prompt, readings):
    see(prompt, readings[0], "happy", 0, 30)
    see(prompt, readings[0], "sad", 30.5, 51)
    offered_at = 50.5
    see(prompt, readings[0], "sad", 51.5, offered_at + OFFER_SECONDS)
    assert prompt.offer is not None
    see(prompt, readings[0], "sad", offered_at + OFFER_SECONDS + 0.5, offered_at + OFFER_SECONDS + 0.5)
    assert prompt.offer is None
    see(prompt, readings[0], "happy", 300, 350.5)  # five minutes on: another change, another offer
    assert prompt.offer == {"mood": "happy", "previous": "sad"}
    prompt.dismiss()
    assert prompt.offer is None


def test_at_most_one_offer_every_few_minutes_and_never_for_no_face(prompt, readings):
    see(prompt, readings[0], "happy", 0, 30)
    see(prompt, readings[0], "sad", 30.5, 51)
    prompt.dismiss()
    see(prompt, readings[0], NO_FACE, 51.5, 100)
    see(prompt, readings[0], "happy", 100.5, 200)
    assert prompt.offer is None  # 5 minutes from the last offer (at 50.5) have not passed
    see(prompt, readings[0], "happy", 200.5, 350.5)
    assert prompt.offer == {"mood": "happy", "previous": "sad"}  # offered once the cooldown ended


def test_another_profile_or_model_starts_afresh(prompt, readings):
    see(prompt, readings[0], "happy", 0, 30)
    see(prompt, readings[0], "sad", 30.5, 51)
    assert prompt.offer is not None
    prompt.reset()
    assert prompt.offer is None
    see(prompt, readings[0], "angry", 400, 450)  # the first mood after a reset is where the user is
    assert prompt.offer is None
