"""The command-line tools behind collect.py, train.py and infer.py."""
