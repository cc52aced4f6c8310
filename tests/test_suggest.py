"""When to offer songs on a change of mood: an injected clock, readings once a second, no sleeping."""

from __future__ import annotations

import pytest

from facemood.moods import NO_FACE, UNSURE
from facemood.suggest import MoodChangeWatcher, Suggestion, SuggestPolicy

ON = SuggestPolicy(enabled=True, hold_seconds=20.0, cooldown_seconds=300.0)


def feed(watcher: MoodChangeWatcher, start: float, seconds: int, mood: str, playing: bool = False
         ) -> list[Suggestion]:
    """One reading a second for `seconds` seconds from `start`; the suggestions made."""
    made = []
    for t in range(seconds):
        suggestion = watcher.update(start + t, mood, playing)
        if suggestion is not None:
            made.append(suggestion)
    return made


def settled(mood: str = "happy", policy: SuggestPolicy = ON) -> MoodChangeWatcher:
    """A watcher that has seen `mood` hold from t=0 to t=59."""
    watcher = MoodChangeWatcher(policy)
    assert feed(watcher, 0, 60, mood) == []  # the first mood is where the user is, not a change
    return watcher


def test_a_new_mood_that_holds_is_offered_once_after_the_hold():
    watcher = settled()
    assert feed(watcher, 60, 20, "sad") == []  # t = 60..79: held 19 s
    assert watcher.update(80, "sad", False) == Suggestion("sad", "happy", 80)  # held 20 s
    assert feed(watcher, 81, 600, "sad") == []  # only once for the same change


def test_a_flickering_mood_is_never_offered():
    watcher = settled()
    for t in range(60, 400):
        assert watcher.update(t, "sad" if t % 15 else "happy", False) is None  # sad 14 s at a time


def test_the_hold_restarts_after_another_mood():
    watcher = settled()
    feed(watcher, 60, 15, "sad")
    feed(watcher, 75, 3, "angry")
    assert feed(watcher, 78, 20, "sad") == []  # t = 78..97: at most 19 s since it came back
    assert watcher.update(98, "sad", False) == Suggestion("sad", "happy", 98)


def test_a_blink_of_unsure_or_no_face_does_not_break_a_hold_but_a_long_one_does():
    watcher = settled()
    feed(watcher, 60, 10, "sad")
    feed(watcher, 70, 1, UNSURE)  # t = 70 and 71: the last sad (69) at most 2 s ago
    feed(watcher, 71, 1, NO_FACE)
    assert feed(watcher, 72, 8, "sad") == []  # t = 72..79
    assert watcher.update(80, "sad", False) == Suggestion("sad", "happy", 80)  # 20 s since t = 60

    again = settled()
    feed(again, 60, 10, "sad")
    feed(again, 70, 5, NO_FACE)  # looked away for 5 s
    assert feed(again, 75, 20, "sad") == []  # t = 75..94: the hold started again at 75
    assert again.update(95, "sad", False) == Suggestion("sad", "happy", 95)


@pytest.mark.parametrize("mood", [UNSURE, NO_FACE, ""])
def test_never_for_unsure_or_no_face(mood):
    watcher = settled()
    assert feed(watcher, 60, 1000, mood) == []


def test_never_while_a_song_plays_and_the_change_during_it_is_not_offered_after():
    watcher = settled()
    assert feed(watcher, 60, 100, "sad", playing=True) == []
    assert feed(watcher, 160, 100, "sad", playing=False) == []  # the song's effect is not a change to answer
    assert watcher.update(260, "happy", False) is None
    assert feed(watcher, 261, 20, "happy")[0] == Suggestion("happy", "sad", 280)


def test_at_most_one_offer_per_cooldown_and_a_waiting_change_comes_when_it_ends():
    watcher = settled()
    [first] = feed(watcher, 60, 40, "sad")  # t = 80
    assert first.at == 80
    assert feed(watcher, 100, 280, "angry") == []  # angry held from t = 120, but the last offer was at 80
    assert watcher.update(380, "angry", False) == Suggestion("angry", "sad", 380)  # 300 s after 80


def test_a_change_back_during_the_cooldown_is_dropped():
    watcher = settled()
    feed(watcher, 60, 40, "sad")  # offered at 80
    feed(watcher, 100, 60, "angry")  # held, but waits for the cooldown
    assert feed(watcher, 160, 400, "sad") == []  # back to the mood already offered: nothing to say


def test_off_by_default_and_turning_it_on_later_works():
    watcher = settled(policy=SuggestPolicy())
    assert SuggestPolicy().enabled is False
    assert feed(watcher, 60, 100, "sad") == []  # off: sad is now simply where the user is
    watcher.policy = ON
    assert feed(watcher, 160, 21, "happy") == [Suggestion("happy", "sad", 180)]


def test_the_hold_and_cooldown_are_configurable():
    policy = SuggestPolicy(enabled=True, hold_seconds=5.0, cooldown_seconds=60.0)
    watcher = settled(policy=policy)
    assert feed(watcher, 60, 6, "sad") == [Suggestion("sad", "happy", 65)]
    assert feed(watcher, 66, 30, "happy") == []  # happy held at 71: within the minute
    assert watcher.update(125, "happy", False) == Suggestion("happy", "sad", 125)


def test_reset_forgets_the_moods_but_not_the_cooldown():
    watcher = settled()
    feed(watcher, 60, 21, "sad")  # offered at 80
    watcher.reset()
    assert feed(watcher, 100, 30, "angry") == []  # the first mood after a reset is a new start
    assert feed(watcher, 130, 100, "happy") == []  # held from 150, but within the cooldown of 80
    assert watcher.update(380, "happy", False) == Suggestion("happy", "angry", 380)
