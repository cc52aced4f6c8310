"""Real Keras training on real MediaPipe rows (the astronaut upright vs. head frowning)."""

import numpy as np
import pytest

from facemood.dataset import load_dataset
from facemood.errors import FacemoodError
from facemood.model import load_model
from facemood.profile import resolve_profile

training = pytest.importorskip("facemood.training")


@pytest.fixture(scope="module")
def trained(detected_rows, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    for name, rows in detected_rows.items():
        np.save(data / f"{name}.npy", rows)
    return training.train(load_dataset([data]), training.TrainConfig(max_epochs=60))


def test_report_holds_out_the_last_fifth(trained, detected_rows):
    report = trained.report
    assert report.emotions == ["frowning", "upright"]
    assert report.holdout_rows == sum(int(np.ceil(len(r) * 0.2)) for r in detected_rows.values())
    assert report.heldout_accuracy >= 0.95
    assert np.array(report.confusion).sum() == report.holdout_rows
    assert set(report.per_emotion_accuracy) == {"frowning", "upright"}


def test_numpy_export_matches_keras(trained, detected_rows):
    rows = np.concatenate(list(detected_rows.values())).astype(np.float32)
    keras_out = trained.keras_model(rows, training=False).numpy()
    np.testing.assert_allclose(trained.mood_model.predict_proba(rows), keras_out, atol=1e-4)


def test_sitting_closer_or_farther_changes_nothing(trained, detected_rows):
    rows = detected_rows["upright"]
    base = trained.mood_model.predict_proba(rows)
    for factor in (0.7, 1.3):
        scaled = rows.copy()
        scaled[:, :1020] *= factor  # points move; blendshape scores do not depend on distance
        np.testing.assert_allclose(trained.mood_model.predict_proba(scaled), base, atol=1e-4)


def test_save_and_load_round_trip_and_mismatch(trained, tmp_path, detected_rows):
    import keras

    profile = resolve_profile(None, tmp_path)
    training.save(profile, trained)
    loaded = load_model(profile)
    assert loaded.emotions == ["frowning", "upright"] and loaded.layout.id == "blendshapes-1072"
    rows = detected_rows["frowning"][:5]
    np.testing.assert_allclose(loaded.predict_proba(rows), trained.mood_model.predict_proba(rows), atol=1e-6)
    reloaded = keras.saving.load_model(profile.keras_path)
    np.testing.assert_allclose(reloaded(rows.astype(np.float32)).numpy(), loaded.predict_proba(rows), atol=1e-4)

    np.save(profile.labels_path, np.array(["happy", "sad"]))
    with pytest.raises(FacemoodError, match="labels.npy"):
        load_model(profile)
    np.save(profile.labels_path, np.array(["frowning", "upright"]))
    profile.weights_path.write_bytes(b"garbage")
    with pytest.raises(FacemoodError, match="damaged"):
        load_model(profile)
