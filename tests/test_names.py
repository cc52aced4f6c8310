import pytest

from facemood.errors import FacemoodError
from facemood.names import clean_name


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
