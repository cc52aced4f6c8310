"""Songs for a mood: the query, provider URLs, the YouTube search (through real pytubefix) and the fallback.

(Reading YouTube's answer is tested in test_youtube.py.)

The build machine has no network, so every test here runs with sockets blocked; the YouTube answer is a
saved InnerTube search response (tests/data/youtube_search.json).
"""

from __future__ import annotations

import io
import json
import os
import stat
import threading
import urllib.error
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from facemood import recommend
from facemood.recommend import (PROVIDER_NAMES, PROVIDERS, Recommendation, Recommender, SearchError,
                                YouTubeSearch, build_query, search_url, spotify_app_installed)

from tests.conftest import SAVED_SEARCH, SAVED_SEARCH_IDS, SAVED_SEARCH_QUERY, youtube_answer

pytestmark = pytest.mark.usefixtures("no_network")


class RecordingOpener:
    """Stands in for webbrowser.open: records each URL and answers `result`."""

    def __init__(self, result: object = True):
        self.calls: list[str] = []
        self.result = result

    def __call__(self, url: str) -> object:
        self.calls.append(url)
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result


def canned(raw: dict):
    return lambda query: raw


def failing(exc: BaseException):
    def fetch(query: str) -> dict:
        raise exc
    return fetch


# --- query building ---------------------------------------------------------------------------------------


def test_query_has_language_mood_song_singer_in_order():
    assert build_query("uplifting", "hindi", "Meera Kapoor") == "hindi uplifting song Meera Kapoor"


def test_query_drops_empty_parts_and_collapses_white_space():
    assert build_query("calm") == "calm song"
    assert build_query("  calm \t down ", "   ", "\n") == "calm down song"
    assert build_query("happy", "", "  Ada   Lovelace  ") == "happy song Ada Lovelace"
    assert build_query("happy", "\u00a0punjabi\u3000", "") == "punjabi happy song"  # unicode spaces too


def test_query_keeps_unicode_and_normalises_it():
    assert build_query("खुश", "हिंदी", "श्रेया") == "हिंदी खुश song श्रेया"
    decomposed = "Beyonce\u0301"  # e + combining acute, as some keyboards type it
    assert build_query("happy", singer=decomposed) == "happy song Beyonc\u00e9"


# --- provider URLs ----------------------------------------------------------------------------------------

TRICKY = 'rock & roll #1 + "quotes" हिंदी/é?'


def test_youtube_url_encodes_everything_and_uses_plus_for_spaces():
    url = search_url("youtube", TRICKY)
    assert url.startswith("https://www.youtube.com/results?search_query=")
    assert " " not in url and "#" not in url and '"' not in url
    assert "rock+%26+roll+%231+%2B+%22quotes%22" in url
    assert parse_qs(urlsplit(url).query) == {"search_query": [TRICKY]}


def test_youtube_music_url():
    url = search_url("youtube_music", TRICKY)
    assert url.startswith("https://music.youtube.com/search?q=")
    assert parse_qs(urlsplit(url).query) == {"q": [TRICKY]}
    assert search_url("youtube_music", "sad song") == "https://music.youtube.com/search?q=sad+song"


def test_spotify_web_and_app_urls_escape_the_query_as_one_path_segment():
    web = search_url("spotify", TRICKY)
    app = search_url("spotify", TRICKY, spotify_app=True)
    prefix_web, prefix_app = "https://open.spotify.com/search/", "spotify:search:"
    assert web.startswith(prefix_web) and app.startswith(prefix_app)
    encoded = web[len(prefix_web):]
    assert encoded == app[len(prefix_app):]
    assert "/" not in encoded and "+" not in encoded and "&" not in encoded and "#" not in encoded
    assert unquote(encoded) == TRICKY
    assert search_url("spotify", "happy song") == "https://open.spotify.com/search/happy%20song"
    assert search_url("spotify", "a+b") == "https://open.spotify.com/search/a%2Bb"


def test_unknown_provider_is_a_value_error():
    with pytest.raises(ValueError, match="deezer"):
        search_url("deezer", "x")


def test_provider_names_cover_every_provider():
    assert PROVIDERS == ("youtube", "youtube_music", "spotify")
    assert set(PROVIDER_NAMES) == set(PROVIDERS)


# --- is the Spotify app installed? ------------------------------------------------------------------------


