"""(text, metadata) -> a proposed 公开属性: hard rules, then the rule table, then review.

Order of authority:

1. a 密级 marking (绝密/机密/秘密, with or without ★ and 保密期限) -> 不予公开,
   国家秘密 (第十四条), whatever else the document says;
2. an explicit 附注 (（此件公开发布） …) -> that attribute; for 不予公开 the reason
   is the strongest one the content shows;
3. the rule table of :mod:`engine.classify.rules`, optionally blended with a model
   trained on staff decisions (:mod:`engine.classify.learn`);
4. nothing fires -> 依申请公开 with low confidence.

Safety: a proposal of 主动公开 or 依申请公开 that holds personal identifiers is
under review, and so is any document with a 内部 or secrecy hint; a document
whose distribution is restricted is never proposed for 主动公开 by content alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice

from engine.classify.learn import TrainedModel
from engine.classify.personal import Redaction, find_personal_data
from engine.classify.result import Classification, Evidence
from engine.classify.rules import (
    CATCH_ALL_ITEM,
    HINTS,
    MARKINGS,
    MAX_COUNTED_MATCHES,
    ON_REQUEST_PRIOR,
    RULES,
    SECRECY_MARKING,
    Hint,
    Rule,
    Where,
    on_request_basis,
    proactive_basis,
)
from engine.classify.zones import Zone, Zones, find_zones
from engine.codes import Attribute, Reason, ThirdPartyKind
from engine.metadata import DocumentMetadata

Outcome = tuple[Attribute, Reason | None]

# Below this confidence a proposal goes to a person (保密审查 三级审核 starts with the drafter).
REVIEW_BELOW = 0.5
# A trained model votes like one more rule: its probability for each outcome times
# this score times its cross-validated accuracy (9 = a strong title rule), so a
# good model decides where the rules are silent and tips close calls, while a
# clear title kind still outweighs it.
MODEL_SCORE = 9.0
_MAX_EVIDENCE = 8
# A 不予公开 marking's reason resting on less than one header rule's worth of words is a guess.
_FIRM_REASON = 4.0
_SECRECY_SCAN = 300  # the 密级 stands in the 版头, at the top

ON_REQUEST: Outcome = (Attribute.ON_REQUEST, None)
# Evidence strength 1 - exp(-score / scale): one title rule (score ~6) gives ~0.8.
_STRENGTH_SCALE = 4.0
# On equal scores: 依申请公开 (the default), then 不予公开, and 主动公开 last.
_CAUTION = {Attribute.ON_REQUEST: 2, Attribute.WITHHELD: 1, Attribute.PROACTIVE: 0}


@dataclass(frozen=True)
class RuleHit:
    """A rule that fired: where (original offsets, at most MAX_COUNTED_MATCHES) and its score."""

    rule: Rule
    spans: tuple[tuple[int, int], ...]

    @property
    def score(self) -> float:
        return self.rule.score * (1 + 0.5 * (len(self.spans) - 1))

    @property
    def outcome(self) -> Outcome:
        return (self.rule.attribute, self.rule.reason)


@dataclass(frozen=True)
class HintHit:
    hint: Hint
    start: int
    end: int


def _find(
    zones: Zones, where: Where, pattern: re.Pattern[str], limit: int
) -> list[tuple[int, int]]:
    """Original (start, end) of up to ``limit`` matches of ``pattern`` in a zone."""
    zones_by_where: dict[Where, Zone | str] = {
        Where.TITLE: zones.title,
        Where.HEADER: zones.header,
        Where.BODY: zones.body,
    }
    zone = zones_by_where[where]
    haystack = zone.compact if isinstance(zone, Zone) else zone
    found = [m.span() for m in islice(pattern.finditer(haystack), limit) if m.end() > m.start()]
    return [zone.span(*span) for span in found] if isinstance(zone, Zone) else found


def rule_hits(zones: Zones) -> tuple[RuleHit, ...]:
    """Every rule of the table that fires in the document, with its spans."""
    hits = (
        RuleHit(rule, tuple(_find(zones, rule.where, rule.pattern, MAX_COUNTED_MATCHES)))
        for rule in RULES
    )
    return tuple(hit for hit in hits if hit.spans)


def hint_hits(zones: Zones) -> tuple[HintHit, ...]:
    """The first occurrence of each hint in its zone."""
    hits = []
    for hint in HINTS:
        for start, end in _find(zones, hint.where, hint.pattern, 1):
            hits.append(HintHit(hint, start, end))
    return tuple(hits)


def _scores(hits: Iterable[RuleHit]) -> dict[Outcome, float]:
    scores: dict[Outcome, float] = {ON_REQUEST: ON_REQUEST_PRIOR}
    for hit in hits:
        scores[hit.outcome] = scores.get(hit.outcome, 0.0) + hit.score
    return scores


def _ranked(weights: Mapping[Outcome, float]) -> list[tuple[Outcome, float]]:
    return sorted(weights.items(), key=lambda kv: (kv[1], _CAUTION[kv[0][0]]), reverse=True)


def _with_model_vote(
    text: str, scores: dict[Outcome, float], model: TrainedModel | None
) -> dict[Outcome, float]:
    if model is None:
        return scores
    vote = MODEL_SCORE * model.cv_accuracy
    combined = dict(scores)
    for outcome, probability in model.predict_proba(text).items():
        combined[outcome] = combined.get(outcome, 0.0) + vote * probability
    return combined


def _content_decision(scores: Mapping[Outcome, float]) -> tuple[Outcome, float]:
    """The outcome the content points to, and a confidence from the margin.

    Confidence = evidence strength x relative margin over the runner-up, where
    strength grows with the winner's score (a lone passing word is weak).
    """
    ranked = _ranked(scores)
    (best, top), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    strength = 1.0 - math.exp(-top / _STRENGTH_SCALE)
    return best, strength * (top - runner_up) / top


def _secrecy(zones: Zones, metadata: DocumentMetadata, text: str) -> Evidence | None:
    """The 密级 marking's evidence; empty text when only metadata states it; None if unmarked."""
    match = SECRECY_MARKING.search(zones.body, 0, max(zones.header_end, _SECRECY_SCAN))
    if match:
        start, end = match.span("level") if match.group("level") else match.span("level2")
        end = max(end, match.end("period") if match.group("period") else end)
        end = max(end, match.end("period2") if match.group("period2") else end)
        return Evidence(text[start:end], start, end, "secrecy_marking")
    if metadata.secrecy_level:
        return Evidence("", 0, 0, "secrecy_marking")
    return None


