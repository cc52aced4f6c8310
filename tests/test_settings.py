"""Per-profile settings: defaults, a UTF-8 round trip, and forgiving reads of broken files."""

from __future__ import annotations

import json
import logging

import pytest

from facemood.errors import FacemoodError
from facemood.recommend import PROVIDERS
from facemood.settings import Settings, check_setting, load_settings, save_settings
from facemood.suggest import SuggestPolicy


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


# --- match or lift, suggestions, and files written before they existed ---------------------------------


def test_a_file_from_before_match_or_lift_loads_with_the_new_defaults(tmp_path):
    # Exactly what save_settings wrote before mood_goal and the suggestion settings existed.
    path = tmp_path / "settings.json"
    path.write_text('{\n  "singer": "Arijit Singh",\n  "language": "Hindi",\n  "provider": "youtube_music",\n'
                    '  "mood_words": {\n    "sad": "uplifting"\n  },\n  "overlay": false\n}\n', encoding="utf-8")
    settings = load_settings(path)
    assert settings == Settings(singer="Arijit Singh", language="Hindi", provider="youtube_music",
                                mood_words={"sad": "uplifting"}, overlay=False)
    assert (settings.mood_goal, settings.suggest_songs, settings.suggest_hold_seconds,
            settings.suggest_every_minutes) == ("match", False, 20.0, 5.0)
    save_settings(path, settings)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["mood_goal"] == "match" and saved["suggest_songs"] is False and saved["singer"] == "Arijit Singh"


def test_match_or_lift_decides_the_words_the_user_has_not_set():
    match = Settings(mood_words={"angry": "metal", "rock": "AC/DC", "greeting": " "})
    lift = Settings(mood_goal="lift", mood_words=match.mood_words)
    assert [match.words_for(e) for e in ("sad", "angry", "happy", "rock", "greeting")] == [
        "sad", "metal", "happy", "AC/DC", "popular"]
    assert [lift.words_for(e) for e in ("sad", "angry", "happy", "rock", "greeting")] == [
        "uplifting", "metal", "happy", "AC/DC", "popular"]  # the user's own words still win
    assert lift.default_words_for("angry") == "calming" and match.default_words_for("angry") == "angry"


def test_new_settings_round_trip(tmp_path):
    path = tmp_path / "settings.json"
    settings = Settings(mood_goal="lift", suggest_songs=True, suggest_hold_seconds=30, suggest_every_minutes=2.5)
    save_settings(path, settings)
    assert load_settings(path) == settings


@pytest.mark.parametrize("key, value", [("mood_goal", "cheer"), ("mood_goal", 1), ("suggest_songs", "yes"),
                                        ("suggest_hold_seconds", 0), ("suggest_hold_seconds", True),
                                        ("suggest_hold_seconds", "20"), ("suggest_hold_seconds", 1e9),
                                        ("suggest_every_minutes", -1)])
def test_bad_new_values_fall_back_to_their_defaults(tmp_path, caplog, key, value):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({key: value, "singer": "kept"}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="facemood.settings"):
        assert load_settings(path) == Settings(singer="kept")
    assert key in caplog.text


def test_whole_numbers_are_read_as_seconds_and_minutes(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"suggest_hold_seconds": 45, "suggest_every_minutes": 0}', encoding="utf-8")
    settings = load_settings(path)
    assert settings.suggest_hold_seconds == 45.0 and isinstance(settings.suggest_hold_seconds, float)
    assert settings.suggest_policy() == SuggestPolicy(enabled=False, hold_seconds=45.0, cooldown_seconds=0.0)


def test_the_suggestion_policy_follows_the_settings():
    assert Settings().suggest_policy() == SuggestPolicy(enabled=False, hold_seconds=20.0, cooldown_seconds=300.0)
    assert Settings(suggest_songs=True, suggest_every_minutes=10).suggest_policy().cooldown_seconds == 600.0


def test_values_from_outside_are_checked_one_setting_at_a_time():
    assert check_setting("mood_goal", "lift") == "lift"
    assert check_setting("suggest_hold_seconds", 30) == 30.0
    assert isinstance(check_setting("suggest_every_minutes", 0), float)
    assert check_setting("mood_words", {"sad": "uplifting"}) == {"sad": "uplifting"}
    for name, value, wanted in [("mood_goal", "cheer", "one of match, lift"), ("suggest_songs", "yes", "true or false"),
                                ("suggest_hold_seconds", 0, "from 1 to 3600"),
                                ("suggest_hold_seconds", True, "seconds"),
                                ("suggest_every_minutes", float("nan"), "minutes"),
                                ("mood_words", {"sad": 1}, "words"), ("provider", "deezer", "youtube")]:
        with pytest.raises(ValueError, match=wanted):
            check_setting(name, value)
