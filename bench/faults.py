#!/usr/bin/env python3
"""Fault injection: kill collect.py and train.py at random points, then check nothing was lost or broken.

    python bench/faults.py [--kills N] [--sigkills M] [--tools collect,train] [--seed S] [--json OUT]

In a fresh facemood home (a temporary folder), as a user would run the tools:

  * collect.py records the astronaut (tests/media.py) from a short video, over and over; each run gets
    one signal: SIGINT (Ctrl-C), SIGTERM (a kill) or SIGKILL (a crash, a power cut), N, N and M times.
  * then train.py trains on those recordings, over and over, killed the same way; before each run a third
    emotion moves into the data folder if the model in place does not know it, else out of it, so the new
    model always knows other emotions than the old one and a save torn between the two shows as a
    mismatch.

A third of the kills land at a random moment of the whole run (start-up included); a third in its last
part, where the take or the model is saved (after the last progress line, within the time a full run
took from there to its end); and a third within 20 ms of the moment the tool starts its second
temporary file, where a save of several files has written one and not yet the others. After each kill:

  * every row saved before the kill is still there, unchanged, in every recording (rows lost), as are
    the rows the tool said it recorded and, after SIGINT or SIGTERM, the rows of the take in progress it
    had reported (a progress line every 50 rows); every recording loads (unreadable recordings); the
    takes saved before are still listed (takes records damaged);
  * `infer.py --no-window` on a short clip runs with a usable trained model, or says it has none yet and
    uses the built-in moods with no model file present: anything else is a broken model (counted for the
    kill that broke it); a usable model that is no longer usable is a lost model;
  * hidden temporary files left behind are counted, and exits with a traceback or a hang.

Prints a table per tool and signal; --json OUT writes it with every kill's details. Exit code 1 when a
row was lost, a recording or model broken, or a tool hung; 2 with a one-line message on bad input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python bench/faults.py` from a checkout: the repo root holds the package

import numpy as np  # noqa: E402

from facemood.cli.common import run  # noqa: E402
from facemood.dataset import read_rows, read_takes, recording_files  # noqa: E402
from facemood.errors import FacemoodError  # noqa: E402
from facemood.profile import resolve_profile  # noqa: E402

SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}
TOOLS = ("collect", "train")
EMOTION = "upright"  # the recording collect.py grows; "tilted" and "turned" are recorded once, for training
# Moved in and out of the data folder between training runs, so that consecutive models know different
# emotions: a save torn between the new model's files and the old one's then shows as a mismatch.
EXTRA = "turned"
COUNTERS = ("kills", "rows_lost", "unreadable_recordings", "takes_damaged", "broken_models", "models_lost",
            "temp_files_left", "temp_files_kept", "unclean_exits", "hung")
COLUMNS = {"kills": "kills", "rows_lost": "rows lost", "unreadable_recordings": "unreadable",
           "takes_damaged": "takes damaged", "broken_models": "broken models", "models_lost": "models lost",
           "temp_files_left": "temp files left", "temp_files_kept": "still there after infer.py",
           "unclean_exits": "tracebacks", "hung": "hung"}
WAIT_AFTER_SIGNAL_S = 60  # SIGINT/SIGTERM must end a tool within this, or it counts as hung
MAX_ATTEMPTS = 5  # runs per kill when runs end before the signal is sent
AIMS = ("anywhere", "save", "write")
WRITE_WINDOW_S = 0.02  # "write" kills land this soon after the second temporary file appears
PROGRESS = re.compile(r": (\d+)/\d+ rows")  # collect.py's progress line, every 50 rows


class Running:
    """A tool started as a user would, its output read line by line (with times) as it comes."""

    alive: set[subprocess.Popen] = set()  # killed if the bench itself is stopped

    def __init__(self, argv: list[str]):
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, cwd=ROOT, env=env)
        Running.alive.add(self.proc)
        self.started = time.monotonic()
        self.out: list[str] = []
        self.err: list[str] = []
        self.marker_at: float | None = None
        self.ended: float | None = None
        self.progress: list[tuple[float, int]] = []  # (when, rows) from collect.py's progress lines
        self._marker: str | None = None
        self._seen = threading.Event()
        self._readers = [threading.Thread(target=self._read, args=(stream, lines), daemon=True)
                         for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for reader in self._readers:
            reader.start()

    def _read(self, stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)
            if (count := PROGRESS.search(line)) is not None:
                self.progress.append((time.monotonic(), int(count.group(1))))
            if self._marker is not None and self.marker_at is None and self._marker in line:
                self.marker_at = time.monotonic()
                self._seen.set()

    def watch_for(self, marker: str) -> None:
        self._marker = marker

    def wait_for_marker(self, timeout: float) -> bool:
        return self._seen.wait(timeout)

    def finish(self, timeout: float) -> tuple[int | None, bool]:
        """(exit code, whether it had to be killed because it did not end within `timeout`)."""
        try:
            self.proc.wait(timeout)
            hung = False
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            hung = True
        self.ended = time.monotonic()
        Running.alive.discard(self.proc)
        for reader in self._readers:
            reader.join(10)
        return self.proc.returncode, hung

    @property
    def stdout(self) -> str:
        return "".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)


@dataclass
class Kill:
    tool: str
    signal: str
    aim: str  # "anywhere", "save" or "write"
    delay_s: float  # after the start, after the last progress line, or after the second temporary file
    exit_code: int | None = None
    rows_before: int = 0
    rows_after: int = 0
    model_before: str = ""
    model_after: str = ""
    delivered: bool = True  # False: the run ended before the signal was sent (tried again)
    rows_in_progress: int = 0  # rows of the take in progress that collect.py had reported by the signal
    said: str = ""  # the tool's last line
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Calibration:
    total_s: float  # a whole run, start to exit
    tail_s: float  # from the last progress line to exit: where the save happens


class Bench:
    def __init__(self, workdir: Path, frames: int, rng: random.Random):
        self.workdir = workdir
        self.home = workdir / "home"
        self.profile = resolve_profile(None, self.home)
        self.frames = frames
        self.rng = rng
        from tests import media  # the astronaut, as the tests use it (needs scikit-image)

        self.video = media.astronaut_video(workdir / "upright.mp4", count=frames + 10)
        self.tilted = media.astronaut_video(workdir / "tilted.mp4", count=frames + 10, angle=25)
        self.turned = media.astronaut_video(workdir / "turned.mp4", count=frames + 10, angle=-25, phase=1.0)
        self.aside = workdir / "aside"  # where EXTRA's recording waits while it is out of the data folder
        self.clip = media.astronaut_video(workdir / "clip.mp4", count=5, phase=2.0)
        self.model_now = ("none", "")  # the model's state after the last run, from model_state()

    # --- the tools ----------------------------------------------------------------------------------

    def collect_argv(self, emotion: str = EMOTION, video: Path | None = None) -> list[str]:
        return [str(ROOT / "collect.py"), emotion, "--source", str(video or self.video), "--frames",
                str(self.frames), "--no-preview", "--home", str(self.home)]

    def train_argv(self) -> list[str]:
        return [str(ROOT / "train.py"), "--json", "--home", str(self.home)]

    def marker(self, tool: str) -> str:
        """The last line a tool prints before it saves: the last progress line of a take (one every 50
        rows when stderr is not a terminal), or training's "done"."""
        return f"{self.frames}/{self.frames} rows" if tool == "collect" else '"stage": "done"'

    def calibrate(self, tool: str, argv: list[str]) -> Calibration:
        running = Running(argv)
        running.watch_for(self.marker(tool))
        code, _ = running.finish(600)
        ended = time.monotonic()
        if code != 0 or running.marker_at is None:
            raise FacemoodError(f"{tool}.py did not run to its end (exit {code}): {running.stderr.strip()[-300:]}")
        return Calibration(ended - running.started, ended - running.marker_at)

    def move_extra(self) -> None:
        """Move EXTRA's recording (and its takes record) into the data folder when the model in place does
        not know it, else out of it: the next model will know other emotions than the one in place."""
        try:
            known = json.loads(self.profile.meta_path.read_text("utf-8")).get("emotions", [])
        except (OSError, ValueError, AttributeError):
            known = []
        data, aside = self.profile.data_dir, self.aside
        source, target = (aside, data) if EXTRA not in known else (data, aside)
        target.mkdir(exist_ok=True)
        for name in (f"{EXTRA}.npy", f"{EXTRA}.takes.json"):
            if (source / name).exists():
                os.replace(source / name, target / name)

    # --- the state a kill must not damage -----------------------------------------------------------

    def recordings(self) -> dict[str, np.ndarray | None]:
        """Every recording's rows; None for one that does not load."""
        found = {}
        for path in recording_files(self.profile.data_dir)[0] if self.profile.data_dir.is_dir() else []:
            try:
                found[path.name] = read_rows(path)
            except FacemoodError:
                found[path.name] = None
        return found

    def takes(self) -> dict[str, list[tuple[int, int]]]:
        found = {}
        for path in recording_files(self.profile.data_dir)[0] if self.profile.data_dir.is_dir() else []:
            try:
                found[path.name] = [(t.start, t.count) for t in read_takes(path)]
            except FacemoodError:
                found[path.name] = []
        return found

    def wait_for_second_temp_file(self, running: Running, old: set[Path]) -> None:
        """Return once the tool has started a second temporary file (or ended): a save of several files
        has then written its first one and writes the next, the moment a kill would tear it apart."""
        seen: set[Path] = set()
        while running.proc.poll() is None and len(seen) < 2:
            seen |= self.temp_files() - old
            time.sleep(0.001)

    def temp_files(self) -> set[Path]:
        """The hidden files and folders in the profile's folders: the tools' temporary files."""
        folders = [self.profile.data_dir, self.profile.models_dir, self.profile.labels_path.parent]
        found = set()
        for folder in folders:
            with contextlib.suppress(OSError):  # a folder made or removed as we look
                found |= {p for p in folder.iterdir() if p.name.startswith(".")}
        return found

    def model_state(self) -> tuple[str, str]:
        """("usable" | "none" | "broken", why) from infer.py --no-window on a short clip."""
        result = subprocess.run([sys.executable, str(ROOT / "infer.py"), "--no-window", "--source", str(self.clip),
                                 "--home", str(self.home)], capture_output=True, text=True, cwd=ROOT, timeout=300)
        first = (result.stdout.splitlines() or [""])[0]
        files = [p.name for p in (self.profile.meta_path, self.profile.weights_path, self.profile.keras_path,
                                  self.profile.labels_path) if p.exists()]
        if result.returncode == 0 and ": trained model (" in first:
            return "usable", ""
        if result.returncode == 0 and "no trained model yet" in first and not files:
            return "none", ""
        if result.returncode == 0 and "no trained model yet" in first:
            return "broken", f"infer.py ignores the model files {files} and uses the built-in moods"
        if "Traceback" not in result.stderr and "no trained model" in result.stderr and not files:
            return "none", ""
        return "broken", f"infer.py exit {result.returncode}: {result.stderr.strip()[-300:]}"

    # --- one kill -----------------------------------------------------------------------------------

    def kill_once(self, tool: str, signame: str, calibration: Calibration) -> Kill:
        aim = self.rng.choice(AIMS)
        limit = {"anywhere": calibration.total_s * 1.1, "save": calibration.tail_s * 1.2, "write": WRITE_WINDOW_S}
        delay = self.rng.uniform(0, limit[aim])
        kill = Kill(tool, signame, aim, round(delay, 3))
        before, takes_before, temp_before = self.recordings(), self.takes(), self.temp_files()
        kill.model_before, _ = self.model_now
        kill.rows_before = _rows(before.get(f"{EMOTION}.npy"))

        running = Running(self.collect_argv() if tool == "collect" else self.train_argv())
        if aim == "save":
            running.watch_for(self.marker(tool))
            running.wait_for_marker(600)
        elif aim == "write":
            self.wait_for_second_temp_file(running, temp_before)
        time.sleep(delay)
        kill.delivered = running.proc.poll() is None
        if kill.delivered:
            running.proc.send_signal(SIGNALS[signame])
            sent = time.monotonic()
            kill.rows_in_progress = max((n for when, n in running.progress if when < sent), default=0)
        kill.exit_code, hung = running.finish(WAIT_AFTER_SIGNAL_S)
        said = (running.stdout + running.stderr).strip().splitlines()
        kill.said = said[-1][:200] if said else ""
        if not kill.delivered:  # aimed too late: runs are faster than the first, cold one
            calibration.total_s = min(calibration.total_s, running.ended - running.started)
            if running.marker_at is not None:
                calibration.tail_s = min(calibration.tail_s, running.ended - running.marker_at)

        after = self.recordings()
        kill.rows_after = _rows(after.get(f"{EMOTION}.npy"))
        counts = dict.fromkeys(COUNTERS, 0)
        counts.update(kills=int(kill.delivered), hung=int(hung))
        _compare_recordings(before, after, takes_before, self.takes(), counts, kill.problems)
        claimed = [int(n) for n in re.findall(r"recorded (\d+) rows", running.stdout)]
        claimed += [int(n) for n in re.findall(r"saved the (\d+) rows recorded", running.stderr)]
        grew = kill.rows_after - kill.rows_before
        if claimed and grew < claimed[-1]:
            counts["rows_lost"] += claimed[-1] - grew
            kill.problems.append(f"said it recorded {claimed[-1]} rows, the file grew by {grew}")
        elif signame != "SIGKILL" and grew < kill.rows_in_progress:  # Ctrl-C and kill keep the take in progress
            counts["rows_lost"] += kill.rows_in_progress - grew
            kill.problems.append(f"{signame} during a take of {kill.rows_in_progress}+ rows: the file grew by {grew}")
        left = self.temp_files() - temp_before
        counts["temp_files_left"] = len(left)
        if left:
            kill.problems.append("left " + ", ".join(sorted(p.name for p in left)))
        if "Traceback" in running.stderr or "Exception ignored" in running.stderr:
            counts["unclean_exits"] = 1
            kill.problems.append("traceback: " + running.stderr.strip().splitlines()[-1][:200])

        state, why = self.model_state()
        self.model_now = (state, why)
        # A SIGKILL leaves what it interrupted; the next tool that reads the model clears the model's (a
        # recording's are cleared by a later save once ten minutes old: another take may be writing them).
        counts["temp_files_kept"] = len(left & self.temp_files())
        kill.model_after = state
        if state == "broken" and kill.model_before != "broken":  # this kill broke it (it stays broken after)
            counts["broken_models"] = 1
            kill.problems.append(f"broken model: {why}")
        if kill.model_before == "usable" and state != "usable":
            counts["models_lost"] = 1
            kill.problems.append(f"the model that worked before is {state} now")
        kill.counts = counts
        return kill

    def run(self, tools: list[str], kills: int, sigkills: int, say) -> list[Kill]:
        say(f"recording {EMOTION} and tilted (and {EXTRA}, to train) once each (the timing of a whole take) ...")
        calibrations = {"collect": self.calibrate("collect", self.collect_argv())}
        self.calibrate("collect", self.collect_argv("tilted", self.tilted))
        if "train" in tools:
            self.calibrate("collect", self.collect_argv(EXTRA, self.turned))
        self.model_now = self.model_state()
        done: list[Kill] = []
        for tool in tools:
            if tool == "train":
                say("training once (the timing of a whole run, and a model to keep safe) ...")
                calibrations["train"] = self.calibrate("train", self.train_argv())
                self.model_now = self.model_state()
            schedule = ["SIGINT"] * kills + ["SIGTERM"] * kills + ["SIGKILL"] * sigkills
            self.rng.shuffle(schedule)
            cal = calibrations[tool]
            say(f"{tool}.py: a whole run takes {cal.total_s:.1f} s, {cal.tail_s:.2f} s of it after the last "
                f"progress line; {len(schedule)} kills")
            for i, signame in enumerate(schedule, 1):
                for _attempt in range(MAX_ATTEMPTS):
                    if tool == "train":
                        self.move_extra()
                    kill = self.kill_once(tool, signame, cal)
                    done.append(kill)
                    status = "; ".join(kill.problems) or "ok"
                    say(f"  {i:3d}/{len(schedule)} {tool} {signame:7s} {kill.aim:8s} +{kill.delay_s:6.2f} s "
                        f"{'exit' if kill.delivered else 'ended before the signal, exit'} {kill.exit_code}: rows "
                        f"{kill.rows_before} -> {kill.rows_after}, model {kill.model_after}: {status}")
                    if kill.delivered:
                        break
        return done


