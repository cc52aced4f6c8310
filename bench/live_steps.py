#!/usr/bin/env python3
"""What each step of the window's live loop costs: CPU milliseconds per frame, and % of one core at 30 frames/s.

    python bench/live_steps.py [--frames N] [--repeats N] [--json OUT]

The window's live loop (facemood/app.py) does, for every camera frame: decode it (the source), mirror
it for MediaPipe, find landmarks (face, and hands for recording), classify and smooth the mood, then
draw the preview (back to BGR, landmarks drawn on it) and encode it as a JPEG for the page. Each step
runs here alone, in this process, on the same real frames (tests/media.py's 640x480 videos: "face",
the astronaut alone, and "hand", with a real hand in view), and is timed with time.process_time(), so
the CPU of every thread it uses counts (MediaPipe runs its graphs on threads of its own). The landmark
step runs in each way the levers allow: face only; face and hands on every frame; hands searched every
200 ms while no hand is in view (LandmarkDetector's hand_search_ms).

Medians over the repeats of the mean per frame; the first 10 frames of each pass are left out (start-up).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Make `python bench/live_steps.py` work from a checkout: the repo root holds facemood/ and tests/media.py.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facemood.cli.common import run
from facemood.errors import FacemoodError

WARM_UP = 10
HAND_SEARCH_MS = 200
JPEG_QUALITY = 80  # the window's (facemood/app.py)


def cpu_ms_per_frame(step, items: list) -> float:
    """Mean CPU ms of `step(item)` per item, the first WARM_UP items left out."""
    for item in items[:WARM_UP]:
        step(item)
    started = time.process_time()
    for item in items[WARM_UP:]:
        step(item)
    return (time.process_time() - started) * 1000 / max(len(items) - WARM_UP, 1)


def landmark_steps(frames: list[tuple[np.ndarray, int]]) -> dict[str, tuple[float, list]]:
    """CPU ms per frame of each way of finding landmarks, with the landmarks found (for later steps)."""
    from facemood.landmarks import LandmarkDetector

    ways = {"landmarks: face only": {"hands": False},
            "landmarks: face + hands, every frame": {},
            f"landmarks: face + hands, hand search every {HAND_SEARCH_MS} ms": {"hand_search_ms": HAND_SEARCH_MS}}
    out = {}
    for name, options in ways.items():
        found = []
        with LandmarkDetector(video=True, **options) as detector:
            ms = cpu_ms_per_frame(lambda f: found.append(detector.detect(*f)), frames)
        out[name] = (ms, found)
    return out


def measure(video: Path, repeats: int) -> tuple[dict[str, float], dict]:
    import cv2

    from facemood.landmarks import mirrored_rgb
    from facemood.moods import DefaultMoods, MoodSmoother
    from facemood.overlay import draw_landmarks
    from facemood.sources import open_source

    samples: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        samples.setdefault(name, []).append(value)

    facts = {}
    for _ in range(repeats):
        decoded = []
        with open_source(video) as source:
            frames_iter = iter(source)
            add("decode the video frame (OpenCV)", cpu_ms_per_frame(lambda _: decoded.append(next(frames_iter)),
                                                                    list(range(source.frame_count or 0))))
        bgr = [f.image for f in decoded]
        rgb = [mirrored_rgb(image) for image in bgr]
        add("mirror + BGR->RGB for MediaPipe", cpu_ms_per_frame(mirrored_rgb, bgr))
        ways = landmark_steps([(image, f.timestamp_ms) for image, f in zip(rgb, decoded)])
        for name, (ms, _) in ways.items():
            add(name, ms)
        landmarks = ways["landmarks: face + hands, every frame"][1]
        facts["frames with a face"] = sum(lm.has_face for lm in landmarks)
        facts["frames with a hand"] = sum(lm.left_hand is not None or lm.right_hand is not None for lm in landmarks)
        classifier, smoother = DefaultMoods(), MoodSmoother(DefaultMoods.emotions)
        add("classify + smooth (default moods)", cpu_ms_per_frame(
            lambda i: smoother.update(classifier.predict(landmarks[i]), i / 30), list(range(len(rgb)))))
        views = [cv2.cvtColor(image, cv2.COLOR_RGB2BGR) for image in rgb]
        add("preview: RGB->BGR", cpu_ms_per_frame(lambda image: cv2.cvtColor(image, cv2.COLOR_RGB2BGR), rgb))
        add("preview: draw landmarks",
            cpu_ms_per_frame(lambda i: draw_landmarks(views[i].copy(), landmarks[i]), list(range(len(views)))))
        add("preview: copy of the frame (for the line above)", cpu_ms_per_frame(lambda v: v.copy(), views))
        encode = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
        add("preview: JPEG 640x480", cpu_ms_per_frame(lambda v: cv2.imencode(".jpg", v, encode), views))
        small = [cv2.resize(v, (480, 360), interpolation=cv2.INTER_AREA) for v in views]
        add("preview: JPEG 480x360 (for comparison)",
            cpu_ms_per_frame(lambda v: cv2.imencode(".jpg", v, encode), small))
        add("preview: resize to 480x360", cpu_ms_per_frame(
            lambda v: cv2.resize(v, (480, 360), interpolation=cv2.INTER_AREA), views))
        facts["JPEG 640x480 KB"] = float(np.mean([len(cv2.imencode(".jpg", v, encode)[1]) for v in views])) / 1024
    return {name: float(np.median(values)) for name, values in samples.items()}, facts


def build_parser() -> argparse.ArgumentParser:
    summary, _usage, details = __doc__.split("\n\n", 2)
    parser = argparse.ArgumentParser(prog="bench/live_steps.py", description=f"{summary}\n\n{details}",
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: python bench/live_steps.py --repeats 3 --json steps.json")
    parser.add_argument("--frames", type=int, default=150, metavar="N", help="frames per video (default 150)")
    parser.add_argument("--repeats", type=int, default=3, metavar="N", help="passes over each video (default 3)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every number to OUT as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.repeats < 1 or args.frames <= 2 * WARM_UP:
        raise FacemoodError(f"use --repeats 1 or more and --frames more than {2 * WARM_UP}")
    if args.json and not args.json.parent.is_dir():
        raise FacemoodError(f"--json {args.json}: no folder {args.json.parent} to write it in")
    from tests import media

    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        videos = {"face": media.astronaut_video(Path(tmp) / "face.mp4", count=args.frames),
                  "hand": media.hand_video(Path(tmp) / "hand.mp4", count=args.frames)}
        for name, video in videos.items():
            steps, facts = measure(video, args.repeats)
            report[name] = {"cpu_ms_per_frame": steps, **facts}
    names = list(report["face"]["cpu_ms_per_frame"])
    print(f"CPU per frame, median of {args.repeats} passes over {args.frames} frames (640x480); "
          f"% of one core at 30 frames/s in brackets")
    print(f"{'step':<58} {'face video':>16} {'hand video':>16}")
    for step in names:
        cells = [report[v]["cpu_ms_per_frame"][step] for v in ("face", "hand")]
        print(f"{step:<58} " + " ".join(f"{ms:7.2f} ms ({ms * 3:3.0f}%)" for ms in cells))
    for video, facts in report.items():
        print(f"  {video}: " + ", ".join(f"{k} {v:.0f}" if isinstance(v, float) else f"{k} {v}"
                                         for k, v in facts.items() if k != "cpu_ms_per_frame"))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))  # FacemoodError / OSError -> one line, exit 2
