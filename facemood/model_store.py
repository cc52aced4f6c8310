"""A profile's trained model on disk, saved and loaded as one unit.

A model is three files: models/mood_model.npz (the numpy weights inference runs), models/mood_model.json
(the training report, for people and the window) and labels.npy (the emotion names, as the classic
scripts kept them; for the default profile it sits at the top of the home, where the user expects it).
Each carries the same model id, so a mix of two trainings is never taken for a model.

Saving must leave either the old model or the new one whole, whatever stops it (Ctrl-C, a kill, a power
cut). Three renames cannot be one atomic step, so the save keeps a small journal, as databases do:
  1. write every new file under a hidden temporary name beside its final one, and flush it to disk;
  2. write the journal (models/.mood_model.commit), atomically: from here on the new model is the model;
  3. rename the temporary files over the final ones, then delete the journal.
Whoever next touches the model (load or save) finishes a journal it finds (step 3 again: renames are
idempotent) and deletes temporary files no journal names (a save that died before step 2).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from .dataset import atomic_write, fsync_folder
from .errors import FacemoodError
from .model import MoodModel, read_npz
from .profile import Profile
from .resources import tool_hint

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
JOURNAL_NAME = ".mood_model.commit"
_TEMP_SUFFIX = ".new"
#: Left behind by earlier versions of facemood when a save was killed; removed like our own leftovers.
_OLD_LEFTOVERS = (".mood_model.tmp.keras", ".mood_model.npz.*.tmp", ".mood_model.json.*.tmp", ".labels.npy.*.tmp")


def model_paths(profile: Profile) -> list[Path]:
    """The files that make up a profile's model, the report last."""
    return [profile.weights_path, profile.labels_path, profile.meta_path]


def _retrain_hint(profile: Profile) -> str:
    return f"run `{tool_hint('train')}{profile.user_flag}` again"


def has_model(profile: Profile) -> bool:
    """Whether the profile has (part of) a trained model. labels.npy alone does not count: the classic
    tutorial scripts leave one beside their own model.h5."""
    recover(profile)
    return profile.weights_path.exists() or profile.meta_path.exists()


# --- saving -------------------------------------------------------------------------------------------


def _temp_path(final: Path, model_id: str) -> Path:
    return final.with_name(f".{final.name}.{model_id}{_TEMP_SUFFIX}")


def _write_synced(path: Path, write: Callable) -> None:
    with open(path, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, so a save is never cut short from inside Python
    (a SIGKILL still can be: the journal covers that). Only the main thread can hold signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, lambda number, frame: held.append(number))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if held:
            signal.raise_signal(held[0])


