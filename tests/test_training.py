"""Real training on real MediaPipe rows (the astronaut smiling upright vs frowning with her head tilted):
the honest held-out number, the choice of model, and invariance to how the head sits."""

import numpy as np
import pytest

from facemood.dataset import load_dataset
from facemood.geometry import tilt
from facemood.model import Head
from facemood.rows import BLENDSHAPES, CLASSIC

training = pytest.importorskip("facemood.training")


@pytest.fixture(scope="module")
def data_folder(detected_rows, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    for name, rows in detected_rows.items():
        np.save(data / f"{name}.npy", rows)
    return data


@pytest.fixture(scope="module")
def trained(data_folder):
    return training.train(load_dataset([data_folder]))


def test_report_holds_out_the_last_fifth_and_says_what_it_chose(trained, detected_rows):
    report = trained.report
    assert report.emotions == ["frowning", "upright"]
    assert report.holdout_rows == sum(int(np.ceil(len(r) * 0.2)) for r in detected_rows.values())
    assert report.heldout_accuracy >= 0.95
    assert np.array(report.confusion).sum() == report.holdout_rows
    linear = [c for c in report.candidates if c.head.startswith("softmax regression")]
    assert len(linear) == sum(isinstance(s, training.LinearSpec) for s in training.CANDIDATES)
    # A network is trained only when it could still win by the margin: not on emotions this distinct.
    best_linear = max(c.inner_accuracy for c in linear)
    assert best_linear > 0.95 and len(report.candidates) == len(linear)
    assert report.chosen in [c.head for c in report.candidates]
    assert trained.model.describe().startswith("1 head")


def test_the_held_out_rows_choose_nothing(data_folder, monkeypatch):
    """The rows the report is measured on never reach a fit or a choice before they are tested."""
    dataset = load_dataset([data_folder])
    rows = training.as_features(training.dataset_rows(dataset), dataset.layout)  # what the procedure sees
    report_rows = training.time_cut(rows, 0.2)[1]
    seen_by_procedure = []
    real = training.fit_and_choose

    def spy(part, *args, **kwargs):
        seen_by_procedure.append(part.x)
        return real(part, *args, **kwargs)

    monkeypatch.setattr(training, "fit_and_choose", spy)
    training.train(dataset)
    testing, final = seen_by_procedure
    held_out = {row.tobytes() for row in report_rows.x}
    assert not held_out & {row.tobytes() for row in testing}
    assert held_out <= {row.tobytes() for row in final}  # the saved model learns from every row


def test_a_tilted_head_and_the_distance_to_the_camera_change_nothing(trained, detected_rows):
    rows = np.concatenate(list(detected_rows.values()))
    base = trained.model.predict_proba(rows)
    for degrees in (-10, 10, 25):
        np.testing.assert_allclose(trained.model.predict_proba(tilt(rows, BLENDSHAPES, degrees)), base, atol=1e-4)
    for factor in (0.7, 1.3):
        scaled = rows.copy()
        scaled[:, :1020] *= factor  # points move; blendshape scores do not depend on distance
        np.testing.assert_allclose(trained.model.predict_proba(scaled), base, atol=1e-4)


def test_classic_tutorial_rows_train_as_is(detected_rows, tmp_path):
    for name, rows in detected_rows.items():
        np.save(tmp_path / f"{name}.npy", rows[:, :CLASSIC.width].astype(np.float64))
    result = training.train(load_dataset([tmp_path]))
    assert result.model.layout == CLASSIC and result.report.heldout_accuracy >= 0.9


def _fitted(spec, accuracy, loss=0.5):
    return training.FittedHead(spec, Head([np.zeros((2, 2))], [np.zeros(2)]), inner_accuracy=accuracy, inner_loss=loss)


def test_choosing_prefers_accuracy_then_a_stronger_ridge_and_a_network_only_by_a_margin():
    weak, strong = training.LinearSpec(1e-3), training.LinearSpec(0.3)
    network = training.NetworkSpec((64,))
    assert training.choose([_fitted(weak, 0.9), _fitted(strong, 0.8)], 0.05).spec == weak
    assert training.choose([_fitted(weak, 0.9), _fitted(strong, 0.9)], 0.05).spec == strong
    assert training.choose([_fitted(weak, 0.9, 0.3), _fitted(strong, 0.9, 0.6)], 0.05).spec == weak
    assert training.choose([_fitted(weak, 0.9), _fitted(network, 0.93)], 0.05).spec == weak
    assert training.choose([_fitted(weak, 0.9), _fitted(network, 0.96)], 0.05).spec == network


def test_a_network_is_chosen_where_no_softmax_regression_can_separate_the_emotions(detected_rows):
    """Two made-up emotions told apart only by the product of two mouth movements (wider or narrower,
    open or closed: an XOR), on real faces: no linear head can separate them, a hidden layer can."""
    rng = np.random.default_rng(0)
    base = detected_rows["upright"][:, :CLASSIC.width].astype(np.float64)
    rows, labels = [], []
    for i in range(480):
        face = base[i % len(base), :936].reshape(468, 2).copy()
        wider, opener = rng.choice([-1.0, 1.0], size=2)
        face[61, 0] -= 0.015 * wider  # mouth corners apart or together
        face[291, 0] += 0.015 * wider
        face[13, 1] -= 0.01 * opener  # lips apart or together
        face[14, 1] += 0.01 * opener
        rows.append(np.concatenate([face.ravel(), np.zeros(84)]))
        labels.append(int(wider * opener > 0))
    parts = training.LabelledRows(np.array(rows), np.array(labels))
    config = training.TrainConfig(candidates=(training.LinearSpec(1e-3), training.NetworkSpec((32,), noise=0.1)))
    fitted = training.fit_and_choose(training.as_features(parts, CLASSIC), CLASSIC, ["same", "opposite"], config)
    scores = [(f.spec, round(f.inner_accuracy, 3)) for f in fitted.candidates]
    assert isinstance(fitted.chosen.spec, training.NetworkSpec), scores
    assert fitted.candidates[0].inner_accuracy < 0.7, scores
