"""Saving and loading a profile's model as one unit: damaged or mismatched files, and kills mid-save."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from facemood.errors import FacemoodError
from facemood.model import Head, MoodModel
from facemood.model_store import JOURNAL_NAME, has_model, load_model, recover, save_model
from facemood.profile import resolve_profile
from facemood.rows import CLASSIC
from tests.conftest import ROOT, run_tool


def make_model(emotions, seed=0) -> MoodModel:
    rng = np.random.default_rng(seed)
    head = Head([rng.normal(size=(CLASSIC.width, len(emotions)))], [rng.normal(size=len(emotions))])
    return MoodModel(CLASSIC, list(emotions), "upright", np.zeros(CLASSIC.width), np.ones(CLASSIC.width), [head])


def leftovers(profile) -> list[str]:
    folders = {profile.models_dir, profile.labels_path.parent}
    return sorted(p.name for folder in folders if folder.is_dir() for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture
def profile(tmp_path):
    return resolve_profile(None, tmp_path)


def test_round_trip_with_the_report(profile):
    assert not has_model(profile)
    model_id = save_model(profile, make_model(["calm", "joy"]), {"heldout_accuracy": 0.9, "chosen": "x"})
    loaded = load_model(profile)
    assert loaded.emotions == ["calm", "joy"] and loaded.meta["model_id"] == model_id
    assert loaded.meta["heldout_accuracy"] == 0.9 and has_model(profile)
    assert np.load(profile.labels_path).tolist() == ["calm", "joy"]
    assert leftovers(profile) == []


def test_a_stale_report_id_cannot_pass_for_the_new_model(profile):
    save_model(profile, make_model(["calm", "joy"]), {"model_id": "stale", "emotions": ["x"]})
    meta = json.loads(profile.meta_path.read_text())
    assert meta["model_id"] != "stale" and meta["emotions"] == ["calm", "joy"]


@pytest.mark.parametrize("damage, fragment", [
    ("npz zero bytes", "mood_model.npz"), ("npz truncated", "mood_model.npz"),
    ("json not an object", "mood_model.json"), ("json not json", "mood_model.json"),
    ("json deleted", "incomplete"), ("npz deleted", "incomplete"), ("labels deleted", "incomplete"),
    ("labels of another model", "labels.npy"), ("npz of another training", "different trainings"),
    ("labels not names", "labels.npy"),
])
def test_every_damaged_model_is_one_clear_error(profile, damage, fragment):
    save_model(profile, make_model(["calm", "joy"]), {})
    if damage == "npz zero bytes":
        profile.weights_path.write_bytes(b"")
    elif damage == "npz truncated":
        profile.weights_path.write_bytes(profile.weights_path.read_bytes()[:500])
    elif damage == "json not an object":
        profile.meta_path.write_text("[1, 2, 3]")
    elif damage == "json not json":
        profile.meta_path.write_text("{broken")
    elif damage.endswith("deleted"):
        {"json": profile.meta_path, "npz": profile.weights_path, "labels": profile.labels_path}[damage.split()[0]].unlink()
    elif damage == "labels of another model":
        np.save(profile.labels_path, np.array(["happy", "sad"]))
    elif damage == "labels not names":
        np.save(profile.labels_path, np.arange(2))
    elif damage == "npz of another training":
        old = profile.meta_path.read_text()
        save_model(profile, make_model(["calm", "joy"], seed=1), {})
        profile.meta_path.write_text(old)
    with pytest.raises(FacemoodError, match=fragment):
        load_model(profile)
    assert has_model(profile)  # a broken model is not "no model": the window says so


def test_non_finite_models_are_never_saved_and_the_old_one_stays(profile):
    save_model(profile, make_model(["calm", "joy"]), {"heldout_accuracy": 0.8})
    broken = make_model(["a", "b"], seed=2)
    broken.heads[0].kernels[0][3, 0] = np.nan
    with pytest.raises(FacemoodError, match="not finite"):
        save_model(profile, broken, {})
    with pytest.raises(FacemoodError, match="held-out accuracy of nan"):
        save_model(profile, make_model(["a", "b"]), {"heldout_accuracy": float("nan")})
    assert load_model(profile).emotions == ["calm", "joy"] and leftovers(profile) == []


def test_a_save_cut_before_its_commit_leaves_the_old_model(profile, monkeypatch):
    import facemood.model_store as store

    save_model(profile, make_model(["calm", "joy"]), {})

    def cut(*args, **kwargs):
        raise KeyboardInterrupt  # as if killed while writing the journal

    monkeypatch.setattr(store, "atomic_write", cut)
    with pytest.raises(KeyboardInterrupt):
        save_model(profile, make_model(["a", "b", "c"]), {})
    monkeypatch.undo()
    assert load_model(profile).emotions == ["calm", "joy"] and leftovers(profile) == []


def test_a_save_cut_after_its_commit_is_finished_by_the_next_reader(profile, monkeypatch):
    import facemood.model_store as store

    save_model(profile, make_model(["calm", "joy"]), {})
    real_replace = os.replace
    moved = []

    def one_rename_then_die(source, target):
        if moved:
            raise SystemExit("killed between two renames")
        moved.append(target)
        real_replace(source, target)

    monkeypatch.setattr(store.os, "replace", one_rename_then_die)
    with pytest.raises(SystemExit):
        save_model(profile, make_model(["a", "b", "c"]), {})
    monkeypatch.undo()
    assert (profile.models_dir / JOURNAL_NAME).exists()  # committed, half moved
    assert load_model(profile).emotions == ["a", "b", "c"]
    assert leftovers(profile) == []


SAVER = textwrap.dedent("""
    import sys, numpy as np
    sys.path.insert(0, sys.argv[2])
    from tests.test_model_store import make_model
    from facemood.model_store import save_model
    from facemood.profile import resolve_profile
    profile = resolve_profile(None, sys.argv[1])
    print("ready", flush=True)
    for i in range(10**6):
        emotions = ["calm", "joy"] if i % 2 else ["a", "b", "c"]
        save_model(profile, make_model(emotions, seed=i), {"round": i})
""")


def test_kills_at_any_instant_of_saving_leave_one_whole_model(tmp_path):
    """A child saves models in a loop (two different ones in turn); it is killed at random instants with
    SIGKILL, SIGTERM or SIGINT; after each kill the next reader finds one whole model and no leftovers,
    and infer.py runs with it."""
    profile = resolve_profile(None, tmp_path)
    save_model(profile, make_model(["calm", "joy"]), {})
    rng = np.random.default_rng(0)
    kinds = [signal.SIGKILL] * 14 + [signal.SIGTERM] * 5 + [signal.SIGINT] * 5
    seen = set()
    for n, signum in enumerate(kinds):
        child = subprocess.Popen([sys.executable, "-c", SAVER, str(tmp_path), str(ROOT)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.0, 0.4)))
        child.send_signal(signum)
        child.communicate(timeout=30)
        recover(profile)
        model = load_model(profile)
        assert model.emotions in (["calm", "joy"], ["a", "b", "c"])
        assert np.load(profile.labels_path).tolist() == model.emotions
        assert leftovers(profile) == [], (n, signum)
        seen.add(tuple(model.emotions))
        if n % 8 == 0:
            result = run_tool("infer.py", "--no-window", "--source", ROOT / "tests" / "data" / "opencv_right04.jpg",
                              "--home", tmp_path)
            assert result.code == 0 and "trained model (" in result.out, result.err
    assert len(seen) == 2  # the kills landed in both kinds of save
