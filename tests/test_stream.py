"""The loopback server: the page and the live view behind one token, strict paths, quiet hang-ups, a cap."""

from __future__ import annotations

import http.client
import logging
import re
import socket
import struct
import threading
import time

import cv2
import pytest

from facemood import stream
from facemood.stream import MAX_STREAMS, JpegBuffer, LoopbackServer
from tests.conftest import ROOT, wait_for
from tests import media

UI_DIR = ROOT / "ui"


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    ok, data = cv2.imencode(".jpg", media.astronaut_frame())
    assert ok
    return data.tobytes()


@pytest.fixture
def frames(jpeg):
    """A JpegBuffer fed the astronaut 100 times a second, as the live view would."""
    buffer = JpegBuffer()
    stop = threading.Event()

    def publish():
        while not stop.is_set():
            buffer.publish(jpeg)
            time.sleep(0.01)

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    yield buffer
    stop.set()
    thread.join()


@pytest.fixture
def server(frames):
    served = LoopbackServer(frames, UI_DIR).start()
    yield served
    served.stop()


def get(server: LoopbackServer, path: str, host: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", int(server.origin.rsplit(":", 1)[1]), timeout=10)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", host or server.origin.removeprefix("http://"))
    connection.endheaders()
    return connection.getresponse()


def raw_connection(server: LoopbackServer) -> socket.socket:
    host, port = server.origin.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def request_bytes(server: LoopbackServer, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {server.origin.removeprefix('http://')}\r\n\r\n".encode()


def hang_up_hard(sock: socket.socket) -> None:
    """Close with a TCP reset, as a crashed or killed client does (the server then sees ECONNRESET)."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_the_page_files_are_served_behind_the_token_with_security_headers(server):
    for name, content_type in stream.PAGE_FILES.items():
        response = get(server, f"/{server.token}/{name}")
        assert response.status == 200 and response.getheader("Content-Type") == content_type
        assert response.read() == (UI_DIR / name).read_bytes()
        policy = response.getheader("Content-Security-Policy")
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "img-src 'self' https://*.ytimg.com" in policy and "frame-ancestors 'none'" in policy
        assert "'unsafe-inline'" not in policy
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        assert response.getheader("Cache-Control") == "no-store"
    assert server.page_url == f"{server.origin}/{server.token}/index.html"
    assert server.origin.startswith("http://127.0.0.1:")


def test_the_page_may_frame_the_players_origin_and_nothing_else(frames):
    policy = stream.content_security_policy()
    assert "frame-src https://www.youtube-nocookie.com;" in policy
    assert "script-src 'self' 'unsafe-eval';" in policy  # the player is driven with postMessage: no YouTube script
    assert "frame-src 'none'" in stream.content_security_policy(())
    # Tests put a local stand-in for the player on another port: the policy names it instead.
    server = LoopbackServer(frames, UI_DIR, frame_sources=("http://127.0.0.1:8123",)).start()
    try:
        response = get(server, f"/{server.token}/player.js")
        assert response.status == 200 and response.read() == (UI_DIR / "player.js").read_bytes()
        assert "frame-src http://127.0.0.1:8123;" in response.getheader("Content-Security-Policy")
    finally:
        server.stop()


@pytest.mark.parametrize("path", [
    "/", "/index.html", "/stream.mjpg", "/wrongtoken/index.html", "/{token}", "/{token}/", "/{token}/index.html/",
    "/{token}/../README.md", "/{token}/%2e%2e/README.md", "/{token}/..%2fREADME.md", "/{token}//etc/passwd",
    "/{token}/ui/index.html", "/{token}/secret.txt", "/{token}/app.js/../secret.txt", "/x/{token}/index.html",
    "http://127.0.0.1/{token}/index.html", "/{token}/index.html#", "/{token}/INDEX.HTML",
])
def test_everything_else_is_404_without_a_traceback(tmp_path, frames, path, capfd, caplog):
    ui = tmp_path / "ui"
    ui.mkdir()
    for name in stream.PAGE_FILES:
        (ui / name).write_text(name)
    (ui / "secret.txt").write_text("not for the page")
    server = LoopbackServer(frames, ui).start()
    try:
        response = get(server, path.format(token=server.token))
        body = response.read()
        assert response.status == 404 and b"not for the page" not in body
        assert response.getheader("Content-Security-Policy")
    finally:
        server.stop()
    err = capfd.readouterr().err
    assert "Traceback" not in err and not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_another_host_name_for_this_machine_is_refused(server):
    """A web page that points its own name at 127.0.0.1 (DNS rebinding) gets nothing, token or not."""
    assert get(server, f"/{server.token}/index.html", host="evil.example:80").status == 404
    assert get(server, f"/{server.token}/index.html", host="localhost:1").status == 404


def test_the_stream_is_multipart_jpeg(server, jpeg):
    response = get(server, f"/{server.token}/stream.mjpg")
    assert response.status == 200
    assert response.getheader("Content-Type") == "multipart/x-mixed-replace; boundary=facemoodframe"
    head = response.read(len(jpeg) + 200)
    assert head.startswith(b"--facemoodframe\r\nContent-Type: image/jpeg\r\nContent-Length: " + str(len(jpeg)).encode())
    assert jpeg[:100] in head
    response.close()


def test_clients_hanging_up_at_any_moment_leave_no_traceback(server, capfd, caplog):
    caplog.set_level(logging.DEBUG, logger="facemood.stream")
    token_path = f"/{server.token}/stream.mjpg"
    # Mid-stream, after a few frames.
    sock = raw_connection(server)
    sock.sendall(request_bytes(server, token_path))
    sock.recv(20000)
    hang_up_hard(sock)
    # Halfway through the request line (http.server's own handle() reads it).
    sock = raw_connection(server)
    sock.sendall(b"GET /" + server.token.encode())
    time.sleep(0.2)
    hang_up_hard(sock)
    # Right after asking: the reset lands while the server writes its headers.
    for path in (token_path, f"/{server.token}/index.html", "/nope"):
        sock = raw_connection(server)
        sock.sendall(request_bytes(server, path))
        hang_up_hard(sock)
    # A polite close mid-stream.
    sock = raw_connection(server)
    sock.sendall(request_bytes(server, token_path))
    sock.recv(20000)
    sock.close()
    wait_for(lambda: server.active_streams == 0, timeout=10)
    assert get(server, f"/{server.token}/index.html").status == 200  # still serving
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ConnectionResetError" not in err and "BrokenPipeError" not in err, err
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_streams_are_capped_and_a_closed_one_frees_its_place(server):
    open_streams = [get(server, f"/{server.token}/stream.mjpg") for _ in range(MAX_STREAMS)]
    assert all(r.status == 200 for r in open_streams) and server.active_streams == MAX_STREAMS
    refused = get(server, f"/{server.token}/stream.mjpg")
    assert refused.status == 503 and refused.getheader("Retry-After")
    open_streams.pop().close()
    wait_for(lambda: server.active_streams < MAX_STREAMS, timeout=10)
    assert get(server, f"/{server.token}/stream.mjpg").status == 200
    for response in open_streams:
        response.close()


def test_a_hung_up_stream_frees_its_place_while_no_frames_come(jpeg):
    """With the camera stalled nothing is written, so the server must notice the hang-up by itself."""
    frames = JpegBuffer()
    frames.publish(jpeg)
    server = LoopbackServer(frames, UI_DIR, max_streams=1).start()
    try:
        first = get(server, f"/{server.token}/stream.mjpg")
        first.read(100)
        first.close()
        wait_for(lambda: server.active_streams == 0, timeout=10)
        assert get(server, f"/{server.token}/stream.mjpg").status == 200
    finally:
        server.stop()


def test_the_page_needs_nothing_its_policy_forbids():
    """Inline scripts, styles and handlers would be blocked (the page reports violations at run time
    through window.facemoodErrors, but these would happen while it is parsed, before app.js listens)."""
    html = (UI_DIR / "index.html").read_text("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html
    assert not re.search(r"\s(style|on\w+)\s*=", html)
    assert "setAttribute(\"style\"" not in (UI_DIR / "app.js").read_text("utf-8")
