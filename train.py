#!/usr/bin/env python3
"""Train on your recordings: python train.py [--user NAME]. See --help."""
from facemood.cli.train import entry

if __name__ == "__main__":
    raise SystemExit(entry())
