"""Learning from staff: a character n-gram model fitted on confirmed decisions.

Chinese has no spaces between words, so the model reads character 1–3-grams
(TF-IDF) with a logistic regression on top; its label is the outcome
(attribute, reason). :func:`train_model` reports a cross-validated accuracy,
which also sets how much say the model gets next to the rule table (see
:func:`engine.classify.classifier.classify`). Hard rules — 密级, explicit
markings — are applied after the blend and always win.

scikit-learn is imported only here and only when a model is trained or loaded,
so the rules work without it.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.codes import Attribute, Reason

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline  # type: ignore[import-untyped]

# Below this many confirmed decisions the rules work alone.
MIN_TRAINING_SAMPLES = 30
MODEL_FORMAT_VERSION = 1
_MAX_FOLDS = 5

Sample = tuple[str, Attribute, Reason | None]
Outcome = tuple[Attribute, Reason | None]


def outcome_label(attribute: Attribute, reason: Reason | None) -> str:
    """The model's label: "proactive", "withheld:process_info" …"""
    return f"{attribute.value}:{reason.value}" if reason else attribute.value


def parse_outcome_label(label: str) -> Outcome:
    attribute, _, reason = label.partition(":")
    return Attribute(attribute), Reason(reason) if reason else None


class NotEnoughData(ValueError):
    """Too few confirmed decisions (or only one outcome) to fit a model."""


@dataclass(frozen=True)
class TrainedModel:
    """A fitted pipeline with what it was fitted on and how well it did."""

    pipeline: Pipeline
    cv_accuracy: float  # mean accuracy of stratified k-fold cross-validation
    folds: int
    n_samples: int
    version: int = MODEL_FORMAT_VERSION

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return tuple(parse_outcome_label(label) for label in self.pipeline.classes_)

    def predict_proba(self, text: str) -> dict[Outcome, float]:
        """The model's probability for each outcome it knows."""
        probabilities = self.pipeline.predict_proba([text])[0]
        return {outcome: float(p) for outcome, p in zip(self.outcomes, probabilities, strict=True)}


def _pipeline() -> Pipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.pipeline import Pipeline  # type: ignore[import-untyped]

    return Pipeline(
        [
            (
                "ngrams",
                TfidfVectorizer(
                    analyzer="char", ngram_range=(1, 3), sublinear_tf=True, max_features=200_000
                ),
            ),
            ("classifier", LogisticRegression(max_iter=2000, C=10.0, class_weight="balanced")),
        ]
    )


def train_model(samples: Sequence[Sample]) -> TrainedModel:
    """Fit a model on staff-confirmed (text, attribute, reason) decisions.

    Raises :class:`NotEnoughData` below :data:`MIN_TRAINING_SAMPLES` samples or
    with a single outcome. The accuracy is that of stratified k-fold
    cross-validation (k = 5, fewer when the rarest outcome has fewer samples).
    """
    if len(samples) < MIN_TRAINING_SAMPLES:
        raise NotEnoughData(
            f"{len(samples)} confirmed decisions; at least {MIN_TRAINING_SAMPLES} needed"
        )
    texts = [text for text, _, _ in samples]
    labels = [outcome_label(attribute, reason) for _, attribute, reason in samples]
    counts = Counter(labels)
    if len(counts) < 2:
        raise NotEnoughData("all confirmed decisions have the same outcome")

    from sklearn.model_selection import (  # type: ignore[import-untyped]
        StratifiedKFold,
        cross_val_predict,
    )

    folds = max(2, min(_MAX_FOLDS, min(counts.values())))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        # An outcome rarer than the folds is expected while staff are still confirming.
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        predicted = cross_val_predict(_pipeline(), texts, labels, cv=splitter)
    accuracy = sum(p == y for p, y in zip(predicted, labels, strict=True)) / len(labels)
    pipeline = _pipeline().fit(texts, labels)
    return TrainedModel(pipeline, float(accuracy), folds, len(samples))


def save_model(model: TrainedModel, path: Path) -> None:
    """Write ``model`` to ``path`` (joblib)."""
    import joblib  # type: ignore[import-untyped]

    payload: dict[str, Any] = {
        "version": model.version,
        "pipeline": model.pipeline,
        "cv_accuracy": model.cv_accuracy,
        "folds": model.folds,
        "n_samples": model.n_samples,
    }
    joblib.dump(payload, path)


def load_model(path: Path) -> TrainedModel:
    """Read a model written by :func:`save_model`.

    joblib files are pickles and can run code when loaded: load only files this
    desk wrote. Raises ValueError for a file of another format version.
    """
    import joblib  # type: ignore[import-untyped]

    payload = joblib.load(path)
    if not isinstance(payload, dict) or payload.get("version") != MODEL_FORMAT_VERSION:
        raise ValueError(f"{path}: not a classifier model of format version {MODEL_FORMAT_VERSION}")
    return TrainedModel(
        pipeline=payload["pipeline"],
        cv_accuracy=float(payload["cv_accuracy"]),
        folds=int(payload["folds"]),
        n_samples=int(payload["n_samples"]),
    )
