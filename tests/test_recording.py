"""A take that cannot be written is rescued, not lost."""

import tempfile

import numpy as np
import pytest

from facemood.dataset import read_rows
from facemood.errors import FacemoodError
from facemood.recording import TakeRecorder, check_can_record
from facemood.rows import BLENDSHAPES


def test_a_take_that_cannot_be_saved_goes_to_a_rescue_file(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    data = tmp_path / "data"
    data.mkdir()
    check_can_record(data / "happy.npy", BLENDSHAPES, replace=False)  # fine while the folder is there
    take = TakeRecorder(data / "happy.npy", BLENDSHAPES)
    rows = np.random.default_rng(0).normal(size=(7, BLENDSHAPES.width)).astype(np.float32)
    take.rows.extend(rows)
    data.rmdir()
    data.write_text("the folder went away mid-take")  # e.g. an unplugged drive

    with pytest.raises(FacemoodError, match="7 rows are kept in") as raised:
        take.save()
    rescue = next((tmp_path / "tmp").glob("facemood-happy-*.npy"))
    assert str(rescue) in str(raised.value)
    np.testing.assert_array_equal(read_rows(rescue), rows)


def test_a_folder_that_cannot_be_written_is_refused_before_recording(tmp_path):
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(FacemoodError, match="cannot write recordings to"):
        check_can_record(tmp_path / "data" / "anna" / "happy.npy", BLENDSHAPES, replace=False)


def test_the_check_creates_no_folders(tmp_path):
    check_can_record(tmp_path / "home" / "data" / "anna" / "happy.npy", BLENDSHAPES, replace=False)
    assert list(tmp_path.iterdir()) == []
