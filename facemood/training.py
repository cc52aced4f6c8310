"""Train the mood model with TensorFlow/Keras and export it for numpy inference.

Only train.py (and the window's Train button) import this module: it is the one place TensorFlow loads.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from .quiet import muffled_native_logs

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
with muffled_native_logs():  # TensorFlow's oneDNN/absl start-up lines; import errors are still shown
    import keras

from . import __version__
from .dataset import HOLDOUT_FRACTION, Dataset, atomic_write, time_split
from .model import FORMAT_VERSION, VARIANCE_FLOOR, MoodModel, block_slices, dense_forward, scale_blocks
from .profile import Profile
from .rows import LAYOUTS, Layout

log = logging.getLogger(__name__)


ROWS_PER_COMPONENT = 10


@dataclass(frozen=True)
class TrainConfig:
    # Whitened principal components of the normalised row the network reads: at most this many, and at
    # most one per ROWS_PER_COMPONENT training rows (whitening gives every kept direction equal weight,
    # and with few rows most directions are noise).
    components: int = 128
    hidden: tuple[int, ...] = (64,)
    dropout: float = 0.3
    # Gaussian noise on the whitened components: frames of one session are near-copies of each other,
    # and without it the network learns that session's tiny details instead of the expression.
    noise: float = 0.3
    learning_rate: float = 2e-3
    batch_size: int = 64
    max_epochs: int = 100
    patience: int = 8
    holdout: float = HOLDOUT_FRACTION
    refit: bool = True  # after the held-out report, train again on every row for the best epoch count
    seed: int = 0


@dataclass
class Split:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass
class TrainReport:
    emotions: list[str]
    layout: str
    rows_per_emotion: dict[str, int]
    train_rows: int
    holdout_rows: int
    heldout_accuracy: float
    per_emotion_accuracy: dict[str, float]
    confusion: list[list[int]]  # rows: true emotion, columns: predicted, in `emotions` order
    epochs: int
    refit: bool
    seconds: float
    trained_at: str = ""
    sources: list[str] = field(default_factory=list)


def split_dataset(dataset: Dataset, holdout: float = HOLDOUT_FRACTION) -> Split:
    """Hold out the last `holdout` of every recording (rows are consecutive frames)."""
    index = {e: i for i, e in enumerate(dataset.emotions)}
    parts: dict[str, list] = {"xa": [], "ya": [], "xb": [], "yb": []}
    for rec in dataset.recordings:
        first, last = time_split(rec.rows.astype(np.float32), holdout)
        parts["xa"].append(first)
        parts["xb"].append(last)
        parts["ya"].append(np.full(len(first), index[rec.emotion]))
        parts["yb"].append(np.full(len(last), index[rec.emotion]))
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    return Split(cat["xa"], cat["ya"].astype(np.int64), cat["xb"], cat["yb"].astype(np.int64))


@dataclass
class Projection:
    """The fixed front of the network: block scaling, standardisation, whitened PCA."""

    layout: Layout
    mean: np.ndarray
    var: np.ndarray
    components: np.ndarray  # (width, k)

    @classmethod
    def fit(cls, x: np.ndarray, layout: Layout, k: int) -> "Projection":
        scaled = scale_blocks(x, layout)
        mean, var = scaled.mean(axis=0), scaled.var(axis=0) + VARIANCE_FLOOR
        z = ((scaled - mean) / np.sqrt(var)).astype(np.float64)
        # Principal directions from the covariance (4x faster than an SVD of the rows, same answer).
        variances, directions = np.linalg.eigh(z.T @ z / len(z))
        order = np.argsort(variances)[::-1]
        std = np.sqrt(np.maximum(variances[order], 0.0))
        # Directions with (almost) no variance would only amplify rounding noise once whitened.
        keep = max(1, min(k, len(x) // ROWS_PER_COMPONENT, int(np.sum(std > 1e-3 * std[0]))))
        return cls(layout, mean, var, (directions[:, order[:keep]] / std[:keep]).astype(np.float32))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        z = (scale_blocks(x, self.layout) - self.mean) / np.sqrt(self.var)
        return z @ self.components


def build_head(n_inputs: int, n_classes: int, config: TrainConfig):
    """The trained part: noise -> Dense(relu) x N -> softmax, on the whitened components."""
    inputs = keras.Input(shape=(n_inputs,), name="components")
    x = keras.layers.GaussianNoise(config.noise, seed=config.seed, name="noise")(inputs)
    for i, units in enumerate(config.hidden):
        x = keras.layers.Dense(units, activation="relu", name=f"dense_{i}")(x)
        x = keras.layers.Dropout(config.dropout, seed=config.seed + i, name=f"dropout_{i}")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="mood")(x)
    return keras.Model(inputs, outputs, name="head")


def assemble(projection: Projection, head):
    """The whole model as one Keras model: row in, mood probabilities out (normalisation inside)."""
    layout = projection.layout
    inputs = keras.Input(shape=(layout.width,), name="row")
    x = BlockScale(layout_id=layout.id, name="block_scale")(inputs)
    x = keras.layers.Normalization(mean=projection.mean, variance=projection.var, name="standardise")(x)
    pca = keras.layers.Dense(projection.components.shape[1], use_bias=False, trainable=False, name="pca")
    x = pca(x)
    pca.set_weights([projection.components])
    outputs = head(x)
    return keras.Model(inputs, outputs, name="facemood")


def _sample_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Weights that give every emotion the same total say, however many rows each has."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float32)
    return (len(y) / (n_classes * counts))[y].astype(np.float32)


def _epoch_runner(head, x: np.ndarray, y: np.ndarray, n_classes: int, config: TrainConfig):
    """A compiled function that trains `head` for one epoch of mini-batches in the given row order.

    The whole epoch is one TensorFlow graph call: with a network this small, Keras' fit() spends
    most of its time in per-epoch Python and tracing, not in the maths.
    """
    import tensorflow as tf

    optimizer = keras.optimizers.Adam(config.learning_rate)
    optimizer.build(head.trainable_variables)
    loss = keras.losses.SparseCategoricalCrossentropy()
    rows, labels = tf.constant(x, tf.float32), tf.constant(y, tf.int64)
    weights = tf.constant(_sample_weights(y, n_classes))
    batch = config.batch_size

    @tf.function(jit_compile=False)  # XLA compiles for seconds on CPU, longer than the training
    def run_epoch(order):
        for start in tf.range(0, len(x), batch):
            picked = order[start:start + batch]
            with tf.GradientTape() as tape:
                probs = head(tf.gather(rows, picked), training=True)
                value = loss(tf.gather(labels, picked), probs, sample_weight=tf.gather(weights, picked))
            variables = head.trainable_variables
            optimizer.apply(tape.gradient(value, variables), variables)

    return lambda order: run_epoch(tf.constant(order, tf.int32))


def _dense_weights(head) -> tuple[list[np.ndarray], list[np.ndarray]]:
    dense = [layer for layer in head.layers if isinstance(layer, keras.layers.Dense)]
    return [np.asarray(layer.kernel) for layer in dense], [np.asarray(layer.bias) for layer in dense]


class _HeldOutStopper:
    """Early stopping on the held-out loss, computed in numpy on the head's current weights."""

    def __init__(self, x: np.ndarray, y: np.ndarray, patience: int):
        self.x, self.y, self.patience = x, y, patience
        self.best_loss, self.best_epoch, self.best_weights = np.inf, 0, None

    def should_stop(self, head, epoch: int) -> bool:
        """After `epoch` (1-based) epochs: remember the best weights; True once patience runs out."""
        probs = dense_forward(self.x, *_dense_weights(head))
        loss = float(-np.mean(np.log(probs[np.arange(len(self.y)), self.y] + 1e-7)))
        if loss < self.best_loss:
            self.best_loss, self.best_epoch, self.best_weights = loss, epoch, head.get_weights()
        return epoch - self.best_epoch >= self.patience

    def expected_epochs(self, limit: int) -> int:
        return min(limit, self.best_epoch + self.patience)


