"""python infer.py: recognise your mood, live in the window or as text with --no-window."""

from __future__ import annotations

import argparse
import logging
import time

from ..errors import FacemoodError
from ..landmarks import LandmarkDetector
from ..live import Recogniser, load_classifier
from ..profile import resolve_profile
from ..resources import tool_hint
from ..sources import open_source
from .common import (StopOnSignal, add_logging_flags, add_profile_flags, add_source_flags, new_parser, run,
                     setup_logging)

log = logging.getLogger("facemood.infer")


def build_parser(prog: str = "infer.py") -> argparse.ArgumentParser:
    parser = new_parser(
        prog, "Recognise your mood frame by frame. Opens the facemood window; with --no-window, prints "
              "one line per frame (time, mood, confidence). Before you train, the built-in default "
              "moods (happy, sad, angry, surprised, neutral) are read from the face.",
        ["", "--source clip.mp4 --no-window --every 1", "--user anna --threshold 0.7"])
    add_infer_flags(parser)
    return parser


def add_infer_flags(parser: argparse.ArgumentParser) -> None:
    """The flags of the window and of --no-window (the facemood command takes them too)."""
    add_source_flags(parser)
    parser.add_argument("--no-window", action="store_true", help="print moods to stdout instead of opening the window")
    parser.add_argument("--every", type=float, default=0.0, metavar="SECONDS",
                        help="with --no-window: one line per SECONDS of video instead of every frame")
    parser.add_argument("--smooth", type=int, default=5, metavar="N",
                        help="average the moods of the last N/30 s, N frames of a 30 frames/s camera, before "
                             "deciding (default 5; 1 = no smoothing); the same time at any --rate")
    parser.add_argument("--rate", type=float, default=0.0, metavar="PER_S",
                        help="with --no-window: analyse at most PER_S frames per second of video, one line each "
                             "(default 0: every frame)")
    parser.add_argument("--threshold", type=float, default=0.6, metavar="P",
                        help="report 'unsure' when the top mood's confidence is below P (default 0.6)")
    parser.add_argument("--default-moods", action="store_true",
                        help="use the built-in default moods even if a trained model exists")
    add_profile_flags(parser)
    add_logging_flags(parser)


def check_args(args) -> None:
    if args.smooth < 1:
        raise FacemoodError(f"--smooth {args.smooth}: use 1 (no smoothing) or more frames")
    if not 0.0 <= args.threshold <= 1.0:
        raise FacemoodError(f"--threshold {args.threshold}: use a confidence between 0 and 1")
    if args.rate < 0:
        raise FacemoodError(f"--rate {args.rate}: use 0 (every frame) or a positive number of frames per second")
    if args.every < 0:
        raise FacemoodError(f"--every {args.every}: use 0 (every frame) or a positive number of seconds")


def describe(classifier, profile, forced: bool = False) -> str:
    if classifier.is_default and forced:
        return f"built-in default moods ({', '.join(classifier.emotions)}), as asked with --default-moods"
    if classifier.is_default:
        hint = f"record with {tool_hint('collect')} and run {tool_hint('train')}{profile.user_flag}"
        return f"built-in default moods ({', '.join(classifier.emotions)}), no trained model yet: {hint}"
    meta = classifier.model.meta
    accuracy = meta.get("heldout_accuracy")
    acc = f", held-out accuracy {accuracy:.0%}" if isinstance(accuracy, (int, float)) else ""
    return (f"profile {profile.name}: trained model ({', '.join(classifier.emotions)}; {classifier.layout.id}"
            f"{acc}, trained {meta.get('trained_at', '?')})")


def main(argv: list[str] | None = None, prog: str = "infer.py") -> int:
    args = build_parser(prog).parse_args(argv)
    setup_logging(args.verbose)
    return recognise(args)


def recognise(args: argparse.Namespace) -> int:
    """Open the window, or with --no-window print one mood per frame; `args` from add_infer_flags."""
    check_args(args)
    profile = resolve_profile(args.user, args.home)
    if not args.no_window:
        from ..window import launch, leave_when_done  # pywebview and Qt load only for the window

        return leave_when_done(launch(args))
    classifier = load_classifier(profile, args.default_moods)
    print(f"# moods: {describe(classifier, profile, args.default_moods)}", flush=True)
    print("# time_s\tmood\tconfidence", flush=True)
    frames = no_face = 0
    started = time.perf_counter()
    next_report_ms = 0.0
    with StopOnSignal() as stop, open_source(args.source) as source, \
            LandmarkDetector(args.face_model, args.hand_model, video=source.is_stream,
                             hands=classifier.needs_hands, quiet=not args.verbose) as detector:
        recogniser = Recogniser(detector, classifier, smooth=args.smooth, threshold=args.threshold,
                                per_second=args.rate or None)
        for frame in source:
            if stop.requested:
                break
            if not recogniser.due(frame.timestamp_ms):
                continue
            reading = recogniser.read(frame)
            frames += 1
            no_face += not reading.landmarks.has_face
            if frame.timestamp_ms >= next_report_ms:
                name = f"\t{frame.name}" if frame.name else ""
                print(f"{frame.timestamp_ms / 1000:.3f}\t{reading.mood.label}\t{reading.mood.confidence:.2f}{name}",
                      flush=True)
                if args.every:
                    step = args.every * 1000
                    next_report_ms = (frame.timestamp_ms // step + 1) * step
    elapsed = time.perf_counter() - started
    log.info("%d frames in %.1f s (%.1f frames/s); %d without a face", frames, elapsed, frames / max(elapsed, 1e-9), no_face)
    if stop.requested:
        log.info("stopped")
        return stop.exit_code
    return 0


def entry() -> int:
    return run(main)
