import os
import pickle
import signal
import unicodedata
import zipfile

import numpy as np
import pytest

from facemood import dataset
from facemood.dataset import (append_rows, delete_take, emotion_path, load_dataset, read_rows, read_takes,
                              time_split)
from facemood.errors import FacemoodError


def rows(n, width=1020, seed=0):
    return np.random.default_rng(seed).normal(size=(n, width))


def save(folder, name, array):
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / name, array)


def test_loads_classic_files_as_the_tutorial_saved_them(tmp_path):
    # The tutorial saved np.array(list_of_lists) of Python floats: float64, 1020 columns.
    save(tmp_path, "happy.npy", np.array(rows(30).tolist()))
    save(tmp_path, "rock.npy", np.array(rows(25, seed=1).tolist()))
    save(tmp_path, "labels.npy", np.array(["happy", "rock"]))  # the tutorial's own leftovers
    save(tmp_path, "emotion.npy", np.array(["happy"]))
    data = load_dataset([tmp_path])
    assert data.emotions == ["happy", "rock"] and data.layout.id == "classic-1020"
    assert data.rows_per_emotion() == {"happy": 30, "rock": 25}
    assert sorted(p.name for p in data.skipped) == ["emotion.npy", "labels.npy"]


@pytest.mark.parametrize("setup, says", [
    (lambda d: (save(d, "a.npy", rows(10)), (d / "b.npy").write_bytes(b"garbage")), "b.npy holds text, not a numpy"),
    (lambda d: (save(d, "a.npy", rows(10)), save(d, "b.npy", np.zeros((0, 1020)))), "b.npy is empty"),
    (lambda d: (save(d, "a.npy", rows(10)), save(d, "b.npy", np.where(np.eye(10, 1020) > 0, np.nan, 0.0))), "NaN"),
    (lambda d: (save(d, "a.npy", rows(10)), save(d, "b.npy", rows(10, 1072))), "columns"),
    (lambda d: (save(d, "a.npy", rows(10)), save(d, "b.npy", rows(10, 999))), "999 columns"),
    (lambda d: save(d, "a.npy", rows(10)), "only one emotion"),
    (lambda d: (save(d, "a.npy", rows(10)), save(d, "b.npy", rows(3))), "only 3 rows"),
    (lambda d: (save(d, "a.npy", rows(10)), save(d, "b.npy", np.array(["x", "y"]))), "not landmark rows"),
    (lambda d: (save(d, "Happy.npy", rows(10)), save(d, "happy.npy", rows(10))), "clashes"),
    (lambda d: d.mkdir(), "no recordings"),
])
def test_bad_recordings_are_named(tmp_path, setup, says):
    folder = tmp_path / "data"
    setup(folder)
    with pytest.raises(FacemoodError) as error:
        load_dataset([folder])
    assert says in str(error.value)


def test_time_split_holds_out_the_last_frames():
    data = np.arange(10)[:, None]
    first, last = time_split(data)
    assert first[:, 0].tolist() == list(range(8)) and last[:, 0].tolist() == [8, 9]


def test_takes_append_and_delete(tmp_path):
    path = tmp_path / "happy.npy"
    assert append_rows(path, rows(5, 1072)) == 5
    assert append_rows(path, rows(3, 1072, seed=1), source="video x") == 8
    takes = read_takes(path)
    assert [(t.start, t.count) for t in takes] == [(0, 5), (5, 3)] and takes[1].source == "video x"
    assert delete_take(path, 0) == 3
    np.testing.assert_allclose(np.load(path), rows(3, 1072, seed=1), rtol=1e-6)
    assert [(t.start, t.count) for t in read_takes(path)] == [(0, 3)]
    assert delete_take(path, 0) == 0 and not path.exists()


def test_takes_keep_their_frames_and_frames_without_a_face(tmp_path):
    path = tmp_path / "happy.npy"
    append_rows(path, rows(5, 1072), frames=9, frames_without_face=4)
    append_rows(path, rows(3, 1072, seed=1))  # rows from a file: frames unknown
    append_rows(path, rows(2, 1072, seed=2), frames=2)
    assert [(t.count, t.frames, t.frames_without_face) for t in read_takes(path)] == [(5, 9, 4), (3, 0, 0), (2, 2, 0)]
    delete_take(path, 1)
    assert [(t.start, t.count, t.frames, t.frames_without_face) for t in read_takes(path)] == [(0, 5, 9, 4),
                                                                                             (5, 2, 2, 0)]


