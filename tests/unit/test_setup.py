"""The installed versions are the pinned ones: requirements-rasa.txt is the one place Rasa is pinned."""

from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pins(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return dict(line.split("==") for line in lines if "==" in line)


def test_rasa_versions_are_the_pinned_ones() -> None:
    assert pins(ROOT / "requirements-rasa.txt") == {"rasa": "3.6.21", "rasa-sdk": "3.6.2"}
    for name, pinned in pins(ROOT / "requirements-rasa.txt").items():
        assert version(name) == pinned


def test_every_locked_dependency_is_installed_at_its_version() -> None:
    locked = pins(ROOT / "requirements.lock")
    wrong = {name: (pinned, version(name)) for name, pinned in locked.items() if version(name) != pinned}
    assert not wrong
