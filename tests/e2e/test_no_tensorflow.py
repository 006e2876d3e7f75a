"""Rasa as `make run` starts it (scripts/serve.py -> plugins/patches.py): no replica has TensorFlow, or any other
package plugins/serving_imports.py refuses, loaded; and a model that needs TensorFlow stops Rasa instead of leaving it
up with no model, answering nothing."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import uuid
from pathlib import Path
from typing import Dict, Set

import pytest

from ops import supervisor
from ops.settings import ROOT
from plugins.serving_imports import REFUSED
from tests.bot import Bot, escalated
from tests.conftest import MODEL

DIET = "rasa.nlu.classifiers.diet_classifier.DIETClassifier"


def mapped_packages(pid: int) -> Set[str]:
    """The installed packages whose files (shared libraries: a package's Python files are read, not mapped) the
    process maps: the folder under site-packages, without a `.libs` suffix."""
    packages = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        path = line.split(maxsplit=5)[-1]
        if "/site-packages/" in path:
            packages.add(path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".libs"))
    return packages


def rasa_pids(bot: Bot) -> Dict[str, int]:
    """The Rasa processes themselves (not nginx in front of replicas)."""
    replicas = {name: process.pid for name, process in bot.processes.items() if name.startswith("rasa-")}
    return replicas or {"rasa": bot.processes["rasa"].pid}


def test_no_rasa_process_has_tensorflow_or_another_refused_package_loaded(bot: Bot) -> None:
    for replica in range(4):  # REST senders are spread over the replicas by a hash of the sender
        sender = f"test-{replica}-{uuid.uuid4()}"
        assert bot.send(sender, "how do I report domestic abuse")
        assert escalated(bot.send(sender, "he's got a knife"))
        assert bot.send(sender, "asdfgh qwerty")
    for name, pid in rasa_pids(bot).items():
        mapped = mapped_packages(pid)
        assert {"numpy", "scipy", "sklearn", "spacy"} <= mapped, f"{name}: {sorted(mapped)}"  # the check sees packages
        assert not mapped & REFUSED, f"{name} (pid {pid}) has loaded {sorted(mapped & REFUSED)}"


def model_needing_tensorflow(tmp_path: Path) -> Path:
    """Our trained model with DIETClassifier (which imports TensorFlow) in place of the intent classifier."""
    path = tmp_path / "needs-tensorflow.tar.gz"
    with tarfile.open(MODEL) as source, tarfile.open(path, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member) if member.isfile() else None
            if member.name == "metadata.json":
                metadata = json.load(content)
                nodes = metadata["predict_schema"]["nodes"]
                node = next(node for name, node in nodes.items() if "SentenceLogisticRegressionClassifier" in name)
                node["uses"] = DIET
                data = json.dumps(metadata).encode()
                member.size, content = len(data), io.BytesIO(data)
            target.addfile(member, content)
    return path


def test_a_model_that_needs_tensorflow_stops_rasa(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does).")
    env = supervisor.isolated_environment(tmp_path, RASA_REPLICAS="1", RASA_MODEL=str(model_needing_tensorflow(tmp_path)))
    log = tmp_path / "rasa.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            supervisor.commands(env)["rasa"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        with pytest.raises(RuntimeError, match="exited with 1"):
            supervisor.wait_until_ready(supervisor.health_urls(env)["rasa"], process, timeout=240)
    finally:
        supervisor.stop({"rasa": process})
    said = log.read_text()
    assert "cannot be served without tensorflow" in said and DIET in said, said[-3000:]