def _markings(
    zones: Zones, metadata: DocumentMetadata, text: str
) -> list[tuple[Attribute, Evidence]]:
    """The 附注 markings the document carries, metadata's first."""
    found = [
        (attribute, Evidence(text[m.start() : m.end()], m.start(), m.end(), "marking"))
        for pattern, attribute in MARKINGS
        for m in pattern.finditer(zones.body)
    ]
    if metadata.marking is None:
        return sorted(found, key=lambda item: item[1].start)
    stated = [item for item in found if item[0] is metadata.marking]
    if not stated:
        stated = [(metadata.marking, _evidence_of(text, metadata.marking_text, "marking"))]
    return stated + [item for item in found if item[0] is not metadata.marking]


def _evidence_of(text: str, words: str | None, rule: str) -> Evidence:
    at = text.find(words) if words else -1
    if at < 0 or not words:
        return Evidence("", 0, 0, rule)
    return Evidence(words, at, at + len(words), rule)


def _best_withheld(scores: Mapping[Outcome, float]) -> tuple[Reason | None, float]:
    """The 不予公开 reason the content supports best, and its score."""
    withheld = {o: s for o, s in scores.items() if o[0] is Attribute.WITHHELD and s > 0}
    if not withheld:
        return None, 0.0
    (_, reason), score = _ranked(withheld)[0]
    return reason, score


def _third_party_kind(
    hits: Iterable[RuleHit], redactions: tuple[Redaction, ...]
) -> ThirdPartyKind | None:
    by_kind: dict[ThirdPartyKind, float] = {}
    for hit in hits:
        if hit.rule.third_party_kind is not None:
            kind = hit.rule.third_party_kind
            by_kind[kind] = by_kind.get(kind, 0.0) + hit.score
    if by_kind:
        return max(by_kind.items(), key=lambda kv: kv[1])[0]
    identifies = any(r.kind.identifies_person for r in redactions)
    return ThirdPartyKind.PERSONAL_PRIVACY if identifies else None


def _proactive_item(hits: Iterable[RuleHit]) -> int | None:
    """The item of 第二十条 with the strongest evidence; the catch-all (十五) only when alone."""
    items: dict[int, float] = {}
    for hit in hits:
        if hit.rule.item is not None:
            items[hit.rule.item] = items.get(hit.rule.item, 0.0) + hit.score
    specific = {item: score for item, score in items.items() if item != CATCH_ALL_ITEM}
    pool = specific or items
    return max(pool.items(), key=lambda kv: kv[1])[0] if pool else None


def _basis(attribute: Attribute, reason: Reason | None, hits: Iterable[RuleHit]) -> str | None:
    if attribute is Attribute.WITHHELD:
        return reason.basis if reason else None
    if attribute is Attribute.PROACTIVE:
        return proactive_basis(_proactive_item(hits))
    return on_request_basis()


