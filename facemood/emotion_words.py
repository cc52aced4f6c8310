"""What an emotion's name means for music: is it negative, positive or neutral, and which search words
match it or lift it.

Users name their own emotions, so a name is looked up loosely ("Sad", "sad_2", "SAD 2" and "😢" are all
sad) in a small vocabulary: the built-in moods, the names people commonly record (the classic tutorial's
angry/happy/neutral/sad/surprise/rock, and fear, disgust, frustrated, tired, bored, stressed, ...), and
music words people name hand signs after (rock, pop, party).

The words go into a search `<language> <words> song <singer>`:
- "match" (today's behaviour): the emotion's own name, e.g. "happy song" (tidied: "Rock_on 2" -> "rock on").
- "lift": a negative emotion becomes words that move it (sad -> "uplifting", angry -> "calming"); the
  others keep their own name: there is nothing to lift in "happy".
- A name we do not know ("greeting", "hello", a person's name) says nothing about music: "hello song"
  finds songs titled Hello. Until the user sets words for it, it searches NEUTRAL_WORDS instead.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

log = logging.getLogger(__name__)

MATCH, LIFT = "match", "lift"
GOALS = (MATCH, LIFT)
NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"

#: Mood-free words for a name we know nothing about: "<language> popular song <singer>" finds the
#: language's or the singer's well-known songs, a fair start, where "neutral" or the name itself would
#: find songs with that word in the title. recommend needs some words, so this cannot be empty.
NEUTRAL_WORDS = "popular"


@dataclass(frozen=True)
class Meaning:
    valence: str | None  # NEGATIVE, NEUTRAL, POSITIVE; None for music words (rock, pop)
    lift: str | None  # words that move a negative emotion; None for the others


def _negative(lift: str, *names: str) -> dict[str, Meaning]:
    return {name: Meaning(NEGATIVE, lift) for name in names}


def _others(valence: str | None, *names: str) -> dict[str, Meaning]:
    return {name: Meaning(valence, None) for name in names}


# Keys as _key() makes them. The lift words are searched, so they are what people type on YouTube.
_VOCABULARY: dict[str, Meaning] = {
    **_negative("uplifting", "sad", "sadness", "unhappy", "upset", "depressed", "crying", "cry", "hurt",
                "heartbroken", "disappointed", "gloomy", "pout", "sulking"),
    **_negative("calming", "angry", "anger", "mad", "furious", "rage", "annoyed", "irritated", "frustrated",
                "frustration", "frustated"),  # "frustated": as people spell it in published recordings
    **_negative("soothing", "fear", "fearful", "afraid", "scared", "anxious", "anxiety", "nervous", "worried",
                "panic", "terrified"),
    **_negative("relaxing", "stressed", "stress", "tense", "overwhelmed", "confused", "confusion"),
    **_negative("feel good", "disgust", "disgusted", "contempt", "gross"),
    **_negative("energetic", "tired", "sleepy", "exhausted", "drowsy", "fatigued"),
    **_negative("upbeat", "bored", "boredom"),
    **_negative("comforting", "lonely", "alone"),
    **_others(POSITIVE, "happy", "happiness", "joy", "joyful", "glad", "cheerful", "excited", "excitement",
              "smile", "smiling", "laugh", "laughing", "love", "loving", "positive", "proud", "amused", "fun",
              "playful", "delighted", "grateful", "calm", "relaxed", "peaceful", "content", "party",
              "dance", "dancing"),
    **_others(NEUTRAL, "neutral", "normal", "surprise", "surprised", "focus", "focused", "thinking"),
    **_others(None, "rock", "rock on", "rocking", "pop", "jazz", "rap", "hip hop", "metal", "classical",
              "lofi", "lo fi", "romantic", "emotional", "devotional", "workout"),
}

# Emoji people use as names, to the word they stand for (variation selectors are removed by _key).
_EMOJI = {
    "😀": "happy", "😃": "happy", "😄": "happy", "😁": "happy", "🙂": "happy", "😊": "happy", "😆": "happy",
    "😢": "sad", "😭": "sad", "☹": "sad", "🙁": "sad", "😞": "sad", "😔": "sad",
    "😠": "angry", "😡": "angry", "🤬": "angry", "😨": "fear", "😱": "fear", "😰": "fear",
    "🤢": "disgust", "🤮": "disgust", "😐": "neutral", "😶": "neutral", "😮": "surprised", "😲": "surprised",
    "😴": "tired", "🥱": "tired", "🤘": "rock", "😌": "calm", "😍": "love", "🥰": "love",
}


def _key(name: str) -> str:
    """"Sad_2 " -> "sad": case, '_'/'-' as spaces, a trailing number ("sad 2", a second take) and emoji
    variation selectors do not change what a name means."""
    text = unicodedata.normalize("NFC", str(name)).casefold().replace("\ufe0f", "")
    text = " ".join(re.sub(r"[_\-]+", " ", text).split())
    text = re.sub(r"\s*\d+$", "", text)
    return _EMOJI.get(text, text)


def meaning_of(emotion: str) -> Meaning | None:
    """What `emotion` means, or None for a name we do not know."""
    return _VOCABULARY.get(_key(emotion))


def valence(emotion: str) -> str | None:
    """NEGATIVE, NEUTRAL or POSITIVE; None for unknown names and music words (they are neither)."""
    meaning = meaning_of(emotion)
    return None if meaning is None else meaning.valence


def default_words(emotion: str, goal: str = MATCH) -> str:
    """The words searched for `emotion` when the user has set none (see the module's docstring)."""
    if goal not in GOALS:
        raise ValueError(f"unknown goal {goal!r}: use one of {', '.join(GOALS)}")
    key = _key(emotion)
    meaning = _VOCABULARY.get(key)
    if meaning is None:
        return NEUTRAL_WORDS
    if goal == LIFT and meaning.lift:
        return meaning.lift
    return key  # the name itself, as a search word: "Sad_2" -> "sad", "rock_on" -> "rock on", "😢" -> "sad"
