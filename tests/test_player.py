"""The song playing in the window's player, as the page reports it: plays and their ends in the history,
the moods against the song on now, and the browser fallback on a player error or no answer. Real
Songs, MoodJournal and SQLite; the saved YouTube answer; a recording browser opener."""

from __future__ import annotations

import dataclasses

import pytest

from facemood.active_profile import ActiveProfile
from facemood.history import History
from facemood.mood_journal import MoodJournal
from facemood.player import PLAYER_ORIGIN, Player, PlayerOptions
from facemood.recommend import Recommender, YouTubeSearch
from facemood.songs import Songs
from tests.conftest import SAVED_SEARCH_IDS

A, B, C, D = SAVED_SEARCH_IDS[:4]


@pytest.fixture
def opened():
    return []


@pytest.fixture
def player(home, opened, raw_response, clock) -> Player:
    profiles = ActiveProfile(home)
    journal = MoodJournal(clock=clock)
    journal.open(profiles.profile, "camera 0")
    recommender = Recommender(search=YouTubeSearch(fetch=lambda query: raw_response, timeout=2),
                              opener=lambda url: opened.append(url) or True, spotify_app=lambda: False)
    songs = Songs(recommender, profiles, journal, current_mood=lambda: "sad")
    songs.recommend()
    return Player(songs, journal)


def plays(player: Player) -> list[tuple[str, str | None]]:
    player.journal.close()
    with History(player.songs.profiles.profile.history_path) as history:
        return [(play.video_id, play.end_reason) for play in reversed(history.plays())]


def test_a_queue_played_through_is_recorded_play_by_play(player):
    assert player.event(A, "playing")["play_id"] is not None and player.playing
    player.event(A, "ended")
    assert not player.playing and player.now is None
    player.event(B, "playing")
    player.event(B, "skipped")  # the user pressed next
    player.event(C, "playing")
    player.event(D, "playing")  # the page moved on without saying so: C was skipped all the same
    player.event(D, "stopped")
    player.event(D, "ended")  # late news about a song already off: ignored
    assert plays(player) == [(A, "ended"), (B, "skipped"), (C, "skipped"), (D, "stopped")]


def test_pause_and_play_again_is_one_play_and_moods_go_against_it_only_while_it_plays(player, clock, readings):
    def sample_at(moment: float) -> None:  # the journal writes a mood sample a second
        clock.now = moment
        player.journal.on_reading(readings[0])

    sample_at(0.0)
    play = player.event(A, "playing")["play_id"]
    sample_at(1.0)
    assert player.event(A, "paused") == {} and not player.playing and player.play_id_of(A) == play
    sample_at(2.0)
    assert player.event(A, "playing") == {"play_id": play} and player.playing
    sample_at(3.0)
    player.event(A, "ended")
    sample_at(4.0)
    player.journal.close()
    with History(player.songs.profiles.profile.history_path) as history:
        assert [sample.play_id for sample in history.mood_samples()] == [play, None, play, None]
        assert len(history.plays()) == 1


@pytest.mark.parametrize("code, why", [(153, "YouTube error 153: YouTube could not identify this window"),
                                       (150, "YouTube error 150: its owner does not allow playing it in other apps"),
                                       (2, "YouTube error 2: YouTube found the request invalid"),
                                       (999, "YouTube error 999: the player failed"),
                                       (None, "YouTube's player failed")])
def test_a_player_error_opens_that_video_in_the_browser_and_says_so(player, opened, code, why):
    player.event(A, "playing")
    title = player.songs.found(A).song.title
    assert player.event(A, "error", code) == {
        "opened": True, "url": f"https://www.youtube.com/watch?v={A}",
        "message": f"“{title}” cannot play in the window ({why}): opened it in your browser."}
    assert opened == [f"https://www.youtube.com/watch?v={A}"] and not player.playing
    assert plays(player) == [(A, "error")]


def test_no_answer_from_the_player_opens_the_video_in_the_browser(player, opened):
    answer = player.event(B, "unreachable")  # it never played: nothing to record
    assert "could not reach YouTube" in answer["message"] and opened == [f"https://www.youtube.com/watch?v={B}"]
    assert plays(player) == []


def test_without_a_browser_the_message_gives_the_link(player):
    player.songs.recommender.opener = lambda url: False
    answer = player.event(C, "error", 150)
    assert not answer["opened"] and answer["message"].endswith(f"copy this link: https://www.youtube.com/watch?v={C}")


def test_only_songs_from_the_results_and_known_events(player, opened):
    with pytest.raises(ValueError, match="not a song from the results"):
        player.event("Zz9_other00", "playing")
    with pytest.raises(ValueError, match="unknown player event"):
        player.event(A, "exploded")
    assert opened == [] and player.now is None


def test_a_profile_switch_forgets_the_song_on_now(player):
    player.event(A, "playing")
    player.reset()
    assert player.now is None and not player.playing


def test_the_player_comes_from_youtube_nocookie_or_a_local_stand_in_only():
    assert PlayerOptions().origin == PLAYER_ORIGIN == "https://www.youtube-nocookie.com"
    assert PlayerOptions("http://127.0.0.1:8123", 2.0).origin == "http://127.0.0.1:8123"
    for origin in ("https://www.youtube.com", "http://localhost:8123", "http://127.0.0.1:8123/path",
                   "https://evil.example", "http://127.0.0.1.evil.example:80"):
        with pytest.raises(ValueError, match="the player comes from"):
            PlayerOptions(origin)
    with pytest.raises(ValueError, match="ready_timeout_s"):
        PlayerOptions(ready_timeout_s=0)
    assert dataclasses.asdict(PlayerOptions())["ready_timeout_s"] > 5
