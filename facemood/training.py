"""Train the mood model with TensorFlow/Keras, choosing its shape per user, and report honestly.

Only train.py (and the window's Train button, through train.py) import this module: it is the one place
TensorFlow loads. Inference runs the numpy MoodModel it returns.

Rows are consecutive frames, so every split is a cut in time (each emotion's last part), never random.
Training is one procedure, `fit_and_choose` (on the rows as the model reads them, `as_features`):

    its rows:   [--------------- train ---------------][- check -]
    every candidate head (softmax regression with several ridge strengths, a small Keras network) trains
    on "train" and is scored on "check"; the best one is trained again on all of its rows.

The held-out accuracy that train.py and the window show comes from running that procedure on the first
80% of each emotion and testing on the last 20%, rows that chose nothing. The saved model comes from
running it on every row (choosing on the last 20%, now with more rows to choose on).
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .quiet import muffled_native_logs

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
with muffled_native_logs():  # TensorFlow's oneDNN/absl start-up lines; import errors are still shown
    import keras

from .dataset import HOLDOUT_FRACTION, Dataset, time_split
from .geometry import normalise
from .least_squares import LeastSquaresPath, calibrate, class_weights, scores
from .model import Head, MoodModel
from .rows import Layout

log = logging.getLogger(__name__)

GEOMETRY = "upright"
#: Columns whose spread in training is below this (the anchor points, a hand never shown) are left out:
#: standardising them would turn rounding noise, or a hand first seen live, into huge inputs.
MIN_SPREAD = 1e-4


@dataclass(frozen=True)
class LinearSpec:
    """Softmax regression fitted in closed form (least_squares.py) with this ridge strength."""

    ridge: float

    def describe(self) -> str:
        return f"softmax regression (least squares, ridge {self.ridge:g})"


@dataclass(frozen=True)
class NetworkSpec:
    """A small network trained with Keras: hidden layer sizes and regularisation."""

    hidden: tuple[int, ...] = (64,)
    l2: float = 0.0  # weight decay on every kernel
    dropout: float = 0.0  # after each hidden layer
    noise: float = 0.0  # Gaussian noise on the standardised inputs, training only

    def describe(self) -> str:
        extras = [f"{name} {value:g}" for name, value in (("l2", self.l2), ("dropout", self.dropout),
                                                          ("noise", self.noise)) if value]
        return f"network, hidden {'/'.join(map(str, self.hidden))}" + (f" ({', '.join(extras)})" if extras else "")


HeadSpec = LinearSpec | NetworkSpec

#: The candidates the inner split chooses from. Ridge strengths span what suited the twenty people of
#: bench/RESULTS.md; the network is the one shape that came close on them.
CANDIDATES: tuple[HeadSpec, ...] = (
    LinearSpec(1e-3), LinearSpec(3e-3), LinearSpec(1e-2), LinearSpec(3e-2), LinearSpec(0.1), LinearSpec(0.3),
    LinearSpec(1.0),
    NetworkSpec((64,), l2=1e-4, dropout=0.3, noise=0.5),
)


@dataclass(frozen=True)
class TrainConfig:
    candidates: tuple[HeadSpec, ...] = CANDIDATES
    # A network is chosen only when it beats the best softmax regression on the inner rows by this much:
    # it is the riskier shape, and a handful of inner rows can flatter it. On the 21 people of
    # bench/RESULTS.md, networks that won by 7 and 10 points there lost 3 and 17 points on the report rows.
    network_margin: float = 0.15
    learning_rate: float = 4e-3
    batch_size: int = 256  # at most; fewer rows get smaller batches, so that an epoch is a few steps
    min_steps_per_epoch: int = 8
    network_inputs: int = 128  # principal axes the network reads (see principal_axes)
    max_epochs: int = 40
    patience: int = 6
    holdout: float = HOLDOUT_FRACTION  # the report rows: each emotion's last part
    inner_holdout: float = HOLDOUT_FRACTION  # the choosing rows: the fit part's last part
    refit: bool = True  # after the report, train the choice again on every row
    seed: int = 0


@dataclass
class CandidateScore:
    head: str
    inner_accuracy: float
    inner_loss: float
    epochs: int


@dataclass
class TrainReport:
    emotions: list[str]
    layout: str
    rows_per_emotion: dict[str, int]
    train_rows: int
    holdout_rows: int
    heldout_accuracy: float  # on the report rows, which played no part in any choice
    per_emotion_accuracy: dict[str, float]
    confusion: list[list[int]]  # rows: true emotion, columns: predicted, in `emotions` order
    chosen: str  # the head the inner split chose
    candidates: list[CandidateScore]
    epochs: int
    refit: bool
    seconds: float
    trained_at: str = ""
    sources: list[str] = field(default_factory=list)


@dataclass
class LabelledRows:
    """Rows with the index of their emotion (in dataset.emotions order), kept in time order per emotion."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def time_cut(parts: LabelledRows, fraction: float) -> tuple[LabelledRows, LabelledRows]:
    """(first part, last `fraction`) of each emotion's rows, cut in time."""
    first, last = [], []
    for emotion in np.unique(parts.y):
        index = np.flatnonzero(parts.y == emotion)
        before, after = time_split(index, fraction)
        first.append(before)
        last.append(after)
    first_index, last_index = np.concatenate(first), np.concatenate(last)
    return (LabelledRows(parts.x[first_index], parts.y[first_index]),
            LabelledRows(parts.x[last_index], parts.y[last_index]))