def _fake_xdg_mime(folder: Path, body: str) -> Path:
    script = folder / "xdg-mime"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_spotify_app_found_on_linux_by_binary(monkeypatch, tmp_path):
    monkeypatch.setattr(recommend.shutil, "which", lambda name: "/snap/bin/spotify" if name == "spotify" else None)
    assert spotify_app_installed(platform="linux", environ={}, home=tmp_path)


def test_spotify_app_found_on_linux_by_xdg_handler(monkeypatch, tmp_path):
    xdg_mime = _fake_xdg_mime(tmp_path, 'echo "com.spotify.Client.desktop"')
    monkeypatch.setattr(recommend.shutil, "which", lambda name: str(xdg_mime) if name == "xdg-mime" else None)
    assert spotify_app_installed(platform="linux", environ={"XDG_DATA_DIRS": str(tmp_path / "none")}, home=tmp_path)


def test_spotify_app_not_found_on_linux(monkeypatch, tmp_path):
    xdg_mime = _fake_xdg_mime(tmp_path, "exit 0")  # prints nothing: no default handler
    monkeypatch.setattr(recommend.shutil, "which", lambda name: str(xdg_mime) if name == "xdg-mime" else None)
    assert not spotify_app_installed(platform="linux", environ={"XDG_DATA_DIRS": str(tmp_path / "none")},
                                     home=tmp_path)


def test_spotify_app_found_through_mimeinfo_cache_without_xdg_mime(monkeypatch, tmp_path):
    monkeypatch.setattr(recommend.shutil, "which", lambda name: None)
    apps = tmp_path / "share" / "applications"
    apps.mkdir(parents=True)
    (apps / "mimeinfo.cache").write_text("[MIME Cache]\nx-scheme-handler/spotify=spotify.desktop;\n")
    assert spotify_app_installed(platform="linux", environ={"XDG_DATA_HOME": str(tmp_path / "share"),
                                                            "XDG_DATA_DIRS": str(tmp_path / "none")}, home=tmp_path)


def test_slow_xdg_mime_counts_as_no_app(monkeypatch, tmp_path):
    xdg_mime = _fake_xdg_mime(tmp_path, "exec sleep 5")
    monkeypatch.setattr(recommend.shutil, "which", lambda name: str(xdg_mime) if name == "xdg-mime" else None)
    monkeypatch.setattr(recommend, "XDG_TIMEOUT_S", 0.3)
    assert not spotify_app_installed(platform="linux", environ={"XDG_DATA_DIRS": str(tmp_path / "none")},
                                     home=tmp_path)


def test_spotify_app_on_macos_and_windows(tmp_path):
    if not Path("/Applications/Spotify.app").is_dir():
        assert not spotify_app_installed(platform="darwin", home=tmp_path)
    (tmp_path / "Applications" / "Spotify.app").mkdir(parents=True)
    assert spotify_app_installed(platform="darwin", home=tmp_path)
    assert not spotify_app_installed(platform="win32", environ={"APPDATA": str(tmp_path)}, home=tmp_path)
    (tmp_path / "Spotify").mkdir()
    (tmp_path / "Spotify" / "Spotify.exe").write_bytes(b"MZ")
    assert spotify_app_installed(platform="win32", environ={"APPDATA": str(tmp_path)}, home=tmp_path)
    assert not spotify_app_installed(platform="win32", environ={}, home=tmp_path)


def test_spotify_probe_never_raises(monkeypatch, tmp_path):
    def broken(name):
        raise RuntimeError("boom")

    monkeypatch.setattr(recommend.shutil, "which", broken)
    assert spotify_app_installed(platform="linux", environ={}, home=tmp_path) is False


# --- YouTubeSearch ----------------------------------------------------------------------------------------


def test_search_with_canned_fetch_respects_limit(raw_response):
    assert [r.video_id for r in YouTubeSearch(canned(raw_response)).search("q", limit=3)] == SAVED_SEARCH_IDS[:3]


def test_search_goes_through_real_pytubefix_without_network(monkeypatch):
    """The default fetch runs pytubefix's InnerTube code; only its HTTP call is replaced."""
    import pytubefix.innertube
    from pytubefix import request

    sent = []

    def fake_execute_request(url, method=None, headers=None, data=None, timeout=None):
        sent.append({"url": url, "method": method, "headers": headers, "data": data})
        return io.BytesIO(SAVED_SEARCH.read_bytes())

    monkeypatch.setattr(request, "_execute_request", fake_execute_request)
    shared_context = json.dumps(pytubefix.innertube._default_clients["WEB"]["innertube_context"], sort_keys=True)

    results = YouTubeSearch().search(SAVED_SEARCH_QUERY)

    assert [r.video_id for r in results] == SAVED_SEARCH_IDS
    assert results[0].title == "Meera Kapoor – Subah Ki Roshni (Official Video)"
    assert len(sent) == 1
    call = sent[0]
    assert call["method"] == "POST"
    assert call["url"].startswith("https://www.youtube.com/youtubei/v1/search?")
    assert call["data"]["query"] == SAVED_SEARCH_QUERY
    assert call["data"]["context"]["client"]["clientName"] == "WEB"
    # pytubefix's module-level client context is not left holding our query
    assert json.dumps(pytubefix.innertube._default_clients["WEB"]["innertube_context"],
                      sort_keys=True) == shared_context


