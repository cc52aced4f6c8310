"""Softmax regression in closed form: the maths against a direct solve, balance and calibration."""

import numpy as np

from facemood.least_squares import LeastSquaresPath, calibrate, class_weights, scores
from facemood.model import Head


def blobs(seed=0, n=(60, 20), spread=1.0, centres_seed=0):
    centres = np.random.default_rng(centres_seed).normal(size=(len(n), 6)) * 2
    rng = np.random.default_rng(seed + 1000)
    x = np.concatenate([c + spread * rng.normal(size=(k, 6)) for c, k in zip(centres, n)])
    y = np.concatenate([np.full(k, i) for i, k in enumerate(n)])
    return x, y


def test_the_path_solves_the_weighted_ridge_problem():
    x, y = blobs()
    path = LeastSquaresPath(x, y, 2)
    head = path.head(0.1)
    w = class_weights(y, 2)
    xm, ym = w @ x / w.sum(), w @ np.eye(2)[y] / w.sum()
    xc = x - xm
    direct = np.linalg.solve((xc * w[:, None]).T @ xc / len(y) + 0.1 * np.eye(6),
                             (xc * w[:, None]).T @ (np.eye(2)[y] - ym) / len(y))
    np.testing.assert_allclose(head.kernels[0], direct, atol=1e-9)
    np.testing.assert_allclose(head.biases[0], ym - xm @ direct, atol=1e-9)


def test_every_emotion_counts_the_same_however_many_rows_it_has():
    w = class_weights(np.array([0, 0, 0, 1]), 2)
    assert w[:3].sum() == w[3:].sum()
    x, y = blobs(n=(300, 15), spread=2.0)
    head = LeastSquaresPath(x, y, 2).head(1e-3)
    # Unweighted least squares for comparison: it gives the small emotion up more often.
    xm, targets = x.mean(0), np.eye(2)[y]
    plain = np.linalg.solve((x - xm).T @ (x - xm) / len(y) + 1e-3 * np.eye(6), (x - xm).T @ (targets - targets.mean(0)) / len(y))
    plain_predicted = ((x - xm) @ plain + targets.mean(0)).argmax(1)
    weighted_predicted = (x @ head.kernels[0] + head.biases[0]).argmax(1)
    small = y == 1
    assert weighted_predicted[small].mean() > plain_predicted[small].mean()
    assert scores(head, x, y, 2)[0] > 0.85


def test_calibration_picks_a_temperature_that_lowers_the_loss():
    x, y = blobs(spread=1.5)
    xt, yt = blobs(seed=5, spread=1.5)
    head = LeastSquaresPath(x, y, 2).head(0.01)
    t = calibrate(head, xt, yt, 2)
    hot = Head([head.kernels[0] * t], [head.biases[0] * t])
    assert t > 1 and scores(hot, xt, yt, 2)[1] < scores(head, xt, yt, 2)[1]
    assert scores(hot, xt, yt, 2)[0] == scores(head, xt, yt, 2)[0]  # the choice of emotion is unchanged
