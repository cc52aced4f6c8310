"""The trained mood model as one TensorFlow Lite file, for use outside facemood (a phone app, an embedded
board, another program).

The .tflite file reads RAW rows, exactly as rows.py makes them and data/<emotion>.npy keeps them, and
repeats every step model.py takes, as TensorFlow Lite builtin ops (no Flex/select TensorFlow ops):

    row float32 [N, width] -> geometry (face level and unit size, each hand turned and unit size)
        -> standardise -> each head (dense, ReLU, ..., softmax) -> average -> "probabilities" [N, emotions]

Its signature is "serving_default" with input "row" and output "probabilities". The emotion names, in
the order of the probabilities, travel two ways: inside the file, as model metadata named "labels" (UTF-8,
one name a line; "facemood" holds the layout, geometry and model id as JSON), and beside it, in
NAME.labels.txt (the same lines), for tools that only read plain files.

Nothing is written that was not first run with TensorFlow Lite's interpreter and found to agree with the
numpy model on real rows of the profile (and on tilted and handless versions of them).

This module imports TensorFlow; only `facemood export-model` loads it.
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .dataset import atomic_write, read_rows, recording_files
from .errors import FacemoodError
from .geometry import LEFT_EYE_CORNERS, MIDDLE_FINGER_BASE, MIN_SIZE, RIGHT_EYE_CORNERS, WRIST, tilt
from .model import Head, MoodModel
from .model_store import has_model, load_model
from .profile import Profile
from .quiet import muffled_native_logs
from .resources import tool_hint
from .rows import FACE_COLUMNS, HAND_COLUMNS, Layout

with muffled_native_logs():  # TensorFlow's oneDNN/absl start-up lines; import errors are still shown
    import tensorflow as tf

log = logging.getLogger(__name__)

INPUT_NAME = "row"
OUTPUT_NAME = "probabilities"
SIGNATURE = "serving_default"
LABELS_METADATA = "labels"
FACEMOOD_METADATA = "facemood"
#: The largest difference in any probability the export accepts between TensorFlow Lite and numpy.
TOLERANCE = 1e-4
#: Rows of the profile's recordings the check runs on (spread evenly over every recording).
CHECK_ROWS = 400


# --- the model as a TensorFlow graph (each function repeats its namesake in geometry.py / model.py) ------


def as_points(block: tf.Tensor, points: int) -> tf.Tensor:
    return tf.reshape(block, [-1, points, 2])


def rotate(points: tf.Tensor, radians: tf.Tensor) -> tf.Tensor:
    cos, sin = tf.cos(radians)[:, None], tf.sin(radians)[:, None]
    x, y = points[..., 0], points[..., 1]
    return tf.stack([cos * x - sin * y, sin * x + cos * y], axis=-1)


def direction(points: tf.Tensor, start: tuple[int, ...], end: tuple[int, ...]) -> tf.Tensor:
    line = (tf.reduce_mean(tf.gather(points, list(end), axis=1), axis=1)
            - tf.reduce_mean(tf.gather(points, list(start), axis=1), axis=1))
    return tf.atan2(line[:, 1], line[:, 0])


def unit_size(points: tf.Tensor) -> tf.Tensor:
    size = tf.sqrt(tf.reduce_mean(tf.reduce_sum(points * points, axis=-1), axis=1))
    return points / tf.maximum(size, MIN_SIZE)[:, None, None]


def normalise(rows: tf.Tensor, layout: Layout, geometry: str) -> tf.Tensor:
    """geometry.normalise on a float32 [N, width] tensor."""
    upright = geometry == "upright"
    face = as_points(rows[:, layout.face], FACE_COLUMNS // 2)
    if upright:
        face = rotate(face, -direction(face, RIGHT_EYE_CORNERS, LEFT_EYE_CORNERS))
    blocks = [tf.reshape(unit_size(face), [-1, FACE_COLUMNS])]
    for hand in (layout.left_hand, layout.right_hand):
        points = as_points(rows[:, hand], HAND_COLUMNS // 2)
        if upright:  # a missing hand is all zeros: atan2(0, 0) is 0 and it stays zeros
            points = rotate(points, -direction(points, (WRIST,), (MIDDLE_FINGER_BASE,)))
        blocks.append(tf.reshape(unit_size(points), [-1, HAND_COLUMNS]))
    if layout.blendshapes is not None:
        blocks.append(rows[:, layout.blendshapes])  # already pose-free: they pass through
    return tf.concat(blocks, axis=1)


def head_forward(features: tf.Tensor, head: Head) -> tf.Tensor:
    """model.dense_forward: dense layers with ReLU between them and softmax at the end."""
    x = features
    last = len(head.kernels) - 1
    for i, (kernel, bias) in enumerate(zip(head.kernels, head.biases)):
        x = tf.matmul(x, tf.constant(kernel)) + tf.constant(bias)
        if i < last:
            x = tf.nn.relu(x)
    return tf.nn.softmax(x)


def mood_function(model: MoodModel):
    """The whole model as a tf.function of raw rows (any number of them)."""
    signature = [tf.TensorSpec([None, model.layout.width], tf.float32, name=INPUT_NAME)]

    @tf.function(input_signature=signature)
    def probabilities(row):
        features = (normalise(row, model.layout, model.geometry) - tf.constant(model.mean)) / tf.constant(model.scale)
        heads = [head_forward(features, head) for head in model.heads]
        average = heads[0] if len(heads) == 1 else tf.add_n(heads) / float(len(heads))
        return {OUTPUT_NAME: average}

    return probabilities


def convert(model: MoodModel) -> bytes:
    """The model as .tflite bytes (float32, builtin ops only), without facemood's metadata."""
    function = mood_function(model)
    holder = tf.Module()
    holder.probabilities = function  # a trackable owner gives the file its signature
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()], holder)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with muffled_native_logs():  # the converter's MLIR pass chatter
        return converter.convert()


