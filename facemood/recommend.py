"""From a mood to songs: the search query, each provider's search URL, a YouTube search, and the fallback.

The YouTube search fetches here (through pytubefix) and reads the answer with youtube.py.

The window shows YouTube results itself when it can, because that keeps the user in the app. Anything
that goes wrong (offline, YouTube slow or changed) falls back to opening the same search in the browser,
so "Recommend me songs" always does something useful and never raises.
"""

from __future__ import annotations

import copy
import logging
import os
import shutil
import subprocess
import sys
import threading
import unicodedata
import urllib.error
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from .youtube import SongResult, is_search_response, parse_search_response

log = logging.getLogger(__name__)

PROVIDERS = ("youtube", "youtube_music", "spotify")
PROVIDER_NAMES = {"youtube": "YouTube", "youtube_music": "YouTube Music", "spotify": "Spotify"}

#: Where a result or search link handed back by the page may point; nothing else reaches the browser.
ALLOWED_URL_PREFIXES = ("https://www.youtube.com/", "https://music.youtube.com/", "https://open.spotify.com/",
                        "spotify:")
# xdg-mime is a shell script that may walk many .desktop files; never let it hold up a click.
XDG_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Recommendation:
    query: str
    provider: str
    url: str  # the provider's search page (or spotify: URI) for this query
    results: list[SongResult]  # shown in the window (YouTube only, when online)
    opened_in_browser: bool  # True when we handed `url` to the browser opener
    message: str  # one line for the user


class SearchError(Exception):
    """The in-window YouTube search failed; the message is a short reason the user can read."""


# --- query and URLs -------------------------------------------------------------------------------------


def build_query(mood_words: str, language: str = "", singer: str = "") -> str:
    """`<language> <mood> song <singer>` with empty parts left out and white space collapsed.

    NFC-normalised so the same words typed on different keyboards (composed or decomposed accents,
    Devanagari) make the same query, and the same history entry.
    """
    parts = (language, mood_words, "song", singer)
    text = " ".join(part for part in parts if part)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def search_url(provider: str, query: str, *, spotify_app: bool = False) -> str:
    """The provider's own search page for `query` (a spotify: URI when the desktop app should open it)."""
    if provider == "youtube":
        return "https://www.youtube.com/results?" + urlencode({"search_query": query})
    if provider == "youtube_music":
        return "https://music.youtube.com/search?" + urlencode({"q": query})
    if provider == "spotify":
        # Spotify takes the query as a path segment: every reserved character must be escaped, '/' too.
        encoded = quote(query, safe="")
        return f"spotify:search:{encoded}" if spotify_app else f"https://open.spotify.com/search/{encoded}"
    raise ValueError(f"unknown music service {provider!r}: use one of {', '.join(PROVIDERS)}")


# --- is the Spotify app there? --------------------------------------------------------------------------


def spotify_app_installed(*, platform: str | None = None, environ: Mapping[str, str] | None = None,
                          home: Path | None = None) -> bool:
    """Best guess whether a spotify: link would open the desktop app; never raises.

    A wrong "yes" is cheap (the opener fails and we fall back to the web player), a crash is not.
    The keyword arguments exist for tests; the window calls this without any.
    """
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    try:
        home = home or Path.home()
        if platform == "darwin":
            return any((base / "Spotify.app").is_dir() for base in (Path("/Applications"), home / "Applications"))
        if platform.startswith(("win", "cygwin")):
            appdata = environ.get("APPDATA")
            return bool(appdata) and (Path(appdata) / "Spotify" / "Spotify.exe").is_file()
        return _xdg_spotify_handler(environ, home)
    except Exception:  # a probe must never break "Recommend me songs"
        log.debug("could not tell whether the Spotify app is installed", exc_info=True)
        return False


def _xdg_spotify_handler(environ: Mapping[str, str], home: Path) -> bool:
    """Linux and other freedesktop systems: the spotify binary, or any handler for spotify: links."""
    if shutil.which("spotify"):
        return True
    xdg_mime = shutil.which("xdg-mime")
    if xdg_mime:
        try:
            answer = subprocess.run([xdg_mime, "query", "default", "x-scheme-handler/spotify"],
                                    capture_output=True, text=True, timeout=XDG_TIMEOUT_S, check=False)
        except (OSError, subprocess.SubprocessError):
            log.debug("xdg-mime failed", exc_info=True)
        else:
            if answer.returncode == 0 and answer.stdout.strip():
                return True
    # Without xdg-mime (or when it knows no default): the caches update-desktop-database writes, which
    # also cover the Flatpak and Snap packages of Spotify.
    data_home = Path(environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    data_dirs = [Path(d) for d in (environ.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":") if d]
    for base in (data_home, *data_dirs):
        cache = base / "applications" / "mimeinfo.cache"
        try:
            text = cache.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if any(line.startswith("x-scheme-handler/spotify=") and line.split("=", 1)[1].strip()
               for line in text.splitlines()):
            return True
    return False


# --- the in-window YouTube search ----------------------------------------------------------------------


def _pytubefix_search(query: str) -> dict:
    """One InnerTube WEB search through pytubefix (imported here: most runs never search)."""
    from pytubefix.innertube import InnerTube

    innertube = InnerTube(client="WEB")
    # pytubefix's search() writes the query into its module-level client context; a private copy keeps
    # two searches (or a later video lookup) from seeing each other's query.
    innertube.innertube_context = copy.deepcopy(innertube.innertube_context)
    return innertube.search(query)


def _reason(exc: BaseException) -> str:
    """A few words for the user on why the search failed."""
    if isinstance(exc, urllib.error.HTTPError):  # before URLError/OSError: it is both
        return f"YouTube refused the search (HTTP {exc.code})"
    if isinstance(exc, (urllib.error.URLError, OSError)):  # socket errors and timeouts are OSErrors
        return "no connection to YouTube"
    if isinstance(exc, (ValueError, KeyError, TypeError, AttributeError, IndexError)):
        return "unexpected answer from YouTube"
    return f"YouTube search failed ({type(exc).__name__})"


class YouTubeSearch:
    """Thin adapter over pytubefix (pytube's maintained fork; pytube itself no longer works with YouTube)."""

    def __init__(self, fetch: Callable[[str], dict] | None = None, timeout: float = 8.0):
        self.fetch = fetch or _pytubefix_search
        self.timeout = timeout

    def search(self, query: str, limit: int = 8) -> list[SongResult]:
        """Up to `limit` videos for `query`; SearchError with a short reason on any failure.

        pytubefix has no timeout of its own, so the request runs on a daemon thread and we stop waiting
        after `timeout` seconds; a stuck request then finishes (or not) in the background.
        """
        outcome: dict[str, object] = {}
        done = threading.Event()

        def work() -> None:
            try:
                outcome["raw"] = self.fetch(query)
            except BaseException as exc:  # reported to the caller's thread below
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name="youtube-search", daemon=True).start()
        if not done.wait(self.timeout):
            log.warning("YouTube search for %r took longer than %g s", query, self.timeout)
            raise SearchError(f"YouTube did not answer within {self.timeout:g} s")
        error = outcome.get("error")
        if isinstance(error, BaseException):
            log.warning("YouTube search for %r failed: %r", query, error)
            raise SearchError(_reason(error)) from error
        raw = outcome.get("raw")
        if not is_search_response(raw):
            log.warning("YouTube search for %r: unexpected answer (%s)", query, type(raw).__name__)
            raise SearchError("unexpected answer from YouTube")
        return parse_search_response(raw)[:max(limit, 0)]


