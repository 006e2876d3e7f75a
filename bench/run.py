"""`make bench`: serves our bot, then stock Rasa's starter bot, and drives both with the same closed-loop load."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from bench import danger_detector, load, profile, report
from bench.servers import Server, start_ours, start_stock, train_ours
from bench.starter import starter_bot
from bench.stats import percentile, summarise

RESULTS = Path(__file__).resolve().parent / "results"
Pooled = Tuple[List[load.Sample], float, Dict[str, int]]  # samples, wall seconds, peak RSS bytes per memory group
MB = 2**20
# Settings around the default, each measured next to a default server: (label, SQLite on tmpfs, environment).
EXPERIMENTS: List[Tuple[str, bool, Dict[str, str]]] = [
    ("1 Rasa process, no nginx", False, {"RASA_REPLICAS": "1"}),
    ("3 Rasa processes", False, {"RASA_REPLICAS": "3"}),
    ("SQLite file on tmpfs (no disk at all)", True, {}),
]


def run_load(server: Server, script: Sequence[load.Turn], conversations: int, messages: int) -> Pooled:
    """One closed-loop load against `server`: its samples, wall time and peak RSS meanwhile (server.memory_groups)."""
    with load.PeakRss(server.memory_groups()) as rss:
        samples, wall = asyncio.run(
            load.drive(server.webhook, script, conversations, messages, tag=f"{server.name}-{conversations}")
        )
    return samples, wall, rss.peaks


def summary(samples: List[load.Sample], wall: float, peaks: Dict[str, int]) -> Dict[str, Any]:
    """The figures of one side at one load, from its samples pooled over the rounds."""
    ok = [s.latency_ms for s in samples if s.ok]
    if not ok:
        raise RuntimeError("no message answered")
    result: Dict[str, Any] = {**summarise(ok, wall, errors=len(samples) - len(ok)), "peak_rss_mb": peaks["rasa tree"] // MB}
    for kind in ("normal", "danger"):
        times = [s.latency_ms for s in samples if s.ok and s.kind == kind]
        if times:
            result[f"{kind}_p50_ms"] = round(percentile(times, 50), 1)
    return {**result, **load.escalation_counts(samples)}


def memory(server: Server, peaks: Dict[str, int], messages: int) -> Dict[str, Any]:
    """Resident memory of each process of a side after `messages` messages, their peaks during the loads, the
    largest Rasa process and the whole tree (with its PSS, which counts pages shared between processes once)."""
    after = {name: load.tree_memory(process.pid, proportional=True) for name, process in server.processes.items()}
    return {
        "messages": messages,
        "after_mb": {name: rss // MB for name, (rss, _) in after.items()},
        "peak_mb": {name: peaks[name] // MB for name in server.processes},
        "replica_mb": max(after[name][0] for name in server.replicas) // MB,
        "replica_peak_mb": max(peaks[name] for name in server.replicas) // MB,
        "tree_mb": sum(rss for rss, _ in after.values()) // MB,
        "tree_pss_mb": sum(pss for _, pss in after.values()) // MB,
        "tree_peak_mb": peaks["whole tree"] // MB,
    }


def measure(
    sides: Dict[str, Tuple[Server, Sequence[load.Turn]]], loads: Sequence[Tuple[int, int]], rounds: int
) -> Dict[str, Dict[str, Any]]:
    """Drives the running sides in turn, in `rounds` rounds (order flipped each round, so background load on
    the shared machine hits both alike), and pools each side's samples per load."""
    for server, script in sides.values():
        asyncio.run(load.drive(server.webhook, script, 1, len(script), tag=f"{server.name}-warmup"))
    pooled: Dict[Tuple[str, int], Pooled] = {(n, c): ([], 0.0, {}) for n in sides for c, _ in loads}
    for round_ in range(rounds):
        for conversations, messages in loads:
            per_round = -(-messages // rounds)
            for name in list(sides) if round_ % 2 == 0 else list(sides)[::-1]:
                print(f"  round {round_ + 1}/{rounds}: {name}, {conversations} conversation(s), {per_round} messages", flush=True)
                samples, wall, peak = run_load(sides[name][0], sides[name][1], conversations, per_round)
                old = pooled[(name, conversations)]
                pooled[(name, conversations)] = (
                    old[0] + samples,
                    old[1] + wall,
                    {k: max(old[2].get(k, 0), v) for k, v in peak.items()},
                )
    results = {}
    for name, (server, _) in sides.items():
        result: Dict[str, Any] = {
            "runs": server.runs,
            "ready_s": round(server.ready_seconds, 1),
            "first_answer_s": round(server.first_answer_seconds, 1),
        }
        for conversations, _ in loads:
            result[f"c{conversations}"] = summary(*pooled[(name, conversations)])
        result["peak_rss_mb"] = max(result[f"c{c}"]["peak_rss_mb"] for c, _ in loads)
        sent = 1 + len(sides[name][1]) + sum(len(pooled[(name, c)][0]) for c, _ in loads)  # first answer + warm-up
        peaks = {k: max(pooled[(name, c)][2][k] for c, _ in loads) for k in server.memory_groups()}
        result["memory"] = memory(server, peaks, sent)
        result.update(server.stored())
        results[name] = result
    return results


def profiled(server: Server, script: Sequence[load.Turn], seconds: int, out: Path) -> Dict[str, Any]:
    """py-spy on one Rasa process (the first replica) while 20 conversations run for about `seconds`."""
    recorder = profile.start_recording(server.rasa_pids[0], out, seconds)
    time.sleep(1)
    asyncio.run(load.drive(server.webhook, script, 20, 100_000, time_limit=seconds - 2, tag=f"{server.name}-prof"))
    return profile.finish(recorder, out)


def experiments(loads: Sequence[Tuple[int, int]]) -> Dict[str, Any]:
    """Each speed-up idea runs next to a baseline server of ours, loads alternating between the two (2 rounds)."""
    results: Dict[str, Any] = {}
    baseline = start_ours()
    try:
        for label, tmpfs, env in EXPERIMENTS:
            print(f"Experiment: {label} (paired with a baseline server)", flush=True)
            server = start_ours(tmpfs, **env)
            try:
                pair = measure({"baseline": (baseline, load.OURS), "variant": (server, load.OURS)}, loads, 2)
            finally:
                server.stop()
            results[label] = {**pair["variant"], "paired_baseline": pair["baseline"]}
    finally:
        baseline.stop()
    return results


def main(argv: Sequence[str] | None = None) -> None:
    """Runs the whole benchmark and writes bench/results/bench-<time>.json and .png."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200, help="messages per load (at least 200 for the record)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds that alternate between the two sides")
    parser.add_argument("--no-experiments", action="store_true", help="skip the speed-up experiments")
    parser.add_argument("--no-profile", action="store_true", help="skip py-spy")
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    loads = [(1, args.messages), (20, max(args.messages, 400))]
    starter = starter_bot(RESULTS / "starter-train.log")
    results: Dict[str, Any] = {
        "when": stamp,
        "rasa_version": starter["rasa_version"],
        "loads": loads,
        "rounds": args.rounds,
        "messages": {"ours": load.OURS, "stock": load.STARTER},
    }
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        print("Training our bot from scratch (empty Rasa cache)", flush=True)
        seconds, model = train_ours(Path(tmp))
        trained_size = model.stat().st_size
    print("Starting our bot, then stock Rasa's starter bot (both stay up; loads alternate between them)", flush=True)
    servers: List[Server] = []
    try:
        servers.append(start_ours())
        servers.append(start_stock(Path(starter["folder"]), Path(starter["model"])))
        sides = {"ours": (servers[0], load.OURS), "stock": (servers[1], load.STARTER)}
        measured = measure(sides, loads, args.rounds)
        if not args.no_profile:
            for name, (server, script) in sides.items():
                print(f"  {name}: profiling with py-spy", flush=True)
                measured[name]["profile"] = profiled(server, script, 15, RESULTS / f"profile-{name}-{stamp}.txt")
    finally:
        for server in servers:
            server.stop()
    ours, stock = measured["ours"], measured["stock"]
    ours.update(train_s=round(seconds, 1), model_mb=round(trained_size / 2**20, 2))
    stock.update(
        train_s=starter["train_seconds"],
        train_note=f"measured once at {starter['trained_at']}",
        model_mb=round(Path(starter["model"]).stat().st_size / 2**20, 2),
    )
    results.update(ours=ours, stock=stock)
    if not args.no_experiments:
        results["experiments"] = experiments([(1, args.messages), (20, args.messages)])
    results["danger_detector"] = danger_detector.measure()
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=2))
    report.chart(results, path.with_suffix(".png"))
    print(report.table(results))
    print("Danger detector per message, in-process: " + ", ".join(f"{k} {v}" for k, v in results["danger_detector"].items()))
    print(f"\nFigures: {path}\nChart:   {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
