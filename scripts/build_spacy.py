"""Writes the spaCy pipeline that config.yml's SpacyNLP loads from .spacy/en.

A pretrained English pipeline (en_core_web_md/lg/sm) is used when one is installed; otherwise a blank English
pipeline, since no model hub is reachable from the machines this project runs on.
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy

PRETRAINED = ("en_core_web_md", "en_core_web_lg", "en_core_web_sm")


def main(target: Path) -> None:
    """Saves the best available English pipeline to `target`."""
    for name in PRETRAINED:
        if spacy.util.is_package(name):
            nlp, source = spacy.load(name), name
            break
    else:
        nlp, source = spacy.blank("en"), "blank English pipeline"
    target.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    print(f"spaCy: {source} written to {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ".spacy/en"))