def _compare_recordings(before: dict, after: dict, takes_before: dict, takes_after: dict, counts: dict,
                        problems: list[str]) -> None:
    """Count rows lost, recordings that no longer load and takes no longer listed, from `before` to `after`."""
    for name, rows in before.items():
        if name not in after or after[name] is None:
            counts["rows_lost"] += _rows(rows)
            counts["unreadable_recordings"] += name in after
            problems.append(f"{name} {'no longer loads' if name in after else 'is gone'}")
            continue
        kept = _common_prefix(rows, after[name]) if rows is not None else 0
        if rows is not None and kept < len(rows):
            counts["rows_lost"] += len(rows) - kept
            problems.append(f"{name}: {len(rows) - kept} of its {len(rows)} earlier rows changed or gone")
        earlier = takes_before.get(name, [])
        if takes_after.get(name, [])[:len(earlier)] != earlier:
            counts["takes_damaged"] += 1
            problems.append(f"{name}: takes {earlier} became {takes_after.get(name)}")
    for name, rows in after.items():
        if rows is None and name not in before:
            counts["unreadable_recordings"] += 1
            problems.append(f"{name} appeared and does not load")


def _rows(rows: np.ndarray | None) -> int:
    return 0 if rows is None else len(rows)


def _common_prefix(before: np.ndarray, after: np.ndarray) -> int:
    """How many of `before`'s rows `after` starts with, unchanged."""
    n = min(len(before), len(after))
    same = np.all(before[:n] == after[:n].astype(before.dtype), axis=1)
    return n if same.all() else int(np.argmin(same))


