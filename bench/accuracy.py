#!/usr/bin/env python3
"""Held-out accuracy of facemood's model beside the classic tutorial model, on people's recordings.

    python bench/accuracy.py DIR [DIR ...] [--json OUT]

Each DIR holds one person's recordings, <emotion>.npy in the classic 1020-column layout, rows in time
order (consecutive rows are consecutive frames). For every DIR, in one run and on the same split:

  * each emotion's first 80% of rows train and its last 20% test (facemood.dataset.time_split; no
    shuffling across the cut, which would test on near-copies of the training frames);
  * (a) the classic baseline exactly as the tutorial trained it: raw rows, Input(1020) -> Dense(512,
    relu) -> Dense(256, relu) -> Dense(C, softmax), rmsprop, categorical cross-entropy on one-hot
    labels, 50 epochs, batch 32, no validation;
    (b) facemood's own training, called as train.py calls it but seeing only the training part: the
    first 80% of each emotion is written as <emotion>.npy into a temporary folder, then
    load_dataset([folder]) and training.train(dataset, TrainConfig()) (which splits that part again
    for its early stopping, then refits on all of it);
  * held-out accuracy and macro-F1 of both; the accuracy again with every test value multiplied by 0.7
    and by 1.3 (the person sitting farther from or closer to the camera than while recording); and the
    wall time of each model's training call (model.fit / training.train; TensorFlow's import excluded).

Seeds are fixed (keras.utils.set_random_seed(0) before each model). Prints one line per DIR, then one
line with the mean and the minimum over all DIRs. Exit code 2 with a one-line message on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from collections.abc import Callable

import numpy as np

# Make `python bench/accuracy.py` work from a checkout: the repo root holds the facemood package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from facemood.dataset import MIN_ROWS, load_dataset, time_split
from facemood.cli.common import run
from facemood.errors import FacemoodError
from facemood.rows import CLASSIC

SCALES = (0.7, 1.3)
MODELS = ("baseline", "product")
KEYS = ("baseline_acc", "product_acc", "baseline_acc_0.7", "baseline_acc_1.3", "product_acc_0.7",
        "product_acc_1.3", "baseline_f1", "product_f1", "baseline_train_s", "product_train_s")
Predictor = Callable[[np.ndarray], np.ndarray]  # rows -> class indices in the DIR's emotion order


class Split:
    """One DIR's rows, cut in time per emotion; class i is emotions[i] (load_dataset's order)."""

    def __init__(self, folder: Path):
        dataset = load_dataset([folder])
        if dataset.layout.width != CLASSIC.width:
            raise FacemoodError(f"{folder} holds {dataset.layout.id} rows; this benchmark compares on the classic "
                                f"{CLASSIC.width}-column layout the tutorial model reads")
        self.emotions = dataset.emotions
        parts: dict[str, list[np.ndarray]] = {e: [] for e in self.emotions}
        x_test, y_test = [], []
        for rec in dataset.recordings:
            first, last = time_split(rec.rows.astype(np.float32), 0.2)
            parts[rec.emotion].append(first)
            x_test.append(last)
            y_test.append(np.full(len(last), self.emotions.index(rec.emotion)))
        self.train_parts = {e: np.concatenate(p) for e, p in parts.items()}
        for emotion, rows in self.train_parts.items():
            if len(rows) < MIN_ROWS:
                raise FacemoodError(f"{folder}/{emotion}.npy: only {len(rows)} rows before the 20% cut; facemood "
                                    f"trains on at least {MIN_ROWS} rows per emotion")
        self.x_train = np.concatenate(list(self.train_parts.values()))
        self.y_train = np.concatenate([np.full(len(r), i) for i, r in enumerate(self.train_parts.values())])
        self.x_test, self.y_test = np.concatenate(x_test), np.concatenate(y_test)


def macro_f1(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> float:
    """Unweighted mean over classes of F1 = 2TP / (2TP + FP + FN)."""
    scores = []
    for c in range(n_classes):
        tp = np.sum((predicted == c) & (truth == c))
        fp = np.sum((predicted == c) & (truth != c))
        fn = np.sum((predicted != c) & (truth == c))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def train_baseline(split: Split) -> tuple[Predictor, float]:
    """The tutorial's network and fit, unchanged. Returns (predictor, seconds of model.fit)."""
    import keras

    n_classes = len(split.emotions)
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(split.x_train.shape[1],))
    hidden = keras.layers.Dense(512, activation="relu")(inputs)
    hidden = keras.layers.Dense(256, activation="relu")(hidden)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])
    # The tutorial shuffled the rows once before fitting; fit shuffles every epoch anyway.
    order = np.random.default_rng(0).permutation(len(split.x_train))
    x, y = split.x_train[order], keras.utils.to_categorical(split.y_train[order], n_classes)
    started = time.perf_counter()
    model.fit(x, y, epochs=50, batch_size=32, verbose=0)
    seconds = time.perf_counter() - started
    return (lambda rows: np.asarray(model(rows.astype(np.float32), training=False)).argmax(axis=1)), seconds


