import numpy as np

from facemood.landmarks import Landmarks
from facemood.rows import BLENDSHAPES, CLASSIC, classic_row, layout_for_width, make_row


def classic_script_row(face, left, right):
    """The row exactly as the tutorial's data-collection loop built it, point by point."""
    lst = []
    for p in face[:468]:
        lst.append(p[0] - face[1][0])
        lst.append(p[1] - face[1][1])
    for hand in (left, right):
        if hand is not None:
            for p in hand:
                lst.append(p[0] - hand[8][0])
                lst.append(p[1] - hand[8][1])
        else:
            lst.extend([0.0] * 42)
    return np.array(lst)


def test_classic_row_matches_the_tutorial_loop():
    rng = np.random.default_rng(1)
    face, hand = rng.random((478, 3)), rng.random((21, 3))
    for left, right in ((None, None), (hand, None), (None, hand), (hand, hand[::-1])):
        ours = classic_row(face, left, right)
        assert ours.shape == (1020,)
        np.testing.assert_allclose(ours, classic_script_row(face, left, right), atol=1e-12)


def test_make_row_layouts_and_no_face():
    rng = np.random.default_rng(2)
    marks = Landmarks(rng.random((478, 3)), rng.random(52), None, rng.random((21, 3)), 640, 480)
    classic = make_row(marks, CLASSIC)
    full = make_row(marks, BLENDSHAPES)
    assert classic.shape == (1020,) and full.shape == (1072,)
    np.testing.assert_array_equal(full[:1020], classic)
    np.testing.assert_allclose(full[1020:], marks.blendshapes, rtol=1e-6)
    assert classic[2] == classic[3] == 0.0  # face point 1 is the anchor
    assert not classic[936:978].any()  # the empty "left" slot
    assert make_row(Landmarks(None, None, None, None, 640, 480)) is None


def test_layouts_by_width():
    assert layout_for_width(1020) is CLASSIC and layout_for_width(1072) is BLENDSHAPES
    assert layout_for_width(1000) is None
    assert BLENDSHAPES.blendshapes == slice(1020, 1072) and CLASSIC.blendshapes is None