def test_takes_records_of_older_and_newer_facemoods_still_read(tmp_path):
    path = tmp_path / "happy.npy"
    np.save(path, rows(6, 1072))
    sidecar = tmp_path / "happy.takes.json"
    # An older facemood wrote no frame counts: unknown, 0.
    sidecar.write_text('[{"start": 0, "count": 4, "recorded": "2025-01-01 10:00:00", "source": "camera 0"},'
                       ' {"start": 4, "count": 2, "recorded": "", "source": ""}]')
    assert [(t.count, t.frames, t.frames_without_face, t.source) for t in read_takes(path)] == [
        (4, 0, 0, "camera 0"), (2, 0, 0, "")]
    # A newer one may add fields (left out), and counts that cannot be (fewer frames than rows, more frames
    # without a face than frames, not numbers) count as unknown rather than mislead the coach.
    sidecar.write_text('[{"start": 0, "count": 4, "frames": 3, "frames_without_face": 0, "mood": "x"},'
                       ' {"start": 4, "count": 2, "frames": 5, "frames_without_face": "3"}]')
    assert [(t.start, t.count, t.frames, t.frames_without_face) for t in read_takes(path)] == [(0, 4, 0, 0),
                                                                                             (4, 2, 0, 0)]
    sidecar.write_text('{"start": 0, "count": 6}')  # not a list of takes: the whole file is one take
    assert [(t.start, t.count) for t in read_takes(path)] == [(0, 6)]


def test_replace_starts_over_and_width_mismatch_is_refused(tmp_path):
    path = tmp_path / "happy.npy"
    append_rows(path, rows(5, 1020))
    with pytest.raises(FacemoodError, match="--layout classic"):
        append_rows(path, rows(2, 1072))
    assert np.load(path).shape == (5, 1020)
    assert append_rows(path, rows(2, 1072), replace=True) == 2


def test_appending_to_a_classic_file_keeps_its_float64(tmp_path):
    path = tmp_path / "happy.npy"
    np.save(path, rows(4))
    append_rows(path, rows(2, seed=3))
    kept = np.load(path)
    assert kept.dtype == np.float64 and kept.shape == (6, 1020)
    np.testing.assert_array_equal(kept[:4], rows(4))
    assert [(t.start, t.count) for t in read_takes(path)] == [(0, 4), (4, 2)]  # earlier rows: one take


def test_a_crash_while_writing_keeps_the_earlier_take(tmp_path, monkeypatch):
    path = tmp_path / "happy.npy"
    append_rows(path, rows(5, 1072))
    before = path.read_bytes()

    def crash(handle, array, allow_pickle=False):
        handle.write(b"\x93NUMPY half a file")
        raise OSError("disk full")

    monkeypatch.setattr(dataset.np, "save", crash)
    with pytest.raises(OSError):
        append_rows(path, rows(3, 1072))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["happy.npy", "happy.takes.json"]  # no temporary left


def test_a_stale_takes_file_counts_as_one_take(tmp_path):
    path = tmp_path / "happy.npy"
    append_rows(path, rows(5, 1072))
    np.save(path, rows(7, 1072))  # changed behind our back
    assert [(t.start, t.count) for t in read_takes(path)] == [(0, 7)]
    (tmp_path / "happy.takes.json").write_text("{not json")
    assert [(t.start, t.count) for t in read_takes(path)] == [(0, 7)]


def test_emotion_path_refuses_case_clash(tmp_path):
    np.save(tmp_path / "Happy.npy", rows(3))
    assert emotion_path(tmp_path, "Happy") == tmp_path / "Happy.npy"
    with pytest.raises(FacemoodError, match="clashes"):
        emotion_path(tmp_path, "happy")
    with pytest.raises(FacemoodError):
        emotion_path(tmp_path, "../evil")


