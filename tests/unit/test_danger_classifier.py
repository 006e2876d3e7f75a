"""components/danger_classifier.py: scores are exactly logistic regression's, computed without a copy of the weights."""

from __future__ import annotations

import tracemalloc

import numpy as np
from scipy.sparse import random as sparse_random

from components.danger_classifier import DANGER_KIND, DANGER_SCORE, KINDS, DangerClassifier, LinearModel

TEXTS = [
    "he's got a knife",
    "",
    "how do I report domestic abuse",
    "HES HITTING ME!!! 😭 pls",
    "knife sharpening tips",
    "a" * 2000,
    "cant talk he'll hear",
]


def classifier() -> DangerClassifier:
    """A classifier with random weights on a hundredth of the hashed features (training leaves most at zero)."""
    component = DangerClassifier({}, None, None)
    size = component._features.size

    def model(classes: int, seed: int) -> LinearModel:
        weights = sparse_random(size, classes, density=0.01, format="csr", dtype=np.float32, random_state=seed)
        return LinearModel(weights, np.full(classes, -1.25, dtype=np.float32))

    component._models = {DANGER_SCORE: model(1, 19), DANGER_KIND: model(len(KINDS), 20)}
    return component


def test_scores_are_exactly_those_of_logistic_regression() -> None:
    component = classifier()
    features = component._features(TEXTS)
    model = component._models[DANGER_SCORE]
    expected = 1.0 / (1.0 + np.exp(-(features @ model.weights.toarray()[:, 0] + model.bias[0])))
    scores, kinds = component.predict(TEXTS)
    assert scores.shape == (len(TEXTS),) and np.allclose(scores, expected, rtol=1e-6)
    assert set(kinds) <= set(KINDS) and len(kinds) == len(TEXTS)
    assert np.allclose(component.predict([TEXTS[0]])[0], expected[:1], rtol=1e-6)


def test_scoring_does_not_copy_the_weights() -> None:
    component = classifier()
    component.predict(TEXTS)  # first call: whatever is set up once
    tracemalloc.start()
    component.predict(TEXTS)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    dense_column = component._features.size * 4
    assert peak < dense_column // 4, f"{peak} bytes at the peak"
