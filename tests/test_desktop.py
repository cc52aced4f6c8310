"""The app-menu launcher: a real .desktop file and icon in a temporary XDG_DATA_HOME, checked with
desktop-file-validate and by running the command it holds."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from facemood import desktop
from facemood.errors import FacemoodError
from facemood.resources import ICON
from tests.conftest import assert_clean_error, run_tool

pytestmark = pytest.mark.skipif(not desktop.sys.platform.startswith("linux"),
                                reason="freedesktop launchers are Linux's")


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return dict(parser["Desktop Entry"])


def exec_arguments(value: str) -> list[str]:
    """The Exec key as a launcher reads it: string escapes first, then the quoting rules, then '%%'."""
    escapes = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    text = re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), "\\" + m.group(1)), value)
    args, current, quoted, started, i = [], [], False, False, 0
    while i < len(text):
        char = text[i]
        if quoted and char == "\\" and text[i + 1:i + 2] in ('"', "`", "$", "\\"):
            current.append(text[i + 1])  # inside quotes only these four are escaped
            i += 1
        elif char == '"':
            quoted, started = not quoted, True
        elif char == " " and not quoted:
            if current or started:
                args.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
        i += 1
    if current or started:
        args.append("".join(current))
    return [arg.replace("%%", "%") for arg in args]


@pytest.fixture
def user_folders(tmp_path) -> dict[str, str]:
    """A private HOME and XDG_DATA_HOME (with a space in it), so nothing touches the real user's menu."""
    return {"HOME": str(tmp_path / "home"), "XDG_DATA_HOME": str(tmp_path / "data home")}


def test_install_validate_launch_and_uninstall(user_folders, tmp_path):
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.fail("this test needs desktop-file-validate: run `bash tools/setup.sh --test` (desktop-file-utils)")
    odd_home = tmp_path / 'my "moods" $HOME 100%'
    done = run_tool("facemood", "--install-desktop-entry", "--home", odd_home, env=user_folders)
    assert done.code == 0, done.err
    data_home = Path(user_folders["XDG_DATA_HOME"])
    entry = data_home / "applications" / "facemood.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "facemood.svg"
    assert str(entry) in done.out
    checked = subprocess.run([validator, str(entry)], capture_output=True, text=True)
    assert checked.returncode == 0 and not checked.stdout.strip(), checked.stdout + checked.stderr

    keys = read_entry(entry)
    assert keys["Type"] == "Application" and keys["Name"] == "facemood" and keys["Icon"] == "facemood"
    assert icon.read_bytes() == ICON.read_bytes()
    assert ElementTree.parse(icon).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    command = exec_arguments(keys["Exec"])
    assert command[0] == keys["TryExec"] and Path(command[0]).is_file()
    assert command[-2:] == ["--home", str(odd_home)]
    # The launcher's command really starts facemood (asked for its help instead of the window).
    started = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120)
    assert started.returncode == 0 and "usage:" in started.stdout, started.stderr

    again = run_tool("facemood", "--install-desktop-entry", env=user_folders)  # replaces ours, no --home now
    assert again.code == 0, again.err
    assert "--home" not in read_entry(entry)["Exec"]

    removed = run_tool("facemood", "--uninstall-desktop-entry", env=user_folders)
    assert removed.code == 0, removed.err
    assert not entry.exists() and not icon.exists()
    nothing = run_tool("facemood", "--uninstall-desktop-entry", env=user_folders)
    assert nothing.code == 0 and "no facemood launcher" in nothing.out


def test_someone_elses_launcher_is_left_alone(user_folders):
    entry = Path(user_folders["XDG_DATA_HOME"]) / "applications" / "facemood.desktop"
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nType=Application\nName=my own facemood\nExec=/opt/facemood\n")
    before = entry.read_text()
    for flag in ("--uninstall-desktop-entry", "--install-desktop-entry"):
        assert_clean_error(run_tool("facemood", flag, env=user_folders), "not written by facemood")
        assert entry.read_text() == before


def test_a_relative_xdg_data_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    assert desktop.xdg_data_home() == tmp_path / ".local" / "share"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert desktop.xdg_data_home() == tmp_path / ".local" / "share"


@pytest.mark.parametrize("arg", ["plain/path", "with space", 'quote"s', "dollar$HOME", "back\\slash", "100%",
                                 "tick`s", "semi;colon", "tilde~", ""])
def test_exec_quoting_round_trips(arg):
    line = " ".join(desktop.quote_exec_argument(a) for a in ["/usr/bin/python3", arg, "x"])
    assert exec_arguments(line) == ["/usr/bin/python3", arg, "x"]


def test_other_systems_are_told_what_to_do(monkeypatch):
    monkeypatch.setattr(desktop.sys, "platform", "win32")
    with pytest.raises(FacemoodError, match="Windows and macOS"):
        desktop.install_desktop_entry()
