import numpy as np
import pytest

from facemood import dataset
from facemood.dataset import append_rows, delete_take, emotion_path, load_dataset, read_takes, time_split
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
    (lambda d: (save(d, "a.npy", rows(10)), (d / "b.npy").write_bytes(b"garbage")), "b.npy is not a readable"),
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
