"""Per-profile settings: defaults, a UTF-8 round trip, and forgiving reads of broken files."""

from __future__ import annotations

import json
import logging

import pytest

from facemood.errors import FacemoodError
from facemood.recommend import PROVIDERS
from facemood.settings import Settings, load_settings, save_settings


def test_defaults():
    settings = Settings()
    assert (settings.singer, settings.language, settings.provider, settings.mood_words, settings.overlay) == (
        "", "", "youtube", {}, True)
    assert settings.provider in PROVIDERS
    assert Settings().mood_words is not settings.mood_words  # no shared mutable default


def test_missing_file_gives_defaults(tmp_path):
    assert load_settings(tmp_path / "nowhere" / "settings.json") == Settings()


def test_round_trip_with_unicode(tmp_path):
    path = tmp_path / "data" / "प्रिया" / "settings.json"  # the folder is created
    settings = Settings(singer="श्रेया घोषाल", language="हिंदी", provider="spotify",
                        mood_words={"sad": "uplifting", "happy": "dance 💃", "wütend": "ruhig"}, overlay=False)
    save_settings(path, settings)
    assert load_settings(path) == settings
    text = path.read_text(encoding="utf-8")
    assert "श्रेया घोषाल" in text and "\\u" not in text  # readable UTF-8, not escapes
    assert json.loads(text)["provider"] == "spotify"
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temporary file left behind


def test_saving_again_replaces_the_file(tmp_path):
    path = tmp_path / "settings.json"
    save_settings(path, Settings(singer="first"))
    save_settings(path, Settings(singer="second"))
    assert load_settings(path).singer == "second"


@pytest.mark.parametrize("content", [b"{not json", b"", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b"null", b'"text"'])
def test_corrupt_file_gives_defaults_and_is_left_untouched(tmp_path, caplog, content):
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="facemood.settings"):
        assert load_settings(path) == Settings()
    assert str(path) in caplog.text
    assert path.read_bytes() == content


def test_a_folder_in_place_of_the_file_gives_defaults(tmp_path):
    (tmp_path / "settings.json").mkdir()
    assert load_settings(tmp_path / "settings.json") == Settings()


def test_wrong_types_fall_back_field_by_field(tmp_path, caplog):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"singer": 42, "language": "tamil", "provider": ["youtube"], "overlay": "yes",
                                "mood_words": {"sad": "uplifting", "happy": 3, "angry": None}}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="facemood.settings"):
        settings = load_settings(path)
    assert settings == Settings(language="tamil", mood_words={"sad": "uplifting"})
    assert "singer" in caplog.text and "overlay" in caplog.text


def test_mood_words_that_are_not_an_object_are_ignored(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"singer": "x", "mood_words": ["sad", "uplifting"]}), encoding="utf-8")
    assert load_settings(path) == Settings(singer="x")


def test_unknown_provider_becomes_youtube_and_unknown_keys_are_ignored(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"provider": "deezer", "singer": "x", "theme": "dark", "volume": 7}),
                    encoding="utf-8")
    assert load_settings(path) == Settings(singer="x", provider="youtube")


def test_overlay_must_be_a_real_boolean(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"overlay": 0}', encoding="utf-8")
    assert load_settings(path).overlay is True
    path.write_text('{"overlay": false}', encoding="utf-8")
    assert load_settings(path).overlay is False


def test_words_for_falls_back_to_the_emotion_name():
    settings = Settings(mood_words={"sad": "  uplifting   happy ", "angry": "   ", "calm": ""})
    assert settings.words_for("sad") == "uplifting happy"
    assert settings.words_for("angry") == "angry"
    assert settings.words_for("calm") == "calm"
    assert settings.words_for("surprised") == "surprised"


def test_save_to_an_unwritable_place_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(FacemoodError, match="cannot save the settings"):
        save_settings(blocker / "settings.json", Settings())
