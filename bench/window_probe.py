#!/usr/bin/env python3
"""Run infer.py's window with counters bench/window.py reads; nothing in facemood changes.

    python bench/window_probe.py STATUS CONTROL infer.py --source VIDEO ...

Counts, from inside the window's process, without touching facemood's code:
  - moods: calls of MoodSmoother.update, and when the first real mood (not "no face"/"unsure") came;
  - frames sent: JPEG frames the process writes to a socket (the MJPEG stream, or single JPEG answers):
    what the page receives, so what it can show (TCP flow control keeps the sender within a few frames
    of what the page reads);
  - page calls: js_api answers pywebview sends back to the page, per function; for `state`, how many
    carried a new mood (label and confidence), and when the first one carried a real mood;
  - Python thread names by native id, so the benchmark can name the threads it measures in /proc.
Every 0.25 s it writes them to STATUS (JSON, replaced atomically). It reads commands from CONTROL, one a
line: "hide", "show", "minimize", "restore" call that pywebview window method, then record the page's
document.visibilityState; "look" records the size of each picture on the page, shown and natural.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JPEG_START = b"\xff\xd8\xff"
ANSWER = re.compile(r'_returnValuesCallbacks\["([^"]+)"\]')
MOOD = re.compile(r'"mood": "([^"]*)"')
CONFIDENCE = re.compile(r'"confidence": ([-+.e\d]+)')
NOT_A_MOOD = {"", "no face", "unsure"}
# Each picture on the page: its size on screen (CSS pixels times devicePixelRatio) and the image's own.
IMAGES_JS = ("[...document.images].filter(i => i.naturalWidth).map(i => ({shown: [Math.round(i.clientWidth * "
             "devicePixelRatio), Math.round(i.clientHeight * devicePixelRatio)], image: [i.naturalWidth, "
             "i.naturalHeight]}))")


class Probe:
    def __init__(self, status: Path, control: Path):
        self.status, self.control = status, control
        self.lock = threading.Lock()
        self.moods = 0
        self.first_mood_at: float | None = None
        self.frames_sent = 0
        self.bytes_sent = 0
        self.answers: Counter[str] = Counter()
        self.state_updates = 0
        self.first_mood_on_page_at: float | None = None
        self.last_state = ""
        self.visibility: list[dict] = []
        self.images: list | str | None = None

    # --- hooks ---------------------------------------------------------------------------------------

    def install(self) -> None:
        from facemood.moods import NO_FACE, UNSURE, MoodSmoother
        import webview.window

        probe = self
        update = MoodSmoother.update

        def counted_update(smoother, *args, **kwargs):
            mood = update(smoother, *args, **kwargs)
            with probe.lock:
                probe.moods += 1
                if probe.first_mood_at is None and mood.label not in (NO_FACE, UNSURE):
                    probe.first_mood_at = time.monotonic()
            return mood

        MoodSmoother.update = counted_update

        sendall = socket.socket.sendall

        def counted_sendall(sock, data, *args):
            head = bytes(data[:300])
            if head.startswith(JPEG_START) or b"\r\n\r\n" + JPEG_START in head:
                with probe.lock:
                    probe.frames_sent += 1
                    probe.bytes_sent += len(data)
            return sendall(sock, data, *args)

        socket.socket.sendall = counted_sendall

        evaluate_js = webview.window.Window.evaluate_js

        def counted_evaluate_js(window, script, *args, **kwargs):
            answer = ANSWER.search(script[:200])
            if answer:
                probe.page_answer(answer.group(1), script)
            return evaluate_js(window, script, *args, **kwargs)

        webview.window.Window.evaluate_js = counted_evaluate_js

    def page_answer(self, name: str, script: str) -> None:
        with self.lock:
            self.answers[name] += 1
            if name != "state":
                return
            # A new mood since the last answer: its label and confidence (every computed mood has a
            # confidence of its own); the whole answer if it has neither.
            found = [m.group(0) for m in (MOOD.search(script), CONFIDENCE.search(script)) if m]
            key = "".join(found) if found else script
            if key != self.last_state:
                self.state_updates += 1
                self.last_state = key
            if self.first_mood_on_page_at is None and self.first_mood_at is not None:
                mood = MOOD.search(script)
                if mood and mood.group(1) not in NOT_A_MOOD:
                    self.first_mood_on_page_at = time.monotonic()

    # --- reporting and commands ----------------------------------------------------------------------

    def snapshot(self) -> dict:
        with self.lock:
            return {"at": time.monotonic(), "wall": time.time(), "moods": self.moods,
                    "first_mood_at": self.first_mood_at, "frames_sent": self.frames_sent,
                    "bytes_sent": self.bytes_sent, "answers": dict(self.answers),
                    "state_updates": self.state_updates, "first_mood_on_page_at": self.first_mood_on_page_at,
                    "visibility": list(self.visibility), "images": self.images,
                    "threads": {str(t.native_id): t.name for t in threading.enumerate() if t.native_id}}

    def run(self) -> None:
        done = 0
        while True:
            try:
                commands = self.control.read_text().split() if self.control.exists() else []
            except OSError:
                commands = []
            for command in commands[done:]:
                self.obey(command)
            done = max(done, len(commands))
            tmp = self.status.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.snapshot()))
            os.replace(tmp, self.status)
            time.sleep(0.25)

    def obey(self, command: str) -> None:
        import webview

        if not webview.windows:
            return
        window = webview.windows[0]
        if command == "look":
            images = self.evaluate(window, IMAGES_JS)
            with self.lock:
                self.images = images
            return
        getattr(window, command)()
        time.sleep(1.0)  # let Qt and the page see it
        state = self.evaluate(window, "document.visibilityState")
        with self.lock:
            self.visibility.append({"command": command, "at": time.monotonic(), "visibility": state})

    @staticmethod
    def evaluate(window, script: str):
        try:
            return window.evaluate_js(script)
        except Exception as exc:  # the page may be busy; the benchmark reports what it got
            return f"unknown ({type(exc).__name__})"


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit("usage: window_probe.py STATUS CONTROL infer.py [ARGS...]")
    status, control, script = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    sys.path.insert(0, str(ROOT))
    probe = Probe(status, control)
    probe.install()
    threading.Thread(target=probe.run, name="bench-probe", daemon=True).start()
    sys.argv = [script, *sys.argv[4:]]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