def dataset_rows(dataset: Dataset) -> LabelledRows:
    index = {emotion: i for i, emotion in enumerate(dataset.emotions)}
    rows = [rec.rows for rec in dataset.recordings]
    labels = [np.full(len(rec.rows), index[rec.emotion]) for rec in dataset.recordings]
    return LabelledRows(np.concatenate(rows).astype(np.float64), np.concatenate(labels).astype(np.int64))


# --- fitting --------------------------------------------------------------------------------------------


@dataclass
class Standardiser:
    """Feature mean and spread from training rows; columns without spread get a zero weight."""

    mean: np.ndarray
    scale: np.ndarray
    used: np.ndarray  # bool per column

    @classmethod
    def fit(cls, features: np.ndarray) -> "Standardiser":
        spread = features.std(axis=0)
        used = spread > MIN_SPREAD
        return cls(features.mean(axis=0), np.where(used, spread, 1.0), used)

    def __call__(self, features: np.ndarray) -> np.ndarray:
        return np.where(self.used, (features - self.mean) / self.scale, 0.0)


@dataclass
class FittedHead:
    spec: HeadSpec
    head: Head
    epochs: int = 0  # networks: the epochs it trained (with validation: the best epoch)
    temperature: float = 1.0  # softmax regressions: the calibrated temperature
    inner_accuracy: float = float("nan")
    inner_loss: float = float("nan")


