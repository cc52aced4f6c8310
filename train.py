#!/usr/bin/env python3
"""Train on your recordings: python train.py [--user NAME]. See --help."""
import sys

try:
    from facemood.cli.train import entry
except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing has started, so nothing to save
    sys.stderr.write("train.py: stopped\n")
    raise SystemExit(130)

if __name__ == "__main__":
    raise SystemExit(entry())
