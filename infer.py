#!/usr/bin/env python3
"""See your mood: python infer.py (the window) or python infer.py --no-window --source clip.mp4. See --help."""
import sys

try:
    from facemood.cli.infer import entry
except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing has started, so nothing to save
    sys.stderr.write("infer.py: stopped\n")
    raise SystemExit(130)

if __name__ == "__main__":
    raise SystemExit(entry())
