#!/usr/bin/env python3
"""Record an emotion: python collect.py EMOTION [--source 0] [--frames 200]. See --help."""
from facemood.cli.collect import entry

if __name__ == "__main__":
    raise SystemExit(entry())
