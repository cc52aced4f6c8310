"""facemood export / import: a real profile (MediaPipe rows, a trained model, settings, history) carried
between two homes, and archives that must be refused without touching the profile they were meant for."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import zipfile
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from facemood.dataset import append_rows, load_dataset, read_takes
from facemood.history import LIKE, History
from facemood.model_store import load_model, save_model
from facemood.portable import MANIFEST, profile_files
from facemood.profile import resolve_profile
from facemood.settings import Settings, load_settings, save_settings
from tests import media
from tests.conftest import assert_clean_error, facemood_in_process, run_tool
from tests.test_cli import moods, snapshot

training = pytest.importorskip("facemood.training")

SETTINGS = Settings(singer="श्रेया घोषाल", language="हिंदी", provider="spotify", mood_words={"frowning": "calm"},
                    overlay=False)


@pytest.fixture(scope="module")
def source_home(tmp_path_factory, detected_rows) -> Path:
    """Anna's profile as she would leave it: two emotions (one in two takes), a trained model, settings,
    and a mood history."""
    home = tmp_path_factory.mktemp("source")
    anna = resolve_profile("anna", home)
    upright, frowning = detected_rows["upright"], detected_rows["frowning"]
    append_rows(anna.data_dir / "upright.npy", upright[:30], source="camera 0")
    append_rows(anna.data_dir / "upright.npy", upright[30:], source="upright.mp4")
    append_rows(anna.data_dir / "frowning.npy", frowning, source="frowning.mp4")
    trained = training.train(load_dataset([anna.data_dir]))
    save_model(anna, trained.model, asdict(trained.report))
    save_settings(anna.settings_path, SETTINGS)
    with History(anna.history_path) as history:
        session = history.start_session("anna", "camera 0", at=1_700_000_000)
        for i in range(5):
            history.record_mood(session, "frowning", 0.9, at=1_700_000_001 + i)
        history.record_song(session, "frowning", "calm song", "spotify", "https://open.spotify.com/search/calm",
                            at=1_700_000_010)
        song = SimpleNamespace(video_id="dQw4w9WgXcQ", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                               title="A calm song", channel="Someone")
        play = history.start_play(session, song, "frowning", "calm song", at=1_700_000_011)
        history.record_feedback(session, song, LIKE, "frowning", "calm song", play_id=play, at=1_700_000_012)
    return home


@pytest.fixture(scope="module")
def archive(source_home, tmp_path_factory) -> Path:
    """Anna's profile exported without history, as `facemood export` writes it."""
    path = tmp_path_factory.mktemp("archive") / "anna.zip"
    result = run_tool("facemood", "export", "--user", "anna", "--home", source_home, path)
    assert result.code == 0, result.err
    assert "exported profile 'anna'" in result.out and "a trained model (frowning, upright)" in result.out
    return path


def test_round_trip_between_two_homes_predicts_the_same_moods(source_home, archive, tmp_path):
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == [MANIFEST, "model/labels.npy", "model/mood_model.json",
                                         "model/mood_model.npz", "recordings/frowning.npy",
                                         "recordings/frowning.takes.json", "recordings/upright.npy",
                                         "recordings/upright.takes.json", "settings.json"]
    other = tmp_path / "other-machine"
    imported = run_tool("facemood", "import", archive, "--home", other)
    assert imported.code == 0, imported.err
    assert "imported profile 'anna'" in imported.out

    before, after = resolve_profile("anna", source_home), resolve_profile("anna", other)
    copied = profile_files(after)
    assert set(copied) == set(profile_files(before, with_history=False))
    for name, path in profile_files(before, with_history=False).items():
        assert copied[name].read_bytes() == path.read_bytes(), name
    assert load_settings(after.settings_path) == SETTINGS
    assert not after.history_path.exists()  # only with --with-history
    assert not list(other.glob(".facemood-*")), "the staging folder was left behind"

    rows = np.concatenate([np.load(after.data_dir / "upright.npy"), np.load(after.data_dir / "frowning.npy")])
    np.testing.assert_array_equal(load_model(after).predict_proba(rows), load_model(before).predict_proba(rows))
    video = media.astronaut_video(tmp_path / "fresh.mp4", count=30, angle=25, phase=2.0,
                                  picture=media.frowning_astronaut_bgr())
    seen = [run_tool("infer.py", "--no-window", "--source", video, "--user", "anna", "--home", home)
            for home in (source_home, other)]
    assert [s.code for s in seen] == [0, 0], seen[1].err
    assert seen[0].out == seen[1].out
    assert moods(seen[1].out).count("frowning") >= 27


def test_history_only_when_asked_and_another_name(capsys, source_home, tmp_path):
    path = tmp_path / "with-history.zip"
    done = facemood_in_process(capsys, "export", "--user", "anna", "--home", source_home, "--with-history", path)
    assert done.code == 0, done.err
    assert "mood history" in done.out
    home = tmp_path / "home"
    done = facemood_in_process(capsys, "import", path, "--home", home, "--user", "default")
    assert done.code == 0, done.err
    profile = resolve_profile(None, home)
    assert (home / "data" / "upright.npy").exists() and (home / "labels.npy").exists()
    with History(profile.history_path) as history:
        assert history.recent_songs()[0]["query"] == "calm song"
        assert history.sessions()[0]["mood_seconds"] == 5.0
        assert [(f.title, f.rating) for f in history.feedback("frowning")] == [("A calm song", LIKE)]
    assert load_model(profile).emotions == ["frowning", "upright"]


