"""What the benchmarks share: a number measured over repeats, judged against its target, as a table row."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def judge(what: str, unit: str, values: list[float], target: float | None, kind: str) -> dict:
    """Median, min, max over the repeats; `ok` whether the median meets the target ("max": at most it,
    "min": at least it; None without a target)."""
    median = float(np.median(values))
    ok = None if target is None else (median <= target if kind == "max" else median >= target)
    return {"what": what, "unit": unit, "median": median, "min": float(np.min(values)),
            "max": float(np.max(values)), "n": len(values), "target": target, "target_kind": kind or None, "ok": ok}


def row_texts(judged: dict, fmt: Callable[[float], str]) -> tuple[str, str, str]:
    """A judged number's spread ("min-max"), target ("<= 100 %") and verdict ("ok", "MISSED" or "")."""
    target = "" if judged["target"] is None else \
        f"{'<=' if judged['target_kind'] == 'max' else '>='} {judged['target']:g} {judged['unit']}"
    verdict = "" if judged["ok"] is None else ("ok" if judged["ok"] else "MISSED")
    return f"{fmt(judged['min'])}-{fmt(judged['max'])}", target, verdict
