"""Detector 1 of immediate danger: a binary classifier built for that one decision.

An intent classifier spreads its confidence over a dozen intents, so "is this danger now?" was read off whatever
share the danger intents happened to get. This component answers only that question: logistic regression over
hashed word and character n-grams of the normalised text (`normalise.for_matching`), trained by `rasa train` on
the danger corpus (`data/danger/`: immediate danger and its look-alikes) plus every NLU example (the danger intents
as positives, all other intents as negatives). Its score, a probability, goes on the message as `danger_score`;
the gate (`components/danger.py`) decides with it and the rules.

The weights are stored as plain arrays (no pickle), and the corpus is part of the fingerprint, so editing it
retrains this component.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from components import normalise
from components.base import TrainedComponent
from components.normalise import for_matching

DANGER_SCORE = "danger_score"
DANGER_KIND = "danger_kind"  # who is in danger and how they can call: self, other, cant_speak or deaf
DANGER_INTENTS = ("immediate_danger", "someone_else_in_danger")
KINDS = ("self", "other", "cant_speak", "deaf")
KIND_OF_INTENT = {"immediate_danger": "self", "someone_else_in_danger": "other"}


@dataclass(frozen=True)
class Example:
    """A training message: whether it shows immediate danger and, if so, its kind (a corpus group name)."""

    text: str
    is_danger: bool
    kind: Optional[str] = None


def load_corpus(folder: Path) -> List[Example]:
    """The corpus files' messages: `danger:` groups (named by kind) are positives, `lookalikes:` groups negatives."""
    examples = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for group, texts in (data.get("danger") or {}).items():
            examples += [Example(str(text), True, group) for text in texts]
        for texts in (data.get("lookalikes") or {}).values():
            examples += [Example(str(text), False) for text in texts]
    return examples


@dataclass
class LinearModel:
    """Sparse weights (features x classes) and biases of a fitted logistic regression, stored without pickle."""

    weights: csr_matrix
    bias: np.ndarray

    @classmethod
    def fit(cls, features: csr_matrix, labels: List[Any], C: float, seed: int) -> LinearModel:  # noqa: N803
        """Fits class-balanced logistic regression (one-vs-rest for several classes)."""
        model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", random_state=seed)
        model.fit(features, labels)
        return cls(csr_matrix(model.coef_.T.astype(np.float32)), model.intercept_.astype(np.float32))

    def probabilities(self, features: csr_matrix) -> np.ndarray:
        """One row per message: P(positive) for a binary model, or normalised class scores for several classes."""
        margins = np.asarray((features @ self.weights).todense()) + self.bias
        scores = 1.0 / (1.0 + np.exp(-margins))
        return scores if scores.shape[1] == 1 else scores / scores.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        """Writes the arrays to an .npz file."""
        w = self.weights
        np.savez_compressed(path, data=w.data, indices=w.indices, indptr=w.indptr, shape=w.shape, bias=self.bias)

    @classmethod
    def read(cls, path: Path) -> LinearModel:
        """Reads what `save` wrote."""
        stored = np.load(path, allow_pickle=False)
        weights = csr_matrix((stored["data"], stored["indices"], stored["indptr"]), shape=tuple(stored["shape"]))
        return cls(weights, stored["bias"])


NEGATIONS = frozenset({"not", "never", "no", "nobody", "nothing", "without", "nowhere", "none"})
CLAUSE_BREAKS = frozenset({"but", "and", "so", "because", "then"})


def mark_negated(normalised: str) -> str:
    """Prefixes "not_" to the words a negation governs, up to the clause's end ("i am not not_in not_danger").

    Without it "in danger" counts as the same evidence in "I'm in danger" and "I'm not in danger".
    """
    words, negated = [], False
    for word in normalised.split():
        if word in CLAUSE_BREAKS or not any(ch.isalnum() for ch in word):
            negated = False
            words.append(word)
            continue
        words.append(f"not_{word}" if negated else word)
        negated = negated or word in NEGATIONS
    return " ".join(words)


