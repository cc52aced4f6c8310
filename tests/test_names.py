import os

import pytest

from facemood.errors import FacemoodError
from facemood.names import check_file_names, clean_name, file_name_length, file_name_limit, name_key
from facemood.recording import check_can_record
from facemood.rows import BLENDSHAPES


@pytest.mark.parametrize("text, expected", [
    ("happy", "happy"),
    ("  rock  ", "rock"),
    ("sad   2", "sad 2"),
    ("tab\there", "tab here"),
    ("très content", "très content"),
    ("greeting-wave_1", "greeting-wave_1"),
])
def test_accepts_everyday_names(text, expected):
    assert clean_name(text) == expected


@pytest.mark.parametrize("text, says", [
    ("", "empty"),
    ("   ", "empty"),
    ("../x", "'/'"),
    ("a\\b", "'\\\\'"),
    (".hidden", "starts with '.'"),
    ("what?", "'?'"),
    ("bell\x07", "'\\x07'"),
    ("labels", "reserved"),
    ("emotion", "reserved"),
    ("CON", "reserved"),
    ("happy.npy", "reserved"),
    ("x" * 65, "longer than 64"),
])
def test_refuses_names_that_cannot_be_files(text, says):
    with pytest.raises(FacemoodError) as error:
        clean_name(text)
    assert says in str(error.value)
    assert "\n" not in str(error.value)


def test_name_length_counts_bytes_of_every_file_made_from_it(tmp_path):
    """58 emoji are 58 characters but 232 bytes: <name>.takes.json's temporary file would take 257."""
    emoji = "\N{GRINNING FACE}" * 58
    assert clean_name(emoji) == emoji  # fine as a name and as a folder name
    with pytest.raises(FacemoodError) as error:
        check_can_record(tmp_path / f"{emoji}.npy", BLENDSHAPES, replace=False)
    message = str(error.value)
    assert "too long for a file name" in message and "bytes" in message and "\n" not in message
    assert list(tmp_path.iterdir()) == []  # refused before anything was written
    fits = "\N{GRINNING FACE}" * 40  # 160 bytes: the longest derived name (the rescue file) takes 204
    check_can_record(tmp_path / f"{fits}.npy", BLENDSHAPES, replace=False)


def test_a_profile_name_longer_than_a_folder_name_can_be_is_refused():
    with pytest.raises(FacemoodError, match="too long for a file name"):
        clean_name("\N{GRINNING FACE}" * 64, "profile")  # 256 bytes


def test_decomposed_names_are_measured_as_macos_stores_them():
    # macOS's HFS+ stores names decomposed and counts UTF-16 units: 'ǖ' is 2 bytes of UTF-8 but 3 units
    # (u, diaeresis, macron) once decomposed.
    assert file_name_length("\u01d6") == 3
    assert file_name_length("e\u0301") == file_name_length("\u00e9") == 2
    assert file_name_length("\N{GRINNING FACE}") == 4
    assert name_key("Cafe\u0301") == name_key("café")


def test_the_file_systems_own_limit_counts(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "pathconf", lambda folder, what: 143, raising=False)  # eCryptfs
    assert file_name_limit(tmp_path) == 143
    with pytest.raises(FacemoodError, match="more than the 143"):
        check_file_names("x" * 140, "emotion", ["x" * 140 + ".takes.json"], tmp_path)
