"""Where facemood finds its bundles and page, and where a user's data lives: checkout, installed, overridden."""

from __future__ import annotations

import sys

from facemood import landmarks, resources
from facemood.profile import resolve_profile
from tests.conftest import ROOT


def test_a_checkout_keeps_the_users_layout():
    assert resources.FROM_CHECKOUT
    assert resources.BUNDLES_DIR == ROOT / "models"
    assert landmarks.DEFAULT_FACE_MODEL == ROOT / "models" / "face_landmarker.task"
    assert landmarks.DEFAULT_HAND_MODEL == ROOT / "models" / "hand_landmarker.task"
    assert landmarks.DEFAULT_FACE_MODEL.is_file() and landmarks.DEFAULT_HAND_MODEL.is_file()
    assert resources.UI_DIR == ROOT / "ui" and (resources.UI_DIR / "index.html").is_file()
    assert resources.ICON.is_file()
    assert resources.tool_command("train") == [sys.executable, str(ROOT / "train.py")]
    assert resources.tool_hint("collect") == "python collect.py"


def test_home_is_the_checkout_unless_facemood_home_says_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("FACEMOOD_HOME", raising=False)
    assert resources.home_and_origin() == (ROOT, "this checkout")
    assert resolve_profile(None).labels_path == ROOT / "labels.npy"
    monkeypatch.setenv("FACEMOOD_HOME", str(tmp_path))
    assert resources.home_and_origin() == (tmp_path, "$FACEMOOD_HOME")
    assert resolve_profile("anna").data_dir == tmp_path / "data" / "anna"


def test_installed_data_goes_to_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(resources, "FROM_CHECKOUT", False)
    monkeypatch.delenv("FACEMOOD_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # platformdirs follows it on Linux
    if sys.platform.startswith("linux"):
        assert resources.default_home() == tmp_path / "facemood"
    home, origin = resources.home_and_origin()
    assert home.name == "facemood" and origin == "your user data folder"
    assert resolve_profile(None).data_dir == home / "data"
    assert resolve_profile(None, tmp_path / "mine").data_dir == tmp_path / "mine" / "data"  # --home wins
    assert resources.tool_command("train") == [sys.executable, "-m", "facemood", "train"]
    assert resources.tool_hint("train") == "facemood train"
