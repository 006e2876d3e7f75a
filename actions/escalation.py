"""Reads the danger verdict that the NLU pipeline (components/danger.py) left on a user message."""

from __future__ import annotations

from typing import Any, Dict, List


def detectors_that_fired(parse_data: Dict[str, Any]) -> List[str]:
    """Names of the danger detectors ("rules", "model") that fired on a parsed message."""
    danger = parse_data.get("danger") or {}
    return [name for name in ("rules", "model") if (danger.get(name) or {}).get("fired")]
