"""python train.py: learn your recorded emotions (data/<emotion>.npy) and save the model to models/."""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

from ..dataset import load_dataset, recording_files
from ..errors import FacemoodError
from ..profile import resolve_profile
from .common import add_logging_flags, add_profile_flags, new_parser, run, setup_logging

log = logging.getLogger("facemood.train")


def build_parser(prog: str = "train.py") -> argparse.ArgumentParser:
    parser = new_parser(
        prog, "Train a small network on every data/<emotion>.npy of the profile (recordings of the "
              "classic tutorial scripts train as-is). The last 20% of each emotion is held out to "
              "report accuracy; the model is then refitted on all rows and saved to models/.",
        ["", "--user anna", "--data ~/old-tutorial-folder"])
    add_profile_flags(parser)
    parser.add_argument("--data", action="append", type=Path, default=[], metavar="DIR",
                        help="also read the <emotion>.npy files in DIR (repeatable)")
    parser.add_argument("--no-refit", action="store_true",
                        help="keep the model trained on the first 80%% instead of refitting on every row")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true",
                        help="print progress and the final report as JSON lines (for the window and scripts)")
    add_logging_flags(parser)
    return parser


def _folders(profile, extra: list[Path]) -> list[Path]:
    folders = [profile.data_dir] if profile.data_dir.is_dir() or not extra else []
    for folder in extra:
        if not folder.is_dir():
            raise FacemoodError(f"--data {folder}: {'not a folder' if folder.exists() else 'no such folder'}")
        if not recording_files(folder)[0]:  # else training would go on silently with the profile's data alone
            raise FacemoodError(f"--data {folder} holds no recordings (<emotion>.npy): point it at the folder "
                                "with your .npy files")
        if folder.resolve() not in {f.resolve() for f in folders}:
            folders.append(folder)
    return folders


def format_report(report) -> str:
    emotions = report.emotions
    width = max(8, *(len(e) for e in emotions))
    lines = [f"held-out accuracy (last 20% of each emotion, {report.holdout_rows} rows): "
             f"{report.heldout_accuracy:.1%}"]
    for emotion in emotions:
        lines.append(f"  {emotion:<{width}} {report.per_emotion_accuracy[emotion]:6.1%}  "
                     f"({report.rows_per_emotion[emotion]} rows)")
    lines.append("confusion (rows: true emotion, columns: predicted):")
    lines.append("  " + " " * width + " " + " ".join(f"{e[:7]:>7}" for e in emotions))
    for emotion, counts in zip(emotions, report.confusion):
        lines.append(f"  {emotion:<{width}} " + " ".join(f"{c:7d}" for c in counts))
    return "\n".join(lines)


def _json_line(stage: str, fraction: float | None = None, **extra) -> None:
    fraction = None if fraction is None else round(fraction, 3)
    print(json.dumps({"stage": stage, "fraction": fraction, **extra}, ensure_ascii=False), flush=True)


def main(argv: list[str] | None = None, prog: str = "train.py") -> int:
    args = build_parser(prog).parse_args(argv)
    setup_logging(args.verbose)
    profile = resolve_profile(args.user, args.home)
    dataset = load_dataset(_folders(profile, args.data))
    counts = dataset.rows_per_emotion()
    say = _json_line if args.json else print
    say(f"training on {sum(counts.values())} rows of {len(counts)} emotions ({dataset.layout.id}): "
        + ", ".join(f"{e} {n}" for e, n in counts.items()))
    started = time.perf_counter()
    from .. import training  # TensorFlow loads here, and only here

    progress = (lambda stage, fraction: _json_line(stage, fraction)) if args.json else None
    trained = training.train(dataset, training.TrainConfig(refit=not args.no_refit, seed=args.seed), progress)
    training.save(profile, trained)
    if args.json:
        _json_line("saved", 1.0, report=asdict(trained.report))
        return 0
    print(format_report(trained.report))
    print(f"trained in {trained.report.seconds:.1f} s ({time.perf_counter() - started:.1f} s with TensorFlow's start-up); "
          f"saved {profile.keras_path}, {profile.weights_path.name}, {profile.meta_path.name} and {profile.labels_path}")
    return 0


def entry() -> int:
    return run(main)
