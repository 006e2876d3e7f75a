"""components/intent_classifier.py gives exactly what Rasa's LogisticRegressionClassifier gives."""

from __future__ import annotations

import numpy as np
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import random as sparse_random
from sklearn.linear_model import LogisticRegression

from components.intent_classifier import SentenceLogisticRegressionClassifier

RNG = np.random.default_rng(7)


def featurized(tokens: int) -> Message:
    """A message with token and sentence features from two featurizers, as the pipeline's count vectors give."""
    message = Message(data={TEXT: "x " * tokens})
    for origin, width in (("words", 40), ("chars", 90)):
        message.add_features(
            Features(sparse_random(tokens, width, density=0.2, random_state=RNG), FEATURE_TYPE_SEQUENCE, TEXT, origin)
        )
        message.add_features(
            Features(sparse_random(1, width, density=0.3, random_state=RNG), FEATURE_TYPE_SENTENCE, TEXT, origin)
        )
    return message


def test_the_feature_rows_are_rasas() -> None:
    messages = [featurized(tokens) for tokens in (1, 3, 8)]
    ours = SentenceLogisticRegressionClassifier._create_X(None, messages)  # type: ignore[arg-type]
    rasas = LogisticRegressionClassifier._create_X(None, messages)  # type: ignore[arg-type]
    assert ours.shape == rasas.shape == (3, 130)
    assert (ours != rasas).nnz == 0


def test_column_major_weights_give_the_same_probabilities() -> None:
    features, labels = RNG.random((60, 130)), np.repeat(np.arange(6), 10)
    clf = LogisticRegression(max_iter=300).fit(features, labels)
    rows = SentenceLogisticRegressionClassifier._create_X(None, [featurized(2) for _ in range(5)])  # type: ignore[arg-type]
    before = clf.predict_proba(rows)
    clf.coef_ = np.asfortranarray(clf.coef_)
    assert np.array_equal(clf.predict_proba(rows), before)
