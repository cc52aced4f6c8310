"""The recording coach: per-emotion lines and advice with a next step, on made-up and real reports."""

from facemood.coach import Advice, TakeInfo, advise, is_neutral_name, summarise


def report(emotions, confusion):
    per = {e: row[i] / sum(row) for i, (e, row) in enumerate(zip(emotions, confusion))}
    return {"emotions": emotions, "confusion": confusion, "per_emotion_accuracy": per}


def kinds(advice: list[Advice]) -> list[tuple[str | None, str]]:
    return [(a.emotion, a.kind) for a in advice]


def test_two_emotions_that_look_alike_are_named_with_the_share():
    takes = {"calm": [TakeInfo(150), TakeInfo(150)], "excited": [TakeInfo(150), TakeInfo(150)],
             "neutral": [TakeInfo(150), TakeInfo(150)]}
    rep = report(["calm", "excited", "neutral"], [[26, 24, 0], [5, 45, 0], [0, 0, 50]])
    summaries = summarise(rep, takes)
    calm = summaries[0]
    assert (calm.confused_with, round(calm.confused_share, 2), calm.heldout_accuracy) == ("excited", 0.48, 0.52)
    advice = advise(summaries, takes)
    assert kinds(advice) == [("calm", "look-alike")]  # one line for the pair, not one per side
    assert "calm and excited look alike to facemood: 48% of calm frames read as excited" in advice[0].text
    assert advice[0].step.startswith("Record them more distinctly") and advice[0].step in advice[0].text


def test_few_rows_one_take_no_face_and_no_neutral():
    takes = {"happy": [TakeInfo(60, frames=100, frames_without_face=40)],
             "sad": [TakeInfo(200, frames=210, frames_without_face=10), TakeInfo(150)],
             "angry": [TakeInfo(300)]}
    rep = report(["angry", "happy", "sad"], [[20, 0, 0], [0, 12, 0], [0, 0, 70]])
    advice = advise(summarise(rep, takes), takes)
    assert ("happy", "few-rows") in kinds(advice)
    assert next(a.step for a in advice if a.kind == "few-rows").startswith("Record at least 40 more frames")
    assert ("happy", "no-face") in kinds(advice) and ("sad", "no-face") not in kinds(advice)
    assert "40 of 100 frames had no face" in next(a.text for a in advice if a.kind == "no-face")
    one_take = next(a for a in advice if a.kind == "one-take")
    assert one_take.emotion is None and one_take.finding == "happy and angry are one take each."
    assert (None, "no-neutral") in kinds(advice)


def test_a_neutral_emotion_by_any_usual_name_silences_that_advice():
    for name in ("neutral", "Neutral", "nothing", "resting", "Calm"):
        assert is_neutral_name(name)
        takes = {name: [TakeInfo(200)] * 2, "happy": [TakeInfo(200)] * 2, "sad": [TakeInfo(200)] * 2}
        assert "no-neutral" not in [a.kind for a in advise(summarise(None, takes), takes)]
    assert not is_neutral_name("rock")


def test_before_training_there_are_no_numbers_but_the_takes_still_count():
    takes = {"joy": [TakeInfo(500), TakeInfo(500)], "neutral": [TakeInfo(500), TakeInfo(400)]}
    summaries = summarise(None, takes)
    assert [(s.emotion, s.rows, s.takes, s.heldout_accuracy) for s in summaries] == [
        ("joy", 1000, 2, None), ("neutral", 900, 2, None)]
    assert advise(summaries, takes) == []
