"""The benchmark's memory figures (bench/load.py, bench/report.py): per process, per group, and how they print."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

from bench import load, report

HOLD_40_MB = "b = bytearray(40 * 2**20); import time; time.sleep(60)"


def test_tree_memory_counts_a_process_with_its_children() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {HOLD_40_MB!r}])"]
    )
    try:
        deadline = time.monotonic() + 20
        while not psutil.Process(parent.pid).children() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        child = psutil.Process(parent.pid).children()[0]
        rss, pss = load.tree_memory(parent.pid, proportional=True)
        assert rss == psutil.Process(parent.pid).memory_info().rss + child.memory_info().rss
        assert rss >= 40 * 2**20 and 0 < pss <= rss
        assert load.tree_memory(parent.pid) == (rss, 0)
    finally:
        for process in psutil.Process(parent.pid).children(recursive=True):
            process.kill()
        parent.kill()
        parent.wait()
    assert load.tree_memory(parent.pid) == (0, 0)


def test_peak_rss_keeps_each_groups_peak() -> None:
    me = os.getpid()
    with load.PeakRss({"me": [me], "me twice": [me, me]}, interval=0.05) as rss:
        time.sleep(0.2)
    assert rss.peaks["me"] >= psutil.Process(me).memory_info().rss // 2
    assert rss.peaks["me twice"] >= rss.peaks["me"]


def side(replica_mb: int, tree_mb: int, first_answer_s: float, msgs_per_s: float) -> dict:
    figures = {
        "p50_ms": 10,
        "p95_ms": 20,
        "p99_ms": 30,
        "msgs_per_s": msgs_per_s,
        "danger_escalated": 1,
        "danger_sent": 1,
        "normal_escalated": 0,
        "errors": 0,
        "empty_replies": 0,
    }
    memory = {
        "messages": 250,
        "after_mb": {"rasa-0": replica_mb, "rasa": 30},
        "peak_mb": {"rasa-0": replica_mb + 5, "rasa": 31},
        "replica_mb": replica_mb,
        "replica_peak_mb": replica_mb + 5,
        "tree_mb": tree_mb,
        "tree_peak_mb": tree_mb + 6,
        "tree_pss_mb": tree_mb - 50,
    }
    return {
        "runs": "x",
        "c1": figures,
        "c20": figures,
        "peak_rss_mb": tree_mb,
        "memory": memory,
        "train_s": 30,
        "ready_s": 3.0,
        "first_answer_s": first_answer_s,
        "model_mb": 1.5,
    }


def test_the_report_prints_the_memory_lines_and_bars(tmp_path: Path) -> None:
    results = {
        "when": "now",
        "rasa_version": "3.6.21",
        "loads": [[1, 200]],
        "rounds": 1,
        "ours": side(280, 690, 7.5, 100.0),
        "stock": side(1100, 1100, 20.0, 25.0),
    }
    text = report.table(results)
    assert "ours after 250 messages: rasa-0 280 (285), rasa 30 (31)" in text
    assert "one Rasa process 280 (285); whole tree 690 (696), PSS 640" in text
    assert "[PASS] whole make run tree <= 700 MB RSS after 250 messages (is 690)" in text
    assert "[PASS] one Rasa replica <= 300 MB RSS (is 280)" in text
    assert "[PASS] first answer <= 8 s after start (is 7.5)" in text
    assert "[PASS] 20 conv messages/s >= 4x stock (is 4.0x)" in text
    results["ours"] = side(301, 701, 8.1, 99.0)
    misses = [line for line in report.table(results).splitlines() if "[MISS]" in line]
    assert len(misses) == 4, misses
    report.chart(results, tmp_path / "chart.png")
    assert (tmp_path / "chart.png").stat().st_size > 0
