"""What the command-line tools share: parsers, flags, logging, and turning errors into one line + exit 2.

Each tool runs as a script from a checkout (`python collect.py`, prog "collect.py") and as a command of
the installed app (`facemood collect`, prog "facemood collect"); `prog` decides how help and errors read.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import sys
import textwrap
import threading
from pathlib import Path
from collections.abc import Callable

from ..errors import FacemoodError

EXIT_INTERRUPTED = 130


def new_parser(prog: str, description: str, examples: list[str]) -> argparse.ArgumentParser:
    """A tool's parser whose examples read as the user types them: `python collect.py happy` or
    `facemood collect happy`, after `prog`."""
    command = f"python {prog}" if prog.endswith(".py") else prog
    epilog = "examples:\n" + "\n".join(f"  {command} {example}".rstrip() for example in examples)
    return argparse.ArgumentParser(prog=prog, description=textwrap.fill(description, _help_width()), epilog=epilog,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def _help_width() -> int:
    """The width argparse wraps option help to (it keeps raw descriptions as they are)."""
    return max(40, shutil.get_terminal_size().columns - 2)


def add_profile_flags(parser: argparse.ArgumentParser, user_help: str | None = None) -> None:
    parser.add_argument("--user", metavar="NAME",
                        help=user_help or "keep a separate profile: data/NAME/ and models/NAME/ (default: the "
                                          "default profile, data/ and models/)")
    parser.add_argument("--home", metavar="DIR", type=Path,
                        help="folder holding data/, models/ and labels.npy (default: $FACEMOOD_HOME, else this "
                             "checkout, or your user data folder when installed; `facemood --where` shows it)")


def add_source_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source", default="0", metavar="SRC",
                        help="camera index, video file, image file or folder of images (default: camera 0)")
    parser.add_argument("--face-model", metavar="TASK", type=Path,
                        help="MediaPipe face landmarker bundle (default: the face_landmarker.task shipped with "
                             "facemood)")
    parser.add_argument("--hand-model", metavar="TASK", type=Path,
                        help="MediaPipe hand landmarker bundle (default: the hand_landmarker.task shipped with "
                             "facemood)")


def add_logging_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="say more, including MediaPipe's own start-up messages")


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(message)s",
                        stream=sys.stderr)


def has_display() -> bool:
    """Whether a window can open: on Linux and BSD, an X11 or Wayland display must be set."""
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class StopOnSignal:
    """Ctrl-C or a kill during a frame loop: finish the frame, then stop; a second one stops at once.

    A KeyboardInterrupt raised in the middle of a MediaPipe call leaves half-built objects whose
    __del__ prints tracebacks at exit, so the first signal only sets a flag the loop checks between
    frames. Use on the main thread (Python delivers signals there).
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signum = 0
        self._saving = False
        self._previous: dict[int, object] = {}

    @property
    def requested(self) -> bool:
        return bool(self.signum)

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal's number (130 for Ctrl-C)."""
        return 128 + self.signum if self.signum else 0

    def _handle(self, signum, frame) -> None:
        if self.requested and not self._saving:
            raise KeyboardInterrupt
        self.signum = self.signum or signum

    @contextlib.contextmanager
    def saving(self):
        """While saving, every signal only asks to stop: a take is never cut off half-saved (only
        SIGKILL cannot wait, and the atomic writes cover it)."""
        self._saving = True
        try:
            yield
        finally:
            self._saving = False

    def __enter__(self) -> "StopOnSignal":
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def _terminate(signum, frame):  # pragma: no cover - exercised by the CLI tests through a real signal
    raise KeyboardInterrupt


def _exit_now(signum, frame):  # pragma: no cover - exercised by a test through a real signal
    """After the work is done, a signal only ends the process: raised during Python's shutdown (joining
    threads, TensorFlow's clean-up) a KeyboardInterrupt would print a traceback and still exit 0."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(128 + signum)


def run(main: Callable[[list[str] | None], int], argv: list[str] | None = None, prog: str | None = None) -> int:
    """Run a tool's main(): FacemoodError or OSError -> 'PROG: error: ...' and exit 2; Ctrl-C or SIGTERM -> 130.

    The tools save what they have recorded before these reach here.
    """
    try:
        return _run(main, argv, prog)
    finally:
        # argv None: this process is the tool (not a test calling it) and ends when main() has returned.
        if argv is None and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, _exit_now)


def _run(main: Callable[[list[str] | None], int], argv: list[str] | None, prog: str | None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    prog = prog or Path(sys.argv[0]).name or "facemood"
    try:
        return main(argv)
    except FacemoodError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{prog}: stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `python infer.py ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # a file or folder that failed in a way no check above foresaw
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{prog}: error: {where}{exc.strerror or exc}: check that it exists and can be written", file=sys.stderr)
        return FacemoodError.exit_code