# --- metadata -----------------------------------------------------------------------------------------


def with_metadata(content: bytes, entries: dict[str, bytes]) -> bytes:
    """`content` with each entry added to the model's metadata (name -> a buffer of bytes), as TensorFlow
    itself adds its conversion metadata; the interpreter ignores names it does not know."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.python import util

    model = util._convert_model_from_bytearray_to_object(bytearray(content))
    model.metadata = [m for m in (model.metadata or []) if m.name.decode("utf-8") not in entries]
    model.buffers = model.buffers or []
    for name, data in entries.items():
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(data, np.uint8)
        model.buffers.append(buffer)
        entry = schema.MetadataT()
        entry.name = name
        entry.buffer = len(model.buffers) - 1
        model.metadata.append(entry)
    return util._convert_model_from_object_to_bytearray(model)


def read_metadata(content: bytes) -> dict[str, bytes]:
    """Every metadata entry of a .tflite file: name -> its bytes."""
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.Model.GetRootAsModel(bytearray(content), 0)
    entries = {}
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        entries[entry.Name().decode("utf-8")] = model.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
    return entries


def read_labels(content: bytes) -> list[str]:
    """The emotion names embedded in an exported .tflite file, in the order of its probabilities."""
    data = read_metadata(content).get(LABELS_METADATA)
    if data is None:
        raise FacemoodError("the file has no labels in its metadata: it was not exported by facemood")
    return data.decode("utf-8").splitlines()


def labels_text(emotions: list[str]) -> bytes:
    return "".join(f"{emotion}\n" for emotion in emotions).encode("utf-8")


# --- running and checking -----------------------------------------------------------------------------


def run_tflite(content: bytes, rows: np.ndarray) -> np.ndarray:
    """Probabilities for `rows` from TensorFlow Lite's own interpreter."""
    # tf.lite.Interpreter announces its move to the ai_edge_litert package (a warning), and its XNNPACK
    # delegate its own start (on fd 2).
    with warnings.catch_warnings(), muffled_native_logs():
        warnings.simplefilter("ignore", UserWarning)
        runner = tf.lite.Interpreter(model_content=content).get_signature_runner(SIGNATURE)
        return runner(**{INPUT_NAME: np.asarray(rows, np.float32)})[OUTPUT_NAME]


