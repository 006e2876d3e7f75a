"""components/intent_classifier.py: Rasa's feature rows, and TF-IDF weighting as scikit-learn computes it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import random as sparse_random
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from components.intent_classifier import SentenceLogisticRegressionClassifier, TfIdf

UNWEIGHTED = SimpleNamespace(tfidf=None)  # a classifier before training: raw counts

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
    ours = SentenceLogisticRegressionClassifier._create_X(UNWEIGHTED, messages)  # type: ignore[arg-type]
    rasas = LogisticRegressionClassifier._create_X(None, messages)  # type: ignore[arg-type]
    assert ours.shape == rasas.shape == (3, 130)
    assert (ours != rasas).nnz == 0


def test_column_major_weights_give_the_same_probabilities() -> None:
    features, labels = RNG.random((60, 130)), np.repeat(np.arange(6), 10)
    clf = LogisticRegression(max_iter=300).fit(features, labels)
    rows = SentenceLogisticRegressionClassifier._create_X(UNWEIGHTED, [featurized(2) for _ in range(5)])  # type: ignore[arg-type]
    before = clf.predict_proba(rows)
    clf.coef_ = np.asfortranarray(clf.coef_)
    assert np.array_equal(clf.predict_proba(rows), before)


def test_tfidf_is_scikit_learns_sublinear_tfidf_per_featurizer() -> None:
    texts = ["he hit me hit me again", "what is coercive control", "is it abuse if he checks my phone", "hi"]
    words, chars = CountVectorizer(), CountVectorizer(analyzer="char_wb", ngram_range=(2, 3))
    parts = [[words.fit(texts).transform([t]), chars.fit(texts).transform([t])] for t in texts]
    weighted = TfIdf.fit(parts)(SentenceLogisticRegressionClassifier._create_X(UNWEIGHTED, [_with(p) for p in parts]))
    for block, vectorizer in ((slice(0, len(words.vocabulary_)), words), (slice(len(words.vocabulary_), None), chars)):
        expected = TfidfVectorizer(
            sublinear_tf=True, vocabulary=vectorizer.vocabulary_, analyzer=vectorizer.analyzer, ngram_range=vectorizer.ngram_range
        ).fit_transform(texts)
        assert np.allclose(weighted[:, block].toarray(), expected.toarray())


def _with(parts: list) -> Message:
    message = Message(data={TEXT: "x"})
    for origin, part in zip(("words", "chars"), parts, strict=True):
        message.add_features(Features(part, FEATURE_TYPE_SENTENCE, TEXT, origin))
    return message
