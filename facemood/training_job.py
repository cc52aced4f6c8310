"""The window's Train button: train.py in its own process (TensorFlow stays out of the live view),
its progress line by line, and its outcome.

train.py --json prints one JSON object per line on stdout ({"stage", "fraction"}, then {"report"});
its stderr is read on a thread of its own at the same time, so neither pipe can fill up and stall both.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .profile import Profile
from .resources import tool_command

# Enough of stderr to find train.py's one-line error after any warnings; older lines are dropped.
STDERR_TAIL_LINES = 50


@dataclass(frozen=True)
class TrainingStatus:
    running: bool = False
    fraction: float = 0.0
    stage: str = ""
    error: str | None = None
    report: dict | None = None  # train.py's report once it succeeded


def train_command(profile: Profile, home: Path | None) -> list[str]:
    """train.py for `profile`, reporting progress as JSON lines."""
    command = [*tool_command("train"), "--json"]
    if not profile.is_default:
        command += ["--user", profile.name]
    if home is not None:
        command += ["--home", str(home)]
    return command


def error_line(stderr_lines: list[str], code: int) -> str:
    """What went wrong, for the user: train.py's last line without its "train.py: error: " prefix."""
    lines = [line.strip() for line in stderr_lines if line.strip()]
    last = lines[-1] if lines else f"train.py exited with code {code}"
    return last.split("error: ", 1)[-1]


class TrainingJob:
    """One training at a time. `on_trained(profile)` runs on the job's thread once a model was saved."""

    def __init__(self, on_trained: Callable[[Profile], None]):
        self.on_trained = on_trained
        self.status = TrainingStatus()  # replaced whole, never changed in place
        self._lock = threading.Lock()

    def start(self, command: list[str], profile: Profile) -> bool:
        """Run `command` (see train_command) on a background thread; False if a training is running."""
        with self._lock:
            if self.status.running:
                return False
            self.status = TrainingStatus(running=True, stage="starting")
        threading.Thread(target=self._run, args=(command, profile), name="train", daemon=True).start()
        return True

    def _update(self, **changes) -> None:
        self.status = dataclasses.replace(self.status, **changes)

    def _run(self, command: list[str], profile: Profile) -> None:
        try:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
                                    errors="replace", env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        except OSError as exc:
            self._update(running=False, error=f"could not start training: {exc}")
            return
        stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        drain = threading.Thread(target=stderr_tail.extend, args=(proc.stderr,), name="train-stderr", daemon=True)
        drain.start()
        for line in proc.stdout:
            self._read_progress(line)
        code = proc.wait()
        drain.join()
        if code != 0 or self.status.report is None:
            self._update(running=False, error=error_line(list(stderr_tail), code))
            return
        try:
            self.on_trained(profile)
        finally:
            self._update(running=False, fraction=1.0)

    def _read_progress(self, line: str) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        changes = {"stage": message.get("stage", self.status.stage)}
        if message.get("fraction") is not None:
            changes["fraction"] = float(message["fraction"])
        if "report" in message:
            changes["report"] = message["report"]
        self._update(**changes)
