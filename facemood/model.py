"""The trained mood model as inference runs it: numpy only, no TensorFlow.

    row -> geometry.normalise (upright, unit size) -> standardise -> head(s) -> softmax -> average

A head is a small dense network (ReLU between its layers, softmax at the end); the model averages the
probabilities of its heads. training.py chooses their shape per user and builds them with Keras; this
module only runs them, so live inference never loads TensorFlow.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import FacemoodError
from .geometry import GEOMETRIES, normalise
from .rows import LAYOUTS, Layout

#: 1: facemood 0.1 (one head on block-scaled rows); 2: geometry, heads and a model id.
NPZ_FORMAT = 2


def dense_forward(x: np.ndarray, kernels: list[np.ndarray], biases: list[np.ndarray]) -> np.ndarray:
    """Dense layers with ReLU between them and softmax at the end."""
    last = len(kernels) - 1
    for i, (kernel, bias) in enumerate(zip(kernels, biases)):
        x = x @ kernel + bias
        if i < last:
            np.maximum(x, 0.0, out=x)
    x = x - x.max(axis=1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=1, keepdims=True)
    return x


@dataclass(frozen=True)
class Head:
    """One small dense network on the standardised features: its layers' kernels and biases."""

    kernels: list[np.ndarray]
    biases: list[np.ndarray]

    @property
    def hidden(self) -> list[int]:
        return [k.shape[1] for k in self.kernels[:-1]]


@dataclass
class MoodModel:
    """Class probabilities for rows of `layout`, in the order of `emotions`."""

    layout: Layout
    emotions: list[str]
    geometry: str
    mean: np.ndarray  # of the normalised features, for standardising
    scale: np.ndarray  # their standard deviation (never 0)
    heads: list[Head]
    meta: dict = field(default_factory=dict)  # the training report, when loaded from a profile

    def __post_init__(self) -> None:
        self.mean = np.asarray(self.mean, np.float32)
        self.scale = np.asarray(self.scale, np.float32)
        self.heads = [Head([np.asarray(k, np.float32) for k in h.kernels], [np.asarray(b, np.float32) for b in h.biases])
                      for h in self.heads]
        # Standardising folded into each head's first layer: one operation less per frame.
        self._folded = []
        for head in self.heads:
            first = head.kernels[0] / self.scale[:, None]
            bias = head.biases[0] - (self.mean / self.scale) @ head.kernels[0]
            self._folded.append(([np.ascontiguousarray(first), *head.kernels[1:]], [bias, *head.biases[1:]]))

    def _check_width(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows)
        if rows.shape[-1] != self.layout.width:
            raise FacemoodError(f"the model reads {self.layout.width}-column rows ({self.layout.id}) but got "
                                f"{rows.shape[-1]}: record and train with the same layout")
        return rows

    def features(self, rows: np.ndarray) -> np.ndarray:
        """The standardised features the heads read (for exports and comparisons; predict_proba folds the
        standardising into the heads)."""
        return (normalise(self._check_width(rows), self.layout, self.geometry) - self.mean) / self.scale

    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        """(n, width) or (width,) rows -> (n, emotions) probabilities."""
        x = normalise(self._check_width(rows), self.layout, self.geometry)
        probabilities = dense_forward(x, *self._folded[0])
        for kernels, biases in self._folded[1:]:
            probabilities += dense_forward(x, kernels, biases)
        return probabilities / len(self._folded)

    def describe(self) -> str:
        """The shape in a few words, e.g. "2 heads: softmax regression, 1 hidden layer of 32"."""
        shapes = ["softmax regression" if not h.hidden else
                  f"{len(h.hidden)} hidden layer{'s' if len(h.hidden) > 1 else ''} of {'/'.join(map(str, h.hidden))}"
                  for h in self.heads]
        return f"{len(shapes)} head{'s' if len(shapes) > 1 else ''}: " + ", ".join(shapes)

    def check_finite(self) -> None:
        """Refuse weights that are NaN or infinite (a diverged training): such a model predicts nothing."""
        arrays = [self.mean, self.scale, *(a for h in self.heads for a in (*h.kernels, *h.biases))]
        if not all(np.isfinite(a).all() for a in arrays):
            raise FacemoodError("training diverged (its weights are not finite numbers): the model was not saved; "
                                "check the recordings for broken rows and train again")

    def save(self, file, model_id: str) -> None:
        """Write the .npz inference loads: plain arrays, no pickles."""
        arrays = {"format": np.array(NPZ_FORMAT), "model_id": np.array(model_id), "layout": np.array(self.layout.id),
                  "geometry": np.array(self.geometry), "emotions": np.array(self.emotions), "mean": self.mean,
                  "scale": self.scale, "heads": np.array(len(self.heads))}
        for h, head in enumerate(self.heads):
            for i, (kernel, bias) in enumerate(zip(head.kernels, head.biases)):
                arrays[f"head{h}_kernel{i}"] = kernel
                arrays[f"head{h}_bias{i}"] = bias
        np.savez(file, **arrays)


