"""Ranking search results by the user's 👍/👎 for a mood, on small made-up results and feedback."""

from __future__ import annotations

from facemood.history import DISLIKE, LIKE, NO_RATING, Feedback, History
from facemood.ranking import LIKED_CHANNEL, LIKED_SONG, current_ratings, rank
from facemood.recommend import SongResult


def song(video_id: str, channel: str | None = None) -> SongResult:
    """A result with its own channel unless one is given."""
    video_id = video_id.ljust(11, "_")
    return SongResult(title=f"Song {video_id}", channel=f"Channel {video_id[0]}" if channel is None else channel, duration="3:00",
                      thumbnail=f"https://i.ytimg.com/vi/{video_id}/hq720.jpg",
                      url=f"https://www.youtube.com/watch?v={video_id}", video_id=video_id)


def opinion(row: int, at: float, rating: int, mood: str, liked: SongResult) -> Feedback:
    return Feedback(row, at, rating, mood, f"{mood} song", liked.video_id, liked.url, liked.title, liked.channel,
                    None)


RESULTS = [song("a"), song("b", "Calm Tunes"), song("c"), song("d", "calm  tunes "), song("e"), song("f")]


def order(ranking) -> list[tuple[str, str | None]]:
    return [(ranked.song.video_id[0], ranked.reason) for ranked in ranking.shown]


def test_without_feedback_youtubes_order_stays():
    ranking = rank(RESULTS, [], "sad")
    assert order(ranking) == [(v, None) for v in "abcdef"] and ranking.hidden == []


def test_disliked_songs_are_hidden_and_liked_songs_and_channels_come_first():
    feedback = [opinion(1, 10, DISLIKE, "sad", song("c")),
                opinion(2, 11, LIKE, "sad", song("e")),
                opinion(3, 12, LIKE, "sad", song("z", "Calm Tunes")),  # a song not in these results
                opinion(4, 13, LIKE, "sad", song("a"))]
    ranking = rank(RESULTS, feedback, "sad")
    # Liked songs in YouTube's order, then the liked channel's (name compared loosely), then the rest.
    assert order(ranking) == [("a", LIKED_SONG), ("e", LIKED_SONG), ("b", LIKED_CHANNEL), ("d", LIKED_CHANNEL),
                              ("f", None)]
    assert [s.video_id[0] for s in ranking.hidden] == ["c"]


def test_feedback_for_another_mood_does_not_count():
    feedback = [opinion(1, 10, DISLIKE, "happy", song("a")), opinion(2, 11, LIKE, "happy", song("f"))]
    assert order(rank(RESULTS, feedback, "sad")) == [(v, None) for v in "abcdef"]
    assert [s.video_id[0] for s in rank(RESULTS, feedback, "happy").hidden] == ["a"]


def test_the_latest_rating_counts():
    feedback = [opinion(1, 10, DISLIKE, "sad", song("a")), opinion(2, 20, LIKE, "sad", song("a")),  # changed mind
                opinion(3, 10, LIKE, "sad", song("b")), opinion(4, 20, NO_RATING, "sad", song("b")),  # taken back
                opinion(6, 30, DISLIKE, "sad", song("c")), opinion(5, 30, LIKE, "sad", song("c"))]  # same time: row
    ranking = rank(RESULTS, feedback, "sad")
    assert order(ranking) == [("a", LIKED_SONG), ("b", None), ("d", None), ("e", None), ("f", None)]
    assert [s.video_id[0] for s in ranking.hidden] == ["c"]
    assert {v[0]: f.rating for v, f in current_ratings(feedback, "sad").items()} == {"a": LIKE, "b": NO_RATING,
                                                                                     "c": DISLIKE}


def test_a_song_without_a_channel_does_not_make_every_unnamed_channel_liked():
    results = [song("a", ""), song("b", ""), song("c")]
    ranking = rank(results, [opinion(1, 10, LIKE, "sad", song("a", ""))], "sad")
    assert order(ranking) == [("a", LIKED_SONG), ("b", None), ("c", None)]


def test_everything_disliked_leaves_nothing_shown():
    feedback = [opinion(i, i, DISLIKE, "sad", s) for i, s in enumerate(RESULTS)]
    ranking = rank(RESULTS, feedback, "sad")
    assert ranking.shown == [] and ranking.hidden == RESULTS


def test_ranks_with_feedback_stored_in_a_real_history(tmp_path):
    with History(tmp_path / "history.sqlite3") as history:
        history.record_feedback(None, song("b", "Calm Tunes"), LIKE, "sad", "uplifting song", at=1.0)
        history.record_feedback(None, song("a"), DISLIKE, "sad", "uplifting song", at=2.0)
        history.record_feedback(None, song("f"), LIKE, "happy", "happy song", at=3.0)
        ranking = rank(RESULTS, history.feedback("sad"), "sad")
    assert order(ranking) == [("b", LIKED_SONG), ("d", LIKED_CHANNEL), ("c", None), ("e", None), ("f", None)]
    assert ranking.hidden == [RESULTS[0]]