def summarise(kills: list[Kill]) -> dict:
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for kill in kills:
        group = groups.setdefault((kill.tool, kill.signal), dict.fromkeys(COUNTERS, 0))
        for key in COUNTERS:
            group[key] += kill.counts.get(key, 0)
    rows = [{"tool": tool, "signal": sig, **counts} for (tool, sig), counts in groups.items()]
    totals = {key: sum(r[key] for r in rows) for key in COUNTERS}
    return {"by_tool_and_signal": rows, "totals": totals}


def format_table(summary: dict) -> str:
    headers = ["tool", "signal", *COLUMNS.values()]
    lines = [[r["tool"], r["signal"], *(str(r[k]) for k in COLUMNS)] for r in summary["by_tool_and_signal"]]
    lines.append(["all", "", *(str(summary["totals"][k]) for k in COLUMNS)])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |",
           "| " + " | ".join("-" * w for w in widths) + " |"]
    out += ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + " |" for line in lines]
    return "\n".join(out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench/faults.py", description=__doc__.split("\n\n")[0],
                                     epilog="example: python bench/faults.py --kills 20 --sigkills 40 --json faults.json")
    parser.add_argument("--kills", type=int, default=20, metavar="N", help="SIGINT and SIGTERM kills per tool, N each (20)")
    parser.add_argument("--sigkills", type=int, default=40, metavar="M", help="SIGKILL kills per tool (40)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="which tools to kill: collect, train or both (default)")
    parser.add_argument("--frames", type=int, default=100, metavar="F",
                        help="rows per take; a multiple of 50, so that the last progress line marks the save, and "
                             "from 100 a progress line mid-take tells how many rows a Ctrl-C must keep (100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed for the kill points (0)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the counts and every kill to OUT as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home for a look afterwards")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if not tools or set(tools) - set(TOOLS):
        raise FacemoodError(f"--tools {args.tools}: choose from {', '.join(TOOLS)}")
    if args.kills < 0 or args.sigkills < 0:
        raise FacemoodError("--kills and --sigkills count kills: use 0 or more")
    if args.frames < 50 or args.frames % 50:
        raise FacemoodError(f"--frames {args.frames}: use a multiple of 50 (collect.py logs its progress every 50 rows)")
    if args.json and not args.json.parent.is_dir():
        raise FacemoodError(f"--json {args.json}: no folder {args.json.parent} to write it in")

    # A shell starts background jobs with Ctrl-C ignored, and the tools would inherit that: give them the
    # default, as a terminal would.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    workdir = Path(tempfile.mkdtemp(prefix="facemood-faults-"))
    started = time.monotonic()
    try:
        bench = Bench(workdir, args.frames, random.Random(args.seed))
        kills = bench.run(tools, args.kills, args.sigkills, lambda text: print(text, file=sys.stderr, flush=True))
    finally:
        for proc in Running.alive:
            proc.kill()
            proc.wait()
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    summary = summarise(kills)
    print(format_table(summary))
    missed = sum(not k.delivered for k in kills)
    print(f"{summary['totals']['kills']} kills in {time.monotonic() - started:.0f} s"
          + (f" ({missed} runs ended before their signal came and were run again)" if missed else ""))
    if args.json:
        report = {**summary, "seconds": round(time.monotonic() - started, 1),
                  "config": {k: v for k, v in vars(args).items() if k not in ("json", "keep")},
                  "kills": [asdict(k) for k in kills]}
        args.json.write_text(json.dumps(report, indent=1, default=str), "utf-8")
    totals = summary["totals"]
    failed = totals["rows_lost"] or totals["unreadable_recordings"] or totals["broken_models"] or totals["hung"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run(main))  # FacemoodError / OSError -> one line, exit 2