class NgramFeatures:
    """Hashed word 1-2-grams (negation marked) and character 2-5-grams of the normalised text, each L2-normalised."""

    def __init__(self, n_features: int) -> None:
        common = {"n_features": n_features, "alternate_sign": False, "norm": None, "lowercase": False}
        self._words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"[^ ]+", **common)
        self._chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common)
        self.size = 2 * n_features

    def __call__(self, texts: Iterable[str]) -> csr_matrix:
        """One row per text."""
        normalised = [for_matching(text) for text in texts]
        words = normalize(self._words.transform([mark_negated(text) for text in normalised]))
        return hstack([words, normalize(self._chars.transform(normalised))], format="csr")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class DangerClassifier(TrainedComponent):
    """Scores each message with the probability that it shows immediate danger."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Corpus folder, hashing size, regularisation, seed, and the probability from which "self" becomes
        "cant_speak" (the Silent Solution's steps cost a hearing, speaking person nothing)."""
        return {"corpus": "data/danger", "n_features": 2**20, "C": 30.0, "random_seed": 42, "cant_speak_from": 0.3}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The corpus and the feature code are read from disk, not from the graph: changing them retrains."""
        corpus = sorted(Path(config.get("corpus", cls.get_default_config()["corpus"])).glob("*.yml"))
        digest = hashlib.sha256()
        for path in [*corpus, Path(__file__), Path(normalise.__file__)]:
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        models: Optional[Dict[str, LinearModel]] = None,
    ) -> None:
        super().__init__(config, model_storage, resource)
        self._features = NgramFeatures(int(self.config["n_features"]))
        self._models = models or {}

    def train(self, training_data: TrainingData) -> Resource:
        """Fits "danger now?" on the corpus and every NLU example, and "which kind?" on the danger messages."""
        examples = load_corpus(Path(self.config["corpus"])) + [
            Example(e.get(TEXT), e.get(INTENT) in DANGER_INTENTS, KIND_OF_INTENT.get(e.get(INTENT)))
            for e in training_data.intent_examples
        ]
        features = self._features([example.text for example in examples])
        danger = [i for i, example in enumerate(examples) if example.is_danger]
        C, seed = float(self.config["C"]), int(self.config["random_seed"])  # noqa: N806
        self._models = {
            DANGER_SCORE: LinearModel.fit(features, [int(e.is_danger) for e in examples], C, seed),
            DANGER_KIND: LinearModel.fit(features[danger], [KINDS.index(examples[i].kind) for i in danger], C, seed),
        }
        with self._storage.write_to(self._resource) as folder:
            for name, model in self._models.items():
                model.save(folder / f"{name}.npz")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> DangerClassifier:
        """The trained classifier, from plain arrays."""
        with model_storage.read_from(resource) as folder:
            models = {name: LinearModel.read(folder / f"{name}.npz") for name in (DANGER_SCORE, DANGER_KIND)}
        return cls(config, model_storage, resource, models)

    def predict(self, texts: List[str]) -> Tuple[np.ndarray, List[str]]:
        """Probability of immediate danger, and the likeliest kind of danger, for each text."""
        features = self._features(texts)
        probabilities = self._models[DANGER_KIND].probabilities(features)
        kinds = [KINDS[row.argmax()] for row in probabilities]
        cant_speak = probabilities[:, KINDS.index("cant_speak")] >= float(self.config["cant_speak_from"])
        kinds = ["cant_speak" if kind == "self" and quiet else kind for kind, quiet in zip(kinds, cant_speak, strict=True)]
        return self._models[DANGER_SCORE].probabilities(features)[:, 0], kinds

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets `danger_score` and `danger_kind` on each message."""
        if messages:
            scores, kinds = self.predict([m.get(TEXT) or "" for m in messages])
            for message, score, kind in zip(messages, scores, kinds, strict=True):
                message.set(DANGER_SCORE, round(float(score), 4))
                message.set(DANGER_KIND, kind)
        return messages