def save_model(profile: Profile, model: MoodModel, report: dict) -> str:
    """Save `model` with its training `report` as the profile's model, atomically as a whole.

    Returns the new model id. Refuses a model or report with values that are not finite.
    """
    model.check_finite()
    accuracy = report.get("heldout_accuracy")
    if accuracy is not None and not np.isfinite(accuracy):
        raise FacemoodError(f"training gave a held-out accuracy of {accuracy}: the model was not saved; check the "
                            "recordings for broken rows")
    model_id = uuid.uuid4().hex
    meta = {**report, "format": FORMAT_VERSION, "model_id": model_id, "layout": model.layout.id,
            "emotions": model.emotions}
    meta_text = json.dumps(meta, indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")
    _commit(profile, {
        profile.weights_path: lambda handle: model.save(handle, model_id),
        profile.labels_path: lambda handle: np.save(handle, np.array(model.emotions), allow_pickle=False),
        profile.meta_path: lambda handle: handle.write(meta_text),
    })
    return model_id


def install_model(profile: Profile, files: dict[Path, Path]) -> None:
    """Put checked model files (final path -> a file to copy) in place as the profile's model, atomically as
    a whole (profile import uses it). All of model_paths() must be given."""
    if set(files) != set(model_paths(profile)):
        raise ValueError("install_model needs exactly the files of model_paths()")

    def copier(source: Path):
        def copy(handle) -> None:
            with open(source, "rb") as original:
                shutil.copyfileobj(original, handle)
        return copy

    _commit(profile, {final: copier(source) for final, source in files.items()})


def _commit(profile: Profile, writers: dict[Path, Callable]) -> None:
    """Write every file under a temporary name, commit the journal, move them into place (see above)."""
    model_id = uuid.uuid4().hex
    with _signals_deferred():
        for folder in {path.parent for path in writers}:
            folder.mkdir(parents=True, exist_ok=True)
        recover(profile)
        moves = []
        try:
            for final, write in writers.items():
                temp = _temp_path(final, model_id)
                moves.append((temp, final))
                _write_synced(temp, write)
            for folder in {final.parent for _, final in moves}:
                fsync_folder(folder)
            journal = {"model_id": model_id,
                       "moves": [[os.path.relpath(t, profile.models_dir), os.path.relpath(f, profile.models_dir)]
                                 for t, f in moves]}
            text = json.dumps(journal).encode("utf-8")
            atomic_write(_journal_path(profile), lambda handle: handle.write(text))
        except BaseException:
            for temp, _ in moves:
                with contextlib.suppress(OSError):
                    temp.unlink()
            raise
        _finish(profile, journal)
        # An earlier facemood saved a Keras copy too; it would now describe another model.
        with contextlib.suppress(OSError):
            profile.keras_path.unlink()


# --- recovery -----------------------------------------------------------------------------------------


def _journal_path(profile: Profile) -> Path:
    return profile.models_dir / JOURNAL_NAME


def _finish(profile: Profile, journal: dict) -> None:
    """Step 3: move the committed files into place (again, if a kill interrupted it), drop the journal."""
    for temp_name, final_name in journal["moves"]:
        temp, final = profile.models_dir / temp_name, profile.models_dir / final_name
        if temp.exists():
            os.replace(temp, final)
    for folder in {(profile.models_dir / final).parent for _, final in journal["moves"]}:
        fsync_folder(folder)
    _journal_path(profile).unlink(missing_ok=True)
    fsync_folder(profile.models_dir)


def _leftovers(profile: Profile) -> list[Path]:
    found: list[Path] = []
    for final in model_paths(profile):
        if final.parent.is_dir():
            found += final.parent.glob(f".{final.name}.*{_TEMP_SUFFIX}")
    if profile.models_dir.is_dir():
        found += profile.models_dir.glob(f".{JOURNAL_NAME}.*.tmp")  # atomic_write's, killed mid-journal
        for pattern in _OLD_LEFTOVERS:
            found += profile.models_dir.glob(pattern)
    return found


def recover(profile: Profile) -> None:
    """Finish a save that was committed but cut short, and delete what an uncommitted one left."""
    journal_path = _journal_path(profile)
    try:
        if journal_path.exists():
            try:
                journal = json.loads(journal_path.read_text("utf-8"))
                moves = journal["moves"]
                if not all(isinstance(m, list) and len(m) == 2 and all(isinstance(p, str) for p in m) for m in moves):
                    raise ValueError("bad moves")
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                # atomic_write never leaves half a journal, so this one was not ours to trust: drop it and
                # keep the model that is in place.
                log.warning("ignoring the damaged save journal %s", journal_path)
                journal_path.unlink()
            else:
                log.info("finishing the model save that was interrupted in %s", profile.models_dir)
                _finish(profile, journal)
        for leftover in _leftovers(profile):
            log.debug("removing %s, left by an interrupted save", leftover)
            leftover.unlink(missing_ok=True)
    except OSError as exc:
        raise FacemoodError(f"cannot finish the model save interrupted earlier in {profile.models_dir} "
                            f"({exc.strerror or exc}): make the folder writable, or {_retrain_hint(profile)}") from None


# --- loading ------------------------------------------------------------------------------------------


def read_report(profile: Profile) -> dict:
    """models/mood_model.json: the training report and the model's id, layout and emotions."""
    path = profile.meta_path
    try:
        meta = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        others = [p.name for p in (profile.weights_path, profile.labels_path) if p.exists()]
        found = f" although {' and '.join(others)} {'are' if len(others) > 1 else 'is'} there" if others else ""
        raise FacemoodError(f"{path} is missing{found}: the model is incomplete; {_retrain_hint(profile)}") from None
    except (OSError, ValueError) as exc:
        raise FacemoodError(f"{path} is damaged ({_short(exc)}): {_retrain_hint(profile)}") from None
    if not isinstance(meta, dict):
        raise FacemoodError(f"{path} is damaged (not a JSON object): {_retrain_hint(profile)}")
    emotions = meta.get("emotions")
    if not isinstance(emotions, list) or not all(isinstance(e, str) for e in emotions):
        raise FacemoodError(f"{path} is damaged (no list of emotions): {_retrain_hint(profile)}")
    return meta


def _read_labels(profile: Profile) -> list[str]:
    path = profile.labels_path
    try:
        labels = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise FacemoodError(f"{path} is missing: the model in {profile.models_dir} is incomplete; "
                            f"{_retrain_hint(profile)}") from None
    except Exception as exc:  # truncated, not numpy, pickled: all mean the same to the user
        raise FacemoodError(f"{path} is damaged ({_short(exc)}): {_retrain_hint(profile)}") from None
    if not isinstance(labels, np.ndarray) or labels.dtype.kind != "U":
        raise FacemoodError(f"{path} does not hold emotion names: {_retrain_hint(profile)}")
    return [str(label) for label in labels.ravel()]


def load_model(profile: Profile) -> MoodModel:
    """The profile's model, after checking that its three files belong together and are intact."""
    recover(profile)
    meta = read_report(profile)
    try:
        model, saved_id = read_npz(profile.weights_path, meta)
    except FileNotFoundError:
        raise FacemoodError(f"{profile.weights_path} is missing: the model is incomplete; "
                            f"{_retrain_hint(profile)}") from None
    except FacemoodError as exc:
        raise FacemoodError(f"{profile.weights_path} {exc}: {_retrain_hint(profile)}") from None
    labels = _read_labels(profile)
    if saved_id != meta.get("model_id") or model.emotions != meta["emotions"]:
        raise FacemoodError(f"{profile.weights_path} and {profile.meta_path} come from different trainings: "
                            f"{_retrain_hint(profile)}")
    if labels != model.emotions:
        raise FacemoodError(f"{profile.labels_path} lists {labels} but the model in {profile.models_dir} was trained "
                            f"on {model.emotions}: {_retrain_hint(profile)} to bring them back in step")
    return model


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__
