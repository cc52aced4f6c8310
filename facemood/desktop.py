"""A launcher in the Linux app menu: a freedesktop .desktop entry and an icon, in the user's folders only.

    $XDG_DATA_HOME/applications/facemood.desktop               (default ~/.local/share/...)
    $XDG_DATA_HOME/icons/hicolor/scalable/apps/facemood.svg

The launcher runs this very Python with facemood (an absolute path: app menus do not read the shell's
PATH), so it keeps working from a pipx or virtual environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from . import __version__
from .dataset import atomic_write
from .errors import FacemoodError
from .resources import APP_NAME, ICON, tool_command

#: Our own key in the entry: uninstalling removes only a launcher that facemood wrote.
MARKER = "X-Facemood-Version"


def xdg_data_home() -> Path:
    """$XDG_DATA_HOME, or ~/.local/share when it is unset, empty or relative (the spec says to ignore those)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "share"


def entry_path(data_home: Path) -> Path:
    return data_home / "applications" / f"{APP_NAME}.desktop"


def icon_path(data_home: Path) -> Path:
    return data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_NAME}.svg"


def launch_command(home: Path | None = None) -> list[str]:
    """What the launcher runs: the window of this checkout or install, with `--home` when one was given."""
    extra = ["--home", str(Path(home).expanduser().resolve())] if home is not None else []
    return [*tool_command("infer"), *extra]


def quote_exec_argument(arg: str) -> str:
    """One argument of an Exec key: quoted when it holds reserved characters, '%' doubled (field codes),
    then backslashes doubled once more because the whole key is a desktop-entry string."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if arg and not reserved.intersection(arg):
        quoted = arg
    else:
        quoted = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return quoted.replace("%", "%%").replace("\\", "\\\\")


def desktop_entry(command: list[str]) -> str:
    """The text of facemood.desktop (Desktop Entry Specification 1.4; 1.5 only adds keys we do not use)."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        "Name=facemood",
        "GenericName=Mood music",
        "Comment=Learns your facial expressions and plays music for your mood",
        "Exec=" + " ".join(quote_exec_argument(arg) for arg in command),
        f"TryExec={command[0]}",
        f"Icon={APP_NAME}",
        "Terminal=false",
        "Categories=AudioVideo;Player;",
        "Keywords=emotion;mood;music;face;camera;",
        "StartupNotify=true",
        f"{MARKER}={__version__}",
        "",
    ])


def _require_linux() -> None:
    if not sys.platform.startswith("linux"):
        raise FacemoodError("the app-menu launcher follows the Linux (freedesktop) conventions; on Windows and "
                            "macOS start facemood from a terminal (`facemood`)")


def install_desktop_entry(home: Path | None = None) -> tuple[Path, Path]:
    """Write the launcher and its icon (replacing ours from an earlier install); returns their paths."""
    _require_linux()
    data_home = xdg_data_home()
    entry, icon = entry_path(data_home), icon_path(data_home)
    _refuse_if_not_ours(entry)
    svg = ICON.read_bytes()
    text = desktop_entry(launch_command(home)).encode("utf-8")
    atomic_write(icon, lambda handle: handle.write(svg))
    atomic_write(entry, lambda handle: handle.write(text))
    return entry, icon


def uninstall_desktop_entry() -> list[Path]:
    """Remove our launcher and icon; returns what was removed. A facemood.desktop we did not write stays."""
    _require_linux()
    data_home = xdg_data_home()
    entry, icon = entry_path(data_home), icon_path(data_home)
    removed = []
    if entry.exists():
        _refuse_if_not_ours(entry)
        entry.unlink()
        removed.append(entry)
    if icon.exists():
        icon.unlink()
        removed.append(icon)
    return removed


def _refuse_if_not_ours(entry: Path) -> None:
    if entry.exists() and f"\n{MARKER}=" not in entry.read_text("utf-8", errors="replace"):
        raise FacemoodError(f"{entry} was not written by facemood (no {MARKER} line): left as it is; move it away "
                            "yourself if you want facemood's")
