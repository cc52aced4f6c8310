#!/usr/bin/env python3
"""How heavy the live window is: CPU, memory, frames and moods per second, shown and hidden.

    python bench/window.py [--videos face hand] [--seconds 20] [--repeats 3] [--json OUT]

Each repeat launches the real window, `infer.py --source VIDEO --home EMPTY` (the built-in default
moods, as on a fresh checkout), on an Xvfb screen of its own, through bench/window_probe.py (counters
inside the process; facemood's code is not changed). It then measures:

  1. launch to first mood: from starting the process to the first real mood it computes ("no face"
     and "unsure" do not count), and to the first state answer that brings that mood to the page;
  2. after --settle seconds, for --seconds with the window shown, then again with it hidden
     (pywebview's window.hide(); --hide-with minimize minimises instead, which needs a window manager):
     - CPU of the whole process tree (python and every QtWebEngineProcess), percent of one core, from
       utime+stime in /proc/<pid>/stat; also per process and per thread of the python process;
     - resident memory (VmRSS) of each process at the end of the phase, their sum, and the tree's
       proportional share (Pss: pages shared between the processes counted once);
     - frames shown per second: JPEG frames the window's server sent to the page;
     - moods computed per second, and state answers per second that brought the page something new
       (what the page can show; it asks every 150 ms plus the answer's time);
     - mood history samples written (history.sqlite3 in the temporary home).
The X server's CPU (Xvfb drawing the window; a desktop's compositor does this work) is reported
beside the tree, not in it. Videos (640x480, 30 frames/s, looped by the window as a camera stand-in):
"face" is skimage's astronaut swaying, "hand" adds a real hand in view (tests/media.py); --source
measures your own video instead.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

# Make `python bench/window.py` work from a checkout: the repo root holds facemood/ and tests/media.py.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.targets import judge, row_texts
from facemood.cli.common import run
from facemood.errors import FacemoodError
from tests.xvfb import start_xvfb, stop_xvfb

PROBE = Path(__file__).resolve().parent / "window_probe.py"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_EVERY_S = 0.5
VIDEO_FRAMES = 300  # 10 s, looped
FIRST_MOOD_TIMEOUT_S = 120.0
# (phase, key, what, unit, target, "max" if the number must stay at or below the target else "min")
ROWS: list[tuple[str, str, str, str, float | None, str]] = [
    ("start", "first_mood_s", "launch to first mood (computed)", "s", None, ""),
    ("start", "first_mood_on_page_s", "launch to first mood on the page", "s", 1.5, "max"),
    ("visible", "cpu_tree", "shown: CPU, whole tree", "%", 100.0, "max"),
    ("visible", "cpu_python", "shown: CPU, python process", "%", None, ""),
    ("visible", "cpu_webengine", "shown: CPU, QtWebEngine processes", "%", None, ""),
    ("visible", "cpu_xvfb", "shown: CPU, X server (not in tree)", "%", None, ""),
    ("visible", "cpu_ms_per_frame", "shown: CPU per frame sent (tree)", "ms", None, ""),
    ("visible", "frames_per_s", "shown: frames sent to the page", "/s", 29.0, "min"),
    ("visible", "moods_per_s", "shown: moods computed", "/s", None, ""),
    ("visible", "page_updates_per_s", "shown: mood updates reaching the page", "/s", 10.0, "min"),
    ("visible", "rss_total_mb", "shown: memory, sum of RSS", "MB", 900.0, "max"),
    ("visible", "pss_total_mb", "shown: memory, tree PSS", "MB", None, ""),
    ("visible", "rss_python_mb", "shown: memory, python RSS", "MB", None, ""),
    ("visible", "rss_renderer_mb", "shown: memory, renderer RSS", "MB", None, ""),
    ("hidden", "cpu_tree", "hidden: CPU, whole tree", "%", 15.0, "max"),
    ("hidden", "cpu_python", "hidden: CPU, python process", "%", None, ""),
    ("hidden", "cpu_webengine", "hidden: CPU, QtWebEngine processes", "%", None, ""),
    ("hidden", "cpu_xvfb", "hidden: CPU, X server (not in tree)", "%", None, ""),
    ("hidden", "cpu_ms_per_mood", "hidden: CPU per mood computed (tree)", "ms", None, ""),
    ("hidden", "frames_per_s", "hidden: frames sent to the page", "/s", None, ""),
    ("hidden", "moods_per_s", "hidden: moods computed", "/s", None, ""),
    ("hidden", "history_samples", "hidden: mood history samples written", "", 1.0, "min"),
    ("hidden", "rss_total_mb", "hidden: memory, sum of RSS", "MB", 900.0, "max"),
]


# --- /proc -------------------------------------------------------------------------------------------

def read_stat(path: str) -> tuple[str, int, int] | None:
    """(command name, parent pid, utime+stime in clock ticks) from a /proc stat file; None if gone."""
    try:
        text = Path(path).read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return name, int(fields[1]), int(fields[11]) + int(fields[12])


def process_tree(root: int) -> dict[int, str]:
    """{pid: label} of `root` and all its descendants: python, webengine (QtWebEngineProcess children of
    python: zygotes), renderer (QtWebEngineProcess forked by a zygote), or the command name."""
    parents, names = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := read_stat(f"/proc/{entry}/stat")):
            names[int(entry)], parents[int(entry)] = stat[0], stat[1]
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid not in names:
            continue
        parent = parents.get(pid)
        if pid == root:
            tree[pid] = "python"
        elif names[pid].startswith("QtWebEngine"):
            tree[pid] = "renderer" if names.get(parent, "").startswith("QtWebEngine") else "webengine"
        else:
            tree[pid] = names[pid]
        todo += [child for child, p in parents.items() if p == pid]
    return tree


def thread_ticks(pid: int) -> dict[int, tuple[str, int]]:
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        if stat := read_stat(f"/proc/{pid}/task/{tid}/stat"):
            out[int(tid)] = (stat[0], stat[2])
    return out


def memory_mb(pid: int, field: str, file: str = "status") -> float:
    try:
        found = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/{file}").read_text(), re.MULTILINE)
    except OSError:
        return 0.0
    return int(found.group(1)) / 1024 if found else 0.0


def thread_group(name: str) -> str:
    """Threads of one kind together: llvmpipe-0 and llvmpipe-1 -> llvmpipe; Thread-12 (x) -> Thread (x)."""
    return re.sub(r"[-_]?\d+\b", "", name).strip() or name


class TreeMeter:
    """CPU of a process tree over a time span, sampled so that processes starting or ending within it
    count too (a process seen first mid-span counts from zero)."""

    def __init__(self, root: int, others: dict[str, int]):
        self.root, self.others = root, others
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.labels: dict[int, str] = {}

    def sample(self, starting: bool = False) -> None:
        for pid, label in process_tree(self.root).items():
            stat = read_stat(f"/proc/{pid}/stat")
            if stat is None:
                continue
            self.first.setdefault(pid, stat[2] if starting else 0)
            self.last[pid], self.labels[pid] = stat[2], label

    def measure(self, seconds: float) -> tuple[dict[str, float], dict[int, tuple[str, float]], dict[str, float], float]:
        """Sample for `seconds`: (CPU % per process label, {thread id: (name, CPU %)} of the root's threads,
        CPU % of each of `others`, wall seconds)."""
        self.sample(starting=True)
        threads_before = thread_ticks(self.root)
        others_before = {name: (read_stat(f"/proc/{pid}/stat") or ("", 0, 0))[2] for name, pid in self.others.items()}
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            time.sleep(SAMPLE_EVERY_S)
            self.sample()
        wall = time.monotonic() - started
        threads_after = thread_ticks(self.root)
        others = {name: ((read_stat(f"/proc/{pid}/stat") or ("", 0, 0))[2] - others_before[name])
                  for name, pid in self.others.items()}

        def percent(ticks: float) -> float:
            return ticks / CLOCK_TICKS / wall * 100

        per_process: dict[str, float] = {}
        for pid, label in self.labels.items():
            per_process[label] = per_process.get(label, 0.0) + percent(self.last[pid] - self.first[pid])
        threads = {tid: (name, percent(ticks - threads_before.get(tid, (name, 0))[1]))
                   for tid, (name, ticks) in threads_after.items()}
        return per_process, threads, {n: percent(t) for n, t in others.items()}, wall


# --- one launch of the window ------------------------------------------------------------------------

class Xvfb:
    """A private virtual screen for one launch."""

    def __enter__(self) -> "Xvfb":
        try:
            self.proc, self.display = start_xvfb()
        except RuntimeError as exc:
            raise FacemoodError(str(exc)) from None
        return self

    def __exit__(self, *exc) -> None:
        stop_xvfb(self.proc)


def read_status(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


class Window:
    """The window's process, launched through the probe, and what the probe reports."""

    def __init__(self, video: Path, home: Path, display: str, tmp: Path, extra_env: dict[str, str]):
        self.status, self.control, self.log = tmp / "status.json", tmp / "control.txt", tmp / "window.log"
        env = {**os.environ, **extra_env, "DISPLAY": display}
        env.pop("WAYLAND_DISPLAY", None)
        self.launched = time.monotonic()
        with self.log.open("w") as log:
            self.proc = subprocess.Popen([sys.executable, str(PROBE), str(self.status), str(self.control),
                                          str(ROOT / "infer.py"), "--source", str(video), "--home", str(home)],
                                         stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)

    def report(self) -> dict:
        return read_status(self.status)

    def wait_for(self, key: str, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log.read_text(errors="replace").strip().splitlines()[-3:]
                raise FacemoodError(f"the window exited with code {self.proc.returncode} before {what}: "
                                    + " | ".join(tail))
            value = self.report().get(key)
            if value:
                return value
            time.sleep(0.1)
        return None

    def command(self, command: str) -> str:
        """Tell the probe to hide/show/minimise the window (the page's visibilityState afterwards), or to
        "look" at the page's pictures (read them from report()["images"] later)."""
        seen = len(self.report().get("visibility", []))
        with self.control.open("a") as control:
            control.write(command + "\n")
        if command == "look":
            return ""
        answers: list = []
        deadline = time.monotonic() + 30
        while len(answers) <= seen and time.monotonic() < deadline:
            time.sleep(0.2)
            answers = self.report().get("visibility", [])
        return answers[-1]["visibility"] if len(answers) > seen else "unknown (no answer)"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the window closes cleanly on SIGTERM
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def history_samples(home: Path, since: float, until: float) -> int:
    path = home / "data" / "history.sqlite3"
    if not path.exists():
        return 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
        return conn.execute("SELECT COUNT(*) FROM moods WHERE at >= ? AND at < ?", (since, until)).fetchone()[0]


def measure_phase(window: Window, xvfb: Xvfb, home: Path, seconds: float) -> dict:
    meter = TreeMeter(window.proc.pid, {"xvfb": xvfb.proc.pid})
    before, wall_start = window.report(), time.time()
    per_process, threads, others, wall = meter.measure(seconds)
    after, wall_end = window.report(), time.time()
    names = after.get("threads", {})
    by_group: dict[str, float] = {}
    for tid, (name, pct) in threads.items():
        group = thread_group(names.get(str(tid), name))
        by_group[group] = by_group.get(group, 0.0) + pct
    tree = process_tree(window.proc.pid)
    rss = {}
    for pid, label in tree.items():
        rss[label] = rss.get(label, 0.0) + memory_mb(pid, "VmRSS")
    span = max(after.get("at", 0) - before.get("at", 0), 1e-9)

    def rate(key: str) -> float:
        return (after.get(key, 0) - before.get(key, 0)) / span

    polls = {name: (count - before.get("answers", {}).get(name, 0)) / span
             for name, count in after.get("answers", {}).items()}
    cpu_tree = sum(per_process.values())
    return {
        "seconds": wall,
        "cpu_tree": cpu_tree,
        # On a busy machine the window gets less CPU than it wants and shows fewer frames: CPU per frame
        # (10 ms per frame is 30% of a core at 30 frames/s) still compares runs.
        "cpu_ms_per_frame": cpu_tree * 10 / max(rate("frames_sent"), 1e-9),
        "cpu_ms_per_mood": cpu_tree * 10 / max(rate("moods"), 1e-9),
        "cpu_python": per_process.get("python", 0.0),
        "cpu_webengine": sum(v for k, v in per_process.items() if k in ("webengine", "renderer")),
        "cpu_xvfb": others["xvfb"],
        "cpu_by_process": per_process,
        "cpu_by_thread": dict(sorted(by_group.items(), key=lambda kv: -kv[1])),
        "rss_mb": rss,
        "rss_total_mb": sum(rss.values()),
        "rss_python_mb": rss.get("python", 0.0),
        "rss_renderer_mb": rss.get("renderer", 0.0),
        "pss_total_mb": sum(memory_mb(pid, "Pss", "smaps_rollup") for pid in tree),
        "processes": len(tree),
        "frames_per_s": rate("frames_sent"),
        "kb_per_frame": (after.get("bytes_sent", 0) - before.get("bytes_sent", 0)) / 1024
                        / max(after.get("frames_sent", 0) - before.get("frames_sent", 0), 1),
        "moods_per_s": rate("moods"),
        "page_updates_per_s": rate("state_updates"),
        "page_calls_per_s": polls,
        "history_samples": history_samples(home, wall_start, wall_end),
    }


def run_once(video: Path, args, tmp: Path) -> dict:
    home = tmp / "home"
    home.mkdir()
    with Xvfb() as xvfb:
        window = Window(video, home, xvfb.display, tmp, dict(args.env))
        try:
            first = window.wait_for("first_mood_at", FIRST_MOOD_TIMEOUT_S, "its first mood")
            if first is None:
                raise FacemoodError(f"no mood within {FIRST_MOOD_TIMEOUT_S:.0f} s of launch on {video}: "
                                    f"is there a face in it? (log: {window.log})")
            on_page = window.wait_for("first_mood_on_page_at", 30, "the page showed a mood")
            result = {"first_mood_s": first - window.launched,
                      "first_mood_on_page_s": None if on_page is None else on_page - window.launched}
            time.sleep(args.settle)
            window.command("look")
            result["visible"] = measure_phase(window, xvfb, home, args.seconds)
            result["page_images"] = window.report().get("images")
            result["hidden_with"] = args.hide_with
            result["visibility_hidden"] = window.command(args.hide_with)
            time.sleep(args.settle)
            result["hidden"] = measure_phase(window, xvfb, home, args.seconds)
            result["visibility_after_show"] = window.command("show" if args.hide_with == "hide" else "restore")
        finally:
            window.close()
        result["exit_code"] = window.proc.returncode
    return result


# --- report ------------------------------------------------------------------------------------------

def summarise(runs: list[dict]) -> dict[str, dict]:
    out = {}
    for phase, key, what, unit, target, kind in ROWS:
        values = [run[key] if phase == "start" else run[phase][key] for run in runs]
        values = [v for v in values if v is not None]
        if not values:
            continue
        out[f"{phase}.{key}"] = judge(what, unit, values, target, kind)
    return out


def fmt(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"


def print_table(name: str, numbers: dict[str, dict], runs: list[dict]) -> None:
    print(f"\n{name}")
    print(f"  {'what':<42} {'median':>7}      {'min-max':>11}  {'target':<11} ok?")
    for r in numbers.values():
        low_high, target, verdict = row_texts(r, fmt)
        print(f"  {r['what']:<42} {fmt(r['median']):>7} {r['unit']:<4} {low_high:>11}  {target:<11} {verdict}")
    for phase in ("visible", "hidden"):
        threads = median_dict([run[phase]["cpu_by_thread"] for run in runs])
        top = ", ".join(f"{group} {pct:.0f}%" for group, pct in list(threads.items())[:8] if pct >= 0.5)
        print(f"  {phase}: python threads (median %): {top}")
    print(f"  pictures on the page (shown px, image px): {runs[-1].get('page_images')}")
    calls = median_dict([run["visible"]["page_calls_per_s"] for run in runs])
    print(f"  page visibility when hidden: {sorted({run['visibility_hidden'] for run in runs})}; "
          "calls from the page per s (shown): " + ", ".join(f"{k} {v:.1f}" for k, v in calls.items()))


def median_dict(dicts: list[dict[str, float]]) -> dict[str, float]:
    keys = {k for d in dicts for k in d}
    medians = {k: float(np.median([d.get(k, 0.0) for d in dicts])) for k in keys}
    return dict(sorted(medians.items(), key=lambda kv: -kv[1]))


# --- main --------------------------------------------------------------------------------------------

def make_video(name: str, folder: Path) -> Path:
    from tests import media

    path = folder / f"{name}.mp4"
    if name == "face":
        return media.astronaut_video(path, count=VIDEO_FRAMES)
    return media.hand_video(path, count=VIDEO_FRAMES)


def build_parser() -> argparse.ArgumentParser:
    summary, _usage, details = __doc__.split("\n\n", 2)
    parser = argparse.ArgumentParser(prog="bench/window.py", description=f"{summary}\n\n{details}",
                                     epilog="example: python bench/window.py --repeats 3 --json window.json",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", nargs="+", choices=("face", "hand"), default=["face", "hand"],
                        help="which made-up videos to measure: the astronaut alone, or with a hand in view "
                             "(default: both)")
    parser.add_argument("--source", type=Path, metavar="VIDEO", help="measure this video instead of --videos")
    parser.add_argument("--seconds", type=float, default=20.0, metavar="S",
                        help="length of each measured phase (default 20)")
    parser.add_argument("--settle", type=float, default=3.0, metavar="S",
                        help="pause after the first mood and after hiding, before measuring (default 3)")
    parser.add_argument("--repeats", type=int, default=3, metavar="N", help="launches per video (default 3)")
    parser.add_argument("--hide-with", choices=("hide", "minimize"), default="hide",
                        help="how to take the window out of sight (default hide; minimize needs a window manager)")
    parser.add_argument("--env", action="append", default=[], type=env_setting, metavar="NAME=VALUE",
                        help="run the window with this environment variable set, to compare settings (repeatable), "
                             "e.g. QTWEBENGINE_CHROMIUM_FLAGS=--disable-gpu")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every number to OUT as JSON")
    return parser


def env_setting(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: give NAME=VALUE")
    return name, value


def check_args(args) -> None:
    if args.repeats < 1:
        raise FacemoodError(f"--repeats {args.repeats}: use 1 or more")
    if not args.seconds > 0 or not args.settle >= 0:
        raise FacemoodError("--seconds must be more than 0 and --settle 0 or more")
    if args.json and not args.json.parent.is_dir():
        raise FacemoodError(f"--json {args.json}: no folder {args.json.parent} to write it in")
    if args.source is not None and not args.source.is_file():
        raise FacemoodError(f"--source {args.source}: no such video file")
    if sys.platform != "linux":
        raise FacemoodError("bench/window.py reads /proc and runs Xvfb: it needs Linux")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    check_args(args)
    load = os.getloadavg()[0]
    report = {"seconds": args.seconds, "repeats": args.repeats, "cores": os.cpu_count(), "load_average_at_start": load,
              "env": dict(args.env), "videos": {}}
    print(f"facemood window: {args.seconds:g} s per phase, median of {args.repeats} launches; "
          f"{os.cpu_count()} cores, load average {load:.1f} at start"
          + "".join(f"; {name}={value}" for name, value in args.env))
    with tempfile.TemporaryDirectory(prefix="facemood-window-") as tmp:
        tmp = Path(tmp)
        videos = {args.source.name: args.source} if args.source else {v: make_video(v, tmp) for v in args.videos}
        for name, video in videos.items():
            runs = []
            for repeat in range(args.repeats):
                folder = tmp / f"{name}-{repeat}"
                folder.mkdir()
                runs.append(run_once(video, args, folder))
            numbers = summarise(runs)
            report["videos"][name] = {"video": str(video) if args.source else name, "numbers": numbers, "runs": runs}
            print_table(f"video: {name}" + ("" if args.source else " (640x480, 30 frames/s)"), numbers, runs)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))  # FacemoodError / OSError -> one line, exit 2
