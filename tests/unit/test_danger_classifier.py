"""components/danger_classifier.py: scoring gives exactly the floats of `features @ weights`, without its 16 MB
temporary per call."""

from __future__ import annotations

import tracemalloc

import numpy as np

from components.danger_classifier import DangerClassifier

TEXTS = ["he's got a knife", "", "how do I report domestic abuse", "HES HITTING ME!!! 😭 pls", "knife sharpening tips",
         "a" * 2000, "cant talk he'll hear"]


def classifier() -> DangerClassifier:
    """A classifier with random weights on a tenth of the hashed features (as training leaves most at zero)."""
    component = DangerClassifier({}, None, None)
    generator = np.random.default_rng(19)
    chosen = generator.choice(component._weights.size, component._weights.size // 10, replace=False)
    component._weights[chosen] = generator.normal(0, 2, chosen.size).astype(np.float32)
    component._bias = -1.25
    return component


def test_scores_are_exactly_those_of_the_sparse_product() -> None:
    component = classifier()
    features = component._features(TEXTS)
    expected = 1.0 / (1.0 + np.exp(-(features @ component._weights + component._bias)))
    scores = component.scores(TEXTS)
    assert scores.dtype == expected.dtype and scores.shape == (len(TEXTS),)
    assert np.array_equal(scores, expected)
    assert np.array_equal(component.scores([TEXTS[0]]), expected[:1])


def test_scoring_does_not_copy_the_weights() -> None:
    component = classifier()
    component.scores(TEXTS)  # first call: whatever is set up once
    tracemalloc.start()
    component.scores(TEXTS)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < component._weights.nbytes // 4, f"{peak} bytes at the peak"
