#!/usr/bin/env python3
"""How fast facemood is on a 640x480 video: medians over repeats, with min and max.

    python bench/speed.py [--source VIDEO] [--repeats N] [--json OUT]

What it measures (each repeat is a fresh pass over the whole video; per-frame numbers are the median
frame of that pass, the first 5 frames left out as warm-up; the table shows the median over repeats
and the min-max of the repeats):

  1. landmarks per frame: MediaPipe's face landmarker alone and hand landmarker alone (called directly,
     VIDEO mode, options as facemood.landmarks builds them), and both as facemood runs them
     (LandmarkDetector.detect: face on this thread, hands on a worker thread, concurrently);
  2. building the feature row (rows.make_row, blendshapes layout) from those landmarks;
  3. one prediction of one row by facemood's numpy model (MoodModel.predict_proba) beside Keras
     `model.predict(row)` and a direct `model(row, training=False)` on the same trained model;
  4. `infer.py --no-window` end to end (a subprocess with a trained model in a temporary --home, so the
     hand model runs too): frames per second from its own stderr summary;
  5. the time from launching `infer.py --no-window` to its first mood line on stdout;
  6. its peak memory: the largest VmHWM (peak resident memory) /proc reports for it while it runs;
  and whether the inference path imports TensorFlow (a subprocess runs it, then looks in sys.modules);
  7. training on the tansin9 recording (../shared/datasets/tansin9 beside the repo, or --tansin): the
     training.train call, and train.py as a whole including TensorFlow's import.

The model of 3-6 is facemood's own, trained on tansin9 when present, else on rows collect.py records
from two astronaut videos (two head tilts). Without --source, a 240-frame video is made from skimage's
astronaut (a real face, swaying gently) in a temporary folder. --legacy-python PY (a Python with
mediapipe 0.10.21) also times the classic tutorial's Holistic on the same frames.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

# Make `python bench/speed.py` work from a checkout: the repo root holds facemood/ and tests/media.py.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.targets import judge, row_texts
from facemood.cli.common import run
from facemood.errors import FacemoodError

TANSIN = ROOT.parent / "shared" / "datasets" / "tansin9"
WARM_UP = 5  # frames left out of per-frame medians: detection, allocation and tracing happen there
# key: (what, unit, target, "max" if the number must stay at or below the target else "min")
ROWS: list[tuple[str, str, str, float | None, str]] = [
    ("face_ms", "landmarks: face landmarker alone", "ms", None, ""),
    ("hands_ms", "landmarks: hand landmarker alone", "ms", None, ""),
    ("both_ms", "landmarks: face + hands (LandmarkDetector)", "ms", 20.0, "max"),
    ("holistic_ms", "landmarks: classic Holistic (mp 0.10.21)", "ms", None, ""),
    ("row_ms", "feature row (make_row)", "ms", None, ""),
    ("predict_product_ms", "one prediction: facemood MoodModel", "ms", 0.2, "max"),
    ("predict_call_ms", "one prediction: keras model(x)", "ms", None, ""),
    ("predict_keras_ms", "one prediction: keras model.predict", "ms", None, ""),
    ("infer_fps", "infer.py --no-window end to end", "fps", 30.0, "min"),
    ("first_mood_s", "infer.py: launch to first mood", "s", 3.0, "max"),
    ("infer_peak_mb", "infer.py: peak memory (VmHWM)", "MB", 500.0, "max"),
    ("train_call_s", "training.train, tansin9 5 x 501 rows", "s", 5.0, "max"),
    ("train_py_s", "train.py wall, with TensorFlow import", "s", None, ""),
]
LEGACY_HOLISTIC = r"""
import sys, time, json, cv2, numpy as np, mediapipe as mp
cap = cv2.VideoCapture(sys.argv[1]); frames = []
while True:
    ok, f = cap.read()
    if not ok: break
    frames.append(cv2.cvtColor(cv2.flip(f, 1), cv2.COLOR_BGR2RGB))
