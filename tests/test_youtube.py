"""Reading YouTube's search answer: the saved InnerTube response (tests/data/youtube_search.json) and
hand-made malformed ones."""

from __future__ import annotations

import io

import pytest

from facemood.youtube import SongResult, is_search_response, parse_search_response
from tests.conftest import SAVED_SEARCH, SAVED_SEARCH_IDS, SAVED_SEARCH_QUERY, youtube_answer

pytestmark = pytest.mark.usefixtures("no_network")


def test_fixture_is_marked_hand_built(raw_response):
    assert "hand-built" in raw_response["_comment"].lower()


def test_parser_keeps_only_top_level_videos_in_order(raw_response):
    results = parse_search_response(raw_response)
    assert [r.video_id for r in results] == SAVED_SEARCH_IDS  # no ad, shelf video or channel
    first = results[0]
    assert first == SongResult(
        title="Meera Kapoor – Subah Ki Roshni (Official Video)", channel="Meera Kapoor", duration="3:45",
        thumbnail=("https://i.ytimg.com/vi/q3Xb7mKpL2A/hq720.jpg?sqp=-oaymwEcCNAFEJQDSFXyq4qpAw4IARUAAIhCGAFwAc"
                   "ABBg==&rs=AOn4CLBq3Xb7mZk"),
        url="https://www.youtube.com/watch?v=q3Xb7mKpL2A", video_id="q3Xb7mKpL2A")
    by_id = {r.video_id: r for r in results}
    assert by_id["Vb8_nT4sWq0"].title == "Udaan | Meera Kapoor | Uplifting Hindi Song"  # runs joined
    assert by_id["Vb8_nT4sWq0"].channel == "Saregam Studio Sessions"
    assert by_id["jK7wE3rYu1I"].duration == ""  # live stream
    assert "hq720_live.jpg" in by_id["jK7wE3rYu1I"].thumbnail
    assert by_id["Hd5sA1fGh6J"].title == "उम्मीद की किरण - Meera Kapoor (Audio)"
    assert by_id["Np0oKi9uJy8"].duration == "1:02:15"
    assert all(r.thumbnail.startswith("https://i.ytimg.com/vi/") and "hq720" in r.thumbnail for r in results)


def test_parser_agrees_with_pytubefix_own_search_walker(monkeypatch, raw_response):
    """The fixture has the shape pytubefix itself walks: its Search finds the same videos."""
    from pytubefix import request
    from pytubefix.contrib.search import Search

    monkeypatch.setattr(request, "_execute_request", lambda *a, **k: io.BytesIO(SAVED_SEARCH.read_bytes()))
    found, continuation = Search(SAVED_SEARCH_QUERY).fetch_and_parse()
    assert [v.video_id for v in found["videos"]] == SAVED_SEARCH_IDS
    assert len(found["channel"]) == 1 and continuation


def test_parser_falls_back_to_simple_text_and_byline_and_skips_malformed_items():
    good = {"videoRenderer": {"videoId": "abcdefghijk", "title": {"simpleText": "Plain  title"},
                              "longBylineText": {"runs": [{"text": "Some Channel"}]},
                              "thumbnail": {"thumbnails": [{"url": "//i.ytimg.com/vi/abcdefghijk/default.jpg"}]}}}
    results = parse_search_response(youtube_answer(
        {"videoRenderer": {"title": {"runs": [{"text": "no id"}]}}},
        {"videoRenderer": {"videoId": "bad id", "title": {"simpleText": "bad"}}},
        {"videoRenderer": {"videoId": "abcdefghij2"}},  # no title
        {"videoRenderer": "not a dict"},
        "not a dict either",
        good,
        good,  # YouTube sometimes repeats a video
        {"reelShelfRenderer": {"items": []}},
        {"radioRenderer": {"playlistId": "RD"}},
        {"playlistRenderer": {"playlistId": "PL"}},
        {"adSlotRenderer": {}},
    ))
    assert results == [SongResult("Plain title", "Some Channel", "", "https://i.ytimg.com/vi/abcdefghijk/default.jpg",
                                  "https://www.youtube.com/watch?v=abcdefghijk", "abcdefghijk")]


@pytest.mark.parametrize("raw", [{}, {"contents": {}}, {"contents": []}, [], None, "html",
                                 {"contents": {"twoColumnSearchResultsRenderer": {"primaryContents": {
                                     "sectionListRenderer": {"contents": "nope"}}}}}])
def test_parser_returns_nothing_for_other_shapes(raw):
    assert parse_search_response(raw) == []


def test_is_search_response_tells_the_shape_apart(raw_response):
    assert is_search_response(raw_response) and is_search_response(youtube_answer())
    assert not is_search_response({"error": {"code": 400}}) and not is_search_response(None)