def _build_network(n_inputs: int, n_classes: int, spec: NetworkSpec, seed: int):
    inputs = keras.Input(shape=(n_inputs,), name="features")
    x = keras.layers.GaussianNoise(spec.noise, seed=seed)(inputs) if spec.noise else inputs
    regulariser = keras.regularizers.L2(spec.l2) if spec.l2 else None
    for i, units in enumerate(spec.hidden):
        x = keras.layers.Dense(units, activation="relu", kernel_regularizer=regulariser, name=f"dense_{i}")(x)
        if spec.dropout:
            x = keras.layers.Dropout(spec.dropout, seed=seed + i)(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", kernel_regularizer=regulariser, name="mood")(x)
    return keras.Model(inputs, outputs, name="head")


def _network_weights(model) -> Head:
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    return Head([np.asarray(layer.kernel) for layer in dense], [np.asarray(layer.bias) for layer in dense])


def _epoch_runner(model, x: np.ndarray, y: np.ndarray, n_classes: int, config: TrainConfig):
    """A compiled function that trains the network for one epoch of mini-batches in the given row order.

    The whole epoch is one TensorFlow graph call: with a network this small, Keras' fit() spends most of
    its time in per-epoch Python and tracing, not in the maths.
    """
    import tensorflow as tf

    optimizer = keras.optimizers.Adam(config.learning_rate)
    optimizer.build(model.trainable_variables)
    loss = keras.losses.SparseCategoricalCrossentropy()
    rows, labels = tf.constant(x, tf.float32), tf.constant(y, tf.int64)
    weights = tf.constant(class_weights(y, n_classes).astype(np.float32))
    batch = min(config.batch_size, max(16, -(-len(x) // config.min_steps_per_epoch)))

    @tf.function(jit_compile=False)  # XLA compiles for seconds on CPU, longer than the training
    def run_epoch(order):
        for start in tf.range(0, len(x), batch):
            picked = order[start:start + batch]
            with tf.GradientTape() as tape:
                probs = model(tf.gather(rows, picked), training=True)
                value = loss(tf.gather(labels, picked), probs, sample_weight=tf.gather(weights, picked))
                if model.losses:
                    value += tf.add_n(model.losses)
            variables = model.trainable_variables
            optimizer.apply(tape.gradient(value, variables), variables)

    return lambda order: run_epoch(tf.constant(order, tf.int32))


def fit_network(z: np.ndarray, y: np.ndarray, n_classes: int, spec: NetworkSpec, config: TrainConfig, *,
                epochs: int, validation: tuple[np.ndarray, np.ndarray] | None = None,
                on_progress: Callable[[float], None] | None = None) -> FittedHead:
    """Train one network on standardised features. With `validation`, keep the epoch with the best
    balanced accuracy there (then the lowest loss) and stop after `config.patience` epochs in which
    neither the accuracy nor the loss improved."""
    keras.utils.set_random_seed(config.seed)
    projection = principal_axes(z, config.network_inputs)
    model = _build_network(projection.shape[1], n_classes, spec, config.seed)
    run_epoch = _epoch_runner(model, (z @ projection).astype(np.float32), y, n_classes, config)
    shuffle = np.random.default_rng(config.seed)

    def weights() -> Head:  # the projection folded into the first layer: the head reads z itself
        head = _network_weights(model)
        return Head([projection @ head.kernels[0], *head.kernels[1:]], head.biases)

    best = FittedHead(spec, weights(), 0)
    lowest_loss, progress_at = np.inf, 0
    for epoch in range(1, epochs + 1):
        run_epoch(shuffle.permutation(len(z)))
        if validation is not None:
            head = weights()
            accuracy, loss = scores(head, *validation, n_classes)
            if best.epochs == 0 or (accuracy, -loss) > (best.inner_accuracy, -best.inner_loss):
                best = FittedHead(spec, head, epoch, inner_accuracy=accuracy, inner_loss=loss)
                progress_at = epoch
            # A falling loss is progress too: accuracy can sit on a plateau for epochs before it jumps.
            if loss < lowest_loss:
                lowest_loss, progress_at = loss, epoch
            if epoch - progress_at >= config.patience:
                break
        if on_progress is not None:
            on_progress(epoch / epochs)
    return best if validation is not None else FittedHead(spec, weights(), epochs)


def principal_axes(z: np.ndarray, count: int) -> np.ndarray:
    """The `count` directions along which the rows vary most, scaled so that each projected feature has
    unit variance: the network learns from these instead of ~1000 correlated columns, several times
    faster, and the projection folds into its first layer afterwards."""
    centred = z - z.mean(axis=0)
    variances, axes = np.linalg.eigh(centred.T @ centred / max(len(z) - 1, 1))
    keep = np.argsort(variances)[::-1][:count]
    keep = keep[variances[keep] > 1e-9 * max(variances.max(), 1e-12)]
    return axes[:, keep] / np.sqrt(variances[keep])


def fit_linear(path: LeastSquaresPath, spec: LinearSpec, temperature: float = 1.0) -> FittedHead:
    return FittedHead(spec, path.head(spec.ridge, temperature), temperature=temperature)


def choose(fitted: list[FittedHead], network_margin: float) -> FittedHead:
    """The candidate with the best balanced accuracy on the inner rows (then the lower loss); a network
    must beat the best softmax regression by `network_margin`; among equals, the stronger ridge."""
    def rank(f: FittedHead):
        return (round(f.inner_accuracy, 6), -round(f.inner_loss, 4), getattr(f.spec, "ridge", 0.0))

    linear = max((f for f in fitted if isinstance(f.spec, LinearSpec)), key=rank, default=None)
    network = max((f for f in fitted if isinstance(f.spec, NetworkSpec)), key=rank, default=None)
    if linear is None or (network is not None and network.inner_accuracy >= linear.inner_accuracy + network_margin):
        return network
    return linear


# --- the whole training ---------------------------------------------------------------------------------


@dataclass
class Trained:
    model: MoodModel
    report: TrainReport


ProgressFn = Callable[[str, float], None]


def as_features(rows: LabelledRows, layout: Layout) -> LabelledRows:
    """The rows as the model reads them (geometry.normalise), once: it is row by row, so cutting the
    features in time equals normalising the cut rows, and every fit below reuses them."""
    return LabelledRows(normalise(rows.x, layout, GEOMETRY).astype(np.float64), rows.y)


def _score_candidates(features: LabelledRows, n_classes: int, config: TrainConfig,
                      on_progress: Callable[[float], None]) -> list[FittedHead]:
    """Every candidate trained on the first part of `features` and scored on its last part (cut in time)."""
    train_rows, check_rows = time_cut(features, config.inner_holdout)
    standardise = Standardiser.fit(train_rows.x)
    z, check = standardise(train_rows.x), (standardise(check_rows.x), check_rows.y)
    fitted: list[FittedHead] = []
    linear = [spec for spec in config.candidates if isinstance(spec, LinearSpec)]
    networks = [spec for spec in config.candidates if isinstance(spec, NetworkSpec)]
    if linear:
        path = LeastSquaresPath(z, train_rows.y, n_classes)
        for spec in linear:
            temperature = calibrate(path.head(spec.ridge), *check, n_classes)
            head = fit_linear(path, spec, temperature)
            head.inner_accuracy, head.inner_loss = scores(head.head, *check, n_classes)
            fitted.append(head)
    best_linear = max((f.inner_accuracy for f in fitted), default=0.0)
    if best_linear + config.network_margin > 1.0:
        networks = []  # no network could beat it by the margin: training one would only cost seconds
        log.debug("no network tried: softmax regression already reads %.3f of the inner rows", best_linear)
    on_progress(0.2 if networks else 1.0)
    for i, spec in enumerate(networks):
        fitted.append(fit_network(z, train_rows.y, n_classes, spec, config, epochs=config.max_epochs,
                                  validation=check,
                                  on_progress=lambda f, i=i: on_progress(0.2 + 0.8 * (i + f) / len(networks))))
    return fitted


def _epochs_for(chosen: FittedHead, inner_rows: int, rows: int) -> int:
    """The chosen epoch count, for more rows: each epoch then takes more steps, so a few fewer epochs."""
    return max(1, int(round(chosen.epochs * min(1.0, (inner_rows / max(rows, 1)) ** 0.5))))


def _fit_model(rows: LabelledRows, layout: Layout, emotions: list[str], chosen: FittedHead, epochs: int,
               config: TrainConfig, on_progress: Callable[[float], None]) -> MoodModel:
    """The chosen head, trained again on all of `rows` (features), as the numpy model inference runs."""
    standardise = Standardiser.fit(rows.x)
    z = standardise(rows.x)
    if isinstance(chosen.spec, LinearSpec):
        head = fit_linear(LeastSquaresPath(z, rows.y, len(emotions)), chosen.spec, chosen.temperature).head
    else:
        head = fit_network(z, rows.y, len(emotions), chosen.spec, config, epochs=epochs, on_progress=on_progress).head
    on_progress(1.0)
    # Columns without spread (the anchor points, a hand never recorded) must not move the mood when they
    # do move live: their first-layer weights are zero.
    kernels = [np.where(standardise.used[:, None], head.kernels[0], 0.0), *head.kernels[1:]]
    return MoodModel(layout, emotions, GEOMETRY, standardise.mean, standardise.scale, [Head(kernels, head.biases)])


@dataclass
class Fitted:
    """What fit_and_choose made: the model and how it was chosen."""

    model: MoodModel
    chosen: FittedHead
    candidates: list[FittedHead]
    epochs: int


def fit_and_choose(rows: LabelledRows, layout: Layout, emotions: list[str], config: TrainConfig,
                   on_progress: Callable[[float], None] = lambda fraction: None) -> Fitted:
    """The whole training procedure on `rows` (as_features of the recorded rows): choose a head on their
    last part, train it on all of them."""
    candidates = _score_candidates(rows, len(emotions), config, lambda f: on_progress(0.8 * f))
    chosen = choose(candidates, config.network_margin)
    log.debug("chose %s (accuracy %.3f on the last %d%% of the rows it was given)", chosen.spec.describe(),
             chosen.inner_accuracy, round(100 * config.inner_holdout))
    epochs = _epochs_for(chosen, len(time_cut(rows, config.inner_holdout)[0]), len(rows))
    model = _fit_model(rows, layout, emotions, chosen, epochs, config, lambda f: on_progress(0.8 + 0.2 * f))
    return Fitted(model, chosen, candidates, epochs if isinstance(chosen.spec, NetworkSpec) else 0)


def train(dataset: Dataset, config: TrainConfig = TrainConfig(), progress: ProgressFn | None = None) -> Trained:
    """Report, then (config.refit) train the saved model, as the module docstring says.

    `progress(stage, fraction)` hears how far along training is (fraction of the whole, never backwards),
    for the window's progress bar.
    """
    started = time.perf_counter()
    emotions, layout = dataset.emotions, dataset.layout
    n = len(emotions)
    tell = progress or (lambda stage, fraction: None)
    shown = [0.0]

    def stage(name: str, start: float, share: float) -> Callable[[float], None]:
        def report(fraction: float) -> None:
            shown[0] = max(shown[0], start + share * min(max(fraction, 0.0), 1.0))
            tell(name, shown[0])
        return report

    rows = dataset_rows(dataset)
    features = as_features(rows, layout)
    fit_part = time_cut(features, config.holdout)[0]
    half = 0.5 if config.refit else 1.0
    testing = fit_and_choose(fit_part, layout, emotions, config, stage("testing on held-out rows", 0.0, half))
    # The model as inference runs it, on the recorded report rows: the geometry is part of what is tested.
    report_rows = time_cut(rows, config.holdout)[1]
    predicted = testing.model.predict_proba(report_rows.x).argmax(axis=1)
    confusion = np.zeros((n, n), dtype=int)
    np.add.at(confusion, (report_rows.y, predicted), 1)
    per_emotion = {e: float(confusion[i, i] / max(1, confusion[i].sum())) for i, e in enumerate(emotions)}
    accuracy = float(np.trace(confusion) / max(1, confusion.sum()))

    final = fit_and_choose(features, layout, emotions, config, stage("training on every row", half, half)) \
        if config.refit else testing
    tell("done", 1.0)
    report = TrainReport(
        emotions=emotions, layout=layout.id, rows_per_emotion=dataset.rows_per_emotion(),
        train_rows=len(fit_part), holdout_rows=len(report_rows), heldout_accuracy=accuracy,
        per_emotion_accuracy=per_emotion, confusion=confusion.tolist(), chosen=final.chosen.spec.describe(),
        candidates=[CandidateScore(f.spec.describe(), f.inner_accuracy, f.inner_loss, f.epochs)
                    for f in final.candidates],
        epochs=final.epochs, refit=config.refit, seconds=time.perf_counter() - started,
        trained_at=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        sources=[str(r.path) for r in dataset.recordings])
    return Trained(final.model, report)