times = []
for _ in range(int(sys.argv[2])):
    with mp.solutions.holistic.Holistic() as holistic:
        per = []
        for rgb in frames:
            t = time.perf_counter(); holistic.process(rgb); per.append(time.perf_counter() - t)
    times.append(float(np.median(per[5:])) * 1000)
print(json.dumps(times))
"""
Samples = dict[str, list[float]]


def frame_median_ms(seconds: list[float]) -> float:
    return float(np.median(seconds[WARM_UP:] if len(seconds) > 2 * WARM_UP else seconds)) * 1000


# --- 1, 2: landmarks and rows ----------------------------------------------------------------------

def read_frames(video: Path) -> list[tuple[np.ndarray, int]]:
    """(mirrored RGB frame, timestamp ms) for every frame, as infer.py reads them."""
    from facemood.landmarks import mirrored_rgb
    from facemood.sources import open_source

    with open_source(video) as source:
        return [(mirrored_rgb(frame.image), frame.timestamp_ms) for frame in source]


def time_one_landmarker(kind: str, frames: list[tuple[np.ndarray, int]]) -> float:
    """Median ms per frame of MediaPipe's face or hand landmarker alone, options as facemood's."""
    from facemood.landmarks import DEFAULT_FACE_MODEL, DEFAULT_HAND_MODEL, import_mediapipe
    from facemood.quiet import muffled_native_logs

    mp = import_mediapipe()
    from mediapipe.tasks.python import BaseOptions, vision

    mode = vision.RunningMode.VIDEO
    if kind == "face":
        factory = vision.FaceLandmarker
        options = vision.FaceLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(DEFAULT_FACE_MODEL)),
                                               running_mode=mode, num_faces=1, output_face_blendshapes=True)
    else:
        factory = vision.HandLandmarker
        options = vision.HandLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(DEFAULT_HAND_MODEL)),
                                               running_mode=mode, num_hands=2)
    images = [(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)), ms) for rgb, ms in frames]
    with muffled_native_logs():  # MediaPipe's start-up lines; replayed if anything fails
        landmarker = factory.create_from_options(options)
    per = []
    with landmarker, muffled_native_logs():  # and its warnings on the first frames
        for image, ms in images:
            started = time.perf_counter()
            landmarker.detect_for_video(image, ms)
            per.append(time.perf_counter() - started)
    return frame_median_ms(per)


def time_detector(frames: list[tuple[np.ndarray, int]]) -> tuple[float, float, int]:
    """(median ms per frame of LandmarkDetector.detect, median ms of make_row, frames with a face)."""
    from facemood.landmarks import LandmarkDetector
    from facemood.rows import BLENDSHAPES, make_row

    found, per = [], []
    with LandmarkDetector(video=True) as detector:
        for rgb, ms in frames:
            started = time.perf_counter()
            found.append(detector.detect(rgb, ms))
            per.append(time.perf_counter() - started)
    faces = [lm for lm in found if lm.has_face]
    rows = []
    for landmarks in faces:
        started = time.perf_counter()
        make_row(landmarks, BLENDSHAPES)
        rows.append(time.perf_counter() - started)
    return frame_median_ms(per), (float(np.median(rows)) * 1000 if rows else float("nan")), len(faces)


def time_landmarks(frames: list[tuple[np.ndarray, int]], repeats: int, samples: Samples) -> int:
    faces = 0
    for _ in range(repeats):
        samples["face_ms"].append(time_one_landmarker("face", frames))
        samples["hands_ms"].append(time_one_landmarker("hands", frames))
        both, row, faces = time_detector(frames)
        samples["both_ms"].append(both)
        samples["row_ms"].append(row)
    return faces


# --- 3, 7: the trained model -------------------------------------------------------------------------

def record_astronaut(home: Path) -> list[Path]:
    """Rows of two astronaut head tilts, recorded by collect.py into home/data (no tansin9 at hand)."""
    from tests.media import astronaut_video, frowning_astronaut_bgr

    for emotion, angle, phase, picture in (("smiling", 0, 0.0, None), ("frowning", 25, 1.0, frowning_astronaut_bgr())):
        clip = astronaut_video(home / f"{emotion}.mp4", count=150, angle=angle, phase=phase, picture=picture)
        run_checked([sys.executable, str(ROOT / "collect.py"), emotion, "--source", str(clip), "--home", str(home),
                     "--no-preview", "--frames", "150"])
    return [home / "data"]


def train_into(home: Path, folders: list[Path], repeats: int, samples: Samples):
    """Train facemood's model as train.py does (`repeats` times, timing each call) and save it to home."""
    from dataclasses import asdict

    from facemood import training
    from facemood.dataset import load_dataset
    from facemood.model_store import save_model
    from facemood.profile import resolve_profile

    dataset = load_dataset(folders)
    trained = None
    for _ in range(repeats):
        started = time.perf_counter()
        trained = training.train(dataset, training.TrainConfig(refit=True, seed=0))
        samples["train_call_s"].append(time.perf_counter() - started)
    save_model(resolve_profile(None, home), trained.model, asdict(trained.report))
    return trained, dataset.recordings[0].rows[-1:].astype(np.float32)


