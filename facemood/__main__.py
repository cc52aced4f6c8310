"""python -m facemood: the same as the `facemood` command (useful from a checkout)."""
from .cli.main import entry

raise SystemExit(entry())
