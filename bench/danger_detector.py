"""What the danger detector adds to a turn: the classifier, the rules and the gate, timed in-process per message.

The classifier is trained here on the repository's corpus and NLU data, as `rasa train` does, so the timing is of
the real weights' size. Messages are the development set's, one at a time, as a server sees them.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from statistics import median, quantiles
from typing import Dict

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message

from components.danger import DangerDetector
from components.danger_classifier import DangerClassifier
from evaluation.sets import DEV_SET, load_danger_set

ROOT = Path(__file__).resolve().parent.parent


def measure() -> Dict[str, float]:
    """Milliseconds per message (p50, p95) of the classifier, the gate (with the rules), and both."""
    with tempfile.TemporaryDirectory() as tmp:
        storage = LocalModelStorage(Path(tmp))
        context = ExecutionContext(GraphSchema({}), "bench")
        classifier = DangerClassifier.create({}, storage, Resource("danger"), context)
        training = TrainingDataImporter.load_from_config(
            str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
        ).get_nlu_data()
        classifier.train(training)
        gate = DangerDetector({"threshold": 0.5, "check_threshold": 0.35})
        timings: Dict[str, list] = {"classifier": [], "rules and gate": [], "danger detector": []}
        for text in load_danger_set(DEV_SET).texts:
            message = Message(data={"text": text})
            start = time.perf_counter()
            classifier.process([message])
            middle = time.perf_counter()
            gate.process([message])
            end = time.perf_counter()
            timings["classifier"].append(middle - start)
            timings["rules and gate"].append(end - middle)
            timings["danger detector"].append(end - start)
    return {
        f"{name} p{q} ms": round(1000 * value, 3)
        for name, values in timings.items()
        for q, value in (("50", median(values)), ("95", quantiles(values, n=20)[-1]))
    }


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name:<32}{value:>8.3f}")
