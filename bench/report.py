"""The benchmark's printed table (ours vs stock, with ratios and the bars) and its PNG chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from bench.stats import ratio

# (label, path into a side's results, unit)
ROWS: List[Tuple[str, Tuple[str, ...], str]] = [
    ("1 conv:  latency p50", ("c1", "p50_ms"), "ms"),
    ("1 conv:  latency p95", ("c1", "p95_ms"), "ms"),
    ("1 conv:  latency p99", ("c1", "p99_ms"), "ms"),
    ("1 conv:  messages/s", ("c1", "msgs_per_s"), "/s"),
    ("20 conv: latency p50", ("c20", "p50_ms"), "ms"),
    ("20 conv: latency p95", ("c20", "p95_ms"), "ms"),
    ("20 conv: latency p99", ("c20", "p99_ms"), "ms"),
    ("20 conv: messages/s", ("c20", "msgs_per_s"), "/s"),
    ("server RSS peak (Rasa tree)", ("peak_rss_mb",), "MB"),
    ("one Rasa process: RSS after", ("memory", "replica_mb"), "MB"),
    ("whole tree: RSS after", ("memory", "tree_mb"), "MB"),
    ("time to train", ("train_s",), "s"),
    ("time until it is up", ("ready_s",), "s"),
    ("time to first answer", ("first_answer_s",), "s"),
    ("model size", ("model_mb",), "MB"),
]


def value(side: Dict[str, Any], path: Tuple[str, ...]) -> Optional[float]:
    """The figure at `path` in one side's results, or None."""
    node: Any = side
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def bars(results: Dict[str, Any]) -> List[Tuple[str, bool]]:
    """The issue's bars (reported, not asserted) and whether our figures meet them."""
    ours, stock = results["ours"], results["stock"]
    throughput = ratio(value(ours, ("c20", "msgs_per_s")), value(stock, ("c20", "msgs_per_s"))) or 0
    memory = ours["memory"]
    return [
        (f"20 conv messages/s >= 4x stock (is {throughput}x)", throughput >= 4),
        (
            f"whole make run tree <= 700 MB RSS after {memory['messages']} messages (is {memory['tree_mb']})",
            memory["tree_mb"] <= 700,
        ),
        (f"one Rasa replica <= 300 MB RSS (is {memory['replica_mb']})", memory["replica_mb"] <= 300),
        (f"first answer <= 8 s after start (is {ours['first_answer_s']})", ours["first_answer_s"] <= 8),
        (f"20 conv p95 <= 250 ms (is {value(ours, ('c20', 'p95_ms'))})", value(ours, ("c20", "p95_ms")) <= 250),
        (f"1 conv p50 <= 25 ms (is {value(ours, ('c1', 'p50_ms'))})", value(ours, ("c1", "p50_ms")) <= 25),
        (f"our training <= 60 s (is {ours['train_s']})", ours["train_s"] <= 60),
    ]


def table(results: Dict[str, Any]) -> str:
    """The side-by-side table, the bars, accuracy checks, experiments and profiler top items, as text."""
    ours, stock = results["ours"], results["stock"]
    lines = [
        f"\nRasa {results['rasa_version']}, loads (conversations, messages): {results['loads']}; both servers up, "
        f"loads alternating between them in {results.get('rounds', 1)} rounds (order flipped each round), "
        "samples pooled; closed loop over REST on 127.0.0.1",
        f"  ours:  {ours['runs']}",
        f"  stock: {stock['runs']}",
        "  messages: each bot gets its own domain's messages (ours: reporting/leaving home/support/deaf/"
        "privacy + 1 danger message in 12; stock: greetings/moods/bot challenge)",
        "",
        f"{'metric':30} {'ours':>10} {'stock':>10} {'ours/stock':>11}",
        "-" * 64,
    ]
    for label, path, unit in ROWS:
        a, b = value(ours, path), value(stock, path)
        lines.append(f"{label:30} {_fmt(a, unit):>10} {_fmt(b, unit):>10} {_fmt(ratio(a, b), 'x'):>11}")
    lines.append(f"  (stock's training time {stock.get('train_note', '')}; ours trained now with an empty cache)")
    lines += ["", "Bars:"] + [f"  [{'PASS' if ok else 'MISS'}] {text}" for text, ok in bars(results)]
    lines += ["", "Accuracy under load (ours):"]
    for c in ("c1", "c20"):
        r = ours[c]
        lines.append(
            f"  {c}: {r['danger_escalated']}/{r['danger_sent']} danger messages escalated, "
            f"{r['normal_escalated']} false escalations, {r['errors']} errors, {r['empty_replies']} empty replies; "
            f"p50 normal {r.get('normal_p50_ms')} ms, danger {r.get('danger_p50_ms')} ms "
            f"(danger adds the action server round trip)"
        )
    sent = ours["c1"]["danger_sent"] + ours["c20"]["danger_sent"] + 1
    lines.append(
        f"  escalations recorded by the action server in the SQLite store: {ours.get('escalations_recorded')} "
        f"of {sent} danger messages (incl. 1 warm-up); events stored: {ours.get('stored_events')}"
    )
    lines.append(
        f"  stock errors: c1 {stock['c1']['errors']}, c20 {stock['c20']['errors']}; empty replies: "
        f"c1 {stock['c1']['empty_replies']}, c20 {stock['c20']['empty_replies']}"
    )
    lines += memory_lines(results) + _experiments(results) + _profile("ours", ours) + _profile("stock", stock)
    return "\n".join(lines)


