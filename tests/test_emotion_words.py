"""Emotion names to search words and valence: built-in moods, common names, user names, loose spelling."""

from __future__ import annotations

import pytest

from facemood.emotion_words import (LIFT, MATCH, NEGATIVE, NEUTRAL, NEUTRAL_WORDS, POSITIVE, default_words,
                                    meaning_of, valence)
from facemood.moods import DEFAULT_MOODS


@pytest.mark.parametrize("emotion, lift", [
    ("sad", "uplifting"), ("angry", "calming"), ("fear", "soothing"), ("disgust", "feel good"),
    ("upset", "uplifting"), ("frustrated", "calming"), ("frustated", "calming"), ("tired", "energetic"),
    ("bored", "upbeat"), ("stressed", "relaxing"), ("anxious", "soothing"), ("lonely", "comforting"),
])
def test_negative_emotions_lift_and_match_themselves(emotion, lift):
    assert valence(emotion) == NEGATIVE
    assert default_words(emotion, LIFT) == lift
    assert default_words(emotion, MATCH) == emotion


@pytest.mark.parametrize("emotion", ["happy", "excited", "positive", "calm", "party", "neutral", "surprised",
                                     "surprise"])
def test_positive_and_neutral_emotions_keep_their_name_either_way(emotion):
    assert valence(emotion) in (POSITIVE, NEUTRAL)
    assert default_words(emotion, MATCH) == default_words(emotion, LIFT) == emotion


def test_every_built_in_mood_is_known():
    assert {mood: valence(mood) for mood in DEFAULT_MOODS} == {
        "happy": POSITIVE, "sad": NEGATIVE, "angry": NEGATIVE, "surprised": NEUTRAL, "neutral": NEUTRAL}


@pytest.mark.parametrize("emotion, words", [("rock", "rock"), ("rock_on", "rock on"), ("Rocking", "rocking"),
                                            ("pop", "pop")])
def test_music_words_are_searched_as_they_are_and_are_neither_good_nor_bad(emotion, words):
    assert valence(emotion) is None and meaning_of(emotion) is not None
    assert default_words(emotion, MATCH) == default_words(emotion, LIFT) == words


@pytest.mark.parametrize("emotion", ["greeting", "hello", "ashish", "data", "wütend", "👋"])
def test_names_the_user_made_up_start_from_neutral_words(emotion):
    assert meaning_of(emotion) is None and valence(emotion) is None
    assert default_words(emotion, MATCH) == default_words(emotion, LIFT) == NEUTRAL_WORDS == "popular"


@pytest.mark.parametrize("emotion", ["Sad", "SAD", "sad_2", "sad 2", " sad  ", "sad-3", "😢", "😭", "☹️"])
def test_names_are_looked_up_loosely(emotion):
    assert valence(emotion) == NEGATIVE
    assert default_words(emotion, LIFT) == "uplifting"
    assert default_words(emotion, MATCH) == "sad"


def test_a_number_alone_is_not_stripped_to_nothing():
    assert meaning_of("2") is None and default_words("2") == NEUTRAL_WORDS


def test_an_unknown_goal_is_a_caller_error():
    with pytest.raises(ValueError, match="goal"):
        default_words("sad", "cheer")
