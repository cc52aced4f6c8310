"""facemood export / facemood import: carry a profile to another machine in one zip file."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..portable import export_profile, import_profile, read_profile_name
from ..profile import resolve_profile
from .common import add_logging_flags, add_profile_flags, new_parser, setup_logging


def build_export_parser(prog: str = "facemood export") -> argparse.ArgumentParser:
    parser = new_parser(
        prog, "Write a profile to one zip file: its recordings, trained model, labels and settings (and its mood "
              "history with --with-history). `facemood import` brings it back, here or on another machine.",
        ["anna.zip --user anna", "everything.zip --with-history"])
    parser.add_argument("file", type=Path, metavar="FILE.zip", help="the zip file to write")
    parser.add_argument("--with-history", action="store_true", help="include the mood history and songs asked for")
    parser.add_argument("--force", action="store_true", help="overwrite FILE.zip if it exists")
    add_profile_flags(parser, user_help="the profile to export (default: the default profile)")
    add_logging_flags(parser)
    return parser


def build_import_parser(prog: str = "facemood import") -> argparse.ArgumentParser:
    parser = new_parser(
        prog, "Bring back a profile that `facemood export` wrote. Every file inside is checked first; an "
              "existing profile is only overwritten with --replace.",
        ["anna.zip", "anna.zip --user anna2", "anna.zip --replace"])
    parser.add_argument("file", type=Path, metavar="FILE.zip", help="the zip file `facemood export` wrote")
    parser.add_argument("--replace", action="store_true",
                        help="overwrite the profile if it exists: its recordings, model and settings become the "
                             "file's (its mood history is kept unless the file brings one)")
    add_profile_flags(parser, user_help="import as this profile (default: the name it was exported under)")
    add_logging_flags(parser)
    return parser


def export_main(argv: list[str] | None = None, prog: str = "facemood export") -> int:
    args = build_export_parser(prog).parse_args(argv)
    setup_logging(args.verbose)
    profile = resolve_profile(args.user, args.home)
    summary = export_profile(profile, args.file, with_history=args.with_history, overwrite=args.force)
    print(f"exported profile {profile.name!r} to {args.file} ({args.file.stat().st_size / 1e6:.1f} MB): "
          f"{summary.describe()}")
    return 0


def import_main(argv: list[str] | None = None, prog: str = "facemood import") -> int:
    args = build_import_parser(prog).parse_args(argv)
    setup_logging(args.verbose)
    name = args.user or read_profile_name(args.file)
    profile = resolve_profile(name, args.home)
    summary = import_profile(args.file, profile, replace=args.replace)
    print(f"imported profile {profile.name!r} from {args.file}: {summary.describe()} (recordings in "
          f"{profile.data_dir}, model in {profile.models_dir})")
    return 0
