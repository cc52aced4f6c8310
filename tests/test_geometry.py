"""Geometry that does not depend on how the head sits: real MediaPipe rows, turned and scaled."""

import numpy as np
import pytest

from facemood.geometry import LEFT_EYE_CORNERS, RIGHT_EYE_CORNERS, normalise, tilt
from facemood.rows import BLENDSHAPES, CLASSIC


@pytest.fixture(scope="module")
def rows_with_a_hand(detected_rows):
    """Real face rows with a real-shaped hand in the "left" slot: the face's own mouth outline, as a
    stand-in block of 21 points (the astronaut shows no hand)."""
    rows = detected_rows["upright"][:20].astype(np.float64).copy()
    mouth = rows[:, :936].reshape(len(rows), 468, 2)[:, 61:82]
    rows[:, 936:978] = (mouth - mouth[:, 8:9]).reshape(len(rows), 42)
    return rows


@pytest.mark.parametrize("degrees", [-30, -10, 10, 30])
def test_a_tilted_head_reads_like_an_upright_one(rows_with_a_hand, degrees):
    turned = tilt(rows_with_a_hand, BLENDSHAPES, degrees)
    assert np.abs(turned - rows_with_a_hand)[:, :1020].max() > 1e-3  # the rows really changed
    np.testing.assert_allclose(normalise(turned, BLENDSHAPES), normalise(rows_with_a_hand, BLENDSHAPES), atol=2e-5)


@pytest.mark.parametrize("factor", [0.7, 1.3])
def test_near_and_far_read_alike_and_blendshapes_pass_through(rows_with_a_hand, factor):
    scaled = rows_with_a_hand.copy()
    scaled[:, :1020] *= factor
    np.testing.assert_allclose(normalise(scaled, BLENDSHAPES), normalise(rows_with_a_hand, BLENDSHAPES), atol=2e-5)
    np.testing.assert_allclose(normalise(scaled, BLENDSHAPES)[:, 1020:], rows_with_a_hand[:, 1020:], atol=1e-6)


def test_the_eye_line_is_level_and_the_face_unit_size(detected_rows):
    face = normalise(tilt(detected_rows["frowning"], BLENDSHAPES, 17), BLENDSHAPES)[:, :936].reshape(-1, 468, 2)
    right, left = face[:, RIGHT_EYE_CORNERS].mean(1), face[:, LEFT_EYE_CORNERS].mean(1)
    np.testing.assert_allclose(right[:, 1], left[:, 1], atol=1e-5)
    assert (left[:, 0] > right[:, 0]).all()
    np.testing.assert_allclose(np.sqrt((face ** 2).sum(-1).mean(-1)), 1.0, rtol=1e-5)


def test_a_missing_hand_stays_zeros_and_classic_rows_work(detected_rows):
    classic = detected_rows["upright"][:, :CLASSIC.width]
    assert not classic[:, 936:].any()  # the astronaut shows no hand
    features = normalise(tilt(classic, CLASSIC, 10), CLASSIC)
    assert features.shape == classic.shape and not features[:, 936:].any()
    assert np.isfinite(features).all()


def test_the_scale_geometry_of_older_models_only_scales(detected_rows):
    rows = detected_rows["upright"][:5, :CLASSIC.width]
    face = rows[:, :936].reshape(-1, 468, 2)
    expected = face / np.sqrt((face ** 2).sum(-1).mean(-1))[:, None, None]
    np.testing.assert_allclose(normalise(rows, CLASSIC, "scale")[:, :936], expected.reshape(-1, 936), rtol=1e-5)
