"""The conversation list stays fast with many conversations (bench/review_list.py, smaller than `make review-bench`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.review_list import measure


def test_list_loads_fast_with_2000_conversations(tmp_path: Path) -> None:
    results = asyncio.run(measure(tmp_path, 2000))
    assert results["events"] > 2000 * 8
    assert results["first_load_s"] < 10  # builds the index once
    assert results["warm_load_median_s"] < 0.5
    assert results["escalated_filter_s"] < 0.5 and results["text_search_s"] < 0.5
    assert results["after_new_conversation_s"] < 2
