"""Where facemood finds its own files and where the user's data lives, for a checkout and an install alike.

Run from a checkout, everything stays where the user put it: ui/ and the MediaPipe bundles in models/ at the
top, beside collect.py, train.py and infer.py, and data/, models/, labels.npy next to them.
Installed (pip, pipx), the bundles and ui/ ship inside the package (facemood/bundles/, facemood/ui/) and
the user's data goes to their data folder, e.g. ~/.local/share/facemood on Linux.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = PACKAGE_DIR.parent  # the checkout's top folder, when FROM_CHECKOUT
APP_NAME = "facemood"
HOME_VARIABLE = "FACEMOOD_HOME"

#: False when installed from a wheel (the page ships inside the package), True in a checkout (where ui/ stays
#: at the top; an editable install is a checkout too).
FROM_CHECKOUT = not (PACKAGE_DIR / "ui").is_dir()
#: The MediaPipe Tasks bundles and their licence.
BUNDLES_DIR = _CHECKOUT / "models" if FROM_CHECKOUT else PACKAGE_DIR / "bundles"
FACE_BUNDLE = BUNDLES_DIR / "face_landmarker.task"
HAND_BUNDLE = BUNDLES_DIR / "hand_landmarker.task"
#: The window's page: the files stream.PAGE_FILES lists (index.html, its scripts, style.css).
UI_DIR = _CHECKOUT / "ui" if FROM_CHECKOUT else PACKAGE_DIR / "ui"
ICON = PACKAGE_DIR / "icons" / "facemood.svg"


def home_and_origin() -> tuple[Path, str]:
    """The folder holding data/, models/ and labels.npy when no --home is given, and why that one."""
    env = os.environ.get(HOME_VARIABLE)
    if env:
        return Path(env).expanduser(), f"${HOME_VARIABLE}"
    if FROM_CHECKOUT:
        return _CHECKOUT, "this checkout"
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False), "your user data folder"


def default_home() -> Path:
    """$FACEMOOD_HOME, else this checkout, else the user's data folder (installed)."""
    return home_and_origin()[0]


def tool_command(tool: str) -> list[str]:
    """The command that runs `tool` (collect, train or infer) in a new process, from a checkout or installed."""
    if FROM_CHECKOUT:
        return [sys.executable, str(_CHECKOUT / f"{tool}.py")]
    return [sys.executable, "-m", "facemood", tool]


def tool_hint(tool: str) -> str:
    """How the user types `tool` here, for messages: 'python train.py' in a checkout, 'facemood train' installed."""
    return f"python {tool}.py" if FROM_CHECKOUT else f"facemood {tool}"
