"""Where a Rasa server spends its time under load: py-spy sampling the live process."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Dict, Optional

from bench.stats import stack_totals, stage_shares, top_frames
from ops.settings import BIN

# Where a turn's time can go, as patterns found in py-spy's frame names (`function (file:line)`).
STAGES = {
    "whole turn (Agent.handle_message)": "Agent.handle_message (",
    "tracker store: load": "TrackerStore.retrieve (",
    "tracker store: save": "TrackerStore.save (",
    "  of which event deserialisation": "deserialise_events (",
    "NLU pipeline (parse_message)": "MessageProcessor.parse_message (",
    "dialogue policies (predict next action)": "MessageProcessor._predict_next_with_tracker (",
    "custom action HTTP call (RemoteAction.run)": "RemoteAction.run (",
    "bot responses (ActionBotResponse.run)": "ActionBotResponse.run (",
}


def py_spy() -> Optional[str]:
    """The py-spy executable in .venv (or on PATH), if installed."""
    local = BIN / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def start_recording(pid: int, out: Path, seconds: int) -> Optional[subprocess.Popen]:
    """Starts py-spy sampling `pid` (and its children) for `seconds` into collapsed stacks at `out`."""
    tool = py_spy()
    if tool is None:
        return None
    command = [
        tool,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(seconds),
        "--rate",
        "200",
        "--format",
        "raw",
        "--output",
        str(out),
        "--subprocesses",
        "--nonblocking",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(process: Optional[subprocess.Popen], out: Path, n: int = 12) -> Dict[str, object]:
    """Waits for py-spy and summarises its samples: top frames by own time and by inclusive time."""
    if process is None:
        return {"error": "py-spy is not installed (.venv/bin/pip install py-spy)"}
    _, err = process.communicate(timeout=300)
    if process.returncode != 0 or not out.exists():
        return {"error": f"py-spy failed: {err.decode(errors='replace').strip()[-300:]}"}
    own, inclusive, total = stack_totals(out.read_text().splitlines())
    return {
        "samples": total,
        "top_own": top_frames(own, total, n),
        "stages": stage_shares(inclusive, total, STAGES),
        "collapsed_file": str(out),
    }
