"""Softmax regression heads fitted in closed form: regularised least squares, then a temperature.

Measured on twenty people's recordings held out in time (bench/RESULTS.md), least squares to the one-hot
emotion generalises better to the frames after the training ones than the same dense layer trained for
log loss: it behaves like linear discriminant analysis, which leans on the directions in which emotions
differ most and least on the small details of one moment. Its scores become probabilities through a
softmax whose temperature is fitted on rows the head did not train on, so "unsure" keeps its meaning.

Pure numpy, every function deterministic: the same rows give the same head.
"""

from __future__ import annotations


import numpy as np

from .model import Head, dense_forward

#: Temperatures tried when calibrating (scores are around 0..1, so these span soft to sharp).
TEMPERATURES = tuple(float(t) for t in np.geomspace(1.0, 300.0, 25))


def class_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Per-row weights that give every emotion the same total say, however many rows it has."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    return (len(y) / (n_classes * np.maximum(counts, 1)))[y]


class LeastSquaresPath:
    """Every ridge strength for one set of standardised rows, from one eigendecomposition.

    Solves min_W sum_i w_i |z_i W + b - onehot(y_i)|^2 / n + ridge |W|^2 with class-balanced w_i.
    """

    def __init__(self, z: np.ndarray, y: np.ndarray, n_classes: int):
        weights = class_weights(y, n_classes)
        self.n_classes = n_classes
        self.z_mean = weights @ z / weights.sum()
        targets = np.eye(n_classes)[y]
        self.y_mean = weights @ targets / weights.sum()
        centred = (z - self.z_mean) * weights[:, None]
        gram = centred.T @ (z - self.z_mean) / len(y)
        self.cross = centred.T @ (targets - self.y_mean) / len(y)
        self.eigenvalues, self.eigenvectors = np.linalg.eigh(gram)

    def head(self, ridge: float, temperature: float = 1.0) -> Head:
        v = self.eigenvectors
        kernel = v @ ((v.T @ self.cross) / (np.maximum(self.eigenvalues, 0.0) + ridge)[:, None])
        bias = self.y_mean - self.z_mean @ kernel
        return Head([kernel * temperature], [bias * temperature])


def scores(head: Head, z: np.ndarray, y: np.ndarray, n_classes: int) -> tuple[float, float]:
    """(balanced accuracy, class-weighted log loss) of a head on rows it did not train on."""
    probs = dense_forward(z.astype(np.float64), [k.astype(np.float64) for k in head.kernels],
                          [b.astype(np.float64) for b in head.biases])
    weights = class_weights(y, n_classes)
    loss = float(weights @ -np.log(probs[np.arange(len(y)), y] + 1e-9) / weights.sum())
    hits = probs.argmax(axis=1) == y
    accuracy = float(np.mean([hits[y == c].mean() for c in np.unique(y)]))
    return accuracy, loss


def calibrate(head: Head, z: np.ndarray, y: np.ndarray, n_classes: int) -> float:
    """The temperature whose softmax gives the lowest log loss on (z, y); 1 keeps the raw scores."""
    losses = [scores(Head([head.kernels[0] * t], [head.biases[0] * t]), z, y, n_classes)[1] for t in TEMPERATURES]
    return TEMPERATURES[int(np.argmin(losses))]
