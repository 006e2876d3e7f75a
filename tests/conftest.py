"""Shared fixtures: the real bot (action server + Rasa + website), started once per test session."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.bot import Bot, start_bot

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "current.tar.gz"


@pytest.fixture(scope="session")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """The whole bot as `make run` starts it, on free ports, with its own SQLite tracker store."""
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does).")
    running = start_bot(tmp_path_factory.mktemp("bot"), ["actions", "rasa", "web"])
    yield running
    running.stop()
