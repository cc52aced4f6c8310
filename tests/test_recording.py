"""A take that cannot be written is rescued, not lost."""

import shlex
import subprocess
import tempfile

import numpy as np
import pytest

from facemood.dataset import append_rows, read_rows, read_takes
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


def test_the_rescue_message_gives_a_command_that_adds_the_take(tmp_path, monkeypatch):
    """It used to say "copy it over", which would have replaced every earlier take with the rescued one."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    home = tmp_path / "my home"
    path = home / "data" / "anna" / "happy.npy"
    earlier = np.random.default_rng(1).normal(size=(5, BLENDSHAPES.width)).astype(np.float32)
    append_rows(path, earlier)
    take = TakeRecorder(path, BLENDSHAPES, "camera 0")
    rows = np.random.default_rng(0).normal(size=(7, BLENDSHAPES.width)).astype(np.float32)
    take.rows.extend(rows)
    with monkeypatch.context() as disk:
        disk.setattr("facemood.recording.append_rows", _full_disk)
        with pytest.raises(FacemoodError) as raised:
            take.save()
    message = str(raised.value)
    assert "copy" not in message and "add them to its earlier takes" in message
    command = shlex.split(message.split("`")[1])
    assert "--append-rows" in command and command[command.index("--user") + 1] == "anna"

    added = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "added 7 rows" in added.stdout and "12 rows in 2 takes" in added.stdout
    np.testing.assert_array_equal(read_rows(path), np.concatenate([earlier, rows]))
    assert [t.count for t in read_takes(path)] == [5, 7]
    again = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert again.returncode == 2 and "already take 2" in again.stderr and "Traceback" not in again.stderr
    assert len(read_rows(path)) == 12


def _full_disk(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_a_folder_that_cannot_be_written_is_refused_before_recording(tmp_path):
    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(FacemoodError, match="cannot write recordings to"):
        check_can_record(tmp_path / "data" / "anna" / "happy.npy", BLENDSHAPES, replace=False)


def test_the_check_creates_no_folders(tmp_path):
    check_can_record(tmp_path / "home" / "data" / "anna" / "happy.npy", BLENDSHAPES, replace=False)
    assert list(tmp_path.iterdir()) == []
