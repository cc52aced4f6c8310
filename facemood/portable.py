"""A profile in one zip file: export it here, import it on another machine.

The archive holds the profile's recordings (with their takes sidecars), its trained model and labels, its
settings and, when asked, its mood history, under fixed names that say nothing about the machine:

    facemood-profile.json          what is inside: format version, profile, sizes and SHA-256 of each file
    recordings/<emotion>.npy       recordings/<emotion>.takes.json
    model/mood_model.npz ...       the files of model_files(), labels.npy among them
    settings.json                  history.sqlite3 (only with --with-history)

Import trusts nothing in the file: every member must be one of those names (no absolute path, no '..',
no link), be as big as the manifest says and no bigger than a profile can be, and hold what its name
promises (plain numpy arrays of a known row layout, no pickles; a model that loads; JSON; SQLite). It is
extracted into a hidden folder beside the profile and only then moved into place, file by file, with the
model's metadata last, so a crash leaves the old profile or a usable mix, never a half-written file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .dataset import atomic_write, recording_files, take_from_json, takes_path
from .errors import FacemoodError
from .history import SCHEMA_VERSION
from .model_store import install_model, load_model, model_paths
from .names import clean_name
from .profile import DEFAULT_PROFILE, Profile
from .rows import layout_for_width

FORMAT = "facemood-profile"
FORMAT_VERSION = 1
MANIFEST = "facemood-profile.json"
RECORDINGS = "recordings"
MODEL = "model"
SETTINGS = "settings.json"
HISTORY = "history.sqlite3"

MAX_MEMBERS = 5000
MAX_TOTAL_BYTES = 8 << 30
MAX_RECORDING_BYTES = 2 << 30  # ~250 000 rows of float64 at 1072 columns: hours of recording
MAX_SMALL_FILE_BYTES = 16 << 20  # JSON files, labels
MAX_MODEL_FILE_BYTES = 512 << 20
MAX_HISTORY_BYTES = 2 << 30
#: Landmark numbers, JSON and SQLite compress a few times at most; hundreds of times means a zip bomb.
MAX_COMPRESSION_RATIO = 200
_CHUNK = 1 << 20
_ZIP_EPOCH = 315619200  # 1980-01-02: zip dates start in 1980, in local time
_SQLITE_HEADER = b"SQLite format 3\x00"
_NPY_MAGIC = b"\x93NUMPY"
_RECORDING_NAME = re.compile(rf"^{RECORDINGS}/([^/]+?)(\.takes\.json|\.npy)$")


# --- what a profile is made of ----------------------------------------------------------------------

def model_files(profile: Profile) -> dict[str, Path]:
    """The trained model's files by archive name, in the order they are put in place: the metadata last,
    because readers trust a model only when its metadata matches the rest. The one list of them."""
    return {f"{MODEL}/{path.name}": path for path in model_paths(profile)}


def _probe_profile(folder: Path) -> Profile:
    """A profile laid out as the archive is (recordings/, model/), to read extracted files with."""
    return Profile("import", folder / RECORDINGS, folder / MODEL, folder / MODEL / "labels.npy")


_PROBE = _probe_profile(Path())
MODEL_NAMES = list(model_files(_PROBE))
LABELS_NAME = f"{MODEL}/{_PROBE.labels_path.name}"
META_NAME = f"{MODEL}/{_PROBE.meta_path.name}"


def profile_files(profile: Profile, with_history: bool = True) -> dict[str, Path]:
    """The profile's existing files by archive name (other profiles' folders and the bundles are not its)."""
    files: dict[str, Path] = {}
    if profile.data_dir.is_dir():
        for path in recording_files(profile.data_dir)[0]:
            files[f"{RECORDINGS}/{path.name}"] = path
            takes = takes_path(path)
            if takes.is_file():
                files[f"{RECORDINGS}/{takes.name}"] = takes
    files.update({name: path for name, path in model_files(profile).items() if path.is_file()})
    if profile.settings_path.is_file():
        files[SETTINGS] = profile.settings_path
    if with_history and profile.history_path.is_file():
        files[HISTORY] = profile.history_path
    return files


def destination(profile: Profile, name: str) -> Path | None:
    """Where archive member `name` goes in `profile`; None for a name that is not part of a profile."""
    match = _RECORDING_NAME.match(name)
    if match:
        return profile.data_dir / f"{match.group(1)}{match.group(2)}"
    fixed = {**model_files(profile), SETTINGS: profile.settings_path, HISTORY: profile.history_path}
    return fixed.get(name)


@dataclass
class Summary:
    """What an archive holds, for the one line the commands print."""

    profile: str
    rows: dict[str, int] = field(default_factory=dict)  # emotion -> rows
    model_emotions: list[str] = field(default_factory=list)
    settings: bool = False
    history: bool = False

    def describe(self) -> str:
        parts = [f"{len(self.rows)} emotion{'s' if len(self.rows) != 1 else ''} "
                 f"({sum(self.rows.values())} rows)"]
        if self.model_emotions:
            parts.append(f"a trained model ({', '.join(self.model_emotions)})")
        if self.settings:
            parts.append("settings")
        if self.history:
            parts.append("mood history")
        return ", ".join(parts)


# --- export ---------------------------------------------------------------------------------------

def export_profile(profile: Profile, target: Path, *, with_history: bool = False, overwrite: bool = False) -> Summary:
    """Write `profile` to the zip file `target` (atomically), then check it imports; returns what it holds."""
    target = Path(target)
    if target.is_dir():
        raise FacemoodError(f"{target} is a folder: give a file name such as {target / (profile.name + '.zip')}")
    if target.exists() and not overwrite:
        raise FacemoodError(f"{target} already exists: choose another file name, or add --force to overwrite it")
    files = profile_files(profile, with_history)
    has_recordings = any(name.startswith(RECORDINGS + "/") for name in files)
    model = {name for name in model_files(profile) if name in files}
    if not has_recordings and not model:
        raise FacemoodError(f"profile {profile.name!r} has no recordings or model in {_common_folder(profile)}: "
                            "nothing to export (check --user and --home)")
    missing = set(model_files(profile)) - model
    if model and missing:
        raise FacemoodError(f"the model in {profile.models_dir} is incomplete ({', '.join(sorted(missing))} "
                            "missing): train again, then export")
    with tempfile.TemporaryDirectory(prefix=".facemood-export-", dir=_existing_parent(target)) as scratch:
        if HISTORY in files:  # the window may be writing to it: copy a consistent snapshot
            files[HISTORY] = _snapshot_history(files[HISTORY], Path(scratch) / HISTORY)
        manifest = {"format": FORMAT, "version": FORMAT_VERSION, "facemood": __version__, "profile": profile.name,
                    "exported": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": {}}
        atomic_write(target, lambda handle: _write_zip(handle, files, manifest))
    try:
        return verify_archive(target)
    except FacemoodError as exc:
        target.unlink(missing_ok=True)
        raise FacemoodError(f"the export did not pass its own check, so {target} was removed: {exc} "
                            "(if training or recording was running, export again)") from None


def _existing_parent(path: Path) -> Path:
    parent = path.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def _snapshot_history(source: Path, copy: Path) -> Path:
    try:
        with contextlib.closing(_open_read_only(source)) as src, contextlib.closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    except sqlite3.Error as exc:
        raise FacemoodError(f"cannot read the mood history {source} ({exc}): export without --with-history, or "
                            "move the file away") from None
    return copy


def _open_read_only(database: Path) -> sqlite3.Connection:
    return sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)


def _write_zip(handle, files: dict[str, Path], manifest: dict) -> None:
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, path in sorted(files.items()):
            info = zipfile.ZipInfo(name, time.localtime(max(path.stat().st_mtime, _ZIP_EPOCH))[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            digest, size = hashlib.sha256(), 0
            with path.open("rb") as source, archive.open(info, "w", force_zip64=True) as member:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    member.write(chunk)
            manifest["files"][name] = {"size": size, "sha256": digest.hexdigest()}
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))


# --- import ---------------------------------------------------------------------------------------

def read_profile_name(archive_path: Path) -> str:
    """The profile name the archive was exported from ('default' for the default profile)."""
    with _open_archive(archive_path) as archive:
        return _read_manifest(archive, archive_path)["profile"]


def import_profile(archive_path: Path, profile: Profile, *, replace: bool = False) -> Summary:
    """Check every member of the archive, then put its files into `profile`.

    An existing profile is refused unless `replace`; replacing removes the old recordings, model and
    settings that the archive does not bring back. A mood history the archive lacks is kept.
    """
    archive_path = Path(archive_path)
    existing = profile_files(profile)
    if existing and not replace:
        raise FacemoodError(f"profile {profile.name!r} already exists in {_common_folder(profile)} "
                            f"({len(existing)} files): add --replace to overwrite it, or --user NAME to import "
                            "it as another profile")
    home = _common_folder(profile)
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".facemood-import-", dir=home) as scratch:
        staged, summary = _extract_and_check(archive_path, Path(scratch))
        _move_into_place(staged, profile, existing)
    return summary


def verify_archive(archive_path: Path) -> Summary:
    """Run every check import runs, without touching any profile."""
    archive_path = Path(archive_path)
    with tempfile.TemporaryDirectory(prefix=".facemood-check-", dir=_existing_parent(archive_path)) as scratch:
        return _extract_and_check(archive_path, Path(scratch))[1]


def _common_folder(profile: Profile) -> Path:
    """The nearest folder holding all of the profile's folders (the facemood home): staging goes there, so
    moving into place is a rename on one file system."""
    return Path(os.path.commonpath([profile.data_dir, profile.models_dir, profile.labels_path.parent]))


@contextlib.contextmanager
def _open_archive(path: Path):
    if not path.is_file():
        raise FacemoodError(f"{path}: no such file: give the .zip that `facemood export` wrote")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise FacemoodError(f"{path} is not a zip file that `facemood export` wrote, or it is truncated ({exc}): "
                            "export it again") from None
    with archive:
        yield archive


def _extract_and_check(archive_path: Path, scratch: Path) -> tuple[dict[str, Path], Summary]:
    """Extract every member into `scratch` and check it; (archive name -> extracted file, summary)."""
    with _open_archive(archive_path) as archive:
        manifest = _read_manifest(archive, archive_path)
        members = _check_members(archive, manifest, archive_path)
        staged = {}
        for info in members:
            staged[info.filename] = _extract(archive, info, manifest["files"][info.filename], scratch, archive_path)
    summary = Summary(manifest["profile"])
    _check_contents(staged, scratch, summary, archive_path)
    return staged, summary


def _fail(archive_path: Path, what: str) -> FacemoodError:
    return FacemoodError(f"{archive_path}: {what}; nothing imported (use a file written by `facemood export`)")


def _read_manifest(archive: zipfile.ZipFile, archive_path: Path) -> dict:
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise _fail(archive_path, f"no {MANIFEST} inside, so it is not a facemood profile") from None
    if info.file_size > MAX_SMALL_FILE_BYTES:
        raise _fail(archive_path, f"{MANIFEST} is {info.file_size} bytes, far too big")
    try:
        manifest = json.loads(_read_member(archive, info, archive_path).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _fail(archive_path, f"{MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _fail(archive_path, f"{MANIFEST} does not describe a facemood profile")
    version = manifest.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise FacemoodError(f"{archive_path} was written by a newer facemood (format {version!r}): update facemood "
                            "to import it")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
            isinstance(entry, dict) and isinstance(entry.get("size"), int) and entry["size"] >= 0
            and isinstance(entry.get("sha256"), str) and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
            for entry in files.values()):
        raise _fail(archive_path, f"{MANIFEST} lists its files wrongly")
    name = manifest.get("profile")
    if not isinstance(name, str):
        raise _fail(archive_path, f"{MANIFEST} names no profile")
    if name != DEFAULT_PROFILE:
        try:
            clean_name(name, kind="profile")
        except FacemoodError as exc:
            raise _fail(archive_path, f"its profile name is not usable ({exc})") from None
    return manifest


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, archive_path: Path) -> bytes:
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, EOFError, zlib.error, RuntimeError, NotImplementedError) as exc:
        raise FacemoodError(f"{archive_path} is damaged ({info.filename}: {exc}): it may be truncated; export it "
                            "again") from None


def _check_members(archive: zipfile.ZipFile, manifest: dict, archive_path: Path) -> list[zipfile.ZipInfo]:
    """Every member's name, kind and size, before anything is extracted."""
    infos = [info for info in archive.infolist() if info.filename != MANIFEST]
    if len(infos) > MAX_MEMBERS:
        raise _fail(archive_path, f"{len(infos)} members, more than a profile can have")
    names = [info.filename for info in archive.infolist()]
    if len(set(names)) != len(names):
        raise _fail(archive_path, "the same name appears twice inside")
    total = 0
    for info in infos:
        _check_name(info, archive_path)
        limit = None if info.is_dir() else _size_limit(info.filename)
        if limit is None:
            raise _fail(archive_path, f"{info.filename!r} is not part of a facemood profile")
        declared = manifest["files"].get(info.filename)
        if declared is None:
            raise _fail(archive_path, f"{info.filename!r} is not listed in {MANIFEST}")
        if info.file_size != declared["size"]:
            raise _fail(archive_path, f"{info.filename!r} is {info.file_size} bytes but {MANIFEST} says "
                                      f"{declared['size']}")
        if info.file_size > limit:
            raise _fail(archive_path, f"{info.filename!r} would unpack to {info.file_size} bytes, more than "
                                      f"{limit} (a zip bomb?)")
        if info.file_size > _CHUNK and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise _fail(archive_path, f"{info.filename!r} would unpack {info.file_size // max(info.compress_size, 1)}"
                                      " times bigger than it is stored (a zip bomb?)")
        total += info.file_size
    unlisted = set(manifest["files"]) - {info.filename for info in infos}
    if unlisted:
        raise _fail(archive_path, f"{MANIFEST} lists {sorted(unlisted)[0]!r}, which is missing")
    if total > MAX_TOTAL_BYTES:
        raise _fail(archive_path, f"it would unpack to {total} bytes, more than {MAX_TOTAL_BYTES}")
    _check_recording_names([info.filename for info in infos], archive_path)
    return infos


