"""Disclosure attribute + reason + basis + evidence for a filed document (pure).

    from engine.classify import classify
    result = classify(text, metadata)          # rules alone
    result = classify(text, metadata, model)   # blended with a model trained on staff decisions
    result.to_dict()                           # the JSON of `gongkai classify --json`

The rule table is :data:`engine.classify.rules.RULES`.
"""

from engine.classify.classifier import REVIEW_BELOW, classify
from engine.classify.learn import (
    MIN_TRAINING_SAMPLES,
    NotEnoughData,
    TrainedModel,
    load_model,
    save_model,
    train_model,
)
from engine.classify.personal import (
    Redaction,
    RedactionKind,
    find_personal_data,
    is_valid_id_number,
    luhn_valid,
)
from engine.classify.result import Classification, Evidence
from engine.classify.rules import HINTS, RULES, Hint, Rule, Where
from engine.classify.secrecy import ReviewCause, ReviewDue, declassification_date, review_due

__all__ = [
    "HINTS",
    "MIN_TRAINING_SAMPLES",
    "REVIEW_BELOW",
    "RULES",
    "Classification",
    "Evidence",
    "Hint",
    "NotEnoughData",
    "Redaction",
    "RedactionKind",
    "ReviewCause",
    "ReviewDue",
    "Rule",
    "TrainedModel",
    "Where",
    "classify",
    "declassification_date",
    "find_personal_data",
    "is_valid_id_number",
    "load_model",
    "luhn_valid",
    "review_due",
    "save_model",
    "train_model",
]
