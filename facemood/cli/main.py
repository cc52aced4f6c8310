"""The `facemood` command: the window, and every tool as `facemood COMMAND` (collect, train, infer, export,
import, export-model) with the flags, exit codes and messages of the scripts."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

from .. import __version__
from ..profile import resolve_profile
from ..resources import BUNDLES_DIR, FROM_CHECKOUT, PACKAGE_DIR, UI_DIR, home_and_origin
from .common import new_parser, run, setup_logging

#: command -> (module:function taking (argv, prog), what it does)
COMMANDS: dict[str, tuple[str, str]] = {
    "collect": ("collect:main", "record an emotion (your face and hands) into data/EMOTION.npy"),
    "train": ("train:main", "train on your recordings"),
    "infer": ("infer:main", "your mood, in the window or as text with --no-window"),
    "export": ("portable:export_main", "write a profile to one zip file"),
    "import": ("portable:import_main", "bring a profile back from such a file"),
    "export-model": ("export_model:main", "write the trained model as a TensorFlow Lite file, with its labels"),
}


def _command(name: str) -> Callable[..., int]:
    module, function = COMMANDS[name][0].split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)


def build_parser() -> argparse.ArgumentParser:
    from .infer import add_infer_flags  # the window takes the flags of `facemood infer`

    parser = new_parser(
        "facemood", "Learn your own facial expressions and hand signs, see your mood live and get songs for it. "
                    "Without a command, opens the facemood window.",
        ["", "collect happy", "train", "--user anna", "--where", "--install-desktop-entry"])
    parser.usage = ("%(prog)s [--source SRC] [--user NAME] [--home DIR] [options]     the window\n"
                    "       %(prog)s COMMAND [options]     COMMAND: " + ", ".join(COMMANDS))
    parser.epilog = ("commands (facemood COMMAND --help tells more):\n"
                     + "\n".join(f"  {name:<12} {what}" for name, (_, what) in COMMANDS.items())
                     + "\n\n" + parser.epilog)
    add_infer_flags(parser)
    app = parser.add_argument_group("this installation")
    app.add_argument("--where", action="store_true",
                     help="print the folders in use (home, data, models, labels, bundles, ui) and exit")
    app.add_argument("--install-desktop-entry", action="store_true",
                     help="add facemood to your app menu, with its icon (Linux; your own folders only)")
    app.add_argument("--uninstall-desktop-entry", action="store_true", help="remove it from your app menu")
    app.add_argument("--version", action="version", version=f"facemood {__version__}")
    return parser


def where(user: str | None, home) -> str:
    """The folders facemood uses, one per line, for `facemood --where`."""
    home_dir, origin = (home, "--home") if home is not None else home_and_origin()
    profile = resolve_profile(user, home_dir)
    code = f"run from the checkout {PACKAGE_DIR.parent}" if FROM_CHECKOUT else f"installed in {PACKAGE_DIR}"
    rows = [("home", f"{home_dir}  ({origin}; --home DIR or $FACEMOOD_HOME to change)"),
            ("profile", profile.name), ("data", profile.data_dir), ("models", profile.models_dir),
            ("labels", profile.labels_path), ("bundles", BUNDLES_DIR), ("ui", UI_DIR)]
    return "\n".join([f"facemood {__version__}, {code}"] + [f"{name:<8} {value}" for name, value in rows])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        return _command(argv[0])(argv[1:], prog=f"facemood {argv[0]}")
    parser = build_parser()
    if argv and not argv[0].startswith("-"):
        parser.error(f"unknown command {argv[0]!r}: choose from {', '.join(COMMANDS)}")
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    if args.where:
        print(where(args.user, args.home))
        return 0
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        return _desktop_entry(args)
    from .infer import recognise

    return recognise(args)


def _desktop_entry(args: argparse.Namespace) -> int:
    from ..desktop import install_desktop_entry, uninstall_desktop_entry

    if args.uninstall_desktop_entry:
        removed = uninstall_desktop_entry()
        print("removed " + " and ".join(map(str, removed)) if removed else "no facemood launcher to remove")
        return 0
    entry, icon = install_desktop_entry(args.home)
    print(f"added facemood to your app menu: {entry} (icon {icon})")
    return 0


def entry() -> int:
    argv = sys.argv[1:]
    prog = f"facemood {argv[0]}" if argv and argv[0] in COMMANDS else "facemood"
    return run(main, argv, prog)
