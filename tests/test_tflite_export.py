"""facemood export-model: a real trained profile (MediaPipe rows of real pictures, one with a hand in view)
exported to TensorFlow Lite, run with TensorFlow Lite's interpreter and compared with the numpy model."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from facemood.dataset import append_rows, load_dataset
from facemood.geometry import tilt
from facemood.model import Head, MoodModel
from facemood.model_store import load_model, save_model
from facemood.profile import resolve_profile
from facemood.rows import BLENDSHAPES, CLASSIC, CLASSIC_WIDTH, FACE_COLUMNS
from tests import media
from tests.conftest import ROOT, assert_clean_error, facemood_in_process
from tests.test_cli import snapshot

training = pytest.importorskip("facemood.training")
tflite_export = pytest.importorskip("facemood.tflite_export")

from tensorflow.lite.python import schema_py_generated as schema  # noqa: E402  (after the skip above)


@pytest.fixture(scope="module")
def hand_rows(tmp_path_factory) -> np.ndarray:
    """Real MediaPipe rows of a face with a hand held up beside it."""
    from facemood.landmarks import LandmarkDetector, mirrored_rgb
    from facemood.rows import make_row
    from facemood.sources import open_source

    video = media.hand_video(tmp_path_factory.mktemp("hand") / "hand.mp4", count=30)
    with open_source(video) as source, LandmarkDetector(video=True) as detector:
        found = [make_row(detector.detect(mirrored_rgb(f.image), f.timestamp_ms)) for f in source]
    rows = np.array([r for r in found if r is not None])
    assert (np.abs(rows[:, FACE_COLUMNS:CLASSIC_WIDTH]).sum(axis=1) > 0).mean() > 0.8, "the hand was not found"
    return rows


@pytest.fixture(scope="module")
def home(tmp_path_factory, detected_rows, hand_rows) -> Path:
    """Anna's profile: three emotions recorded from real pictures, trained."""
    home = tmp_path_factory.mktemp("home")
    anna = resolve_profile("anna", home)
    append_rows(anna.data_dir / "upright.npy", detected_rows["upright"])
    append_rows(anna.data_dir / "frowning.npy", detected_rows["frowning"])
    append_rows(anna.data_dir / "hand up.npy", hand_rows)
    trained = training.train(load_dataset([anna.data_dir]))
    save_model(anna, trained.model, asdict(trained.report))
    return home