def _fit(layout, n_classes, x, y, config, *, epochs, validation=None, on_progress=None):
    """Fit projection + head on (x, y); with `validation`, stop when its loss stops improving and keep
    the best epoch's weights. `on_progress(fraction)` hears how far this fit has come (never backwards).
    """
    keras.utils.set_random_seed(config.seed)
    projection = Projection.fit(x, layout, config.components)
    head = build_head(projection.components.shape[1], n_classes, config)
    run_epoch = _epoch_runner(head, projection(x), y, n_classes, config)
    stopper = _HeldOutStopper(projection(validation[0]), validation[1], config.patience) if validation else None
    shuffle = np.random.default_rng(config.seed)
    shown = 0.0
    for epoch in range(1, epochs + 1):
        run_epoch(shuffle.permutation(len(x)))
        if stopper is not None and stopper.should_stop(head, epoch):
            break
        if on_progress is not None:
            expected = stopper.expected_epochs(epochs) if stopper else epochs
            shown = max(shown, epoch / max(epoch, expected))
            on_progress(shown)
    if stopper is None or stopper.best_weights is None:
        return projection, head, epochs
    head.set_weights(stopper.best_weights)
    return projection, head, stopper.best_epoch


def export(projection: Projection, head, emotions: list[str]) -> MoodModel:
    """The numpy model inference runs: the PCA projection folded into the head's first layer."""
    kernels, biases = _dense_weights(head)
    kernels[0] = projection.components @ kernels[0]
    return MoodModel(projection.layout, emotions, projection.mean, projection.var, kernels, biases)


