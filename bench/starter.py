"""Stock Rasa's starter bot (`rasa init --no-prompt`), trained once per Rasa version and cached."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Dict

from ops.settings import BIN, ROOT

CACHE = ROOT / "bench" / ".bench-cache"


def rasa_version() -> str:
    """The installed Rasa version, read without importing Rasa (which takes seconds)."""
    from importlib.metadata import version

    return version("rasa")


def starter_bot(log: Path) -> Dict[str, Any]:
    """The cached starter bot's folder, model and training time; trains it first when missing."""
    folder = CACHE / f"rasa-{rasa_version()}" / "starter"
    meta_file = folder.parent / "meta.json"
    if meta_file.exists():
        return {**json.loads(meta_file.read_text()), "cached": True}
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_CACHE_DIRECTORY": str(folder / ".rasa" / "cache"),
    }
    print(f"Training stock Rasa's starter bot once (1.5-5 min), log: {log}", flush=True)
    started = time.monotonic()
    with log.open("w") as out:
        subprocess.run(
            [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(folder)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=1200,
        )
    seconds = time.monotonic() - started
    model = max((folder / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    meta = {
        "folder": str(folder),
        "model": str(model),
        "train_seconds": round(seconds, 1),
        "rasa_version": rasa_version(),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    meta_file.write_text(json.dumps(meta, indent=2))
    return {**meta, "cached": False}


if __name__ == "__main__":
    print(json.dumps(starter_bot(Path("/tmp/starter-train.log")), indent=2))