def time_predictions(trained, row: np.ndarray, repeats: int, samples: Samples) -> None:
    """ms per one-row prediction; each repeat times a batch of calls after a warm-up call. Keras runs the
    same head (its dense layers, same weights) on the already normalised row, for comparison."""
    model = keras_twin(trained.model)
    features = trained.model.features(row)
    calls = (("predict_product_ms", lambda: trained.model.predict_proba(row), 2000),
             ("predict_call_ms", lambda: model(features, training=False), 200),
             ("predict_keras_ms", lambda: model.predict(features, verbose=0), 30))
    for key, call, count in calls:
        call()  # Keras traces its function on the first call
        for _ in range(repeats):
            started = time.perf_counter()
            for _ in range(count):
                call()
            samples[key].append((time.perf_counter() - started) / count * 1000)


def keras_twin(model):
    """A Keras model of `model`'s first head on standardised features, with the same weights."""
    import keras

    head = model.heads[0]
    inputs = keras.Input(shape=(head.kernels[0].shape[0],))
    x = inputs
    for i, (kernel, bias) in enumerate(zip(head.kernels, head.biases)):
        last = i == len(head.kernels) - 1
        layer = keras.layers.Dense(kernel.shape[1], activation="softmax" if last else "relu")
        x = layer(x)
        layer.set_weights([kernel, bias])
    return keras.Model(inputs, x)


def time_train_py(folder: Path, repeats: int, samples: Samples) -> None:
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as home:
            started = time.monotonic()
            run_checked([sys.executable, str(ROOT / "train.py"), "--home", home, "--data", str(folder)])
            samples["train_py_s"].append(time.monotonic() - started)


# --- 4, 5, 6: infer.py -------------------------------------------------------------------------------

SUMMARY = re.compile(r"(\d+) frames in ([\d.]+) s \(([\d.]+) frames/s\)")


def run_infer(video: Path, home: Path, samples: Samples) -> None:
    """One `infer.py --no-window` run: launch to first mood, frames/s (its own summary), peak memory."""
    command = [sys.executable, str(ROOT / "infer.py"), "--no-window", "--source", str(video), "--home", str(home)]
    with tempfile.TemporaryFile("w+") as errors:
        started = time.monotonic()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        peak = PeakMemory(proc.pid)
        first = last = None
        moods = 0
        for line in proc.stdout:
            if not line.startswith("#"):
                last = time.monotonic()
                first = first or last
                moods += 1
        proc.wait()
        peak.stop()
        errors.seek(0)
        stderr = errors.read()
    if proc.returncode != 0 or first is None:
        raise FacemoodError(f"infer.py failed (exit {proc.returncode}): {stderr.strip()[-300:]}")
    summary = SUMMARY.search(stderr)
    steady = (moods - 1) / (last - first) if moods > 1 and last > first else float("nan")
    samples["infer_fps"].append(float(summary.group(3)) if summary else steady)
    samples["infer_fps_steady"].append(steady)
    samples["first_mood_s"].append(first - started)
    samples["infer_peak_mb"].append(peak.kib / 1024)