def operators(content: bytes) -> set[str]:
    """The names of the ops a .tflite file uses (custom and Flex ops by their custom name)."""
    names = {value: name for name, value in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
    model = schema.Model.GetRootAsModel(bytearray(content), 0)
    found = set()
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        found.add(code.CustomCode().decode() if builtin == schema.BuiltinOperator.CUSTOM else names[builtin])
    return found


def test_the_exported_model_agrees_with_facemoods_on_real_rows(capsys, home, detected_rows, hand_rows, tmp_path):
    target = tmp_path / "out" / "anna.tflite"
    done = facemood_in_process(capsys, "export-model", "--user", "anna", "--home", home, target)
    assert done.code == 0, done.err
    assert "exported the model of profile 'anna' to" in done.out and "largest difference" in done.out
    anna = resolve_profile("anna", home)
    model = load_model(anna)
    content = target.read_bytes()

    # The labels: in the file's metadata and beside it, in the profile's order.
    labels = [str(e) for e in np.load(anna.labels_path)]
    assert labels == model.emotions == ["frowning", "hand up", "upright"]
    assert tflite_export.read_labels(content) == labels
    assert (tmp_path / "out" / "anna.labels.txt").read_text("utf-8").splitlines() == labels

    # Real rows, as recorded, turned in the picture plane, without their hands, and all zeros.
    rows = np.concatenate([detected_rows["upright"], detected_rows["frowning"], hand_rows])
    handless = hand_rows.copy()
    handless[:, FACE_COLUMNS:CLASSIC_WIDTH] = 0.0
    for case, sample in (("recorded", rows), ("tilted 30°", tilt(rows, BLENDSHAPES, 30.0)),
                         ("tilted -150°", tilt(hand_rows, BLENDSHAPES, -150.0)), ("no hands", handless),
                         ("zeros", np.zeros((1, BLENDSHAPES.width)))):
        lite = tflite_export.run_tflite(content, sample)
        assert lite.shape == (len(sample), 3)
        assert np.abs(lite - model.predict_proba(sample)).max() <= 1e-4, case
    # The geometry is in the file: a turned head and hand read as they do upright.
    lite = tflite_export.run_tflite(content, hand_rows)
    assert np.abs(tflite_export.run_tflite(content, tilt(hand_rows, BLENDSHAPES, 30.0)) - lite).max() < 1e-3
    assert (lite.argmax(axis=1) == 1).mean() > 0.9  # and the hand reads as "hand up"

    assert operators(content) <= {"ATAN2", "CONCATENATION", "COS", "SIN", "FULLY_CONNECTED", "GATHER", "MAXIMUM",
                                  "MEAN", "MUL", "NEG", "PACK", "RELU", "RESHAPE", "SOFTMAX", "SQRT", "STRIDED_SLICE",
                                  "SUB", "SUM", "ADD", "DIV"}, "only builtin ops, no Flex"


def test_network_heads_classic_rows_and_old_scale_models(home, detected_rows, hand_rows, tmp_path):
    """Models of every shape model.py runs: several heads with hidden layers, classic 1020-column rows, and
    facemood 0.1's "scale" geometry."""
    rows = np.concatenate([detected_rows["upright"], hand_rows])[:, :CLASSIC_WIDTH]
    features = rows.std(axis=0)
    generator = np.random.default_rng(1)
    heads = [Head([generator.normal(size=(CLASSIC_WIDTH, 3)) * 0.05], [generator.normal(size=3)]),
             Head([generator.normal(size=(CLASSIC_WIDTH, 16)) * 0.05, generator.normal(size=(16, 8)),
                   generator.normal(size=(8, 3))], [generator.normal(size=16), generator.normal(size=8),
                                                    generator.normal(size=3)])]
    for geometry in ("upright", "scale"):
        profile = resolve_profile(geometry, tmp_path)
        model = MoodModel(CLASSIC, ["a", "b", "c"], geometry, np.zeros(CLASSIC_WIDTH), np.where(features > 0, 0.3, 1.0),
                          heads)
        save_model(profile, model, {})
        append_rows(profile.data_dir / "a.npy", rows)
        exported = tflite_export.export_tflite(profile, tmp_path / f"{geometry}.tflite")
        assert exported.rows_checked > len(rows) and exported.largest_difference <= 1e-4
        content = exported.path.read_bytes()
        for sample in (rows, tilt(rows, CLASSIC, 50.0)):
            assert np.abs(tflite_export.run_tflite(content, sample) - model.predict_proba(sample)).max() <= 1e-4


def test_a_model_that_does_not_survive_conversion_is_not_written(home, monkeypatch, tmp_path):
    convert = tflite_export.convert

    def broken(model):  # as if the converter had lost the output bias
        head = model.heads[0]
        wrong = Head(head.kernels, [*head.biases[:-1], head.biases[-1] + np.arange(len(model.emotions))])
        return convert(MoodModel(model.layout, model.emotions, model.geometry, model.mean, model.scale, [wrong]))

    monkeypatch.setattr(tflite_export, "convert", broken)
    target = tmp_path / "anna.tflite"
    with pytest.raises(tflite_export.FacemoodError, match="differs from facemood's.*was not written"):
        tflite_export.export_tflite(resolve_profile("anna", home), target)
    assert list(tmp_path.iterdir()) == []


def test_refusals_are_one_line_and_write_nothing(capsys, home, tmp_path):
    assert_clean_error(facemood_in_process(capsys, "export-model", "--home", tmp_path / "empty", tmp_path / "x.tflite"),
                       "no trained model", "train")
    assert_clean_error(facemood_in_process(capsys, "export-model", "--user", "anna", "--home", home, tmp_path), "is a folder")
    taken = tmp_path / "taken.tflite"
    taken.write_bytes(b"an earlier export")
    before = snapshot(tmp_path)
    assert_clean_error(facemood_in_process(capsys, "export-model", "--user", "anna", "--home", home, taken), str(taken),
                       "--force")
    assert snapshot(tmp_path) == before
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    unwritable = a_file / "anna.tflite"
    assert_clean_error(facemood_in_process(capsys, "export-model", "--user", "anna", "--home", home, unwritable),
                       "cannot write", f"{a_file} is a file")
    done = facemood_in_process(capsys, "export-model", "--user", "anna", "--home", home, taken, "--force")
    assert done.code == 0 and taken.read_bytes() != b"an earlier export", done.err


def test_help_and_the_rest_of_facemood_load_no_tensorflow():
    code = ("import sys, facemood.cli.main, facemood.cli.export_model, facemood.window\n"
            "try:\n    facemood.cli.main.main(['export-model', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('TF', 'tensorflow' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "OUT.tflite" in done.stdout and "labels.txt" in done.stdout
    assert done.stdout.strip().endswith("TF False")
