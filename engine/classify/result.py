"""What the classifier proposes: a :class:`Classification` and its parts."""

from __future__ import annotations

from dataclasses import dataclass

from engine.classify.personal import Redaction
from engine.codes import Attribute, Reason, ThirdPartyKind


@dataclass(frozen=True)
class Evidence:
    """Words in the document that led to the proposal: ``text == document[start:end]``."""

    text: str
    start: int
    end: int
    rule: str  # a rule of engine.classify.rules, or a hard rule: secrecy_marking, marking

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "start": self.start, "end": self.end, "rule": self.rule}


@dataclass(frozen=True)
class Classification:
    """A proposed 公开属性 with its reason, legal basis and the words behind it.

    ``basis`` is the article quoted in letters: for 不予公开 the reason's article
    (None when a 不予公开 marking gives no reason the content shows — then the
    proposal is under review), for 主动公开 the item of 第二十条, for 依申请公开
    第二十七条. ``redactions`` are the personal data to hide for 区分处理.
    """

    attribute: Attribute
    reason: Reason | None
    basis: str | None
    confidence: float
    needs_review: bool
    evidence: tuple[Evidence, ...] = ()
    redactions: tuple[Redaction, ...] = ()
    third_party_kind: ThirdPartyKind | None = None

    def __post_init__(self) -> None:
        if self.reason is not None and self.attribute is not Attribute.WITHHELD:
            raise ValueError("only 不予公开 has a reason")
        if self.third_party_kind is not None and self.reason is not Reason.THIRD_PARTY_RIGHTS:
            raise ValueError("third_party_kind goes with third_party_rights")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence out of 0..1: {self.confidence}")

    def to_dict(self) -> dict[str, object]:
        """The JSON of ``gongkai classify --json`` (design.md), without "metadata"."""
        data: dict[str, object] = {
            "attribute": self.attribute.value,
            "attribute_label": self.attribute.label,
            "reason": self.reason.value if self.reason else None,
            "reason_label": self.reason.label if self.reason else None,
            "basis": self.basis,
            "confidence": self.confidence,
            "needs_review": self.needs_review,
            "evidence": [item.to_dict() for item in self.evidence],
            "redactions": [item.to_dict() for item in self.redactions],
        }
        if self.reason is Reason.THIRD_PARTY_RIGHTS:
            data["third_party_kind"] = (
                self.third_party_kind.value if self.third_party_kind else None
            )
        return data