class PeakMemory:
    """Polls a process's VmHWM (its own peak resident memory since exec) until it exits.

    Not the rusage from os.wait4: Linux counts into a child's ru_maxrss the memory it had before exec,
    a copy of this (large, TensorFlow-holding) benchmark process.
    """

    def __init__(self, pid: int, every_s: float = 0.005):
        self.path, self.every_s, self.kib = Path(f"/proc/{pid}/status"), every_s, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._done.is_set():
            try:
                text = self.path.read_text()
            except OSError:  # gone
                return
            found = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
            if found is None:  # a zombie: its memory is already released
                return
            self.kib = max(self.kib, int(found.group(1)))
            time.sleep(self.every_s)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def inference_imports_tensorflow(video: Path, home: Path) -> bool:
    """Run the --no-window inference path in a fresh interpreter, then look for TensorFlow in sys.modules."""
    code = ("import sys\nfrom facemood.cli.infer import main\n"
            f"main(['--no-window', '--source', {str(video)!r}, '--home', {str(home)!r}, '--every', '1'])\n"
            "print('TENSORFLOW', 'tensorflow' in sys.modules)")
    out = run_checked([sys.executable, "-c", code])
    return "TENSORFLOW True" in out or "TENSORFLOW False" not in out


def legacy_holistic(python: str, video: Path, repeats: int, samples: Samples) -> None:
    out = run_checked([python, "-c", LEGACY_HOLISTIC, str(video), str(repeats)])
    samples["holistic_ms"] += json.loads(out.strip().splitlines()[-1])


