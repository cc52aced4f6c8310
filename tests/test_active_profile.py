"""The profile in use: switching and creating profiles, settings saved per profile, a broken model."""

from __future__ import annotations

import json

import pytest

from facemood.active_profile import ActiveProfile
from facemood.errors import FacemoodError
from facemood.profile import resolve_profile


def test_a_new_home_starts_on_the_default_profile_with_the_default_moods(home):
    profiles = ActiveProfile(home)
    assert profiles.profile.name == "default" and profiles.names() == ["default"]
    assert profiles.classifier.is_default and profiles.model_error is None
    assert profiles.settings.provider == "youtube" and profiles.settings.overlay


def test_settings_are_saved_per_profile_and_replaced_not_changed(home):
    profiles = ActiveProfile(home)
    before, revision = profiles.settings, profiles.revision
    profiles.save_settings(singer="Adele", provider="spotify", not_a_setting=1)
    assert before.singer == "" and profiles.settings.singer == "Adele"  # readers of `before` see no change
    assert profiles.revision == revision + 1
    assert json.loads(resolve_profile(None, home).settings_path.read_text())["provider"] == "spotify"
    profiles.create("anna")
    assert profiles.settings.singer == "" and profiles.names() == ["default", "anna"]
    profiles.select("default")
    assert profiles.settings.singer == "Adele" and ActiveProfile(home).settings.provider == "spotify"


def test_an_unknown_music_service_is_refused(home):
    profiles = ActiveProfile(home)
    with pytest.raises(FacemoodError, match="unknown music service 'deezer'"):
        profiles.save_settings(provider="deezer")
    assert profiles.settings.provider == "youtube"


def test_mood_words_blank_means_the_default_words(home):
    profiles = ActiveProfile(home)
    profiles.set_mood_words("sad", "  slow   blues ")
    assert profiles.settings.words_for("sad") == "slow blues" and profiles.settings.mood_words == {"sad": "slow blues"}
    profiles.set_mood_words("sad", "  ")
    assert profiles.settings.words_for("sad") == "sad" and profiles.settings.mood_words == {}
    profiles.save_settings(mood_goal="lift")
    assert profiles.settings.words_for("sad") == "uplifting"


def test_a_value_a_setting_cannot_take_is_refused_and_nothing_is_saved(home):
    profiles = ActiveProfile(home)
    for change in ({"mood_goal": "cheer"}, {"suggest_hold_seconds": -1}, {"suggest_songs": "yes"},
                   {"singer": "Adele", "suggest_every_minutes": "5"}):
        with pytest.raises(ValueError):
            profiles.save_settings(**change)
    assert profiles.settings == ActiveProfile(home).settings and profiles.settings.singer == ""
    assert not resolve_profile(None, home).settings_path.exists()


def test_profiles_are_created_once_with_a_clean_name(home):
    profiles = ActiveProfile(home)
    assert profiles.create("anna").data_dir == home / "data" / "anna"
    with pytest.raises(FacemoodError, match="already exists"):
        profiles.create("anna")
    with pytest.raises(FacemoodError):
        profiles.create("../escape")
    assert profiles.profile.name == "anna"
    assert ActiveProfile(home, user="anna").profile == profiles.profile


def test_a_broken_model_falls_back_to_the_default_moods_and_says_why(home):
    (home / "models").mkdir()
    (home / "models" / "mood_model.json").write_text("{broken")
    profiles = ActiveProfile(home)
    assert profiles.classifier.is_default
    assert "mood_model.json" in profiles.model_error and "default moods meanwhile" in profiles.model_error
    profiles.create("anna")  # a profile without a model: no error
    assert profiles.model_error is None


def test_a_model_trained_for_another_profile_is_not_swapped_in(home):
    profiles = ActiveProfile(home)
    profiles.create("anna")
    revision, classifier = profiles.revision, profiles.classifier
    assert not profiles.reload_model(resolve_profile(None, home))
    assert profiles.revision == revision and profiles.classifier is classifier
    assert profiles.reload_model(profiles.profile) and profiles.revision == revision + 1
