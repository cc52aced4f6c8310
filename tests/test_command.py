"""The `facemood` command (here `python -m facemood`, the same entry point as the installed console script):
the window by default, each tool as a command with its flags, exit codes and messages, and --where."""

from __future__ import annotations

from tests.conftest import ROOT, assert_clean_error, run_tool
from tests.test_cli import moods


def test_each_tool_reads_well_as_a_script_and_as_a_command():
    for tool, example in (("collect", "happy"), ("train", "--user anna"), ("infer", "--no-window --every 1")):
        command = run_tool("facemood", tool, "--help")
        assert command.code == 0, command.err
        assert command.out.startswith(f"usage: facemood {tool} ")
        assert f"\n  facemood {tool} " in command.out and ".py" not in command.out.split("examples:")[1]
        script = run_tool(f"{tool}.py", "--help")
        assert script.code == 0 and script.out.startswith(f"usage: {tool}.py ")
        assert f"\n  python {tool}.py " in script.out
    top = run_tool("facemood", "--help")
    assert top.code == 0
    for name in ("collect", "train", "infer", "export", "import", "--where", "--install-desktop-entry"):
        assert name in top.out


def test_same_errors_and_exit_codes_in_both_forms(home, tmp_path):
    command, script = run_tool("facemood", "train", "--home", home), run_tool("train.py", "--home", home)
    assert_clean_error(command, "facemood train: error:", "does not exist")
    assert_clean_error(script, "train.py: error:")
    assert command.err.split(": error: ")[1] == script.err.split(": error: ")[1]
    missing = tmp_path / "missing.png"
    assert_clean_error(run_tool("facemood", "infer", "--no-window", "--source", missing), "facemood infer:",
                       "missing.png")
    # Without a command facemood opens the window: with no display that is the same one line as infer.py's.
    assert_clean_error(run_tool("facemood", "--home", home), "facemood: error:", "display")
    unknown = run_tool("facemood", "colect", "happy")
    assert unknown.code == 2 and "unknown command 'colect'" in unknown.err and "Traceback" not in unknown.err


def test_the_window_flags_work_without_a_command(home, astronaut_png):
    seen = run_tool("facemood", "--no-window", "--source", astronaut_png, "--home", home)
    assert seen.code == 0, seen.err
    assert moods(seen.out) == ["happy"]
    assert "record with python collect.py and run python train.py" in seen.out  # a checkout's hint


def test_where_prints_the_folders_in_use(tmp_path):
    shown = run_tool("facemood", "--where", "--user", "anna", "--home", tmp_path)
    assert shown.code == 0, shown.err
    lines = dict(line.split(None, 1) for line in shown.out.splitlines()[1:])
    assert lines["home"].startswith(f"{tmp_path}  (--home")
    assert lines["profile"] == "anna"
    anna_models = tmp_path / "models" / "anna"
    assert (lines["data"], lines["models"], lines["labels"]) == (
        str(tmp_path / "data" / "anna"), str(anna_models), str(anna_models / "labels.npy"))
    assert (lines["bundles"], lines["ui"]) == (str(ROOT / "models"), str(ROOT / "ui"))
    assert shown.out.startswith(f"facemood 0.1.0, run from the checkout {ROOT}")
    from_env = run_tool("facemood", "--where", env={"FACEMOOD_HOME": str(tmp_path)})
    assert f"home     {tmp_path}  ($FACEMOOD_HOME" in from_env.out
    version = run_tool("facemood", "--version")
    assert version.code == 0 and version.out.strip() == "facemood 0.1.0"
