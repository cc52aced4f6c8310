"""Where a profile keeps its recordings, model and labels.

The default profile is laid out exactly as the user asked: data/<emotion>.npy, models/, labels.npy at the
top of the facemood home (the checkout, or the user's data folder when installed: see resources.py).
`--user NAME` keeps another person apart: data/NAME/, models/NAME/ (with its labels.npy inside).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .names import clean_name
from .resources import default_home

DEFAULT_PROFILE = "default"
MODEL_STEM = "mood_model"


@dataclass(frozen=True)
class Profile:
    name: str
    data_dir: Path
    models_dir: Path
    labels_path: Path

    @property
    def keras_path(self) -> Path:
        return self.models_dir / f"{MODEL_STEM}.keras"

    @property
    def weights_path(self) -> Path:
        """The numpy export inference runs on (no TensorFlow needed)."""
        return self.models_dir / f"{MODEL_STEM}.npz"

    @property
    def meta_path(self) -> Path:
        return self.models_dir / f"{MODEL_STEM}.json"

    @property
    def history_path(self) -> Path:
        return self.data_dir / "history.sqlite3"

    @property
    def settings_path(self) -> Path:
        return self.data_dir / "settings.json"

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_PROFILE

    @property
    def user_flag(self) -> str:
        """What a command line needs to name this profile: "" for the default one, " --user NAME" otherwise."""
        return "" if self.is_default else f" --user {self.name}"


def resolve_profile(user: str | None = None, home: Path | None = None) -> Profile:
    """The profile for `--user NAME` (None or "default" gives the default profile)."""
    home = Path(home) if home is not None else default_home()
    if user is None or user == DEFAULT_PROFILE:
        return Profile(DEFAULT_PROFILE, home / "data", home / "models", home / "labels.npy")
    name = clean_name(user, kind="profile")
    models = home / "models" / name
    return Profile(name, home / "data" / name, models, models / "labels.npy")


def list_profiles(home: Path | None = None) -> list[str]:
    """The default profile plus every data/NAME/ folder."""
    home = Path(home) if home is not None else default_home()
    data = home / "data"
    users = sorted(p.name for p in data.iterdir() if p.is_dir() and not p.name.startswith(".")) if data.is_dir() else []
    return [DEFAULT_PROFILE, *users]