def train_product(split: Split) -> tuple[Predictor, float]:
    """facemood's training as train.py runs it, on a folder holding only the training part.
    Returns (predictor using the numpy MoodModel inference runs, seconds of training.train)."""
    from facemood import training

    with tempfile.TemporaryDirectory() as folder:
        for emotion, rows in split.train_parts.items():
            np.save(Path(folder) / f"{emotion}.npy", rows)
        dataset = load_dataset([Path(folder)])  # the rows are read into memory here
    import keras

    keras.utils.set_random_seed(0)  # as for the baseline (training.train also seeds with TrainConfig.seed)
    started = time.perf_counter()
    trained = training.train(dataset, training.TrainConfig())
    seconds = time.perf_counter() - started
    model = trained.mood_model
    to_ours = np.array([split.emotions.index(e) for e in model.emotions])  # model's class -> ours
    return (lambda rows: to_ours[model.predict_proba(rows).argmax(axis=1)]), seconds


def evaluate(folder: Path) -> dict:
    """All numbers for one DIR."""
    split = Split(folder)
    result: dict = {"dir": str(folder), "classes": split.emotions}
    for name, trainer in (("baseline", train_baseline), ("product", train_product)):
        predict, seconds = trainer(split)
        predicted = predict(split.x_test)
        result[f"{name}_acc"] = float(np.mean(predicted == split.y_test))
        result[f"{name}_f1"] = macro_f1(split.y_test, predicted, len(split.emotions))
        for scale in SCALES:
            result[f"{name}_acc_{scale}"] = float(np.mean(predict(split.x_test * scale) == split.y_test))
        result[f"{name}_train_s"] = seconds
    return {key: result[key] for key in ("dir", "classes", *KEYS)}


def dataset_line(label: str, r: dict) -> str:
    def model(name: str, title: str) -> str:
        return (f"{title} acc {r[f'{name}_acc']:.3f} (x0.7 {r[f'{name}_acc_0.7']:.3f}, x1.3 {r[f'{name}_acc_1.3']:.3f})"
                f" F1 {r[f'{name}_f1']:.3f} train {r[f'{name}_train_s']:5.1f} s")

    return f"{label}: {model('baseline', 'baseline')} | {model('product', 'facemood')}"


def summary_line(mean: dict, minimum: dict, count: int) -> str:
    def model(name: str, title: str) -> str:
        pairs = [("acc", f"{name}_acc"), ("x0.7", f"{name}_acc_0.7"), ("x1.3", f"{name}_acc_1.3"),
                 ("F1", f"{name}_f1")]
        text = ", ".join(f"{label} {mean[key]:.3f}/{minimum[key]:.3f}" for label, key in pairs)
        return f"{title} {text}, train {mean[f'{name}_train_s']:.1f} s"

    return f"all {count} (mean/min): {model('baseline', 'baseline')} | {model('product', 'facemood')}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/accuracy.py", description=__doc__.split("\n\n")[0],
        epilog="Each DIR's last 20% of every emotion is held out. Example:\n"
               "  python bench/accuracy.py ../shared/datasets/tansin9 --json acc.json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="+", type=Path, metavar="DIR",
                        help="a folder of one person's <emotion>.npy recordings (classic 1020-column rows)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every number to OUT as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.json and not args.json.parent.is_dir():
        raise FacemoodError(f"--json {args.json}: no folder {args.json.parent} to write it in")
    for folder in args.dirs:  # check every DIR before spending minutes training
        if not folder.is_dir():
            raise FacemoodError(f"{folder}: no such folder (give folders of <emotion>.npy recordings)")
        Split(folder)
    import facemood.training  # noqa: F401  (TensorFlow's start-up stays out of the timings)

    results = []
    for folder in args.dirs:
        results.append(evaluate(folder))
        print(dataset_line(folder.name or str(folder), results[-1]), flush=True)
    mean = {key: float(np.mean([r[key] for r in results])) for key in KEYS}
    minimum = {key: float(np.min([r[key] for r in results])) for key in KEYS}
    print(summary_line(mean, minimum, len(results)))
    if args.json:
        args.json.write_text(json.dumps({"datasets": results, "mean": {"datasets": len(results), **mean},
                                         "min": {"datasets": len(results), **minimum}}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))  # FacemoodError / OSError -> one line, exit 2

