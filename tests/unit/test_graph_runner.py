"""plugins/graph_runner.py gives what Rasa's DaskGraphRunner gives, on the trained model's prediction graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.runner.dask import DaskGraphRunner

from plugins.graph_runner import SequentialGraphRunner
from tests.conftest import MODEL
from tests.predictions import parse_and_predict


def test_the_sequential_runner_answers_as_dask_does(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does).")
    (tmp_path / "dask").mkdir()
    (tmp_path / "sequential").mkdir()
    dask = parse_and_predict(DaskGraphRunner, tmp_path / "dask", MODEL)
    sequential = parse_and_predict(SequentialGraphRunner, tmp_path / "sequential", MODEL)
    assert sequential == dask
    assert dask["he's got a knife"][0]["name"] == "immediate_danger"
