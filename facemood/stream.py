"""The live view's pictures for the page: an MJPEG stream on 127.0.0.1 only.

Frames are captured and processed in Python; the page shows them through <img src=".../stream.mjpg">
(getUserMedia is unreliable inside the webview). The URL carries a random token so that other programs
and web pages on this machine cannot watch the camera.
"""

from __future__ import annotations

import logging
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)
BOUNDARY = b"facemoodframe"


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

    @property
    def latest(self) -> bytes | None:
        return self._jpeg


class FrameServer:
    """Serves `/<token>/stream.mjpg` (multipart JPEG) and `/<token>/frame.jpg` (the newest still)."""

    def __init__(self, frames: JpegBuffer, host: str = "127.0.0.1", port: int = 0):
        self.frames = frames
        self.token = secrets.token_urlsafe(16)
        self.closing = threading.Event()
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="frame-server", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/{self.token}"

    @property
    def stream_url(self) -> str:
        return f"{self.base_url}/stream.mjpg"

    def start(self) -> "FrameServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):  # keep the terminal quiet; debug logging has it
                log.debug("frame server: " + fmt, *args)

            def do_GET(self):
                if self.path == f"/{server.token}/stream.mjpg":
                    self._stream()
                elif self.path == f"/{server.token}/frame.jpg" and server.frames.latest is not None:
                    self._send_jpeg(server.frames.latest)
                else:
                    self.send_error(404)

            def _send_jpeg(self, jpeg: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(jpeg)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(jpeg)

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY.decode()}")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                seq = 0
                try:
                    while not server.closing.is_set():
                        jpeg, seq = server.frames.newer_than(seq, timeout=0.5)
                        if jpeg is None:
                            continue
                        self.wfile.write(b"--" + BOUNDARY + b"\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                         + str(len(jpeg)).encode() + b"\r\n\r\n" + jpeg + b"\r\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                    pass  # the page went away or reloaded

        return Handler