@dataclass
class Trained:
    keras_model: object  # keras.Model: row in, probabilities out
    mood_model: MoodModel
    report: TrainReport


ProgressFn = Callable[[str, float], None]


def train(dataset: Dataset, config: TrainConfig = TrainConfig(), progress: ProgressFn | None = None) -> Trained:
    """Fit on the first 80% of each recording, report on the last 20%, then (config.refit) on all rows.

    `progress(stage, fraction)` hears how far along training is, for the window's progress bar.
    """
    started = time.perf_counter()
    emotions = dataset.emotions
    layout = dataset.layout
    n = len(emotions)
    split = split_dataset(dataset, config.holdout)
    say = progress or (lambda stage, fraction: None)
    # The refit, when asked for, takes roughly as long as the first fit: give each half the bar.
    share = 0.5 if config.refit else 1.0
    say("training", 0.0)

    projection, head, best_epoch = _fit(
        layout, n, split.x_train, split.y_train, config, epochs=config.max_epochs,
        validation=(split.x_test, split.y_test),
        on_progress=lambda fraction: say("training", share * fraction))
    predicted = export(projection, head, emotions).predict_proba(split.x_test).argmax(axis=1)
    confusion = np.zeros((n, n), dtype=int)
    np.add.at(confusion, (split.y_test, predicted), 1)
    per_emotion = {e: float(confusion[i, i] / max(1, confusion[i].sum())) for i, e in enumerate(emotions)}
    accuracy = float(np.trace(confusion) / max(1, confusion.sum()))

    if config.refit:
        x_all = np.concatenate([split.x_train, split.x_test])
        y_all = np.concatenate([split.y_train, split.y_test])
        projection, head, _ = _fit(
            layout, n, x_all, y_all, config, epochs=best_epoch,
            on_progress=lambda fraction: say("refitting on all rows", share + share * fraction))
    say("done", 1.0)
    report = TrainReport(
        emotions=emotions, layout=layout.id, rows_per_emotion=dataset.rows_per_emotion(),
        train_rows=len(split.x_train), holdout_rows=len(split.x_test), heldout_accuracy=accuracy,
        per_emotion_accuracy=per_emotion, confusion=confusion.tolist(), epochs=best_epoch, refit=config.refit,
        seconds=time.perf_counter() - started,
        trained_at=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        sources=[str(r.path) for r in dataset.recordings])
    return Trained(assemble(projection, head), export(projection, head, emotions), report)


def save(profile: Profile, trained: Trained) -> None:
    """Write the Keras model, the numpy export, labels.npy and the metadata, each atomically.

    The metadata goes last: infer only trusts a model whose metadata matches labels.npy and the weights.
    """
    profile.models_dir.mkdir(parents=True, exist_ok=True)
    # Keras insists on the .keras suffix, so the temporary file keeps it.
    tmp_keras = profile.keras_path.with_name(f".{profile.keras_path.stem}.tmp.keras")
    trained.keras_model.save(tmp_keras)
    os.replace(tmp_keras, profile.keras_path)
    report = trained.report
    atomic_write(profile.weights_path, trained.mood_model.save)
    atomic_write(profile.labels_path, lambda handle: np.save(handle, np.array(report.emotions), allow_pickle=False))
    meta = {"format": FORMAT_VERSION, "facemood": __version__, **asdict(report)}
    text = json.dumps(meta, indent=1, ensure_ascii=False).encode("utf-8")
    atomic_write(profile.meta_path, lambda handle: handle.write(text))


@keras.saving.register_keras_serializable(package="facemood")
class BlockScale(keras.layers.Layer):
    """Keras twin of model.scale_blocks: each face/hand block divided by its own size."""

    def __init__(self, layout_id: str, **kwargs):
        super().__init__(**kwargs)
        self.layout_id = layout_id
        layout = LAYOUTS[layout_id]
        self._blocks = [(b.start, b.stop) for b in block_slices(layout)]
        self._width = layout.width

    def call(self, x):
        ops = keras.ops
        pieces, at = [], 0
        for start, stop in self._blocks:
            if start > at:
                pieces.append(x[:, at:start])
            part = x[:, start:stop]
            size = ops.sqrt(ops.mean(part * part, axis=1, keepdims=True) * 2.0)
            pieces.append(part / ops.maximum(size, 1e-6))
            at = stop
        if at < self._width:
            pieces.append(x[:, at:])
        return ops.concatenate(pieces, axis=1)

    def get_config(self):
        return {**super().get_config(), "layout_id": self.layout_id}
