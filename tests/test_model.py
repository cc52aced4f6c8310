"""The numpy model inference runs: maths, the saved format (old and new), and damaged files."""

import numpy as np
import pytest

from facemood.errors import FacemoodError
from facemood.geometry import normalise
from facemood.model import Head, MoodModel, dense_forward, read_npz
from facemood.rows import BLENDSHAPES, CLASSIC


def _model(heads=1, hidden=0, width=CLASSIC.width, seed=0) -> MoodModel:
    rng = np.random.default_rng(seed)
    layout = CLASSIC if width == CLASSIC.width else BLENDSHAPES
    made = []
    for _ in range(heads):
        shapes = [width, hidden, 3] if hidden else [width, 3]
        made.append(Head([rng.normal(size=(a, b)) for a, b in zip(shapes, shapes[1:])],
                         [rng.normal(size=b) for b in shapes[1:]]))
    return MoodModel(layout, ["a", "b", "c"], "upright", rng.normal(size=width), rng.uniform(0.5, 2, size=width), made)


def test_dense_forward_gives_probabilities():
    rng = np.random.default_rng(1)
    out = dense_forward(rng.normal(size=(4, 8)), [rng.normal(size=(8, 5)), rng.normal(size=(5, 3))],
                        [np.zeros(5), np.zeros(3)])
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)


def test_prediction_is_the_standardised_heads_averaged(detected_rows):
    model = _model(heads=2, hidden=4, width=BLENDSHAPES.width)
    rows = detected_rows["upright"][:6]
    z = (normalise(rows, BLENDSHAPES) - model.mean) / model.scale
    expected = np.mean([dense_forward(z.astype(np.float64), h.kernels, h.biases) for h in model.heads], axis=0)
    np.testing.assert_allclose(model.predict_proba(rows), expected, rtol=1e-3, atol=1e-5)
    assert model.describe() == "2 heads: 1 hidden layer of 4, 1 hidden layer of 4"


def test_model_refuses_rows_of_another_layout():
    model = _model()
    assert model.predict_proba(np.zeros(1020)).shape == (1, 3)
    with pytest.raises(FacemoodError, match="1020-column"):
        model.predict_proba(np.zeros(1072))


def test_save_and_read_round_trip(tmp_path, detected_rows):
    model = _model(heads=2, hidden=5, width=BLENDSHAPES.width)
    with open(tmp_path / "m.npz", "wb") as handle:
        model.save(handle, "abc123")
    loaded, model_id = read_npz(tmp_path / "m.npz", {"note": 1})
    assert model_id == "abc123" and loaded.meta == {"note": 1} and loaded.emotions == ["a", "b", "c"]
    rows = detected_rows["frowning"][:4]
    np.testing.assert_allclose(loaded.predict_proba(rows), model.predict_proba(rows), rtol=1e-6)


def test_a_model_of_facemood_0_1_still_loads_and_predicts_as_it_did(tmp_path, detected_rows):
    """Format 1: one head on block-scaled rows, standardised by mean and variance, keys kernel_i/bias_i."""
    rng = np.random.default_rng(3)
    mean, var = rng.normal(size=1020) * 0.01, rng.uniform(0.5, 2, size=1020) * 1e-3
    kernels, biases = [rng.normal(size=(1020, 8)), rng.normal(size=(8, 2))], [rng.normal(size=8), rng.normal(size=2)]
    np.savez(tmp_path / "old.npz", mean=mean, var=var, layout=np.array("classic-1020"),
             emotions=np.array(["calm", "joy"]), format=np.array(1), kernel_0=kernels[0], bias_0=biases[0],
             kernel_1=kernels[1], bias_1=biases[1])
    model, model_id = read_npz(tmp_path / "old.npz")
    assert model_id is None and model.geometry == "scale"
    rows = detected_rows["upright"][:5, :1020]
    # What facemood 0.1 computed: each block over its RMS point distance, then (x - mean) / sqrt(var).
    blocks = []
    for part in (rows[:, :936], rows[:, 936:978], rows[:, 978:]):
        size = np.sqrt(np.mean(part * part, axis=1, keepdims=True) * 2.0)
        blocks.append(part / np.maximum(size, 1e-6))
    z = (np.concatenate(blocks, axis=1) - mean) / np.sqrt(var)
    np.testing.assert_allclose(model.predict_proba(rows), dense_forward(z, kernels, biases), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("damage", ["zero bytes", "truncated", "not a zip", "wrong mean", "nan weights",
                                    "no layers", "unknown layout"])
def test_a_damaged_file_is_a_clear_error(tmp_path, damage):
    path = tmp_path / "m.npz"
    model = _model()
    with open(path, "wb") as handle:
        model.save(handle, "id")
    data = path.read_bytes()
    arrays = dict(np.load(path))
    if damage == "zero bytes":
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "not a zip":
        path.write_text("hello")
    else:
        if damage == "wrong mean":
            arrays["mean"] = arrays["mean"][:-3]
        elif damage == "nan weights":
            arrays["head0_kernel0"][5, 1] = np.nan
        elif damage == "no layers":
            arrays = {k: v for k, v in arrays.items() if not k.startswith("head0_")}
        elif damage == "unknown layout":
            arrays["layout"] = np.array("hologram-9000")
        np.savez(path, **arrays)
    with pytest.raises(FacemoodError):
        read_npz(path)


def test_non_finite_weights_are_refused():
    model = _model()
    model.heads[0].kernels[0][0, 0] = np.inf
    with pytest.raises(FacemoodError, match="not finite"):
        model.check_finite()
