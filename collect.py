#!/usr/bin/env python3
"""Record an emotion: python collect.py EMOTION [--source 0] [--frames 200]. See --help."""
import sys

try:
    from facemood.cli.collect import entry
except KeyboardInterrupt:  # Ctrl-C while the libraries load: nothing has started, so nothing to save
    sys.stderr.write("collect.py: stopped\n")
    raise SystemExit(130)

if __name__ == "__main__":
    raise SystemExit(entry())