def check_rows(profile: Profile, model: MoodModel) -> np.ndarray:
    """Rows to compare the two models on: up to CHECK_ROWS of the profile's own recordings, blends of
    them, the same rows tilted (the rotations the geometry undoes) and without hands, and an all-zero row. Without
    recordings, rows drawn around the model's mean features (which are rows of the same shape)."""
    recorded = []
    if profile.data_dir.is_dir():
        for path in recording_files(profile.data_dir)[0]:
            try:
                rows = read_rows(path)
            except FacemoodError as exc:  # a broken recording is train's business, not the export's
                log.debug("not checking on %s: %s", path, exc)
                continue
            if rows.shape[1] == model.layout.width:
                recorded.append(rows)
    if recorded:
        rows = np.concatenate(recorded)
        rows = rows[np.linspace(0, len(rows) - 1, min(CHECK_ROWS, len(rows))).astype(int)]
    else:
        generator = np.random.default_rng(0)
        rows = model.mean + generator.normal(size=(CHECK_ROWS, model.layout.width)) * model.scale
    # A recorded row is often so clearly one emotion that its probabilities are 0 and 1 in both models,
    # whatever else differs: blends of rows far apart in the recordings sit between emotions.
    weights = np.random.default_rng(0).uniform(0.2, 0.8, size=(len(rows), 1))
    blends = weights * rows + (1 - weights) * np.roll(rows, len(rows) // 2, axis=0)
    handless = rows.copy()
    handless[:, model.layout.left_hand] = 0.0
    handless[:, model.layout.right_hand] = 0.0
    return np.concatenate([rows, blends, tilt(rows, model.layout, 35.0), tilt(blends[::4], model.layout, -120.0),
                           handless, np.zeros((1, model.layout.width))])


def largest_difference(content: bytes, model: MoodModel, rows: np.ndarray) -> float:
    return float(np.abs(run_tflite(content, rows) - model.predict_proba(rows)).max())


# --- the export ---------------------------------------------------------------------------------------


def labels_path_for(target: Path) -> Path:
    """NAME.labels.txt beside NAME.tflite."""
    return target.with_name(f"{target.stem if target.suffix else target.name}.labels.txt")


@dataclass
class ExportedModel:
    path: Path
    labels_path: Path
    emotions: list[str]
    bytes: int
    rows_checked: int
    largest_difference: float
    seconds: float

    def describe(self) -> str:
        return (f"{self.path} ({self.bytes / 1e3:.0f} kB; emotions {', '.join(self.emotions)}) and its labels in "
                f"{self.labels_path}; TensorFlow Lite agrees with facemood's model on {self.rows_checked} rows "
                f"(largest difference {self.largest_difference:.1e})")


def _check_target(target: Path, overwrite: bool, profile: Profile) -> Path:
    if target.is_dir():
        raise FacemoodError(f"{target} is a folder: give a file name such as {target / (profile.name + '.tflite')}")
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise FacemoodError(f"cannot write {target}: {folder} is a file, not a folder")
    labels = labels_path_for(target)
    for path in (target, labels):
        if path.is_dir():
            raise FacemoodError(f"{path} is a folder: give another file name")
        if path.exists() and not overwrite:
            raise FacemoodError(f"{path} already exists: choose another file name, or add --force to overwrite it")
    return labels


def export_tflite(profile: Profile, target: Path, *, overwrite: bool = False) -> ExportedModel:
    """Write the profile's trained model to `target` (.tflite) and its labels beside it, each atomically,
    after checking the converted model against the numpy one (FacemoodError if they disagree)."""
    started = time.perf_counter()
    target = Path(target)
    labels_path = _check_target(target, overwrite, profile)
    if not has_model(profile):
        raise FacemoodError(f"profile {profile.name!r} has no trained model in {profile.models_dir}: run "
                            f"`{tool_hint('train')}{profile.user_flag}` "
                            "first (check --user and --home)")
    model = load_model(profile)
    model_id = model.meta.get("model_id")  # the report load_model read with it
    about = {"layout": model.layout.id, "width": model.layout.width, "geometry": model.geometry,
             "model_id": model_id, "labels": model.emotions, "input": INPUT_NAME, "output": OUTPUT_NAME}
    content = with_metadata(convert(model), {LABELS_METADATA: labels_text(model.emotions),
                                             FACEMOOD_METADATA: json.dumps(about, ensure_ascii=False).encode()})
    rows = check_rows(profile, model)
    difference = largest_difference(content, model, rows)
    if not difference <= TOLERANCE:  # NaN fails too
        raise FacemoodError(f"the TensorFlow Lite model differs from facemood's by up to {difference:.2g} (more "
                            f"than {TOLERANCE:g}) on the profile's rows, so {target} was not written; please report "
                            "this")
    if read_labels(content) != model.emotions:
        raise FacemoodError(f"the labels embedded in the TensorFlow Lite model do not read back, so {target} was "
                            "not written; please report this")
    # The labels first: the .tflite carries its own copy, so a stop between the two leaves it whole.
    for path, data in ((labels_path, labels_text(model.emotions)), (target, content)):
        try:
            atomic_write(path, lambda handle: handle.write(data))
        except OSError as exc:
            raise FacemoodError(f"cannot write {path} ({exc.strerror or exc}): choose a folder you can write "
                                "to") from None
    return ExportedModel(target, labels_path, model.emotions, len(content), len(rows), difference,
                         time.perf_counter() - started)