def memory_lines(results: Dict[str, Any]) -> List[str]:
    """Each side's resident memory per process after its messages (peak during the loads in brackets), and the
    whole tree's."""
    lines = ["", "Memory (RSS, MB) after the loads; in brackets the peak during them:"]
    for name in ("ours", "stock"):
        memory = results[name]["memory"]
        each = ", ".join(f"{process} {mb} ({memory['peak_mb'][process]})" for process, mb in memory["after_mb"].items())
        lines.append(f"  {name} after {memory['messages']} messages: {each}")
        lines.append(
            f"    one Rasa process {memory['replica_mb']} ({memory['replica_peak_mb']}); whole tree "
            f"{memory['tree_mb']} ({memory['tree_peak_mb']}), PSS {memory['tree_pss_mb']}"
        )
    return lines


def _fmt(number: Optional[float], unit: str) -> str:
    return "-" if number is None else f"{number:g} {unit}".strip()


def _experiments(results: Dict[str, Any]) -> List[str]:
    experiments = results.get("experiments") or {}
    if not experiments:
        return []
    lines = [
        "",
        "Speed-up ideas for our bot (config.yml unchanged). Each variant ran next to a baseline server of ours,",
        "loads alternating between them (2 rounds); cells are variant/paired baseline and their ratio:",
        f"  {'variant':38} {'c1 p50':>15} {'c20 p95':>17} {'c20 msg/s':>17} {'RSS MB':>7} {'esc rec':>7}",
    ]
    for label, r in experiments.items():
        b = r["paired_baseline"]
        cells = []
        for key, width in ((("c1", "p50_ms"), 15), (("c20", "p95_ms"), 17), (("c20", "msgs_per_s"), 17)):
            mine, base = value(r, key), value(b, key)
            cells.append(f"{mine:g}/{base:g} {_fmt(ratio(mine, base), 'x')}".rjust(width))
        lines.append(f"  {label:38} {' '.join(cells)} {r['peak_rss_mb']:>7} {str(r.get('escalations_recorded')):>7}")
    lines.append(
        "  (cells: variant/baseline ratio; RSS of the variant's Rasa tree; esc rec = escalations the action"
        " server recorded in the variant's SQLite store)"
    )
    return lines


def _profile(name: str, side: Dict[str, Any]) -> List[str]:
    prof = side.get("profile")
    if not prof:
        return []
    if "error" in prof:
        return ["", f"Profile ({name}): {prof['error']}"]
    lines = ["", f"Profile ({name}, py-spy, 20 conversations, {prof['samples']} samples): top by own time"]
    lines += [f"  {pct:5.1f}%  {frame[:110]}" for frame, pct in prof["top_own"][:8]]
    lines.append(f"  where a turn's time goes ({name}, % of samples inside each stage):")
    lines += [f"  {pct:5.1f}%  {label}" for label, pct in prof["stages"]]
    return lines


def chart(results: Dict[str, Any], path: Path) -> None:
    """Draws every metric of the table as a pair of bars (ours, stock) with the ratio in the title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 4
    fig, axes = plt.subplots(-(-len(ROWS) // columns), columns, figsize=(16, 13))
    for axis in axes.flat[len(ROWS) :]:
        axis.set_visible(False)
    for axis, (label, key, unit) in zip(axes.flat[: len(ROWS)], ROWS, strict=True):
        a, b = value(results["ours"], key), value(results["stock"], key)
        heights = [a or 0, b or 0]
        drawn = axis.bar(["ours", "stock Rasa"], heights, color=["#1f6f8b", "#b0b0b0"])
        axis.bar_label(drawn, labels=[_fmt(a, unit), _fmt(b, unit)], padding=2, fontsize=9)
        axis.set_title(f"{label}\nours/stock = {_fmt(ratio(a, b), 'x')}", fontsize=10)
        axis.set_ylim(0, max(heights) * 1.25 or 1)
        axis.tick_params(labelsize=9)
    fig.suptitle(
        f"make bench {results['when']}: our bot vs stock Rasa {results['rasa_version']} starter bot "
        "(closed loop over REST, 127.0.0.1)",
        fontsize=12,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
