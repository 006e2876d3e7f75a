"""Statistics for the benchmark: percentiles, per-load summaries, ratios and profiler stack totals."""

from __future__ import annotations

import math
from collections import Counter
from typing import Dict, Iterable, List, Optional, Sequence, Tuple


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks, as numpy's default."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0-100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(latencies_ms: Sequence[float], wall_seconds: float, errors: int = 0) -> Dict[str, float]:
    """Latency percentiles, mean and messages per second of one closed-loop load."""
    if wall_seconds <= 0:
        raise ValueError("wall time must be positive")
    return {
        "messages": len(latencies_ms),
        "errors": errors,
        "p50_ms": round(percentile(latencies_ms, 50), 1),
        "p95_ms": round(percentile(latencies_ms, 95), 1),
        "p99_ms": round(percentile(latencies_ms, 99), 1),
        "mean_ms": round(sum(latencies_ms) / len(latencies_ms), 1),
        "msgs_per_s": round(len(latencies_ms) / wall_seconds, 1),
        "wall_s": round(wall_seconds, 2),
    }


def ratio(ours: Optional[float], theirs: Optional[float]) -> Optional[float]:
    """ours / theirs, or None when either is missing or theirs is zero."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return round(ours / theirs, 2)


def stack_totals(collapsed: Iterable[str]) -> Tuple[Counter, Counter, int]:
    """Self and inclusive sample counts per frame from py-spy's collapsed ('raw') output, and the total.

    Each line is `frame;frame;...;leaf count`; a frame that recurs in one stack counts once inclusively.
    """
    own: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    for line in collapsed:
        stack, _, count_text = line.strip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return own, inclusive, total


def top_frames(counts: Counter, total: int, n: int, skip: Iterable[str] = ()) -> List[Tuple[str, float]]:
    """The n frames with most samples as (frame, percent of all samples), leaving out frames containing `skip`."""
    skipped = tuple(skip)
    rows = [(frame, count) for frame, count in counts.most_common() if not any(s in frame for s in skipped)]
    return [(frame, round(100 * count / total, 1)) for frame, count in rows[:n]] if total else []


def stage_shares(inclusive: Counter, total: int, stages: Dict[str, str]) -> List[Tuple[str, float]]:
    """Percent of samples inside each named stage: the largest inclusive count of a frame containing the stage's
    pattern (so a wrapper such as FailSafeTrackerStore.save and the SQLTrackerStore.save it wraps count once)."""
    if not total:
        return []
    shares = []
    for label, pattern in stages.items():
        counts = [count for frame, count in inclusive.items() if pattern in frame]
        shares.append((label, round(100 * max(counts, default=0) / total, 1)))
    return sorted(shares, key=lambda row: -row[1])
