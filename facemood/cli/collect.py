"""python collect.py EMOTION: record your face (and hands) showing EMOTION into data/EMOTION.npy."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import cv2

from ..dataset import append_rows, emotion_path, read_rows, read_takes
from ..errors import FacemoodError
from ..landmarks import LandmarkDetector, mirrored_rgb
from ..overlay import draw_landmarks, put_label
from ..profile import resolve_profile
from ..recording import TakeRecorder, check_can_record
from ..rows import BLENDSHAPES, CLASSIC, layout_for_width
from ..sources import open_source
from .common import (StopOnSignal, add_logging_flags, add_profile_flags, add_source_flags, has_display, new_parser,
                     run, setup_logging)

log = logging.getLogger("facemood.collect")
LAYOUT_CHOICES = {"blendshapes": BLENDSHAPES, "classic": CLASSIC}
WINDOW = "facemood - recording (Esc or q to stop)"


def build_parser(prog: str = "collect.py") -> argparse.ArgumentParser:
    parser = new_parser(
        prog, "Record one emotion: each frame with a face becomes one row of landmark numbers in "
              "data/EMOTION.npy. A second take adds to the first.",
        ["happy", '"rock" --frames 300 --user anna', "sad --source clip.mp4 --no-preview",
         "happy --append-rows /tmp/facemood-happy-20250101-120000-57rows.npy"])
    parser.add_argument("emotion", help="the emotion's name, your words: happy, sad, rock, greeting ...")
    add_source_flags(parser)
    parser.add_argument("--frames", type=int, default=200, metavar="N",
                        help="stop after N rows (frames with a face); default 200")
    parser.add_argument("--replace", action="store_true", help="start the emotion over instead of adding a take")
    parser.add_argument("--no-preview", action="store_true",
                        help="do not open the preview window (automatic when there is no display)")
    parser.add_argument("--layout", choices=sorted(LAYOUT_CHOICES), default="blendshapes",
                        help="blendshapes: 1072 columns (classic + 52 blendshape scores, the default); "
                             "classic: the 1020 columns of the tutorial scripts, to extend such recordings")
    parser.add_argument("--append-rows", type=Path, metavar="FILE",
                        help="add the rows saved in FILE (e.g. a take rescued when data/ could not be written) to "
                             "EMOTION as one more take, instead of recording")
    add_profile_flags(parser)
    add_logging_flags(parser)
    return parser


def main(argv: list[str] | None = None, prog: str = "collect.py") -> int:
    args = build_parser(prog).parse_args(argv)
    setup_logging(args.verbose)
    if args.frames < 1:
        raise FacemoodError(f"--frames {args.frames}: record at least 1 frame")
    profile = resolve_profile(args.user, args.home)
    path = emotion_path(profile.data_dir, args.emotion)
    if args.append_rows:
        return _append_file(args.append_rows, path, args.replace)
    layout = LAYOUT_CHOICES[args.layout]
    check_can_record(path, layout, args.replace)
    preview = not args.no_preview and has_display()
    take = TakeRecorder(path, layout)

    with StopOnSignal() as stop:
        try:
            with open_source(args.source) as source, LandmarkDetector(
                    args.face_model, args.hand_model, video=source.is_stream, quiet=not args.verbose) as detector:
                take.source = source.description
                if not args.no_preview and not preview:
                    log.info("no display found: recording without a preview window")
                _record(source, detector, take, args.frames, preview, stop)
        except KeyboardInterrupt:  # a second Ctrl-C: stop at once, but save the take below all the same
            pass
        except BaseException:
            # The camera died or MediaPipe failed mid-take: keep what was captured, then report.
            if take.count:
                with stop.saving():
                    take.save(replace=args.replace)
                log.warning("saved the %d rows recorded before the error to %s", take.count, path)
            raise
        finally:
            if preview:
                cv2.destroyAllWindows()
        with stop.saving():
            code = _save(take, path, args, interrupted=stop.exit_code)
        return code or stop.exit_code


def _append_file(file: Path, path: Path, replace: bool) -> int:
    """collect.py EMOTION --append-rows FILE: FILE's rows become one more take of EMOTION."""
    if path.exists() and file.resolve() == path.resolve():
        raise FacemoodError(f"{file} is {path.stem!r}'s own recording: pass a file holding other rows")
    rows = read_rows(file)
    width = read_rows(path).shape[1] if path.exists() and not replace else rows.shape[1]
    if width != rows.shape[1]:
        raise FacemoodError(f"{file} has {rows.shape[1]}-column rows but {path} has {width}: rows of one emotion "
                            "share one layout; add them to another emotion or use --replace")
    source = f"rows from {file.absolute()}"
    earlier = [i for i, take in enumerate(read_takes(path)) if take.source == source and take.count == len(rows)]
    if earlier and not replace:
        raise FacemoodError(f"the rows of {file} are already take {earlier[0] + 1} of {path}: nothing added (you "
                            "may delete the file; --replace would make them its only take)")
    check_can_record(path, layout_for_width(rows.shape[1]), replace)
    with StopOnSignal() as stop, stop.saving():
        total = append_rows(path, rows, replace=replace, source=source)
    takes = len(read_takes(path))
    print(f"{path.stem}: added {len(rows)} rows from {file}; {path} now has {total} rows in {takes} "
          f"take{'s' if takes != 1 else ''}")
    return stop.exit_code