def _npy(header: str, version: bytes = b"\x01\x00", body: bytes = b"") -> bytes:
    text = header.encode("latin1")
    return b"\x93NUMPY" + version + len(text).to_bytes(2, "little") + text + body


@pytest.mark.parametrize("content, says", [
    (b"happy,0.1,0.2\n", "holds text, not a numpy array (.npy)"),
    (b"", "is an empty file (0 bytes)"),
    (pickle.dumps([[0.1] * 1020]), "is not a numpy array (.npy) file"),
    (b"PK\x03\x04 not really a zip", "is a zip archive"),
    (_npy("{'descr': '<f8'}\n"), "damaged numpy header"),
    (_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 1020)"), "damaged numpy header"),
    (_npy("not a dict at all\n"), "damaged numpy header"),
    (_npy("{'descr': 'zz9', 'fortran_order': False, 'shape': (3, 1020)}\n"), "damaged numpy header"),
    (_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 1020)}\n", version=b"\x09\x00"),
     "damaged numpy header (numpy format 9.0)"),
    (b"\x93NUMPY\x01", "damaged numpy header"),
    (_npy("{'descr': '|O', 'fortran_order': False, 'shape': (1, 1020)}\n"), "holds Python objects"),
    (_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 1020)}\n", body=b"\0" * 100), "is cut short"),
])
def test_files_that_are_not_numpy_arrays_are_named_without_numpy_hints(tmp_path, content, says):
    path = tmp_path / "x.npy"
    path.write_bytes(content)
    with pytest.raises(FacemoodError) as error:
        read_rows(path)
    message = str(error.value)
    assert says in message and str(path) in message
    assert "pickle" not in message and "allow_pickle" not in message and "\n" not in message


def test_an_npz_archive_or_object_array_named_npy_is_refused(tmp_path):
    archive = tmp_path / "x.npy"
    np.savez(archive.with_suffix(".npz"), rows=rows(3))
    archive.with_suffix(".npz").rename(archive)
    assert zipfile.is_zipfile(archive)
    with pytest.raises(FacemoodError, match="zip archive"):
        read_rows(archive)
    objects = tmp_path / "o.npy"
    np.save(objects, np.array([[0.1, "a"]], dtype=object), allow_pickle=True)
    with pytest.raises(FacemoodError, match="holds Python objects") as error:
        read_rows(objects)
    assert "pickle" not in str(error.value)


@pytest.mark.parametrize("value, shown", [(1e38, "1e+38"), (-11.0, "-11"), (np.nan, "NaN"), (np.inf, "infinity")])
def test_rows_far_outside_what_landmarks_can_be_are_refused_with_the_first_row(tmp_path, value, shown):
    data = rows(30) * 0.1
    data[16, 40] = value
    data[20, 3] = value
    np.save(tmp_path / "happy.npy", data)
    with pytest.raises(FacemoodError) as error:
        read_rows(tmp_path / "happy.npy")
    message = str(error.value)
    assert "happy.npy" in message and f"row 17 of 30 holds {shown} (1 more rows like it)" in message


