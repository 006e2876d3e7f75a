"""5-fold cross-validation of the intent classifier alone (config.yml without the fallback and danger gate)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "crossval"
NOT_CLASSIFIERS = {"components.uncertainty.UncertaintyFallback", "components.danger.DangerDetector"}


def main() -> None:
    """Writes the reduced config, runs `rasa test nlu --cross-validation` and prints the per-intent table."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] not in NOT_CLASSIFIERS]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rasa"),
            "test",
            "nlu",
            "--nlu",
            "data/nlu",
            "--config",
            str(OUT / "config.yml"),
            "--cross-validation",
            "--folds",
            "5",
            "--out",
            str(OUT),
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    report = json.loads((OUT / "intent_report.json").read_text())
    print(f"{'intent':<24}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>6}")
    for intent, row in sorted(report.items()):
        if isinstance(row, dict) and "support" in row and intent not in ("macro avg", "weighted avg", "micro avg"):
            print(f"{intent:<24}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1-score']:>8.3f}{row['support']:>6}")
    print(f"{'macro F1':<24}{report['macro avg']['f1-score']:>32.3f}")


if __name__ == "__main__":
    main()
