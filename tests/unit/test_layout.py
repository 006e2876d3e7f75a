"""The project's shape: dependencies point one way, modules stay small, Rasa's events table is described once."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Dict, Iterator, Set

import pytest
from rasa.core.tracker_store import SQLTrackerStore

from ops.settings import ROOT, Settings
from plugins.events_table import EVENTS

APP = ("actions", "channels", "components", "plugins", "review", "web")
FOLDERS = (*APP, "ops", "evaluation", "scripts", "bench", "tests")
MAX_LINES = 300


def modules(*folders: str) -> Iterator[Path]:
    """The Python files under the given top-level folders."""
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def imported_packages(path: Path) -> Set[str]:
    """The top-level names a module imports (absolute imports only)."""
    names: Set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


# What each part may import of the project's own packages (third-party and standard-library imports are free).
ALLOWED: Dict[str, Set[str]] = {
    **{folder: {*APP, "ops"} for folder in APP},
    "ops": {"ops"},
    "evaluation": {*APP, "ops", "evaluation"},
    "scripts": {*APP, "ops", "evaluation", "scripts"},
    "bench": {*APP, "ops", "evaluation", "scripts", "bench"},
    "tests": set(FOLDERS),
}


@pytest.mark.parametrize("folder", FOLDERS)
def test_dependencies_point_one_way(folder: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted((imported_packages(path) & set(FOLDERS)) - ALLOWED[folder])
        for path in modules(folder)
    }
    assert not {path: names for path, names in wrong.items() if names}, f"{folder}/ may import only {sorted(ALLOWED[folder])}"


def test_the_app_imports_only_the_settings_of_ops() -> None:
    for path in modules(*APP):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ops"):
                names = {alias.name for alias in node.names}
                assert node.module == "ops.settings" or names == {"settings"}, f"{path.relative_to(ROOT)} imports {node.module}"


def test_no_module_is_over_300_lines() -> None:
    long = {str(path.relative_to(ROOT)): n for path in modules(*FOLDERS) if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these modules: {long}"


def test_the_events_table_is_rasas() -> None:
    rasa = SQLTrackerStore.SQLEvent.__table__
    assert EVENTS.name == rasa.name
    ours = {column.name: (type(column.type), column.nullable, column.primary_key) for column in EVENTS.columns}
    assert ours == {column.name: (type(column.type), column.nullable, column.primary_key) for column in rasa.columns}
    assert {tuple(c.name for c in index.columns) for index in EVENTS.indexes} == {
        tuple(c.name for c in index.columns) for index in rasa.indexes
    }


def test_the_readme_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [f.name.upper() for f in dataclasses.fields(Settings) if f"`{f.name.upper()}`" not in readme]
    assert not missing, f"README.md's environment tables lack {missing}"
