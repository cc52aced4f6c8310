"""A local stand-in for YouTube's embeddable player, so the real window's player runs with no network.

The window is pointed at it through WindowOptions.player (PlayerOptions(origin=...)): another loopback
port, so the player is a cross-origin frame exactly as YouTube's is. /embed/VIDEO_ID answers with a
small page that speaks the embed's postMessage protocol as YouTube's player does: it answers "listening"
with initialDelivery and onReady, sends onStateChange and onError to the events asked for with
addEventListener, plays on playVideo and pauses on pauseVideo. Like YouTube's, it plays real audio (a
quarter second of silence, looped) and stays unstarted when the window's autoplay rules refuse it: the
next song of a queue starts in a new frame with no click in it, which Qt refuses by default. What each
video does is set per video:

    Plays(seconds)  plays, then ends (state 0) after `seconds` of playing
    Fails(code)     reports YouTube error `code` (e.g. 153, 150) once asked for errors
    UNREACHABLE     the connection is dropped without an answer, as offline: the frame never answers

Every request is logged (path, query, Referer) for the tests to check what the window sent.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import wave
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Plays:
    seconds: float = 600.0


@dataclass(frozen=True)
class Fails:
    code: int


UNREACHABLE = "unreachable"


def _silence_wav(seconds: float = 0.25, rate: int = 8000) -> str:
    """A WAV of silence as a data: URI (real audio for the autoplay rules, nothing to hear)."""
    data = io.BytesIO()
    with wave.open(data, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\0\0" * int(seconds * rate))
    return "data:audio/wav;base64," + base64.b64encode(data.getvalue()).decode()


_TONE = _silence_wav()

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>stand-in player</title></head>
<body style="margin:0;height:100vh;display:grid;place-items:center;background:#181818;color:#ccc;font:15px sans-serif">
<div id="screen">Stand-in for YouTube's player<br>video VIDEO_ID: <b id="state">unstarted</b></div>
<script>
"use strict";
const behaviour = BEHAVIOUR;
const parentOrigin = new URLSearchParams(location.search).get("origin");
const wanted = new Set();
const names = {"-1": "unstarted", 0: "ended", 1: "playing", 2: "paused"};
let widget = null, ready = false, left = behaviour.seconds * 1000, startedAt = 0, timer = null;

function send(event, info) {
  parent.postMessage(JSON.stringify({event, info: info === undefined ? null : info, id: widget, channel: "widget"}),
                     parentOrigin);
}
function setState(state) {
  document.getElementById("state").textContent = names[state];
  if (wanted.has("onStateChange")) send("onStateChange", state);
  send("infoDelivery", {playerState: state, currentTime: 0});
}
const audio = new Audio("TONE");
audio.loop = true;
function play() {
  if (behaviour.error) return;
  audio.play().then(() => {
    startedAt = Date.now();
    clearTimeout(timer);
    timer = setTimeout(() => { audio.pause(); setState(0); }, left);
    setState(1);
  }, (error) => { document.getElementById("state").textContent = `refused to play: ${error.name}`; });
}
function pause() {
  audio.pause();
  clearTimeout(timer);
  left -= Date.now() - startedAt;
  setState(2);
}
window.addEventListener("message", (e) => {
  if (e.origin !== parentOrigin || e.source !== parent) return;
  const message = JSON.parse(e.data);
  if (message.event === "listening") {
    widget = message.id;
    if (!ready) {
      ready = true;
      send("initialDelivery", {playerState: -1, videoData: {video_id: "VIDEO_ID"}});
      send("onReady");
    }
  } else if (message.event === "command") {
    if (message.func === "addEventListener") {
      wanted.add(message.args[0]);
      if (message.args[0] === "onError" && behaviour.error) send("onError", behaviour.error);
    } else if (message.func === "playVideo") play();
    else if (message.func === "pauseVideo") pause();
  }
});
</script>
</body></html>
"""


class FakeYouTube:
    """The stand-in player on 127.0.0.1 (another port than the window's page): start(), then `origin`."""

    def __init__(self, behaviours: dict[str, object] | None = None, default: object = Plays()):
        self.behaviours = dict(behaviours or {})
        self.default = default
        self.requests: list[dict] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-youtube", daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeYouTube:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def embeds(self) -> list[dict]:
        """The embed pages the window asked for, in order."""
        return [r for r in self.requests if r["path"].startswith("/embed/")]

    def _page(self, video_id: str, behaviour: object) -> bytes:
        settings = {"seconds": behaviour.seconds} if isinstance(behaviour, Plays) else {"error": behaviour.code}
        return (_PAGE.replace("BEHAVIOUR", json.dumps(settings)).replace("VIDEO_ID", video_id)
                .replace("TONE", _TONE).encode())

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                fake.requests.append({"path": parts.path, "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                                      "referer": self.headers.get("Referer")})
                video_id = parts.path.removeprefix("/embed/")
                if not parts.path.startswith("/embed/"):
                    self.send_error(404)
                    return
                behaviour = fake.behaviours.get(video_id, fake.default)
                if behaviour == UNREACHABLE:
                    self.close_connection = True  # no answer at all: the frame shows the browser's error page
                    return
                body = fake._page(video_id, behaviour)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