def test_real_rows_pass_the_value_check(detected_rows, tmp_path):
    """Real MediaPipe rows, and rows far beyond the largest real value seen (0.64 in 121 recordings by 21
    people), like a face mostly out of frame, stay inside the bound."""
    for name, found in detected_rows.items():
        np.save(tmp_path / f"{name}.npy", found)
        assert read_rows(tmp_path / f"{name}.npy").shape == found.shape
    near_the_edge = rows(5) * 0.1
    near_the_edge[:, :936:2] += 1.5  # a face mostly out of frame: far from its anchor
    np.save(tmp_path / "edge.npy", near_the_edge)
    read_rows(tmp_path / "edge.npy")
    with pytest.raises(FacemoodError, match="no landmark can be"):
        append_rows(tmp_path / "upright.npy", np.full((2, 1072), 1e38))
    np.testing.assert_array_equal(np.load(tmp_path / "upright.npy"), detected_rows["upright"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_named_pipe_in_the_data_folder_is_refused_without_blocking(tmp_path):
    save(tmp_path, "happy.npy", rows(10))
    os.mkfifo(tmp_path / "sad.npy")  # nothing ever writes to it: opening it plainly would block forever

    def blocked(signum, frame):
        raise TimeoutError("opening the pipe blocked")

    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(10)  # should it block again, fail instead of hanging the tests
    try:
        with pytest.raises(FacemoodError, match="sad.npy is a named pipe"):
            load_dataset([tmp_path])
        with pytest.raises(FacemoodError, match="named pipe"):
            read_takes(tmp_path / "sad.npy")
        with pytest.raises(FacemoodError, match="named pipe"):
            append_rows(tmp_path / "sad.npy", rows(2))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _nfd(text):
    return unicodedata.normalize("NFD", text)


def test_a_name_in_another_unicode_form_is_the_same_emotion(tmp_path):
    """"café" copied from macOS is decomposed (NFD): 'e' + a combining accent, unlike the composed NFC 'é'."""
    assert _nfd("café") != "café"
    macos = tmp_path / "macos"
    save(macos, f"{_nfd('café')}.npy", rows(10))
    save(macos, "calm.npy", rows(10, seed=1))
    # Typed either way, the name finds the file already there instead of starting a second one.
    assert emotion_path(macos, "café").name == f"{_nfd('café')}.npy"
    assert emotion_path(macos, _nfd("café")).name == f"{_nfd('café')}.npy"
    with pytest.raises(FacemoodError, match="clashes"):
        emotion_path(macos, _nfd("Café"))
    linux = tmp_path / "linux"
    save(linux, "café.npy", rows(6, seed=2))
    save(linux, "calm.npy", rows(6, seed=3))
    data = load_dataset([macos, linux])
    assert data.emotions == ["café", "calm"] and data.rows_per_emotion() == {"café": 16, "calm": 16}
    clash = tmp_path / "clash"
    save(clash, f"{_nfd('Café')}.npy", rows(6))
    save(clash, "café.npy", rows(6))
    with pytest.raises(FacemoodError, match="differ only in case"):
        load_dataset([clash])


def test_a_kill_between_the_two_writes_of_a_take_keeps_the_earlier_takes(tmp_path, monkeypatch):
    """A take writes two files, the takes record and the rows. The record goes first: killed before the
    rows follow, it is one take ahead and that take is dropped. (Rows first used to leave a stale record
    that no longer matched, and every take merged into one.)"""
    path = tmp_path / "happy.npy"
    append_rows(path, rows(5, 1072))
    append_rows(path, rows(3, 1072, seed=1), source="second")
    real_write, writes = dataset.atomic_write, []

    def killed_at_the_second_write(target, write):
        writes.append(target)
        if len(writes) == 2:
            raise KeyboardInterrupt  # stands in for the kill: nothing after it runs
        real_write(target, write)

    monkeypatch.setattr(dataset, "atomic_write", killed_at_the_second_write)
    with pytest.raises(KeyboardInterrupt):
        append_rows(path, rows(4, 1072, seed=2), source="third")
    monkeypatch.undo()
    assert [(t.start, t.count, t.source) for t in read_takes(path)][:2] == [(0, 5, ""), (5, 3, "second")]
    np.testing.assert_allclose(read_rows(path)[:8], np.concatenate([rows(5, 1072), rows(3, 1072, seed=1)]), rtol=1e-6)
    append_rows(path, rows(2, 1072, seed=3), source="fourth")
    assert [t.source for t in read_takes(path)][:2] == ["", "second"] and read_takes(path)[-1].source == "fourth"


def test_a_temporary_file_left_by_a_killed_write_goes_at_the_next_save(tmp_path):
    path = tmp_path / "happy.npy"
    append_rows(path, rows(5, 1072))
    stale, fresh = tmp_path / ".happy.npy.k1ll3d00.tmp", tmp_path / ".happy.npy.wr1t1ng0.tmp"
    stale.write_bytes(b"half a file")
    fresh.write_bytes(b"another writer's, right now")
    old = os.stat(stale).st_mtime - dataset.STALE_TEMP_S - 1
    os.utime(stale, (old, old))
    append_rows(path, rows(2, 1072))
    assert not stale.exists() and fresh.exists()
