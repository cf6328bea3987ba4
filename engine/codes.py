"""Stable codes of the domain (design.md "Codes"), with their Chinese labels.

Codes are what the register, the CLI's JSON and other tools store and compare;
labels are for display only.
"""

from __future__ import annotations

from enum import StrEnum

REGULATION = "《中华人民共和国政府信息公开条例》"


class Attribute(StrEnum):
    """公开属性 — the disclosure attribute of a document."""

    PROACTIVE = "proactive"
    ON_REQUEST = "on_request"
    WITHHELD = "withheld"

    @property
    def label(self) -> str:
        return _ATTRIBUTE_LABELS[self]

    @classmethod
    def from_label(cls, label: str) -> Attribute:
        """The attribute whose Chinese label is ``label`` (主动公开 …)."""
        for attribute, text in _ATTRIBUTE_LABELS.items():
            if text == label:
                return attribute
        raise ValueError(f"unknown disclosure attribute label: {label!r}")


_ATTRIBUTE_LABELS = {
    Attribute.PROACTIVE: "主动公开",
    Attribute.ON_REQUEST: "依申请公开",
    Attribute.WITHHELD: "不予公开",
}


class Reason(StrEnum):
    """不予公开的理由 — why information is withheld, with the article it rests on."""

    STATE_SECRET = "state_secret"
    PROHIBITED_BY_LAW = "prohibited_by_law"
    SECURITY_STABILITY = "security_stability"
    THIRD_PARTY_RIGHTS = "third_party_rights"
    INTERNAL_AFFAIRS = "internal_affairs"
    PROCESS_INFO = "process_info"
    ENFORCEMENT_CASE = "enforcement_case"
    ADMINISTRATIVE_QUERY = "administrative_query"

    @property
    def label(self) -> str:
        return _REASONS[self][0]

    @property
    def article(self) -> str:
        """The article of the 条例, e.g. 第十六条第二款."""
        return _REASONS[self][1]

    @property
    def basis(self) -> str:
        """The full legal basis as quoted in letters."""
        return f"{REGULATION}{self.article}"


_REASONS: dict[Reason, tuple[str, str]] = {
    Reason.STATE_SECRET: ("属于国家秘密", "第十四条"),
    Reason.PROHIBITED_BY_LAW: ("其他法律行政法规禁止公开", "第十四条"),
    Reason.SECURITY_STABILITY: ("危及“三安全一稳定”", "第十四条"),
    Reason.THIRD_PARTY_RIGHTS: ("保护第三方合法权益", "第十五条"),
    Reason.INTERNAL_AFFAIRS: ("属于三类内部事务信息", "第十六条第一款"),
    Reason.PROCESS_INFO: ("属于四类过程性信息", "第十六条第二款"),
    Reason.ENFORCEMENT_CASE: ("属于行政执法案卷", "第十六条第二款"),
    Reason.ADMINISTRATIVE_QUERY: ("属于行政查询事项", "第三十六条第七项"),
}


class ThirdPartyKind(StrEnum):
    """Sub-code of third_party_rights: redaction and letter wording differ."""

    TRADE_SECRET = "trade_secret"
    PERSONAL_PRIVACY = "personal_privacy"

    @property
    def label(self) -> str:
        return {"trade_secret": "商业秘密", "personal_privacy": "个人隐私"}[self.value]


class DocumentStatus(StrEnum):
    """Where a registered document stands in the pipeline."""

    FILED = "filed"  # text extracted, metadata read
    NEEDS_OCR = "needs_ocr"  # a PDF or image with no text layer
    NEEDS_CONVERSION = "needs_conversion"  # a legacy format no converter could read here
