import numpy as np
import pytest

from facemood.errors import FacemoodError
from facemood.model import MoodModel, dense_forward, scale_blocks
from facemood.rows import BLENDSHAPES, CLASSIC


def test_scale_blocks_removes_distance_to_the_camera_but_not_blendshapes():
    rng = np.random.default_rng(0)
    row = rng.normal(size=(3, 1072))
    row[:, 978:1020] = 0.0  # an absent hand stays zero
    near, far = scale_blocks(row * 1.3, BLENDSHAPES), scale_blocks(row * 0.7, BLENDSHAPES)
    np.testing.assert_allclose(near[:, :1020], far[:, :1020], rtol=1e-5, atol=1e-6)
    assert not near[:, 978:1020].any()
    np.testing.assert_allclose(scale_blocks(row, BLENDSHAPES)[:, 1020:], row[:, 1020:], rtol=1e-6)
    # Each point block ends up with unit RMS point distance.
    face = scale_blocks(row, CLASSIC)[:, :936].reshape(3, 468, 2)
    np.testing.assert_allclose(np.sqrt((face ** 2).sum(-1).mean(-1)), 1.0, rtol=1e-5)


def test_dense_forward_gives_probabilities():
    rng = np.random.default_rng(1)
    out = dense_forward(rng.normal(size=(4, 8)), [rng.normal(size=(8, 5)), rng.normal(size=(5, 3))],
                        [np.zeros(5), np.zeros(3)])
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)


def test_model_refuses_rows_of_another_layout():
    rng = np.random.default_rng(2)
    model = MoodModel(CLASSIC, ["a", "b"], np.zeros(1020), np.ones(1020), [rng.normal(size=(1020, 2))], [np.zeros(2)])
    assert model.predict_proba(rng.normal(size=1020)).shape == (1, 2)
    with pytest.raises(FacemoodError, match="1020-column"):
        model.predict_proba(rng.normal(size=1072))
