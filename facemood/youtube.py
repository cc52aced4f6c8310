"""Reading YouTube's answer to a search: the videos of an InnerTube WEB search response, as SongResults.

Pure functions over parsed JSON (no network, no pytubefix): recommend.py fetches, this module reads.
YouTube changes this format without notice, so anything unexpected is skipped, never raised.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

WATCH_URL = "https://www.youtube.com/watch?v={}"
# YouTube video ids are 11 characters of this alphabet; anything else is not put into a URL.
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")


@dataclass(frozen=True)
class SongResult:
    title: str
    channel: str
    duration: str  # as YouTube shows it, e.g. "3:45"; "" when unknown (live streams)
    thumbnail: str  # https URL of the largest thumbnail ("" if none)
    url: str  # https://www.youtube.com/watch?v=<id>
    video_id: str


def _search_sections(raw: object) -> list | None:
    """The section list of an InnerTube WEB search answer, or None when the answer has another shape."""
    try:
        sections = raw["contents"]["twoColumnSearchResultsRenderer"]["primaryContents"][  # type: ignore[index]
            "sectionListRenderer"]["contents"]
    except (KeyError, TypeError, IndexError):
        return None
    return sections if isinstance(sections, list) else None


def is_search_response(raw: object) -> bool:
    """Whether `raw` has the shape of a WEB search answer (it may still hold no videos)."""
    return _search_sections(raw) is not None


def _text(node: object) -> str:
    """YouTube's text object: {"simpleText": ...} or {"runs": [{"text": ...}, ...]}."""
    if not isinstance(node, dict):
        return ""
    if isinstance(node.get("simpleText"), str):
        return node["simpleText"]
    runs = node.get("runs")
    if isinstance(runs, list):
        return "".join(run["text"] for run in runs if isinstance(run, dict) and isinstance(run.get("text"), str))
    return ""


def _first_run(node: object) -> str:
    if isinstance(node, dict) and isinstance(node.get("runs"), list) and node["runs"]:
        first = node["runs"][0]
        if isinstance(first, dict) and isinstance(first.get("text"), str):
            return first["text"]
    return _text(node)


def _largest_thumbnail(renderer: dict) -> str:
    thumbnails = (renderer.get("thumbnail") or {}).get("thumbnails") or []
    candidates = []
    for order, thumb in enumerate(thumbnails):
        if not isinstance(thumb, dict) or not isinstance(thumb.get("url"), str):
            continue
        url = thumb["url"]
        if url.startswith("//"):
            url = "https:" + url
        if not url.startswith("https://"):
            continue  # the page only loads https images
        size = (thumb.get("width") or 0) * (thumb.get("height") or 0)
        candidates.append((size if isinstance(size, (int, float)) else 0, order, url))
    # The largest; YouTube lists them smallest first, so on equal (or missing) sizes the last one wins.
    return max(candidates)[2] if candidates else ""


def _song_from_video_renderer(renderer: dict) -> SongResult:
    video_id = renderer["videoId"]
    if not isinstance(video_id, str) or not _VIDEO_ID.fullmatch(video_id):
        raise ValueError(f"not a video id: {video_id!r}")
    title = " ".join(_text(renderer.get("title")).split())
    if not title:
        raise ValueError(f"video {video_id} has no title")
    channel = ""
    for key in ("ownerText", "longBylineText", "shortBylineText"):
        channel = _first_run(renderer.get(key)).strip()
        if channel:
            break
    return SongResult(title=title, channel=channel, duration=_text(renderer.get("lengthText")).strip(),
                      thumbnail=_largest_thumbnail(renderer), url=WATCH_URL.format(video_id), video_id=video_id)


def parse_search_response(raw: object) -> list[SongResult]:
    """The videos of a YouTube InnerTube WEB search answer, in YouTube's order.

    Only top-level videoRenderer items count: ads, shelves ("People also watched"), channels, playlists,
    mixes and Shorts are not songs for this mood. A malformed item is skipped rather than failing the
    whole search.
    """
    sections = _search_sections(raw)
    if sections is None:
        log.debug("the search answer has no twoColumnSearchResultsRenderer section list")
        return []
    results: list[SongResult] = []
    seen: set[str] = set()
    for section in sections:
        items = section.get("itemSectionRenderer", {}).get("contents") if isinstance(section, dict) else None
        if not isinstance(items, list):
            continue  # e.g. the continuationItemRenderer
        for item in items:
            renderer = item.get("videoRenderer") if isinstance(item, dict) else None
            if renderer is None:
                continue
            try:
                song = _song_from_video_renderer(renderer)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                log.debug("skipped a malformed videoRenderer: %r", exc)
                continue
            if song.video_id not in seen:  # YouTube sometimes repeats a video further down
                seen.add(song.video_id)
                results.append(song)
    return results