def run_checked(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        name = Path(command[1]).name if command[1] != "-c" else "a subprocess"
        raise FacemoodError(f"{name} failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return done.stdout


# --- report ------------------------------------------------------------------------------------------

def summarise(samples: Samples) -> dict[str, dict]:
    out = {}
    for key, what, unit, target, kind in ROWS:
        values = samples.get(key) or []
        if not values:
            continue
        out[key] = judge(what, unit, values, target, kind)
    return out


def print_table(numbers: dict[str, dict], extra: dict) -> None:
    print(f"{'what':<44} {'median':>9} {'min-max':>19}  {'target':<10} ok?")
    for r in numbers.values():
        low_high, target, verdict = row_texts(r, fmt)
        print(f"{r['what']:<44} {fmt(r['median']):>9} {r['unit']:<4}{low_high:>15}  {target:<10} {verdict}")
    verdict = "ok" if not extra["infer_imports_tensorflow"] else "MISSED"
    print(f"{'infer.py imports TensorFlow':<44} {'yes' if extra['infer_imports_tensorflow'] else 'no':>9}"
          f"{'':<21}  {'no':<10} {verdict}")
    for line in extra["notes"]:
        print(f"  {line}")


def fmt(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def ratio_notes(numbers: dict[str, dict], extra: dict) -> list[str]:
    notes = []
    product = numbers["predict_product_ms"]["median"]
    notes.append(f"one prediction: keras model(x) is {numbers['predict_call_ms']['median'] / product:.0f}x and "
                 f"model.predict {numbers['predict_keras_ms']['median'] / product:.0f}x facemood's numpy model")
    if "holistic_ms" in numbers:
        notes.append(f"landmarks: facemood is {numbers['holistic_ms']['median'] / numbers['both_ms']['median']:.1f}x "
                     "faster than the classic Holistic")
    notes.append(f"infer.py steady rate between its first and last mood line: {extra['infer_fps_steady']:.1f} fps "
                 "(the table's fps is infer.py's own summary, landmarker start included)")
    notes.append(f"model for predictions and infer.py: {extra['model']}; video: {extra['video']}, "
                 f"{extra['faces']}/{extra['frames']} frames with a face")
    if "train_call_s" not in numbers:
        notes.append("training on tansin9: skipped (folder not found; pass --tansin DIR)")
    return notes


# --- main --------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench/speed.py", description=__doc__.split("\n\n")[0],
                                     epilog="example: python bench/speed.py --repeats 5 --json speed.json")
    parser.add_argument("--source", type=Path, metavar="VIDEO",
                        help="a 640x480 video with a face (default: one made from skimage's astronaut)")
    parser.add_argument("--repeats", type=int, default=5, metavar="N", help="repeats per measurement (default 5)")
    parser.add_argument("--tansin", type=Path, default=TANSIN,
                        help=f"the tansin9 recording, for the training times (default: {TANSIN}, if present)")
    parser.add_argument("--legacy-python", metavar="PY",
                        help="a Python with mediapipe==0.10.21, to time the classic Holistic as a baseline")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every number to OUT as JSON")
    return parser


def measure(args, tmp: Path) -> tuple[Samples, dict]:
    samples: Samples = {key: [] for key, *_ in ROWS}
    samples["infer_fps_steady"] = []
    video = args.source
    if video is None:
        from tests.media import astronaut_video

        video = astronaut_video(tmp / "astronaut.mp4", count=240)
    frames = read_frames(video)
    height, width = frames[0][0].shape[:2]
    if (width, height) != (640, 480):
        print(f"note: {video} is {width}x{height}, not 640x480", file=sys.stderr)
    faces = time_landmarks(frames, args.repeats, samples)
    if args.legacy_python:
        legacy_holistic(args.legacy_python, video, args.repeats, samples)

    home = tmp / "home"
    home.mkdir()
    tansin = args.tansin if args.tansin and args.tansin.is_dir() else None
    folders = [tansin] if tansin else record_astronaut(home)
    import facemood.training  # noqa: F401  (TensorFlow's import stays out of the training call's time)

    trained, row = train_into(home, folders, args.repeats if tansin else 1, samples)
    if not tansin:
        samples["train_call_s"].clear()  # not the tansin9 number the target is about
    time_predictions(trained, row, args.repeats, samples)
    for _ in range(args.repeats):
        run_infer(video, home, samples)
    if tansin:
        time_train_py(tansin, args.repeats, samples)
    extra = {"video": str(video) if args.source else f"astronaut, {len(frames)} frames {width}x{height}",
             "frames": len(frames), "faces": faces, "repeats": args.repeats, "cores": os.cpu_count(),
             "model": f"trained on {tansin}" if tansin else "trained on two astronaut tilts (collect.py)",
             "infer_fps_steady": float(np.median(samples.pop("infer_fps_steady"))),
             "infer_imports_tensorflow": inference_imports_tensorflow(video, home)}
    return samples, extra


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.repeats < 1:
        raise FacemoodError("--repeats must be 1 or more")
    if args.json and not args.json.parent.is_dir():
        raise FacemoodError(f"--json {args.json}: no folder {args.json.parent} to write it in")
    if args.source is not None and not args.source.is_file():
        raise FacemoodError(f"--source {args.source}: no such video file")
    with tempfile.TemporaryDirectory() as tmp:
        samples, extra = measure(args, Path(tmp))
    numbers = summarise(samples)
    extra["notes"] = ratio_notes(numbers, extra)
    print(f"facemood speed: {extra['video']}; {extra['cores']} cores, no GPU; median of {args.repeats} repeats")
    print_table(numbers, extra)
    if args.json:
        args.json.write_text(json.dumps({"numbers": numbers, "samples": samples, **extra}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))  # FacemoodError / OSError -> one line, exit 2

