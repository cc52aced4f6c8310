#!/usr/bin/env python3
"""Held-out accuracy of facemood's model beside the classic tutorial model, on people's recordings.

    python bench/accuracy.py DIR [DIR ...] [--json OUT]

Each DIR holds one person's recordings, <emotion>.npy in the classic 1020-column layout, rows in time
order (consecutive rows are consecutive frames). For every DIR, in one run:

  * each emotion's first 80% of rows train and its last 20% test (facemood.dataset.time_split; no
    shuffling across the cut, which would test on near-copies of the training frames); then, as a
    second, harder split, each emotion's FIRST 20% is held out instead (the person still settling into
    the pose: the closest thing in these files to "another day");
  * (a) the classic baseline exactly as the tutorial trained it: raw rows, Input(1020) -> Dense(512,
    relu) -> Dense(256, relu) -> Dense(C, softmax), rmsprop, categorical cross-entropy on one-hot
    labels, 50 epochs, batch 32, no validation;
    (b) facemood's own training, called as train.py calls it but seeing only the training part: it is
    written as <emotion>.npy into a temporary folder, then load_dataset([folder]) and
    training.train(dataset, TrainConfig()) (which chooses its model on an inner split of that part,
    reports on another, then refits on all of it; "said" is the held-out accuracy it reports, which
    the test rows here should confirm);
  * held-out accuracy and macro-F1 of both; the accuracy again with every test value multiplied by 0.7
    and by 1.3 (the person sitting farther from or closer to the camera than while recording), and with
    every face and hand block of every test row turned by +10 and -10 degrees about its own anchor point
    (a tilted head: rot10 is the mean of the two); the first20 accuracy; and the wall time of each
    model's training call (model.fit / training.train; TensorFlow's import excluded).

Seeds are fixed (keras.utils.set_random_seed(0) for the baseline, TrainConfig.seed for facemood). Prints
one line per DIR, then one line with the mean and the minimum over all DIRs. Exit code 2 with a
one-line message on bad input.
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
from facemood.geometry import tilt
from facemood.rows import CLASSIC

SCALES = (0.7, 1.3)
TILT_DEGREES = 10.0
MODELS = ("baseline", "product")
SPLITS = ("last", "first")  # which 20% of each emotion is held out; "first" is the harder one
KEYS = ("baseline_acc", "product_acc", "baseline_acc_0.7", "baseline_acc_1.3", "product_acc_0.7",
        "product_acc_1.3", "baseline_acc_rot10", "product_acc_rot10", "baseline_acc_first20",
        "product_acc_first20", "baseline_f1", "product_f1", "baseline_train_s", "product_train_s",
        "product_reported_acc")
Predictor = Callable[[np.ndarray], np.ndarray]  # rows -> class indices in the DIR's emotion order


class PersonSplit:
    """One DIR's rows, cut in time per emotion (the last or the first 20% held out); class i is
    emotions[i] (load_dataset's order)."""

    def __init__(self, folder: Path, held_out: str = "last"):
        dataset = load_dataset([folder])
        if dataset.layout.width != CLASSIC.width:
            raise FacemoodError(f"{folder} holds {dataset.layout.id} rows; this benchmark compares on the classic "
                                f"{CLASSIC.width}-column layout the tutorial model reads")
        self.emotions = dataset.emotions
        parts: dict[str, list[np.ndarray]] = {e: [] for e in self.emotions}
        x_test, y_test = [], []
        for rec in dataset.recordings:
            rows = rec.rows.astype(np.float32)
            if held_out == "first":  # the same cut, counted from the start
                test, train = (part[::-1] for part in time_split(rows[::-1], 0.2))
            else:
                train, test = time_split(rows, 0.2)
            parts[rec.emotion].append(train)
            x_test.append(test)
            y_test.append(np.full(len(test), self.emotions.index(rec.emotion)))
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


def train_baseline(split: PersonSplit) -> tuple[Predictor, float, dict]:
    """The tutorial's network and fit, unchanged. Returns (predictor, seconds of model.fit, {})."""
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
    return (lambda rows: np.asarray(model(rows.astype(np.float32), training=False)).argmax(axis=1)), seconds, {}


def train_product(split: PersonSplit) -> tuple[Predictor, float, dict]:
    """facemood's training as train.py runs it, on a folder holding only the training part.
    Returns (predictor using the numpy MoodModel inference runs, seconds of training.train, its report)."""
    from facemood import training

    with tempfile.TemporaryDirectory() as folder:
        for emotion, rows in split.train_parts.items():
            np.save(Path(folder) / f"{emotion}.npy", rows)
        dataset = load_dataset([Path(folder)])  # the rows are read into memory here
    started = time.perf_counter()
    trained = training.train(dataset, training.TrainConfig())
    seconds = time.perf_counter() - started
    model = trained.model
    to_ours = np.array([split.emotions.index(e) for e in model.emotions])  # model's class -> ours
    report = {"product_reported_acc": trained.report.heldout_accuracy, "product_chosen": trained.report.chosen}
    return (lambda rows: to_ours[model.predict_proba(rows).argmax(axis=1)]), seconds, report


TRAINERS = {"baseline": train_baseline, "product": train_product}


def evaluate(folder: Path, models: tuple[str, ...] = MODELS) -> dict:
    """All numbers for one DIR: both splits, each model trained afresh on each split's training part."""
    result: dict = {"dir": str(folder)}
    for held_out in SPLITS:
        split = PersonSplit(folder, held_out)
        result["classes"] = split.emotions
        for name in models:
            predict, seconds, extra = TRAINERS[name](split)
            accuracy = float(np.mean(predict(split.x_test) == split.y_test))
            if held_out == "first":
                result[f"{name}_acc_first20"] = accuracy
                continue
            result.update(extra)
            result[f"{name}_acc"] = accuracy
            result[f"{name}_f1"] = macro_f1(split.y_test, predict(split.x_test), len(split.emotions))
            for scale in SCALES:
                result[f"{name}_acc_{scale}"] = float(np.mean(predict(split.x_test * scale) == split.y_test))
            result[f"{name}_acc_rot10"] = float(np.mean(
                [np.mean(predict(tilt(split.x_test, CLASSIC, sign * TILT_DEGREES)) == split.y_test)
                 for sign in (1, -1)]))
            result[f"{name}_train_s"] = seconds
    return result


def dataset_line(label: str, r: dict, models: tuple[str, ...] = MODELS) -> str:
    def model(name: str, title: str) -> str:
        return (f"{title} acc {r[f'{name}_acc']:.3f} (x0.7 {r[f'{name}_acc_0.7']:.3f}, x1.3 {r[f'{name}_acc_1.3']:.3f}, "
                f"rot10 {r[f'{name}_acc_rot10']:.3f}, first20 {r[f'{name}_acc_first20']:.3f}) "
                f"F1 {r[f'{name}_f1']:.3f} train {r[f'{name}_train_s']:4.1f} s")

    parts = [model(name, "facemood" if name == "product" else name) for name in models]
    if "product" in models:
        parts[-1] += f" [said {r['product_reported_acc']:.3f}; {r['product_chosen']}]"
    return f"{label}: " + " | ".join(parts)


def summary_line(mean: dict, minimum: dict, count: int, models: tuple[str, ...] = MODELS) -> str:
    def model(name: str, title: str) -> str:
        pairs = [("acc", f"{name}_acc"), ("x0.7", f"{name}_acc_0.7"), ("x1.3", f"{name}_acc_1.3"),
                 ("rot10", f"{name}_acc_rot10"), ("first20", f"{name}_acc_first20"), ("F1", f"{name}_f1")]
        text = ", ".join(f"{label} {mean[key]:.3f}/{minimum[key]:.3f}" for label, key in pairs)
        return f"{title} {text}, train {mean[f'{name}_train_s']:.1f} s"

    return f"all {count} (mean/min): " + " | ".join(model(n, "facemood" if n == "product" else n) for n in models)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bench/accuracy.py", description=__doc__.split("\n\n")[0],
        epilog="Each DIR's last 20% of every emotion is held out (and, separately, its first 20%). Example:\n"
               "  python bench/accuracy.py ../shared/datasets/people/*/ ../shared/datasets/tansin9 --json acc.json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="+", type=Path, metavar="DIR",
                        help="a folder of one person's <emotion>.npy recordings (classic 1020-column rows)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every number to OUT as JSON")
    parser.add_argument("--only", choices=MODELS,
                        help="measure one model only (e.g. product, to try a change quickly); the JSON then holds "
                             "only its keys")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.json and not args.json.parent.is_dir():
        raise FacemoodError(f"--json {args.json}: no folder {args.json.parent} to write it in")
    for folder in args.dirs:  # check every DIR before spending minutes training
        if not folder.is_dir():
            raise FacemoodError(f"{folder}: no such folder (give folders of <emotion>.npy recordings)")
        PersonSplit(folder)
    import facemood.training  # noqa: F401  (TensorFlow's start-up stays out of the timings)

    models = (args.only,) if args.only else MODELS
    keys = [key for key in KEYS if key.split("_", 1)[0] in models]
    results = []
    started = time.perf_counter()
    for folder in args.dirs:
        results.append(evaluate(folder, models))
        print(dataset_line(folder.name or str(Path(folder).resolve().name), results[-1], models), flush=True)
    mean = {key: float(np.mean([r[key] for r in results])) for key in keys}
    minimum = {key: float(np.min([r[key] for r in results])) for key in keys}
    print(summary_line(mean, minimum, len(results), models))
    print(f"benchmark time: {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"datasets": results, "mean": {"datasets": len(results), **mean},
                                         "min": {"datasets": len(results), **minimum}}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))  # FacemoodError / OSError -> one line, exit 2