def _evidence_for(outcome: Outcome, hits: Iterable[RuleHit], text: str) -> list[Evidence]:
    chosen = sorted((h for h in hits if h.outcome == outcome), key=lambda h: h.score, reverse=True)
    return [
        Evidence(text[start:end], start, end, hit.rule.name)
        for hit in chosen
        for start, end in hit.spans[:2]
    ][:_MAX_EVIDENCE]


@dataclass(frozen=True)
class _Signals:
    """What was read from one document, before deciding."""

    text: str
    hits: tuple[RuleHit, ...]
    hints: tuple[HintHit, ...]
    redactions: tuple[Redaction, ...]
    scores: dict[Outcome, float]
    content: Outcome
    content_confidence: float

    @property
    def identifies_person(self) -> bool:
        return any(r.kind.identifies_person for r in self.redactions)


@dataclass(frozen=True)
class _Decision:
    attribute: Attribute
    reason: Reason | None
    confidence: float
    needs_review: bool
    evidence: list[Evidence]


def _by_secrecy(secrecy: Evidence, markings: list[tuple[Attribute, Evidence]]) -> _Decision:
    """Hard rule 1: a 密级 makes it 国家秘密, whatever else it says."""
    marked_for_disclosure = any(attribute is not Attribute.WITHHELD for attribute, _ in markings)
    evidence = [e for e in [secrecy, *(e for _, e in markings)] if e.text]
    return _Decision(Attribute.WITHHELD, Reason.STATE_SECRET, 1.0, marked_for_disclosure, evidence)


def _by_marking(markings: list[tuple[Attribute, Evidence]], signals: _Signals) -> _Decision:
    """Hard rule 2: the 附注 gives the attribute; the content gives a 不予公开 reason."""
    attribute = markings[0][0]
    reason, support = None, 0.0
    if attribute is Attribute.WITHHELD:
        reason, support = _best_withheld(signals.scores)
    content_attribute = signals.content[0]
    needs_review = (
        len({marked for marked, _ in markings}) > 1  # contradictory markings
        or (attribute is Attribute.WITHHELD and support < _FIRM_REASON)
        or (attribute is Attribute.PROACTIVE and bool(signals.hints))
        or (attribute is not Attribute.WITHHELD and signals.identifies_person)
        or (content_attribute is not attribute and signals.content_confidence >= REVIEW_BELOW)
    )
    evidence = [e for _, e in markings if e.text]
    evidence += _evidence_for((attribute, reason), signals.hits, signals.text)
    return _Decision(attribute, reason, 1.0, needs_review, evidence)


def _by_content(signals: _Signals) -> _Decision:
    """The rule table (and model): restricted documents are not proposed for 主动公开."""
    attribute, reason = signals.content
    if attribute is Attribute.PROACTIVE and any(h.hint.blocks_proactive for h in signals.hints):
        attribute = Attribute.ON_REQUEST
    needs_review = (
        signals.content_confidence < REVIEW_BELOW
        or bool(signals.hints)
        or (attribute is not Attribute.WITHHELD and signals.identifies_person)
    )
    evidence = _evidence_for(signals.content, signals.hits, signals.text)
    return _Decision(attribute, reason, signals.content_confidence, needs_review, evidence)


def classify(
    text: str, metadata: DocumentMetadata, model: TrainedModel | None = None
) -> Classification:
    """Propose the 公开属性 of a document from its (normalised) text and metadata.

    Pure: no files, no database. ``model`` (from :func:`engine.classify.learn.train_model`)
    is blended with the rule table when given; hard rules win over both.
    """
    zones = find_zones(text, metadata)
    hits = rule_hits(zones)
    scores = _with_model_vote(text, _scores(hits), model)
    content, content_confidence = _content_decision(scores)
    signals = _Signals(
        text, hits, hint_hits(zones), find_personal_data(text), scores, content, content_confidence
    )
    secrecy = _secrecy(zones, metadata, text)
    markings = _markings(zones, metadata, text)
    if secrecy is not None:
        decision = _by_secrecy(secrecy, markings)
    elif markings:
        decision = _by_marking(markings, signals)
    else:
        decision = _by_content(signals)
    reason = decision.reason
    kind = (
        _third_party_kind(hits, signals.redactions) if reason is Reason.THIRD_PARTY_RIGHTS else None
    )
    hint_evidence = [
        Evidence(text[h.start : h.end], h.start, h.end, h.hint.name) for h in signals.hints
    ]
    return Classification(
        attribute=decision.attribute,
        reason=reason,
        basis=_basis(decision.attribute, reason, hits),
        confidence=round(max(0.0, min(1.0, decision.confidence)), 3),
        needs_review=decision.needs_review,
        evidence=tuple(decision.evidence + hint_evidence),
        redactions=signals.redactions,
        third_party_kind=kind,
    )
