"""The trained mood model as inference runs it: numpy only, no TensorFlow.

The network (built and trained in training.py) is
    row -> scale each face/hand block by its own size -> standardise -> Dense(relu) ... -> softmax
Scaling each block by its size (the RMS distance of its points from the block's anchor point) makes
the row the same whether you sit close to the camera or far from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .errors import FacemoodError
from .profile import Profile
from .rows import LAYOUTS, Layout

FORMAT_VERSION = 1
_EPS = 1e-6
#: Added to every column's variance before standardising, so constant columns (the anchor points, a hand
#: never seen in training) stay finite. Training and inference must use the same value.
VARIANCE_FLOOR = 1e-6


def block_slices(layout: Layout) -> list[slice]:
    """The (x, y) point blocks of a layout that get scaled by their own size."""
    return [layout.face, layout.left_hand, layout.right_hand]


def scale_blocks(rows: np.ndarray, layout: Layout) -> np.ndarray:
    """Divide each face/hand block by its RMS point distance from its anchor; zero blocks stay zero."""
    rows = np.array(rows, dtype=np.float32, ndmin=2)
    out = rows.copy()
    for block in block_slices(layout):
        part = rows[:, block]
        size = np.sqrt(np.mean(part * part, axis=1, keepdims=True) * 2.0)  # mean of x^2 + y^2 per point
        out[:, block] = part / np.maximum(size, _EPS)
    return out


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
class ModelInfo:
    """What train.py saved beside the model (models/mood_model.json)."""

    layout: Layout
    emotions: list[str]
    meta: dict


class MoodModel:
    """Class probabilities for feature rows, from the numpy export of the Keras model."""

    def __init__(self, layout: Layout, emotions: list[str], mean: np.ndarray, var: np.ndarray,
                 kernels: list[np.ndarray], biases: list[np.ndarray], meta: dict | None = None):
        """`var` already includes VARIANCE_FLOOR; x is standardised as (x - mean) / sqrt(var)."""
        self.layout = layout
        self.emotions = list(emotions)
        self.meta = meta or {}
        self.params = {"mean": np.asarray(mean, np.float32), "var": np.asarray(var, np.float32),
                       "kernels": [np.asarray(k, np.float32) for k in kernels],
                       "biases": [np.asarray(b, np.float32) for b in biases]}
        # Fold the standardisation into the first layer: one operation less per frame.
        scale = 1.0 / np.sqrt(self.params["var"])
        self._kernels = [np.ascontiguousarray(k) for k in self.params["kernels"]]
        self._biases = list(self.params["biases"])
        self._kernels[0] = np.ascontiguousarray(self._kernels[0] * scale[:, None], dtype=np.float32)
        self._biases[0] = (self._biases[0] - (self.params["mean"] * scale) @ self.params["kernels"][0]).astype(np.float32)

    @property
    def width(self) -> int:
        return self.layout.width

    def predict_proba(self, rows: np.ndarray) -> np.ndarray:
        """(n, width) or (width,) rows -> (n, classes) probabilities."""
        x = scale_blocks(rows, self.layout)
        if x.shape[1] != self.layout.width:
            raise FacemoodError(f"the model reads {self.layout.width}-column rows ({self.layout.id}) but got "
                                f"{x.shape[1]}: record and train with the same layout")
        return dense_forward(x, self._kernels, self._biases)

    def save(self, file) -> None:
        """Write the numpy export inference loads: an .npz of plain arrays, no pickles."""
        arrays = {"mean": self.params["mean"], "var": self.params["var"], "layout": np.array(self.layout.id),
                  "emotions": np.array(self.emotions), "format": np.array(FORMAT_VERSION)}
        for i, (kernel, bias) in enumerate(zip(self.params["kernels"], self.params["biases"])):
            arrays[f"kernel_{i}"] = kernel
            arrays[f"bias_{i}"] = bias
        np.savez(file, **arrays)


def read_info(profile: Profile) -> ModelInfo:
    """The profile's model metadata, checked against labels.npy."""
    try:
        meta = json.loads(profile.meta_path.read_text("utf-8"))
    except FileNotFoundError:
        raise FacemoodError(f"no trained model in {profile.models_dir}: run `python train.py`"
                            + ("" if profile.is_default else f" --user {profile.name}")) from None
    except (OSError, ValueError) as exc:
        raise FacemoodError(f"{profile.meta_path} is damaged ({exc}): run train.py again") from None
    layout = LAYOUTS.get(meta.get("layout"))
    if layout is None:
        raise FacemoodError(f"{profile.meta_path} names an unknown row layout {meta.get('layout')!r}: "
                            "this facemood is too old for the model; update facemood or retrain")
    emotions = list(meta.get("emotions", []))
    if profile.labels_path.exists():
        try:
            labels = [str(x) for x in np.load(profile.labels_path, allow_pickle=False).ravel()]
        except (ValueError, OSError) as exc:
            raise FacemoodError(f"{profile.labels_path} is damaged ({exc}): run train.py again") from None
        if labels != emotions:
            raise FacemoodError(f"{profile.labels_path} lists {labels} but the model in {profile.models_dir} was "
                                f"trained on {emotions}: run train.py again to bring them back in step")
    return ModelInfo(layout, emotions, meta)


def load_model(profile: Profile) -> MoodModel:
    """Load the profile's numpy model, refusing any mismatch between its files with a clear message."""
    info = read_info(profile)
    try:
        with np.load(profile.weights_path, allow_pickle=False) as npz:
            n_layers = sum(1 for key in npz.files if key.startswith("kernel_"))
            kernels = [npz[f"kernel_{i}"] for i in range(n_layers)]
            biases = [npz[f"bias_{i}"] for i in range(n_layers)]
            mean, var = npz["mean"], npz["var"]
            saved_layout, saved_emotions = str(npz["layout"]), [str(e) for e in npz["emotions"]]
    except FileNotFoundError:
        raise FacemoodError(f"{profile.weights_path} is missing: run train.py again") from None
    except (OSError, ValueError, KeyError) as exc:
        raise FacemoodError(f"{profile.weights_path} is damaged ({exc}): run train.py again") from None
    if saved_layout != info.layout.id or saved_emotions != info.emotions:
        raise FacemoodError(f"{profile.weights_path} does not match {profile.meta_path}: run train.py again")
    if n_layers == 0 or kernels[0].shape[0] != info.layout.width or kernels[-1].shape[1] != len(info.emotions):
        raise FacemoodError(f"{profile.weights_path} has the wrong shape for {info.layout.id} and "
                            f"{len(info.emotions)} emotions: run train.py again")
    return MoodModel(info.layout, info.emotions, mean, var, kernels, biases, info.meta)
