#!/usr/bin/env python3
"""See your mood: python infer.py (the window) or python infer.py --no-window --source clip.mp4. See --help."""
from facemood.cli.infer import entry

if __name__ == "__main__":
    raise SystemExit(entry())
