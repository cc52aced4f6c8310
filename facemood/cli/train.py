"""python train.py: learn your recorded emotions (data/<emotion>.npy) and save the model to models/."""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict
from pathlib import Path

from ..coach import Advice, EmotionSummary, TakeInfo, advise, summarise
from ..dataset import load_dataset, read_takes, recording_files
from ..errors import FacemoodError
from ..model_store import save_model
from ..profile import resolve_profile
from .common import add_logging_flags, add_profile_flags, new_parser, run, setup_logging

log = logging.getLogger("facemood.train")


def build_parser(prog: str = "train.py") -> argparse.ArgumentParser:
    parser = new_parser(
        prog, "Train a small network on every data/<emotion>.npy of the profile (recordings of the "
              "classic tutorial scripts train as-is), choosing its shape for you. The last 20% of each "
              "emotion is held out to report accuracy and what to record better; the model is then trained "
              "on all rows and saved to models/.",
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


def takes_of(dataset) -> dict[str, list[TakeInfo]]:
    """The takes of every recording in the dataset, by emotion, as the coach reads them."""
    takes: dict[str, list[TakeInfo]] = {}
    for rec in dataset.recordings:
        takes.setdefault(rec.emotion, []).extend(TakeInfo.of(take) for take in read_takes(rec.path))
    return takes


def format_report(report, summaries: list[EmotionSummary], advice: list[Advice]) -> str:
    emotions = report.emotions
    width = max(8, *(len(e) for e in emotions))
    lines = [f"held-out accuracy: {report.heldout_accuracy:.1%} on each emotion's last 20% ({report.holdout_rows} rows), "
             "which played no part in training or in choosing the model",
             f"model: {report.chosen}, chosen among {len(report.candidates)} candidates on the last 20% of the rows "
             "it was trained on",
             f"  {'emotion':<{width}} held-out   rows  takes  mistaken for"]
    for s in summaries:
        mistaken = f"{s.confused_with} {s.confused_share:.0%}" if s.confused_with else ""
        accuracy = f"{s.heldout_accuracy:7.1%}" if s.heldout_accuracy is not None else "      -"
        lines.append(f"  {s.emotion:<{width}} {accuracy}  {s.rows:5d}  {s.takes:5d}  {mistaken}")
    lines.append("confusion on the held-out rows (rows: true emotion, columns: read as):")
    lines.append("  " + " " * width + " " + " ".join(f"{e[:7]:>7}" for e in emotions))
    for emotion, counts in zip(emotions, report.confusion):
        lines.append(f"  {emotion:<{width}} " + " ".join(f"{c:7d}" for c in counts))
    if advice:
        lines.append("to do better:")
        lines += [f"  - {a.text}" for a in advice]
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
    report = asdict(trained.report)
    takes = takes_of(dataset)
    summaries = summarise(report, takes)
    advice = advise(summaries, takes)
    save_model(profile, trained.model, report)
    if args.json:
        _json_line("saved", 1.0, report=report, advice=[asdict(a) for a in advice])
        return 0
    print(format_report(trained.report, summaries, advice))
    print(f"trained in {trained.report.seconds:.1f} s ({time.perf_counter() - started:.1f} s with TensorFlow's start-up); "
          f"saved {profile.weights_path}, {profile.meta_path.name} and {profile.labels_path}")
    return 0


def entry() -> int:
    return run(main)
