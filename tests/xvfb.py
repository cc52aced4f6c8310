"""A private virtual screen (Xvfb) for the real-window tests and bench/window.py."""

from __future__ import annotations

import os
import shutil
import subprocess


def start_xvfb() -> tuple[subprocess.Popen, str]:
    """Start Xvfb on a free display: (its process, the DISPLAY value). RuntimeError saying what to do if
    it cannot start; stop it with stop_xvfb()."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise RuntimeError("Xvfb is not installed: run `bash tools/setup.sh --test` (Debian package xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", "1400x950x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as reader:
        number = reader.readline().strip()
    if not number:
        proc.kill()
        raise RuntimeError("Xvfb did not start")
    return proc, f":{number}"


def stop_xvfb(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=10)
