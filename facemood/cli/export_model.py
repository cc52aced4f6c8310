"""facemood export-model: the trained model as a TensorFlow Lite file, with its labels, for use elsewhere."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..profile import resolve_profile
from .common import add_logging_flags, add_profile_flags, new_parser, setup_logging


def build_parser(prog: str = "facemood export-model") -> argparse.ArgumentParser:
    parser = new_parser(
        prog, "Write the profile's trained model as a TensorFlow Lite file that reads raw landmark rows (as "
              "data/EMOTION.npy holds them) and gives a probability per emotion. The emotion names go into the "
              "file's metadata and beside it, in NAME.labels.txt. The file is checked against facemood's own "
              "model on the profile's rows before it is written.",
        ["anna.tflite --user anna", "mood_model.tflite --force"])
    parser.add_argument("file", type=Path, metavar="OUT.tflite", help="the TensorFlow Lite file to write")
    parser.add_argument("--force", action="store_true", help="overwrite OUT.tflite and its labels file if they exist")
    add_profile_flags(parser, user_help="the profile whose model to export (default: the default profile)")
    add_logging_flags(parser)
    return parser


def main(argv: list[str] | None = None, prog: str = "facemood export-model") -> int:
    args = build_parser(prog).parse_args(argv)
    setup_logging(args.verbose)
    profile = resolve_profile(args.user, args.home)
    from ..tflite_export import export_tflite  # loads TensorFlow: only this command needs it

    exported = export_tflite(profile, args.file, overwrite=args.force)
    print(f"exported the model of profile {profile.name!r} to {exported.describe()}")
    return 0