def _check_recording_names(names: list[str], archive_path: Path) -> None:
    """Emotion names a profile can hold, none differing from another only in case, every sidecar with
    its recording."""
    by_key: dict[str, str] = {}
    for name in sorted(names):
        match = _RECORDING_NAME.match(name)
        if not match:
            continue
        emotion, suffix = match.groups()
        try:
            usable = clean_name(emotion, kind="emotion") == emotion
        except FacemoodError:
            usable = False
        if not usable:
            raise _fail(archive_path, f"{name!r} is not named after a usable emotion name")
        if suffix == ".npy" and by_key.setdefault(emotion.casefold(), emotion) != emotion:
            raise _fail(archive_path, f"{name!r} clashes with {by_key[emotion.casefold()]!r} (names differ only "
                                      "in case)")
        if suffix != ".npy" and f"{RECORDINGS}/{emotion}.npy" not in names:
            raise _fail(archive_path, f"{name!r} belongs to no recording")


def _check_name(info: zipfile.ZipInfo, archive_path: Path) -> None:
    name = info.filename
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        raise _fail(archive_path, f"{name!r} is an absolute path")
    if "\\" in name or any(part in ("", ".", "..") for part in name.split("/")):
        raise _fail(archive_path, f"{name!r} would land outside the profile folder")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _fail(archive_path, f"{name!r} is a symbolic link")
    if info.flag_bits & 0x1:
        raise _fail(archive_path, f"{name!r} is encrypted")


