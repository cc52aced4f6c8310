"""bench/faults.py, small: a few real kills of collect.py (SIGINT, SIGTERM, SIGKILL) lose nothing."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_killing_collect_loses_no_row_and_breaks_nothing(tmp_path):
    out = tmp_path / "faults.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "faults.py"), "--tools", "collect", "--kills", "1",
                           "--sigkills", "2", "--seed", "3", "--json", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    totals = report["totals"]
    assert totals["kills"] == 4, report
    assert {(r["tool"], r["signal"]) for r in report["by_tool_and_signal"]} == {
        ("collect", "SIGINT"), ("collect", "SIGTERM"), ("collect", "SIGKILL")}
    for key in ("rows_lost", "unreadable_recordings", "takes_damaged", "broken_models", "hung", "unclean_exits"):
        assert totals[key] == 0, (key, [k for k in report["kills"] if k["problems"]])
    # The kills really landed: each run was stopped by its signal (or finished just as it came).
    delivered = [k for k in report["kills"] if k["delivered"]]
    assert all(k["exit_code"] in (0, 130, 143, -9, -2, -15) for k in delivered), delivered
    assert "| collect | SIGKILL |" in done.stdout