def test_an_existing_profile_is_replaced_only_when_asked(capsys, archive, tmp_path, detected_rows):
    home = tmp_path / "home"
    mine = resolve_profile("anna", home)
    append_rows(mine.data_dir / "waving.npy", detected_rows["upright"][:10])
    mine.keras_path.parent.mkdir(parents=True)
    mine.keras_path.write_bytes(b"an old Keras model")
    with History(mine.history_path) as history:
        history.start_session("anna", "camera 0")
    before = snapshot(home)
    refused = facemood_in_process(capsys, "import", archive, "--home", home)
    assert_clean_error(refused, "already exists", "--replace")
    assert snapshot(home) == before

    done = facemood_in_process(capsys, "import", archive, "--home", home, "--replace")
    assert done.code == 0, done.err
    assert sorted(profile_files(mine)) == ["history.sqlite3", "model/labels.npy", "model/mood_model.json",
                                           "model/mood_model.npz", "recordings/frowning.npy",
                                           "recordings/frowning.takes.json", "recordings/upright.npy",
                                           "recordings/upright.takes.json", "settings.json"]
    assert load_model(mine).emotions == ["frowning", "upright"]  # no stale Keras file beside the new model


def test_export_refusals(capsys, source_home, tmp_path):
    empty = tmp_path / "empty-home"
    assert_clean_error(facemood_in_process(capsys, "export", "--home", empty, tmp_path / "x.zip"), "nothing to export")
    taken = tmp_path / "taken.zip"
    taken.write_bytes(b"an earlier export")
    assert_clean_error(facemood_in_process(capsys, "export", "--user", "anna", "--home", source_home, taken), "--force")
    assert taken.read_bytes() == b"an earlier export"
    assert_clean_error(facemood_in_process(capsys, "export", "--user", "anna", "--home", source_home, tmp_path), "folder")
    done = facemood_in_process(capsys, "export", "--user", "anna", "--home", source_home, taken, "--force")
    assert done.code == 0 and zipfile.is_zipfile(taken), done.err


# --- archives that must be refused ------------------------------------------------------------------

def _members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name != MANIFEST}


