#!/usr/bin/env python3
"""Summarise a py-spy recording of the window: samples per Python thread, and where each thread was.

    py-spy record --nonblocking --threads -r 50 -d 20 --pid PID -f raw -o spy.txt
    python bench/spy_summary.py spy.txt [--top N]

py-spy samples only threads that run Python code (MediaPipe's graph threads, Chromium's and Mesa's
llvmpipe threads are native: read their CPU from /proc, as bench/window.py does). For each Python
thread (numbered names merged: "Thread-12 (_call)" and "Thread-64 (_call)" are one kind) it prints its
share of all samples and its most frequent innermost frames, with the facemood frame that led there.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facemood.cli.common import run
from facemood.errors import FacemoodError

THREAD = re.compile(r"thread \((\d+)\): (.*)")


def where(frame: str) -> str:
    """'FrameServer._stream (facemood/stream.py:110)' -> 'FrameServer._stream stream.py:110'."""
    name, _, place = frame.partition(" (")
    return f"{name.split('.<locals>.')[-1]} {Path(place.rstrip(')')).name}"


def summarise(lines: list[str]) -> tuple[int, dict[str, int], dict[str, Counter]]:
    total, per_thread, places = 0, Counter(), defaultdict(Counter)
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        found = THREAD.match(frames[0])
        thread = re.sub(r"[-_]\d+", "", found.group(2)) if found else "?"
        frames = frames[1:] if found else frames
        ours = [f for f in frames if "facemood/" in f]
        place = where(frames[-1]) if frames else "(no Python frame)"
        if ours and ours[-1] != frames[-1]:
            place += f"  <- {where(ours[-1])}"
        total += int(count)
        per_thread[thread] += int(count)
        places[thread][place] += int(count)
    return total, per_thread, places


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/spy_summary.py", description=__doc__.split("\n\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("raw", type=Path, help="py-spy's raw output (-f raw)")
    parser.add_argument("--top", type=int, default=6, metavar="N", help="places shown per thread (default 6)")
    args = parser.parse_args(argv)
    try:
        lines = args.raw.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise FacemoodError(f"cannot read {args.raw}: {exc}") from None
    total, per_thread, places = summarise(lines)
    if not total:
        raise FacemoodError(f"{args.raw} holds no py-spy samples: record with -f raw")
    print(f"{total} samples")
    for thread, count in per_thread.most_common():
        print(f"{count / total:6.1%}  {thread}")
        for place, n in places[thread].most_common(args.top):
            print(f"        {n / total:6.1%}  {place}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
