"""The loopback server: the window's page and its live view, on 127.0.0.1 only, behind a random token.

One server, one origin: pywebview shows http://127.0.0.1:PORT/TOKEN/index.html, and the page's
<img src="stream.mjpg"> is the live view as MJPEG (frames are captured and processed in Python;
getUserMedia is unreliable inside the webview). A real http origin is also what YouTube's embedded
player needs to identify the page. Only the token's paths answer, and only with the files listed in
PAGE_FILES, so other programs and web pages on this machine can neither watch the camera nor read the page.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import select
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)
BOUNDARY = b"facemoodframe"
STREAM = "stream.mjpg"
PAGE_FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
              "player.js": "text/javascript; charset=utf-8", "music.js": "text/javascript; charset=utf-8",
              "style.css": "text/css; charset=utf-8"}
# The page shows one live view; a few more allow for a reload whose old stream has not noticed yet.
MAX_STREAMS = 4
# Origins the page may put in an iframe: YouTube's embeddable player (player.PLAYER_ORIGIN), driven with
# postMessage, so no YouTube script runs in the page and script-src stays 'self'.
FRAME_SOURCES: tuple[str, ...] = ("https://www.youtube-nocookie.com",)
# Song thumbnails come from YouTube's image hosts (i.ytimg.com, i9.ytimg.com, ...).
IMAGE_SOURCES = ("'self'", "https://*.ytimg.com")


def content_security_policy(frame_sources: tuple[str, ...] = FRAME_SOURCES) -> str:
    """What the page may load: its own files and stream, YouTube thumbnails, and `frame_sources` in frames.

    'unsafe-eval' because pywebview builds window.pywebview.api with new Function() and runs
    evaluate_js() through eval(); inline scripts and styles stay forbidden.
    """
    rules = {
        "default-src": ["'none'"],
        "script-src": ["'self'", "'unsafe-eval'"],
        "style-src": ["'self'"],
        "img-src": list(IMAGE_SOURCES),
        "connect-src": ["'self'"],
        "frame-src": list(frame_sources) or ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in rules.items())


_OTHER_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # YouTube's player refuses pages that send no referrer; this (the browsers' default) sends the origin only.
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}


def security_headers(frame_sources: tuple[str, ...] = FRAME_SOURCES) -> dict[str, str]:
    """Every answer's headers; the policy allows `frame_sources` in frames."""
    return {"Content-Security-Policy": content_security_policy(frame_sources), **_OTHER_HEADERS}


class JpegBuffer:
    """The newest JPEG of the live view, with a sequence number readers can wait on."""

    def __init__(self):
        self._jpeg: bytes | None = None
        self._seq = 0
        self._changed = threading.Condition()

    def publish(self, jpeg: bytes) -> None:
        with self._changed:
            self._jpeg = jpeg
            self._seq += 1
            self._changed.notify_all()

    def newer_than(self, seq: int, timeout: float = 1.0) -> tuple[bytes | None, int]:
        """(jpeg, its sequence number) once one newer than `seq` exists, or (None, seq) after `timeout`."""
        with self._changed:
            if self._seq <= seq:
                self._changed.wait(timeout)
            if self._seq <= seq or self._jpeg is None:
                return None, seq
            return self._jpeg, self._seq


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up (a page reload, a closed window) is normal, not a traceback on stderr;
        # http.server's own handle() and send_response() raise these outside any handler code of ours.
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            log.debug("loopback server: %s:%s hung up (%r)", *client_address[:2], error)
        else:
            log.error("loopback server: a request from %s:%s failed", *client_address[:2], exc_info=True)


class LoopbackServer:
    """Serves /TOKEN/<each of PAGE_FILES> (from `ui_dir`) and /TOKEN/stream.mjpg; the page may frame
    `frame_sources` (the player's origin: a local stand-in in tests)."""

    def __init__(self, frames: JpegBuffer, ui_dir: Path, *, max_streams: int = MAX_STREAMS, port: int = 0,
                 frame_sources: tuple[str, ...] = FRAME_SOURCES):
        self.frames = frames
        self.ui_dir = Path(ui_dir)
        self.security_headers = security_headers(frame_sources)
        self.max_streams = max_streams
        self.token = secrets.token_urlsafe(16)
        self.closing = threading.Event()
        self._streams = 0
        self._streams_lock = threading.Lock()
        self._httpd = _QuietHTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="loopback-server", daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, name: str) -> str:
        return f"{self.origin}/{self.token}/{name}"

    @property
    def page_url(self) -> str:
        return self.url("index.html")

    @property
    def active_streams(self) -> int:
        """How many live views are being watched now (0: nobody needs preview frames)."""
        return self._streams

    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _open_stream(self) -> bool:
        with self._streams_lock:
            if self._streams >= self.max_streams:
                return False
            self._streams += 1
            return True

    def _close_stream(self) -> None:
        with self._streams_lock:
            self._streams -= 1

    def _resolve(self, host: str | None, target: str) -> str | None:
        """The file or stream a request asks for, or None when it is not ours to answer."""
        if host != self.origin.removeprefix("http://"):
            return None  # another name for this machine (a web page rebinding its DNS to us): refused outright
        parts = target.split("?", 1)[0].split("/")  # no decoding: %2e%2e stays a name no file has
        if len(parts) != 3 or parts[0] or not hmac.compare_digest(parts[1].encode(), self.token.encode()):
            return None
        name = parts[2]
        return name if name == STREAM or name in PAGE_FILES else None

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "facemood"
            sys_version = ""

            def log_message(self, fmt, *args):  # keep the terminal quiet; debug logging has it
                log.debug("loopback server: " + fmt, *args)

            def do_GET(self):
                name = server._resolve(self.headers.get("Host"), self.path)
                if name == STREAM:
                    self._stream()
                elif name is not None:
                    self._send_file(name)
                else:
                    self._send(404, b"not found\n")

            def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8",
                      **headers: str) -> None:
                self.send_response(status)
                for key, value in {**server.security_headers, **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _send_file(self, name: str) -> None:
                try:
                    body = (server.ui_dir / name).read_bytes()
                except OSError:
                    log.error("the window's page file %s cannot be read", server.ui_dir / name)
                    self._send(404, b"not found\n")
                    return
                self._send(200, body, PAGE_FILES[name])

            def _client_gone(self) -> bool:
                """Whether the client closed its end (checked while no frames come, so slots free up)."""
                readable, _, _ = select.select([self.connection], [], [], 0)
                try:
                    return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    return True

            def _stream(self) -> None:
                if not server._open_stream():
                    self._send(503, b"too many live views open\n", **{"Retry-After": "2"})
                    return
                try:
                    self.send_response(200)
                    for key, value in server.security_headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY.decode()}")
                    self.end_headers()
                    seq = 0
                    while not server.closing.is_set():
                        jpeg, seq = server.frames.newer_than(seq, timeout=0.5)
                        if jpeg is None:
                            if self._client_gone():
                                return
                            continue
                        self.wfile.write(b"--" + BOUNDARY + b"\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                         + str(len(jpeg)).encode() + b"\r\n\r\n" + jpeg + b"\r\n")
                        self.wfile.flush()
                finally:
                    server._close_stream()

        return Handler