def _record(source, detector, take: TakeRecorder, limit: int, preview: bool, stop: StopOnSignal) -> None:
    progress = _Progress(take, limit)
    try:
        for frame in source:
            if stop.requested:
                break
            rgb = mirrored_rgb(frame.image)
            landmarks = detector.detect(rgb, frame.timestamp_ms)
            take.add(landmarks)
            progress.update()
            if preview:
                view = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
                draw_landmarks(view, landmarks)
                status = "  Esc: stop" if landmarks.has_face else "  (no face)"
                put_label(view, f"{take.path.stem}: {take.count}/{limit}{status}")
                cv2.imshow(WINDOW, view)
                # Esc or q, or the preview window closed with its close button, ends the take.
                if cv2.waitKey(1) & 0xFF in (27, ord("q")) or cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                    break
            if take.count >= limit:
                break
    finally:
        progress.done()


class _Progress:
    """A live count on a terminal; a line every 50 rows when stderr goes to a file or a pipe."""

    EVERY_ROWS = 50

    def __init__(self, take: TakeRecorder, limit: int):
        self.take, self.limit = take, limit
        self.tty = sys.stderr.isatty()
        self.shown_at = 0.0
        self.logged_rows = 0

    def _text(self) -> str:
        return (f"{self.take.path.stem}: {self.take.count}/{self.limit} rows, "
                f"{self.take.frames_without_face} frames without a face")

    def update(self) -> None:
        if self.tty:
            now = time.monotonic()
            if now - self.shown_at > 0.2:
                self.shown_at = now
                sys.stderr.write(f"\r{self._text()} ")
                sys.stderr.flush()
        elif self.take.count >= self.logged_rows + self.EVERY_ROWS:
            self.logged_rows = self.take.count
            log.info(self._text())

    def done(self) -> None:
        if self.tty:
            sys.stderr.write(f"\r{self._text()} \n")
            sys.stderr.flush()


def _save(take: TakeRecorder, path, args, interrupted: int) -> int:
    """Save the take; `interrupted` is the exit code of the signal that stopped it, or 0."""
    no_face = f", {take.frames_without_face} of {take.frames} frames had no face" if take.frames_without_face else ""
    if take.count == 0 and interrupted:
        print(f"stopped before any row was recorded{'; earlier takes kept in ' + str(path) if path.exists() else ''}",
              file=sys.stderr)
        return interrupted
    if take.count == 0:
        raise FacemoodError(f"no face found in {take.frames} frames from {take.source}: nothing recorded"
                            f"{' (earlier takes kept)' if path.exists() else ''}; face the camera in good light")
    total = take.save(replace=args.replace)
    takes = len(read_takes(path))
    print(f"{path.stem}: recorded {take.count} rows{no_face}; {path} now has {total} rows in "
          f"{takes} take{'s' if takes != 1 else ''}")
    if interrupted:
        print("stopped early: the rows recorded so far are saved", file=sys.stderr)
        return interrupted
    return 0


def entry() -> int:
    return run(main)