def _size_limit(name: str) -> int | None:
    """The most bytes member `name` may hold; None when the name is not part of a profile."""
    match = _RECORDING_NAME.match(name)
    if match:
        return MAX_RECORDING_BYTES if match.group(2) == ".npy" else MAX_SMALL_FILE_BYTES
    if name in (SETTINGS, LABELS_NAME, META_NAME):
        return MAX_SMALL_FILE_BYTES
    if name == HISTORY:
        return MAX_HISTORY_BYTES
    return MAX_MODEL_FILE_BYTES if name in MODEL_NAMES else None


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, declared: dict, scratch: Path,
             archive_path: Path) -> Path:
    """Copy one member out, counting the bytes that really come out and checking their SHA-256."""
    path = scratch.joinpath(*info.filename.split("/"))
    if scratch.resolve() not in path.resolve().parents:  # the names were checked; this is the last guard
        raise _fail(archive_path, f"{info.filename!r} would land outside the profile folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with archive.open(info) as member, path.open("xb") as out:
            while chunk := member.read(_CHUNK):
                size += len(chunk)
                if size > info.file_size:
                    raise _fail(archive_path, f"{info.filename!r} unpacks to more than the {info.file_size} bytes "
                                              "it declares (a zip bomb?)")
                digest.update(chunk)
                out.write(chunk)
    except (zipfile.BadZipFile, EOFError, zlib.error, RuntimeError, NotImplementedError) as exc:
        raise FacemoodError(f"{archive_path} is damaged ({info.filename}: {exc}): it may be truncated; export it "
                            "again") from None
    if size != info.file_size or digest.hexdigest() != declared["sha256"]:
        raise FacemoodError(f"{archive_path} is damaged ({info.filename} does not match its checksum): export it "
                            "again")
    return path


# --- what each member must hold --------------------------------------------------------------------

def _check_contents(staged: dict[str, Path], scratch: Path, summary: Summary, archive_path: Path) -> None:
    widths: dict[int, str] = {}
    for name, path in sorted(staged.items()):
        match = _RECORDING_NAME.match(name)
        if match and match.group(2) == ".npy":
            rows, width = _check_recording(path, name, archive_path)
            widths.setdefault(width, name)
            summary.rows[match.group(1)] = rows
        elif match:
            _check_takes(path, name, archive_path)
    if len(widths) > 1:
        first, second = list(widths.values())[:2]
        raise _fail(archive_path, f"{first!r} and {second!r} have rows of different layouts")
    if SETTINGS in staged:
        _check_json(staged[SETTINGS], SETTINGS, dict, archive_path)
        summary.settings = True
    if HISTORY in staged:
        _check_history(staged[HISTORY], archive_path)
        summary.history = True
    summary.model_emotions = _check_model(staged, scratch, archive_path)


def _load_array(path: Path, name: str, archive_path: Path) -> np.ndarray:
    """A plain numpy array from a .npy file: never a pickle, never an .npz, never a memory-map trick."""
    with path.open("rb") as handle:
        if handle.read(len(_NPY_MAGIC)) != _NPY_MAGIC:
            raise _fail(archive_path, f"{name!r} is not a numpy .npy file")
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise _fail(archive_path, f"{name!r} is not a plain numpy array ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(array, np.ndarray):
        raise _fail(archive_path, f"{name!r} is not a plain numpy array")
    return array


def _check_recording(path: Path, name: str, archive_path: Path) -> tuple[int, int]:
    """A 2-D array of finite numbers in a known row layout; returns its shape."""
    rows = _load_array(path, name, archive_path)
    if rows.dtype.kind not in "fiu" or rows.ndim != 2 or rows.shape[0] == 0:
        raise _fail(archive_path, f"{name!r} holds {rows.dtype} data of shape {rows.shape}, not rows of landmarks")
    if layout_for_width(rows.shape[1]) is None:
        raise _fail(archive_path, f"{name!r} has rows of {rows.shape[1]} columns, a layout facemood does not know")
    for start in range(0, rows.shape[0], 4096):
        if not np.isfinite(rows[start:start + 4096]).all():
            raise _fail(archive_path, f"{name!r} holds NaN or infinite values")
    return rows.shape


def _check_json(path: Path, name: str, kind: type, archive_path: Path):
    try:
        value = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _fail(archive_path, f"{name!r} is not valid JSON ({exc})") from None
    if not isinstance(value, kind):
        raise _fail(archive_path, f"{name!r} does not hold a JSON {'object' if kind is dict else 'list'}")
    return value


def _check_takes(path: Path, name: str, archive_path: Path) -> None:
    for entry in _check_json(path, name, list, archive_path):
        try:  # as facemood reads takes: fields a newer facemood added are left out
            take = take_from_json(entry)
        except (TypeError, AttributeError):
            raise _fail(archive_path, f"{name!r} does not list takes") from None
        if not all(isinstance(v, int) and v >= 0 for v in (take.start, take.count)):
            raise _fail(archive_path, f"{name!r} does not list takes")


def _check_history(path: Path, archive_path: Path) -> None:
    with path.open("rb") as handle:
        if handle.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
            raise _fail(archive_path, f"{HISTORY!r} is not an SQLite database")
    try:
        with contextlib.closing(_open_read_only(path)) as db:
            integrity = db.execute("PRAGMA quick_check").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as exc:
        raise _fail(archive_path, f"{HISTORY!r} is not a readable database ({exc})") from None
    if integrity != "ok" or not {"sessions", "moods", "songs"} <= tables:
        raise _fail(archive_path, f"{HISTORY!r} is not a facemood history")
    if version > SCHEMA_VERSION:
        raise FacemoodError(f"{archive_path}: its mood history was written by a newer facemood: update facemood "
                            "to import it")


def _check_model(staged: dict[str, Path], scratch: Path, archive_path: Path) -> list[str]:
    """All required model files or none; the numpy model must load and agree with labels.npy. Returns its
    emotions ([] without a model)."""
    present = [name for name in MODEL_NAMES if name in staged]
    if not present:
        return []
    missing = sorted(set(MODEL_NAMES) - set(present))
    if missing:
        raise _fail(archive_path, f"its model is incomplete ({', '.join(missing)} missing)")
    labels = _load_array(staged[LABELS_NAME], LABELS_NAME, archive_path)
    if labels.dtype.kind != "U" or labels.ndim != 1:
        raise _fail(archive_path, f"{LABELS_NAME!r} does not hold a list of emotion names")
    probe = _probe_profile(scratch)
    try:
        model = load_model(probe)
    except FacemoodError as exc:
        detail = str(exc).replace(str(scratch) + os.sep, "").split(": run ")[0]
        raise _fail(archive_path, f"its model does not load ({detail})") from None
    return model.emotions


# --- into place ------------------------------------------------------------------------------------

def _move_into_place(staged: dict[str, Path], profile: Profile, existing: dict[str, Path]) -> None:
    """Rename each checked file to its place; the model's files go in as one (model_store.install_model);
    old files the archive does not replace go at the end."""
    model = model_files(profile)
    if any(name in staged for name in model):
        install_model(profile, {path: staged[name] for name, path in model.items()})
    for name in [name for name in staged if name not in model]:
        target = destination(profile, name)
        assert target is not None  # every staged name was checked against the same table
        target.parent.mkdir(parents=True, exist_ok=True)
        _rename(staged[name], target)
    keep_history = HISTORY not in staged
    replaced = {name.casefold() for name in staged}  # on a case-insensitive disk Happy.npy is happy.npy
    for name, path in existing.items():
        if name.casefold() not in replaced and not (name == HISTORY and keep_history):
            path.unlink(missing_ok=True)


def _rename(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # The profile's folder is on another file system than its home: copy beside it, then rename.
        with source.open("rb") as data:
            atomic_write(target, lambda handle: shutil.copyfileobj(data, handle, _CHUNK))