def _pack(path: Path, members: dict[str, bytes], *, manifest: dict | None = None, symlinks: set[str] = frozenset(),
          sizes: dict[str, int] | None = None) -> Path:
    """A zip as `facemood export` writes it, with every member listed in the manifest unless one is given."""
    if manifest is None:
        manifest = {"format": "facemood-profile", "version": 1, "profile": "anna", "files": {
            name: {"size": (sizes or {}).get(name, len(data)), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in members.items()}}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((stat.S_IFLNK | 0o777) if name in symlinks else (stat.S_IFREG | 0o644)) << 16
            zf.writestr(info, data)
        zf.writestr(MANIFEST, json.dumps(manifest))
    return path


def _repack(archive: Path, path: Path, drop: set[str] = frozenset(), add: dict[str, bytes] | None = None,
            **options) -> Path:
    members = {name: data for name, data in _members(archive).items() if name not in drop}
    return _pack(path, {**members, **(add or {})}, **options)


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _declare_size(path: Path, name: str, size: int) -> None:
    """Make the zip's headers claim `name` unpacks to `size` bytes, whatever it really holds."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(name).header_offset
    data[local + 22:local + 26] = size.to_bytes(4, "little")  # the local header's uncompressed size
    central = data.index(b"PK\x01\x02", 0)
    while data[central + 46:central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24:central + 28] = size.to_bytes(4, "little")  # and the central directory's
    path.write_bytes(bytes(data))


def _bad_archives(archive: Path, folder: Path) -> list[tuple[str, Path, tuple[str, ...]]]:
    members = _members(archive)
    rows = np.load(io.BytesIO(members["recordings/upright.npy"]))
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read(MANIFEST))
    cases = [
        ("not a zip", media.write_video(folder / "clip.mp4", [media.blank_frame()] * 3), ("not a zip file",)),
        ("truncated", folder / "truncated.zip", ("truncated",)),
        ("escaping", _repack(archive, folder / "escape.zip", add={"recordings/../../evil.npy": b"x"}),
         ("outside the profile folder",)),
        ("absolute", _repack(archive, folder / "absolute.zip", add={"/etc/evil.npy": b"x"}), ("absolute path",)),
        ("symlink", _repack(archive, folder / "link.zip", add={"recordings/link.npy": b"/etc/passwd"},
                            symlinks={"recordings/link.npy"}), ("symbolic link",)),
        ("unknown member", _repack(archive, folder / "unknown.zip", add={"notes.txt": b"hello"}),
         ("'notes.txt' is not part of a facemood profile",)),
        ("pickle", _repack(archive, folder / "pickle.zip",
                           add={"recordings/evil.npy": _npy(np.array([{"a": 1}], dtype=object), True)}),
         ("'recordings/evil.npy' is not a plain numpy array",)),
        ("npz as npy", _repack(archive, folder / "npz.zip",
                               add={"recordings/evil.npy": members["model/mood_model.npz"]}),
         ("not a numpy .npy file",)),
        ("3-D rows", _repack(archive, folder / "cube.zip", add={"recordings/cube.npy": _npy(np.zeros((2, 3, 4)))}),
         ("shape (2, 3, 4)",)),
        ("unknown width", _repack(archive, folder / "width.zip", add={"recordings/narrow.npy": _npy(np.zeros((5, 7)))}),
         ("7 columns",)),
        ("NaN", _repack(archive, folder / "nan.zip", add={"recordings/nan.npy": _npy(np.where(
            np.arange(rows.size).reshape(rows.shape) == 5, np.nan, rows))}), ("NaN",)),
        ("other layout", _repack(archive, folder / "mixed.zip", add={"recordings/old.npy": _npy(rows[:, :1020])}),
         ("different layouts",)),
        ("zip bomb", _repack(archive, folder / "bomb.zip", add={
            "recordings/zeros.npy": _npy(np.zeros((64 << 20) // 4 // 1072 * 1072, np.float32).reshape(-1, 1072))}),
         ("zip bomb",)),
        ("size lie", _repack(archive, folder / "lie.zip", sizes={"recordings/upright.npy": 1000}),
         ("damaged", "recordings/upright.npy")),
        ("huge size", _repack(archive, folder / "huge.zip", sizes={"recordings/upright.npy": 3 << 30}),
         ("would unpack to 3221225472 bytes", "zip bomb")),
        ("checksum", _pack(folder / "checksum.zip", members, manifest={**manifest, "files": {
            **manifest["files"], "settings.json": {"size": len(members["settings.json"]), "sha256": "0" * 64}}}),
         ("checksum",)),
        ("model and labels disagree", _repack(archive, folder / "labels.zip",
                                              add={"model/labels.npy": _npy(np.array(["a", "b", "c"]))}),
         ("model does not load", "labels.npy")),
        ("model incomplete", _repack(archive, folder / "incomplete.zip", drop={"model/mood_model.npz"}),
         ("incomplete", "mood_model.npz")),
        ("newer format", _pack(folder / "newer.zip", members, manifest={**manifest, "version": 99}),
         ("newer facemood",)),
        ("no manifest", folder / "no-manifest.zip", ("not a facemood profile",)),
        ("unlisted", _pack(folder / "unlisted.zip", members, manifest={**manifest, "files": {
            **manifest["files"], "recordings/ghost.npy": {"size": 1, "sha256": "0" * 64}}}), ("missing",)),
        ("orphan sidecar", _repack(archive, folder / "orphan.zip", add={"recordings/ghost.takes.json": b"[]"}),
         ("belongs to no recording",)),
        ("case clash", _repack(archive, folder / "case.zip", add={"recordings/Upright.npy": members[
            "recordings/upright.npy"]}), ("clashes",)),
        ("history", _repack(archive, folder / "history.zip", add={"history.sqlite3": b"not a database"}),
         ("SQLite",)),
        ("settings", _repack(archive, folder / "settings.zip", add={"settings.json": b"[1, 2"}), ("JSON",)),
    ]
    (folder / "truncated.zip").write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with zipfile.ZipFile(folder / "no-manifest.zip", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    _declare_size(folder / "lie.zip", "recordings/upright.npy", 1000)
    _declare_size(folder / "huge.zip", "recordings/upright.npy", 3 << 30)
    return cases


def test_takes_from_a_newer_facemood_import_with_their_extra_fields_left_out(capsys, archive, tmp_path):
    takes = json.loads(_members(archive)["recordings/upright.takes.json"])
    newer = _repack(archive, tmp_path / "newer-takes.zip", add={"recordings/upright.takes.json": json.dumps(
        [{**take, "lighting": "dim"} for take in takes]).encode()})
    home = tmp_path / "home"
    result = facemood_in_process(capsys, "import", newer, "--home", home)
    assert result.code == 0, result.err
    imported = read_takes(resolve_profile("anna", home).data_dir / "upright.npy")
    assert [t.count for t in imported] == [t["count"] for t in takes]


def test_bad_archives_are_refused_in_one_line_and_change_nothing(capsys, archive, tmp_path, detected_rows):
    home = tmp_path / "home"
    mine = resolve_profile("anna", home)
    append_rows(mine.data_dir / "waving.npy", detected_rows["upright"][:10])
    save_settings(mine.settings_path, Settings(singer="someone"))
    before = snapshot(home)
    folder = tmp_path / "bad"
    folder.mkdir()
    for case, path, fragments in _bad_archives(archive, folder):
        result = facemood_in_process(capsys, "import", path, "--home", home, "--replace")
        assert result.code == 2, (case, result.out, result.err)
        assert_clean_error(result, str(path), *fragments)
        assert snapshot(home) == before, case
        assert not list(home.glob(".facemood-*")), case
