"""The three tools end to end, as a user runs them: real videos, real MediaPipe, real Keras."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests import media
from tests.conftest import ROOT, assert_clean_error, run_tool


def moods(output: str) -> list[str]:
    return [line.split("\t")[1] for line in output.splitlines() if line and not line.startswith("#")]


def snapshot(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def fresh_videos(tmp_path_factory):
    """Videos the model never saw: the same two expressions, moving differently."""
    folder = tmp_path_factory.mktemp("fresh")
    return {"upright": media.astronaut_video(folder / "upright.mp4", count=40, angle=0, phase=2.0),
            "frowning": media.astronaut_video(folder / "frowning.mp4", count=40, angle=25, phase=2.0,
                                              picture=media.frowning_astronaut_bgr())}


def test_record_train_recognise_round_trip(home, upright_video, frowning_video, fresh_videos):
    first = run_tool("collect.py", "upright", "--source", upright_video, "--frames", "40", "--home", home)
    assert first.code == 0, first.err
    assert "recorded 40 rows" in first.out
    second = run_tool("collect.py", "upright", "--source", upright_video, "--home", home)  # another take
    assert second.code == 0 and "now has 100 rows in 2 takes" in second.out, second.out + second.err
    frowning = run_tool("collect.py", "frowning", "--source", frowning_video, "--home", home, "--no-preview")
    assert frowning.code == 0, frowning.err
    assert np.load(home / "data" / "upright.npy").shape == (100, 1072)
    assert "Exception ignored" not in first.err + frowning.err and "Traceback" not in first.err + frowning.err

    trained = run_tool("train.py", "--home", home)
    assert trained.code == 0, trained.err
    assert "held-out accuracy" in trained.out and "confusion" in trained.out
    assert sorted(p.name for p in (home / "models").iterdir()) == ["mood_model.json", "mood_model.npz"]
    assert np.load(home / "labels.npy").tolist() == ["frowning", "upright"]

    for truth, video in fresh_videos.items():
        seen = run_tool("infer.py", "--no-window", "--source", video, "--home", home)
        assert seen.code == 0, seen.err
        assert "trained model" in seen.out.splitlines()[0]
        labels = moods(seen.out)
        assert len(labels) == 40
        assert labels.count(truth) >= 36, (truth, labels)


def test_classic_recordings_train_as_is(tmp_path, detected_rows, fresh_videos):
    """Files exactly as the tutorial scripts saved them: float64, 1020 columns, beside labels.npy."""
    classic = tmp_path / "tutorial"
    classic.mkdir()
    for name, rows in detected_rows.items():
        np.save(classic / f"{name}.npy", np.array(rows[:, :1020].tolist()))
    np.save(classic / "labels.npy", np.array(["old", "labels"]))
    np.save(classic / "emotion.npy", np.array(["upright"]))
    home = tmp_path / "home"
    trained = run_tool("train.py", "--home", home, "--data", classic)
    assert trained.code == 0, trained.err
    assert "classic-1020" in trained.out
    seen = run_tool("infer.py", "--no-window", "--source", fresh_videos["frowning"], "--home", home, "--every", "0.5")
    assert seen.code == 0, seen.err
    assert "classic-1020" in seen.out
    assert moods(seen.out).count("frowning") >= 2

    # New takes can extend a classic recording when asked to record in its layout.
    data = home / "data"
    data.mkdir()
    np.save(data / "upright.npy", np.array(detected_rows["upright"][:, :1020].tolist()))
    refused = run_tool("collect.py", "upright", "--source", fresh_videos["upright"], "--home", home, "--frames", "5")
    assert_clean_error(refused, "upright.npy", "--layout classic")
    added = run_tool("collect.py", "upright", "--source", fresh_videos["upright"], "--home", home, "--frames", "5",
                     "--layout", "classic")
    assert added.code == 0, added.err
    grown = np.load(data / "upright.npy")
    assert grown.shape == (65, 1020) and grown.dtype == np.float64


def test_before_training_the_default_moods_see_a_happy_astronaut(home, astronaut_png):
    seen = run_tool("infer.py", "--no-window", "--source", astronaut_png, "--home", home)
    assert seen.code == 0, seen.err
    assert "built-in default moods" in seen.out
    assert moods(seen.out) == ["happy"]


def test_infer_at_a_lower_rate_prints_one_line_per_analysed_frame(home, upright_video):
    seen = run_tool("infer.py", "--no-window", "--source", upright_video, "--home", home, "--rate", "10")
    assert seen.code == 0, seen.err
    times = [float(line.split("\t")[0]) for line in seen.out.splitlines() if not line.startswith("#")]
    assert len(times) == 20 and times[:4] == [0.0, 0.1, 0.2, 0.3]  # 2 s of video at 10 a second
    assert set(moods(seen.out)) == {"happy"}
    assert "20 frames in" in seen.err


def test_profiles_keep_people_apart(home, upright_video):
    done = run_tool("collect.py", "smile", "--user", "anna", "--source", upright_video, "--frames", "5",
                    "--home", home)
    assert done.code == 0, done.err
    assert (home / "data" / "anna" / "smile.npy").exists() and not (home / "data" / "smile.npy").exists()
    assert_clean_error(run_tool("train.py", "--user", "anna", "--home", home), "only one emotion")
    assert_clean_error(run_tool("collect.py", "x", "--user", "../bob", "--home", home), "profile name")


def test_bad_input_gives_one_line_and_exit_2_and_loses_nothing(home, tmp_path, upright_video, no_face_video):
    data = home / "data"
    data.mkdir()
    np.save(data / "happy.npy", np.random.default_rng(0).normal(size=(20, 1072)))
    before = snapshot(home)
    cases = [
        (("collect.py", "../x", "--source", upright_video), ("emotion name",)),
        (("collect.py", "", "--source", upright_video), ("empty",)),
        (("collect.py", "Happy", "--source", upright_video), ("clashes",)),
        (("collect.py", "happy", "--source", tmp_path / "missing.mp4"), ("missing.mp4",)),
        (("collect.py", "happy", "--source", tmp_path), ("holds no images",)),
        (("collect.py", "happy", "--source", "7"), ("camera 7",)),
        (("collect.py", "happy", "--source", no_face_video), ("no face", "earlier takes kept")),
        (("collect.py", "happy", "--source", upright_video, "--face-model", tmp_path / "x.task"), ("x.task",)),
        (("collect.py", "happy", "--source", upright_video, "--frames", "0"), ("--frames",)),
        (("train.py",), ("only one emotion",)),
        (("train.py", "--data", tmp_path / "nowhere"), ("nowhere",)),
        (("infer.py", "--no-window", "--source", tmp_path / "missing.png"), ("missing.png",)),
        (("infer.py", "--no-window", "--threshold", "2"), ("--threshold",)),
        (("infer.py", "--no-window", "--rate", "-1"), ("--rate",)),
        (("infer.py",), ("display",)),
    ]
    for args, fragments in cases:
        assert_clean_error(run_tool(*args, "--home", home), *fragments)
    broken = data / "sad.npy"
    broken.write_bytes(b"not numpy")
    assert_clean_error(run_tool("train.py", "--home", home), "sad.npy")
    broken.unlink()
    assert snapshot(home) == before
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "data").write_text("a file where the data folder should be")
    assert_clean_error(run_tool("collect.py", "happy", "--source", upright_video, "--home", blocked),
                       "cannot write recordings", "data")


def test_the_coach_warns_of_a_take_where_the_face_was_often_missing(home, tmp_path, detected_rows):
    """A real video where the astronaut leaves the picture for a third of the take: collect.py keeps the
    take's frames and frames without a face, and train.py's coach says so with what to do."""
    frames = media.moving_frames(20) + [media.blank_frame()] * 20 + media.moving_frames(20, phase=1.0)
    video = media.write_video(tmp_path / "gone-for-a-while.mp4", frames)
    recorded = run_tool("collect.py", "upright", "--source", video, "--home", home)
    assert recorded.code == 0, recorded.err
    take = json.loads((home / "data" / "upright.takes.json").read_text())[0]
    assert (take["frames"], take["count"], take["frames_without_face"]) == (60, 40, 20), take
    assert "20 of 60 frames had no face" in recorded.out
    np.save(home / "data" / "frowning.npy", detected_rows["frowning"])  # a classic file: frames unknown

    trained = run_tool("train.py", "--home", home)
    assert trained.code == 0, trained.err
    advice = trained.out.split("to do better:\n", 1)[1]
    assert "Take 1 of upright: 20 of 60 frames had no face. Face the camera in good light" in advice
    assert advice.count("had no face") == 1  # none for frowning, whose frames are unknown
    assert "frowning and upright are one take each." in advice and "upright has only 40 rows." in advice


def test_model_and_labels_mismatch_is_refused(home, upright_video, frowning_video):
    for name, video in (("upright", upright_video), ("frowning", frowning_video)):
        assert run_tool("collect.py", name, "--source", video, "--frames", "30", "--home", home).code == 0
    assert run_tool("train.py", "--home", home).code == 0
    np.save(home / "labels.npy", np.array(["happy", "sad", "angry"]))
    assert_clean_error(run_tool("infer.py", "--no-window", "--source", upright_video, "--home", home),
                       "labels.npy", "train.py")


def _start_and_wait_for(args: list, marker: str, stream: str = "stderr") -> subprocess.Popen:
    """Start a tool and read its stderr (or stdout) until a line holding `marker` shows."""
    proc = subprocess.Popen([sys.executable, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    lines = getattr(proc, stream)
    line = lines.readline()
    deadline = time.monotonic() + 120
    while marker not in line and time.monotonic() < deadline and line:
        line = lines.readline()
    assert marker in line, f"no {marker!r} from {args[0]}"
    return proc


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_ctrl_c_or_kill_mid_take_keeps_every_row(home, tmp_path, signum):
    long_video = media.astronaut_video(tmp_path / "long.mp4", count=900)
    first = run_tool("collect.py", "calm", "--source", long_video, "--frames", "10", "--home", home)
    assert first.code == 0, first.err
    # The tool logs a line every 50 rows when stderr is not a terminal: interrupt after the first.
    proc = _start_and_wait_for([ROOT / "collect.py", "calm", "--source", long_video, "--frames", "5000",
                                "--home", home], "50/5000")
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, (out, err)
    # A signal in the middle of a MediaPipe call used to leave half-built objects that printed
    # "Exception ignored in ... __del__" tracebacks at exit.
    assert "Traceback" not in err and "Exception ignored" not in err, err
    rows = np.load(home / "data" / "calm.npy")
    assert rows.shape[0] >= 60  # the first take's 10 rows and at least 50 of the interrupted take
    assert "now has" in out and "saved" in err


def test_ctrl_c_stops_infer_between_frames(home, tmp_path):
    long_video = media.astronaut_video(tmp_path / "long.mp4", count=900)
    # Frame times print with three decimals; wait for the one at 1 s (the 31st frame at 30 frames/s).
    proc = _start_and_wait_for([ROOT / "infer.py", "--no-window", "--source", long_video, "--home", home],
                               "1.000\t", stream="stdout")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert "stopped" in err and "frames in" in err
    last_time = float(([line for line in out.splitlines() if line] or ["1.0"])[-1].split("\t")[0])
    assert 1.0 <= last_time < 29.0  # it stopped part way through the 30 s video


def test_first_signal_asks_to_stop_second_stops_at_once():
    from facemood.cli.common import StopOnSignal

    before = signal.getsignal(signal.SIGINT)
    with StopOnSignal() as stop:
        assert not stop.requested and stop.exit_code == 0
        signal.raise_signal(signal.SIGTERM)
        assert stop.requested and stop.exit_code == 128 + signal.SIGTERM
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_take_stopped_before_its_first_row_keeps_earlier_takes(home, capsys):
    from facemood.cli.collect import _save
    from facemood.recording import TakeRecorder
    from facemood.rows import BLENDSHAPES

    path = home / "data" / "calm.npy"
    path.parent.mkdir()
    np.save(path, np.ones((3, BLENDSHAPES.width), np.float32))
    before = path.read_bytes()
    code = _save(TakeRecorder(path, BLENDSHAPES, "camera 0"), path, None, interrupted=130)
    assert code == 130
    assert "stopped before any row was recorded; earlier takes kept in" in capsys.readouterr().err
    assert path.read_bytes() == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_names_pipes_and_empty_folders_are_refused_before_anything_is_written(home, tmp_path, upright_video):
    data = home / "data"
    data.mkdir()
    np.save(data / "happy.npy", np.random.default_rng(0).normal(size=(20, 1072)) * 0.1)
    np.save(data / "calm.npy", np.random.default_rng(1).normal(size=(20, 1072)) * 0.1)
    before = snapshot(home)
    pipe = tmp_path / "camera.mp4"
    os.mkfifo(pipe)  # nothing writes to it: opening it plainly blocks, deaf to Ctrl-C
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        # 58 emoji are 58 characters but 232 bytes: the take was recorded, then its files could not be named.
        (("collect.py", "\N{GRINNING FACE}" * 58, "--source", upright_video), ("too long for a file name",)),
        (("collect.py", "happy", "--source", pipe), ("camera.mp4 is a named pipe",)),
        (("infer.py", "--no-window", "--source", pipe), ("camera.mp4 is a named pipe",)),
        (("train.py", "--data", empty), (str(empty), "holds no recordings")),
        (("train.py", "--data", pipe), ("camera.mp4: not a folder",)),
    ]
    for args, fragments in cases:
        assert_clean_error(run_tool(*args, "--home", home, timeout=120), *fragments)
    assert snapshot(home) == before
    os.mkfifo(data / "sad.npy")
    assert_clean_error(run_tool("train.py", "--home", home, timeout=120), "sad.npy is a named pipe")
    assert_clean_error(run_tool("collect.py", "sad", "--source", upright_video, "--home", home, timeout=120),
                       "sad.npy is a named pipe")


def test_signals_while_a_take_is_saved_wait_for_the_save():
    """A second Ctrl-C used to raise KeyboardInterrupt in the middle of writing the take, which lost it."""
    from facemood.cli.common import StopOnSignal

    with StopOnSignal() as stop:
        signal.raise_signal(signal.SIGINT)
        with stop.saving():
            signal.raise_signal(signal.SIGTERM)
            signal.raise_signal(signal.SIGINT)
        assert stop.exit_code == 130  # the first signal's
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)


@pytest.mark.parametrize("tool", ["collect", "train", "infer"])
def test_ctrl_c_while_the_libraries_load_stops_without_a_traceback(tool):
    """Ctrl-C in the second a tool spends importing OpenCV and numpy used to print a KeyboardInterrupt
    traceback. An import hook stands in for the keypress, at the same place every time."""
    code = ("import runpy, sys\n"
            "class CtrlC:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            f"        if name == 'facemood.cli.{tool}':\n"
            "            raise KeyboardInterrupt\n"
            "sys.meta_path.insert(0, CtrlC())\n"
            f"sys.argv = [{str(ROOT / f'{tool}.py')!r}]\n"
            "runpy.run_path(sys.argv[0], run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 130 and done.stderr == f"{tool}.py: stopped\n", done


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_a_signal_after_the_work_is_done_ends_the_tool_without_a_traceback(signum):
    """bench/faults.py found it: a SIGTERM 3 ms after train.py had saved its model came while Python
    was shutting down, and printed a KeyboardInterrupt traceback (with exit 0)."""
    code = ("import os, signal, time\n"
            "from facemood.cli.common import run\n"
            "code = run(lambda argv: print('saved') or 0)\n"
            f"os.kill(os.getpid(), {int(signum)})\n"
            "time.sleep(5)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert (done.returncode, done.stdout, done.stderr) == (128 + signum, "saved\n", ""), done


def test_train_data_folder_without_recordings_is_a_mistake(home, tmp_path):
    """`train.py --data EMPTY` used to train on the profile's own recordings alone, saying nothing."""
    from facemood.cli.train import _folders
    from facemood.errors import FacemoodError
    from facemood.profile import resolve_profile

    profile = resolve_profile(None, home)
    profile.data_dir.mkdir()
    np.save(profile.data_dir / "happy.npy", np.zeros((5, 1072)))
    empty, old = tmp_path / "empty", tmp_path / "old"
    empty.mkdir()
    old.mkdir()
    (empty / "notes.txt").write_text("no recordings here")
    np.save(old / "sad.npy", np.zeros((5, 1020)))
    assert _folders(profile, [old]) == [profile.data_dir, old]
    with pytest.raises(FacemoodError, match=f"--data {empty} holds no recordings"):
        _folders(profile, [old, empty])
