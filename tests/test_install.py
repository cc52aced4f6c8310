"""`pip install .` as a user does it, without the network: build the wheel, install it into a fresh virtual
environment, and record, train and recognise with the `facemood` command from a folder outside the checkout.

The new environment reuses this one's packages (a .pth line pointing at them) instead of downloading
TensorFlow, MediaPipe and Qt again; facemood itself comes from the wheel only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest
from packaging.requirements import Requirement

from facemood.stream import PAGE_FILES
from tests.conftest import ROOT
from tests.test_cli import moods

# What a wheel is built from: the package, its page and bundles, and the files pyproject.toml reads.
SOURCES = ["facemood", "ui", "models", "pyproject.toml", "requirements.txt", "README.md"]


def _run(command: list, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built offline from a copy of the checkout that also holds a user's own files."""
    source = tmp_path_factory.mktemp("clone")
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                            if (ROOT / name).is_dir() else {}))
    # A user's recordings and models live beside the code in a checkout; they must never ship.
    (source / "data").mkdir()
    np.save(source / "data" / "happy.npy", np.zeros((3, 1072), np.float32))
    (source / "models" / "mood_model.npz").write_bytes(b"a user's model")
    (source / "models" / "anna").mkdir()
    np.save(source / "labels.npy", np.array(["happy"]))
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", out, source], cwd=source, env=dict(os.environ))
    return next(out.glob("facemood-*.whl"))


def test_the_wheel_carries_the_page_and_bundles_and_nothing_of_the_user(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {name for name in names if not name.startswith("facemood-")}
    for needed in ("facemood/bundles/face_landmarker.task", "facemood/bundles/hand_landmarker.task",
                   "facemood/bundles/LICENSE-Apache-2.0.txt", *(f"facemood/ui/{name}" for name in PAGE_FILES),
                   "facemood/icons/facemood.svg", "facemood/cli/main.py"):
        assert needed in shipped, needed
    assert not [n for n in shipped if "mood_model" in n or "labels.npy" in n or n.endswith(".npy") or "/anna" in n]
    assert all(n.startswith("facemood/") for n in shipped)
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "facemood = facemood.cli.main:entry" in entry_points
    # pyproject.toml reads its dependencies from requirements.txt: one list, the same in both.
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("/METADATA"))).decode()
    declared = {str(Requirement(line[len("Requires-Dist: "):])) for line in metadata.splitlines()
                if line.startswith("Requires-Dist: ")}
    listed = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert declared == {str(Requirement(line)) for line in listed if line}


def test_installed_facemood_records_trains_and_recognises_outside_the_checkout(wheel, tmp_path, upright_video,
                                                                                frowning_video, detected_rows):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path,
                     dict(os.environ)).stdout.strip())
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FACEMOOD_HOME", "DISPLAY",
                                                              "WAYLAND_DISPLAY")}
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
         tmp_path, clean)
    (site / "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # after facemood's own
    facemood = env_dir / ("Scripts/facemood.exe" if os.name == "nt" else "bin/facemood")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**clean, "XDG_DATA_HOME": str(tmp_path / "user-data"), "HOME": str(tmp_path)}

    where = _run([facemood, "--where"], elsewhere, env).stdout
    assert f"installed in {site / 'facemood'}" in where
    folders = dict(line.split(None, 1) for line in where.splitlines()[1:])
    home = Path(folders["home"].split("  (")[0])
    assert home == tmp_path / "user-data" / "facemood" or not sys.platform.startswith("linux")
    assert Path(folders["bundles"]) == site / "facemood" / "bundles"
    assert Path(folders["ui"]) == site / "facemood" / "ui" and (site / "facemood" / "ui" / "index.html").is_file()

    recorded = _run([facemood, "collect", "upright", "--source", upright_video, "--frames", "40"], elsewhere, env)
    assert f"{home / 'data' / 'upright.npy'} now has 40 rows" in recorded.stdout
    np.save(home / "data" / "frowning.npy", detected_rows["frowning"])  # a second emotion, real rows too
    trained = _run([facemood, "train"], elsewhere, env)
    assert "held-out accuracy" in trained.stdout
    assert (home / "models" / "mood_model.npz").is_file() and (home / "labels.npy").is_file()
    seen = _run([facemood, "infer", "--no-window", "--source", frowning_video], elsewhere, env)
    assert "trained model (frowning, upright" in seen.stdout
    assert moods(seen.stdout).count("frowning") >= 54  # of 60 frames
    # The code that ran was the wheel's, not the checkout's.
    imported = _run([python, "-c", "import facemood; print(facemood.__file__)"], elsewhere, env).stdout
    assert Path(imported.strip()).parent == site / "facemood"
