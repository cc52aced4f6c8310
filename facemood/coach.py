"""The recording coach: from a training report and the takes, what to record next, in plain words.

A low accuracy is rarely fixed by training again; it is fixed by better recordings. The coach reads
what training measured (held-out accuracy per emotion and what each is mistaken for) and what was
recorded (rows, takes, frames without a face) and says, per emotion and for the profile, what to do.
Pure functions: train.py prints the advice, the window shows it beside each emotion.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: Fewer rows than this for one emotion: too few to learn it reliably (about 3 s of camera).
FEW_ROWS = 100
#: A share of one emotion's held-out frames read as another emotion above this: they look alike.
CONFUSED_SHARE = 0.25
#: A share of a take's frames without a face above this: the camera lost the face too often.
NO_FACE_SHARE = 0.2
#: Names that mean "no particular expression" (compared without case and accents).
NEUTRAL_NAMES = {"neutral", "nothing", "none", "normal", "calm", "relaxed", "rest", "resting", "idle", "blank",
                 "default", "plain", "natural", "poker face", "no emotion"}


@dataclass(frozen=True)
class TakeInfo:
    """What the coach needs of one take: its rows and, when recorded by facemood, its frames."""

    rows: int
    frames: int = 0  # 0: unknown (files of the classic scripts, or older facemood takes)
    frames_without_face: int = 0

    @classmethod
    def of(cls, take) -> TakeInfo:
        """From a take of a recording (dataset.Take)."""
        return cls(take.count, take.frames, take.frames_without_face)


@dataclass(frozen=True)
class EmotionSummary:
    emotion: str
    rows: int
    takes: int
    heldout_accuracy: float | None  # None until trained (or when the emotion was not in the last training)
    confused_with: str | None  # the emotion its held-out frames are most often mistaken for
    confused_share: float  # the share of its held-out frames read as that emotion


@dataclass(frozen=True)
class Advice:
    emotion: str | None  # None: about the whole profile
    kind: str  # few-rows, one-take, look-alike, no-neutral, no-face
    finding: str  # what is wrong, e.g. "happy has only 60 rows."
    step: str  # what to do about it, e.g. "Record at least 40 more frames (about 1 s), ideally as a new take."

    @property
    def text(self) -> str:
        return f"{self.finding} {self.step}"


def _name_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.casefold().replace("_", " ").replace("-", " "))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def is_neutral_name(name: str) -> bool:
    return _name_key(name) in NEUTRAL_NAMES


def summarise(report: dict | None, takes: dict[str, list[TakeInfo]]) -> list[EmotionSummary]:
    """One line per recorded emotion, with the last training's numbers where it knew the emotion."""
    report = report or {}
    emotions = list(report.get("emotions") or [])
    per_emotion = report.get("per_emotion_accuracy") or {}
    confusion = report.get("confusion") or []
    out = []
    for emotion, its_takes in takes.items():
        confused_with, share = None, 0.0
        if emotion in emotions and len(confusion) == len(emotions):
            i = emotions.index(emotion)
            row = confusion[i]
            total = sum(row)
            others = [(count, emotions[j]) for j, count in enumerate(row) if j != i]
            if total and others:
                count, other = max(others)
                if count:
                    confused_with, share = other, count / total
        out.append(EmotionSummary(emotion, sum(t.rows for t in its_takes), len(its_takes),
                                  per_emotion.get(emotion), confused_with, share))
    return out


def advise(summaries: list[EmotionSummary], takes: dict[str, list[TakeInfo]]) -> list[Advice]:
    """Warnings, each with a concrete next step, the most useful first. Without a training report (all
    summaries' numbers None) the advice on rows, takes, faces and a neutral emotion still holds."""
    advice: list[Advice] = []
    by_name = {s.emotion: s for s in summaries}
    reported_pairs: set[frozenset[str]] = set()
    for s in sorted(summaries, key=lambda s: -s.confused_share):
        if s.confused_with and s.confused_share >= CONFUSED_SHARE:
            pair = frozenset((s.emotion, s.confused_with))
            if pair in reported_pairs:
                continue
            reported_pairs.add(pair)
            advice.append(Advice(s.emotion, "look-alike",
                                 f"{s.emotion} and {s.confused_with} look alike to facemood: {s.confused_share:.0%} of "
                                 f"{s.emotion} frames read as {s.confused_with}.",
                                 "Record them more distinctly (exaggerate what differs), or merge them if they are the "
                                 "same mood to you."))
    for s in summaries:
        if s.rows < FEW_ROWS:
            advice.append(Advice(s.emotion, "few-rows", f"{s.emotion} has only {s.rows} rows.",
                                 f"Record at least {FEW_ROWS - s.rows} more frames "
                                 f"(about {max(1, round((FEW_ROWS - s.rows) / 30))} s), ideally as a new take."))
        for number, take in enumerate(takes.get(s.emotion, []), start=1):
            if take.frames and take.frames_without_face / take.frames > NO_FACE_SHARE:
                advice.append(Advice(s.emotion, "no-face",
                                     f"Take {number} of {s.emotion}: {take.frames_without_face} of {take.frames} "
                                     "frames had no face.",
                                     "Face the camera in good light (or check that it sees you) and record a new take; "
                                     "delete this one if you looked away during it."))
    single = [s.emotion for s in summaries if s.takes == 1]
    if single:
        names = single[0] if len(single) == 1 else ", ".join(single[:-1]) + " and " + single[-1]
        advice.append(Advice(single[0] if len(single) == 1 else None, "one-take",
                             f"{names} {'is one take' if len(single) == 1 else 'are one take each'}.",
                             "Record a second take at another moment (other light, other position) so facemood "
                             "learns the expression, not that moment."))
    expressive = [name for name in by_name if not is_neutral_name(name)]
    if len(expressive) >= 2 and len(expressive) == len(by_name):
        advice.append(Advice(None, "no-neutral", "There is no neutral emotion.",
                             "Record your resting face as \"neutral\", so that facemood does not have to read every "
                             "face as one of your expressions."))
    return advice