def test_search_through_real_pytubefix_offline_says_no_connection():
    with pytest.raises(SearchError, match="no connection to YouTube"):
        YouTubeSearch().search("happy song")


@pytest.mark.parametrize("exc, reason", [
    (urllib.error.URLError(OSError("Network is unreachable")), "no connection to YouTube"),
    (TimeoutError("timed out"), "no connection to YouTube"),
    (ConnectionResetError(), "no connection to YouTube"),
    (urllib.error.HTTPError("https://www.youtube.com/youtubei/v1/search", 429, "Too Many Requests", {}, None),
     "HTTP 429"),
    (json.JSONDecodeError("Expecting value", "<html>", 0), "unexpected answer from YouTube"),
    (KeyError("contents"), "unexpected answer from YouTube"),
    (RuntimeError("odd"), "YouTube search failed (RuntimeError)"),
])
def test_search_failures_become_search_errors_with_a_short_reason(exc, reason):
    with pytest.raises(SearchError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        YouTubeSearch(failing(exc)).search("q")


def test_search_of_unexpected_shape_is_an_error():
    with pytest.raises(SearchError, match="unexpected answer from YouTube"):
        YouTubeSearch(canned({"error": {"code": 400}})).search("q")


def test_search_gives_up_after_timeout():
    release = threading.Event()

    def slow(query):
        release.wait(5)
        return {}

    try:
        with pytest.raises(SearchError, match=r"YouTube did not answer within 0.2 s"):
            YouTubeSearch(slow, timeout=0.2).search("q")
    finally:
        release.set()


# --- Recommender ------------------------------------------------------------------------------------------


def test_recommend_youtube_in_window(raw_response):
    opener = RecordingOpener()
    rec = Recommender(YouTubeSearch(canned(raw_response)), opener=opener, spotify_app=lambda: False)
    result = rec.recommend("uplifting", "hindi", "Meera Kapoor")
    assert isinstance(result, Recommendation)
    assert result.query == SAVED_SEARCH_QUERY
    assert result.provider == "youtube"
    assert result.url == "https://www.youtube.com/results?search_query=hindi+uplifting+song+Meera+Kapoor"
    assert [r.video_id for r in result.results] == SAVED_SEARCH_IDS
    assert not result.opened_in_browser and opener.calls == []
    assert result.message == "7 results from YouTube"
    assert len(rec.recommend("uplifting", limit=2).results) == 2


def test_recommend_youtube_offline_opens_the_search_in_the_browser():
    opener = RecordingOpener()
    rec = Recommender(YouTubeSearch(failing(urllib.error.URLError("offline"))), opener=opener)
    result = rec.recommend("calm", "tamil", "")
    expected_url = "https://www.youtube.com/results?search_query=tamil+calm+song"
    assert opener.calls == [expected_url]
    assert result.url == expected_url and result.opened_in_browser and result.results == []
    assert result.message == ("Offline or YouTube search failed (no connection to YouTube): "
                              "opened the search in your browser")


def test_recommend_youtube_timeout_falls_back_to_the_browser():
    release = threading.Event()
    opener = RecordingOpener()
    rec = Recommender(YouTubeSearch(lambda q: release.wait(5) or {}, timeout=0.2), opener=opener)
    try:
        result = rec.recommend("happy")
    finally:
        release.set()
    assert opener.calls == [search_url("youtube", "happy song")]
    assert result.opened_in_browser and "did not answer within 0.2 s" in result.message


def test_recommend_youtube_without_results_opens_the_browser():
    opener = RecordingOpener()
    result = Recommender(YouTubeSearch(canned(youtube_answer())), opener=opener).recommend("sleepy")
    assert opener.calls == [result.url] and result.opened_in_browser
    assert result.message == "No results in the window: opened the YouTube search in your browser"


def test_recommend_youtube_not_in_window_goes_straight_to_the_browser():
    def must_not_search(query):
        raise AssertionError("searched")

    opener = RecordingOpener()
    result = Recommender(YouTubeSearch(must_not_search), opener=opener).recommend("happy", in_window=False)
    assert opener.calls == [result.url] and result.opened_in_browser and result.results == []
    assert "YouTube" in result.message and "happy song" in result.message


def test_recommend_youtube_music_opens_the_browser():
    opener = RecordingOpener(result=None)  # a recorder that returns None still counts as opened
    result = Recommender(YouTubeSearch(failing(AssertionError())), opener=opener).recommend(
        "energetic", "punjabi", "Some Singer", "youtube_music")
    assert result.url == "https://music.youtube.com/search?q=punjabi+energetic+song+Some+Singer"
    assert opener.calls == [result.url] and result.opened_in_browser and result.results == []
    assert "YouTube Music" in result.message


def test_recommend_spotify_web_and_app():
    opener = RecordingOpener()
    web = Recommender(opener=opener, spotify_app=lambda: False).recommend("sad & slow", singer="A#B",
                                                                          provider="spotify")
    assert web.url == "https://open.spotify.com/search/sad%20%26%20slow%20song%20A%23B"
    assert web.message == "Opened Spotify web search for “sad & slow song A#B”"
    app = Recommender(opener=opener, spotify_app=lambda: True).recommend("sad", provider="spotify")
    assert app.url == "spotify:search:sad%20song" and app.opened_in_browser
    assert app.message == "Opened Spotify app search for “sad song”"
    assert opener.calls == [web.url, app.url]


def test_spotify_app_that_does_not_open_falls_back_to_the_web_player():
    calls = []

    def opener(url):
        calls.append(url)
        return not url.startswith("spotify:")

    result = Recommender(opener=opener, spotify_app=lambda: True).recommend("sad", provider="spotify")
    assert calls == ["spotify:search:sad%20song", "https://open.spotify.com/search/sad%20song"]
    assert result.url == calls[1] and "web" in result.message


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("failure", [False, OSError("no browser")])
def test_no_browser_is_reported_with_the_link_to_copy(provider, failure):
    opener = RecordingOpener(result=failure)
    rec = Recommender(YouTubeSearch(failing(urllib.error.URLError("offline"))), opener=opener,
                      spotify_app=lambda: False)
    result = rec.recommend("happy", provider=provider)
    assert not result.opened_in_browser
    assert result.url in result.message and "copy" in result.message
    assert opener.calls == [result.url]


def test_recommend_needs_mood_words_and_a_known_provider():
    rec = Recommender(opener=RecordingOpener())
    with pytest.raises(ValueError):
        rec.recommend("   ", "hindi", "x")
    with pytest.raises(ValueError):
        rec.recommend("happy", provider="deezer")


def test_default_recommender_uses_pytubefix_search_and_the_real_browser_opener():
    import webbrowser

    rec = Recommender()
    assert isinstance(rec.search, YouTubeSearch) and rec.search.fetch is recommend._pytubefix_search
    assert rec.opener is webbrowser.open and rec.spotify_app is spotify_app_installed


@pytest.mark.parametrize("url", [
    "https://www.youtube.com/watch?v=q3Xb7mKpL2A",
    "https://music.youtube.com/search?q=sad+song",
    "https://open.spotify.com/search/sad%20song",
    "spotify:search:sad%20song",
])
def test_open_passes_allowed_links_to_the_opener(url):
    opener = RecordingOpener()
    assert Recommender(opener=opener).open(url) is True
    assert opener.calls == [url]


@pytest.mark.parametrize("url", [
    "http://www.youtube.com/watch?v=q3Xb7mKpL2A",
    "https://www.youtube.com.evil.example/watch",
    "https://evil.example/?https://www.youtube.com/",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "https://www.youtube.com/watch?v=x\nfile:///etc/passwd",
    "",
    None,
])
def test_open_refuses_other_links(url):
    opener = RecordingOpener()
    with pytest.raises(ValueError):
        Recommender(opener=opener).open(url)
    assert opener.calls == []


def test_open_reports_a_missing_browser():
    assert Recommender(opener=RecordingOpener(result=False)).open("https://www.youtube.com/watch?v=abc") is False


def test_importing_recommend_does_not_import_pytubefix():
    import subprocess
    import sys

    code = "import sys, facemood.recommend; print('pytubefix' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent, env={**os.environ, "PYTHONPATH": ""})
    assert out.stdout.strip() == "False"
