"""The Train button's job: train.py in a subprocess (the real one on real rows), its progress and outcome,
and a child that floods stderr (more than a pipe holds) without stalling either pipe."""

from __future__ import annotations

import json
import sys
import textwrap
import time

import numpy as np

from facemood.active_profile import ActiveProfile
from facemood.profile import resolve_profile
from facemood.resources import tool_command
from facemood.training_job import TrainingJob, error_line, train_command

PIPE_BUFFER = 65536  # Linux's default; the flood below is many times that


def wait_until_done(job: TrainingJob, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while job.status.running:
        assert time.monotonic() < deadline, f"the training job did not finish within {timeout} s: {job.status}"
        time.sleep(0.05)


def child(code: str) -> list[str]:
    """A stand-in for train.py: a Python child running `code`."""
    return [sys.executable, "-c", textwrap.dedent(code)]


def test_train_command_runs_train_py_for_the_profile(tmp_path):
    default = resolve_profile(None, None)
    assert train_command(default, None) == [*tool_command("train"), "--json"]
    anna = resolve_profile("anna", tmp_path)
    assert train_command(anna, tmp_path)[-4:] == ["--user", "anna", "--home", str(tmp_path)]


def test_stderr_larger_than_a_pipe_buffer_stalls_nothing(home):
    """train.py's warnings go to stderr before its progress goes to stdout: reading stdout to the end
    first would leave the child blocked on a full stderr pipe and the job waiting forever."""
    trained = []
    job = TrainingJob(on_trained=trained.append)
    profile = resolve_profile(None, home)
    job.start(child(f"""
        import json, sys
        sys.stderr.write("W warning from a native library\\n" * {8 * PIPE_BUFFER // 32})
        sys.stderr.flush()
        print(json.dumps({{"stage": "training", "fraction": 0.5}}), flush=True)
        print(json.dumps({{"stage": "done", "fraction": 1.0, "report": {{"heldout_accuracy": 0.9}}}}), flush=True)
    """), profile)
    wait_until_done(job, timeout=30)
    assert job.status.error is None and job.status.report == {"heldout_accuracy": 0.9}
    assert job.status.fraction == 1.0 and trained == [profile]


def test_a_failure_reports_train_pys_last_line_after_a_flood_of_warnings(home):
    trained = []
    job = TrainingJob(on_trained=trained.append)
    job.start(child(f"""
        import sys
        print("not json, skipped", flush=True)
        sys.stderr.write("W noise\\n" * {4 * PIPE_BUFFER // 8})
        sys.stderr.write("train.py: error: only one emotion ('joy'): record at least one more\\n\\n")
        sys.exit(2)
    """), resolve_profile(None, home))
    wait_until_done(job, timeout=30)
    assert job.status.error == "only one emotion ('joy'): record at least one more"
    assert not job.status.running and trained == []


def test_one_training_at_a_time_and_a_command_that_cannot_start(home):
    job = TrainingJob(on_trained=lambda profile: None)
    profile = resolve_profile(None, home)
    assert job.start(child("import time; time.sleep(2)"), profile)
    assert not job.start(child("pass"), profile)
    wait_until_done(job)
    assert job.status.error == "train.py exited with code 0"  # no report: not a success
    job.start([str(home / "no-such-program")], profile)
    wait_until_done(job)
    assert job.status.error.startswith("could not start training:")


def test_error_line_drops_the_tools_prefix():
    assert error_line(["warning", "train.py: error: disk full", "  "], 2) == "disk full"
    assert error_line([], -9) == "train.py exited with code -9"


def test_the_real_train_py_reports_progress_and_its_model_is_swapped_in(home, detected_rows):
    (home / "data").mkdir()
    for name, rows in detected_rows.items():
        np.save(home / "data" / f"{name}.npy", rows)
    profiles = ActiveProfile(home)
    seen = []
    job = TrainingJob(on_trained=lambda profile: seen.append(profiles.reload_model(profile)))
    job.start(train_command(profiles.profile, home), profiles.profile)
    fractions = []
    while job.status.running:
        fractions.append(job.status.fraction)
        time.sleep(0.05)
    status = job.status
    assert status.error is None and seen == [True], status
    assert status.report["emotions"] == ["frowning", "upright"] and 0 <= status.report["heldout_accuracy"] <= 1
    assert fractions == sorted(fractions) and status.fraction == 1.0
    assert not profiles.classifier.is_default and profiles.classifier.emotions == ["frowning", "upright"]
    assert json.loads(profiles.profile.meta_path.read_text())["emotions"] == ["frowning", "upright"]