# --- the button -----------------------------------------------------------------------------------------


def check_openable(url: str) -> str:
    """`url` if it may go to the browser: the page hands URLs back, so only the services' own ones pass."""
    if not isinstance(url, str) or not url.startswith(ALLOWED_URL_PREFIXES) or any(
            ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise ValueError(f"not a YouTube, YouTube Music or Spotify link: {url!r}")
    if not url.startswith("spotify:") and urlsplit(url).hostname not in (
            "www.youtube.com", "music.youtube.com", "open.spotify.com"):
        raise ValueError(f"not a YouTube, YouTube Music or Spotify link: {url!r}")
    return url


class Recommender:
    """What "Recommend me songs" does: search YouTube in the window, else open the search in the browser."""

    def __init__(self, search: YouTubeSearch | None = None, opener: Callable[[str], object] = webbrowser.open,
                 spotify_app: Callable[[], bool] = spotify_app_installed):
        self.search = search if search is not None else YouTubeSearch()
        self.opener = opener
        self.spotify_app = spotify_app

    def _hand_to_browser(self, url: str) -> bool:
        """True unless the opener says it could not (False) or fails; a recording opener returns None."""
        try:
            return self.opener(url) is not False
        except Exception:
            log.warning("could not open %s", url, exc_info=True)
            return False

    def open(self, url: str) -> bool:
        """Open a result or search link from the page in the browser (ValueError for any other link)."""
        return self._hand_to_browser(check_openable(url))

    def recommend(self, mood_words: str, language: str = "", singer: str = "", provider: str = "youtube", *,
                  in_window: bool = True, limit: int = 8) -> Recommendation:
        """Search for songs for the mood; never raises once the arguments are valid."""
        if not mood_words or not mood_words.strip():
            raise ValueError("no mood words: the query needs the mood")
        if provider not in PROVIDERS:
            raise ValueError(f"unknown music service {provider!r}: use one of {', '.join(PROVIDERS)}")
        query = build_query(mood_words, language, singer)
        if provider == "spotify":
            return self._spotify(query)
        url = search_url(provider, query)
        name = PROVIDER_NAMES[provider]
        if provider == "youtube" and in_window and self.search is not None:
            try:
                results = self.search.search(query, limit)
            except SearchError as exc:
                done, opened = f"Offline or YouTube search failed ({exc})", "opened the search in your browser"
            else:
                if results:
                    count = len(results)
                    return Recommendation(query, provider, url, results, False,
                                          f"{count} result{'s' if count != 1 else ''} from YouTube")
                done, opened = "No results in the window", "opened the YouTube search in your browser"
            if self._hand_to_browser(url):
                return Recommendation(query, provider, url, [], True, f"{done}: {opened}")
            return Recommendation(query, provider, url, [], False, f"{done}, and no browser could be opened: "
                                                                  f"copy this link: {url}")
        if self._hand_to_browser(url):
            return Recommendation(query, provider, url, [], True, f"Opened the {name} search for “{query}”")
        return Recommendation(query, provider, url, [], False,
                              f"Could not open a browser for the {name} search: copy this link: {url}")

    def _spotify(self, query: str) -> Recommendation:
        """The app when it seems installed (falling back to the web player if it does not open), else web."""
        try:
            use_app = bool(self.spotify_app())
        except Exception:
            log.debug("spotify_app probe failed", exc_info=True)
            use_app = False
        web_url = search_url("spotify", query)
        if use_app:
            app_url = search_url("spotify", query, spotify_app=True)
            if self._hand_to_browser(app_url):
                return Recommendation(query, "spotify", app_url, [], True, f"Opened Spotify app search for “{query}”")
            log.info("the Spotify app did not open; trying the web player")
        if self._hand_to_browser(web_url):
            return Recommendation(query, "spotify", web_url, [], True, f"Opened Spotify web search for “{query}”")
        return Recommendation(query, "spotify", web_url, [], False,
                              f"Could not open a browser for the Spotify search: copy this link: {web_url}")
