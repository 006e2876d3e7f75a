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
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
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

from components.normalise import for_matching

DANGER_SCORE = "danger_score"
DANGER_INTENTS = ("immediate_danger", "someone_else_in_danger")
WEIGHTS_FILE = "weights.npz"


def load_corpus(folder: Path) -> List[Tuple[str, bool]]:
    """(text, is_danger) pairs of the corpus files: `danger:` groups are positives, `lookalikes:` negatives."""
    pairs = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, is_danger in (("danger", True), ("lookalikes", False)):
            for texts in (data.get(key) or {}).values():
                pairs += [(str(text), is_danger) for text in texts]
    return pairs


class NgramFeatures:
    """Hashed word 1-2-grams and character 2-5-grams of the normalised text, each L2-normalised."""

    def __init__(self, n_features: int) -> None:
        common = {"n_features": n_features, "alternate_sign": False, "norm": None, "lowercase": False}
        self._words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), token_pattern=r"[^ ]+", **common)
        self._chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common)
        self.size = 2 * n_features

    def __call__(self, texts: Iterable[str]) -> csr_matrix:
        """One row per text."""
        normalised = [for_matching(text) for text in texts]
        parts = [normalize(vectorizer.transform(normalised)) for vectorizer in (self._words, self._chars)]
        return hstack(parts, format="csr")


def margins(features: csr_matrix, weights: np.ndarray) -> np.ndarray:
    """`features @ weights`, the same floats, reading only the weights of the features present. The product itself
    first converts all 2 million float32 weights to float64: a 16 MB temporary per message, which the allocator then
    keeps (a replica's resident memory grew by 16 MB at its first message)."""
    rows = np.repeat(np.arange(features.shape[0]), np.diff(features.indptr))
    products = features.data * weights[features.indices].astype(features.data.dtype)
    return np.bincount(rows, weights=products, minlength=features.shape[0])  # summed in order, as scipy does


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class DangerClassifier(GraphComponent):
    """Scores each message with the probability that it shows immediate danger."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Corpus folder, hashing size, regularisation and seed."""
        return {"corpus": "data/danger", "n_features": 2**20, "C": 10.0, "random_seed": 42}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The corpus is read from disk, not from the graph: its content must retrain the component."""
        digest = hashlib.sha256()
        for path in sorted(Path(config.get("corpus", cls.get_default_config()["corpus"])).glob("*.yml")):
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: Optional[np.ndarray] = None,
        bias: float = 0.0,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._features = NgramFeatures(int(self.config["n_features"]))
        self._weights = weights if weights is not None else np.zeros(self._features.size, dtype=np.float32)
        self._bias = bias

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerClassifier:
        """An untrained classifier."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the classifier on the corpus and the NLU examples, and stores its weights."""
        pairs = load_corpus(Path(self.config["corpus"])) + [
            (example.get(TEXT), example.get(INTENT) in DANGER_INTENTS) for example in training_data.intent_examples
        ]
        texts, labels = zip(*pairs, strict=True)
        model = LogisticRegression(
            C=float(self.config["C"]), class_weight="balanced", solver="liblinear",
            random_state=int(self.config["random_seed"]),
        )
        model.fit(self._features(texts), np.array(labels, dtype=int))
        self._weights = model.coef_.ravel().astype(np.float32)
        self._bias = float(model.intercept_[0])
        nonzero = np.flatnonzero(self._weights)
        with self._storage.write_to(self._resource) as folder:
            np.savez_compressed(
                folder / WEIGHTS_FILE, index=nonzero.astype(np.int32), value=self._weights[nonzero], bias=self._bias
            )
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
        component = cls(config, model_storage, resource)
        with model_storage.read_from(resource) as folder:
            stored = np.load(folder / WEIGHTS_FILE, allow_pickle=False)
            component._weights[stored["index"]] = stored["value"]
            component._bias = float(stored["bias"])
        return component

    def scores(self, texts: List[str]) -> np.ndarray:
        """Probability of immediate danger for each text."""
        return 1.0 / (1.0 + np.exp(-(margins(self._features(texts), self._weights) + self._bias)))

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets `danger_score` on each message."""
        if messages:
            for message, score in zip(messages, self.scores([m.get(TEXT) or "" for m in messages]), strict=True):
                message.set(DANGER_SCORE, round(float(score), 4))
        return messages