def _layers(npz, kernel: str, bias: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The arrays {kernel}0, {kernel}1, ... and {bias}0, {bias}1, ... of one head."""
    count = sum(1 for key in npz.files if key.startswith(kernel))
    return [npz[f"{kernel}{i}"] for i in range(count)], [npz[f"{bias}{i}"] for i in range(count)]


def _from_arrays(npz) -> tuple[MoodModel, str | None]:
    version = int(npz["format"])
    layout = LAYOUTS.get(str(npz["layout"]))
    if layout is None:
        raise FacemoodError(f"names an unknown row layout {str(npz['layout'])!r} (a newer facemood made it)")
    emotions = [str(e) for e in np.atleast_1d(npz["emotions"])]
    if version == 1:  # facemood 0.1: one head, kernels kernel_0.., standardised by variance
        heads = [Head(*_layers(npz, "kernel_", "bias_"))]
        return MoodModel(layout, emotions, "scale", npz["mean"], np.sqrt(npz["var"]), heads), None
    if version != NPZ_FORMAT:
        raise FacemoodError(f"is in model format {version}, which this facemood does not know (a newer one made it)")
    geometry = str(npz["geometry"])
    if geometry not in GEOMETRIES:
        raise FacemoodError(f"uses a geometry {geometry!r} this facemood does not know")
    heads = [Head(*_layers(npz, f"head{h}_kernel", f"head{h}_bias")) for h in range(int(npz["heads"]))]
    return MoodModel(layout, emotions, geometry, npz["mean"], npz["scale"], heads), str(npz["model_id"])


def _check_shapes(model: MoodModel) -> None:
    width = model.layout.width
    if model.mean.shape != (width,) or model.scale.shape != (width,) or not (model.scale > 0).all():
        raise FacemoodError(f"has standardisation arrays of shape {model.mean.shape}/{model.scale.shape}, not ({width},)")
    if not model.heads:
        raise FacemoodError("has no layers")
    for head in model.heads:
        inputs = width
        if not head.kernels or len(head.kernels) != len(head.biases):
            raise FacemoodError("has a head without layers")
        for kernel, bias in zip(head.kernels, head.biases):
            if kernel.ndim != 2 or kernel.shape[0] != inputs or bias.shape != (kernel.shape[1],):
                raise FacemoodError(f"has a layer of shape {kernel.shape} where {inputs} inputs were expected")
            inputs = kernel.shape[1]
        if inputs != len(model.emotions):
            raise FacemoodError(f"gives {inputs} outputs for {len(model.emotions)} emotions")


def read_npz(path: Path, meta: dict | None = None) -> tuple[MoodModel, str | None]:
    """Load and check a saved model: (model, its model id or None for format 1).

    Raises FileNotFoundError when there is no file, FacemoodError (a sentence about the file, without its
    name) for anything damaged: truncated, not a zip, missing or misshapen arrays, NaNs.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            model, model_id = _from_arrays(npz)
    except FileNotFoundError:
        raise
    except FacemoodError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, TypeError, IndexError) as exc:
        text = str(exc).strip().splitlines()
        raise FacemoodError(f"is damaged ({text[0][:100] if text else type(exc).__name__})") from None
    _check_shapes(model)
    try:
        model.check_finite()
    except FacemoodError:
        raise FacemoodError("holds weights that are not finite numbers") from None
    model.meta = dict(meta or {})
    return model, model_id
