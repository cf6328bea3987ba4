"""动态调整 — suggestions to change a document's 公开属性 (pure).

条例 第四十四条 and the seeds' 动态调整 rules:

* information asked for by several applicants that can be known to the public
  (依申请公开) is proposed for 主动公开 (``make_proactive``);
* withheld information whose reason may have lapsed — a 保密期限 that ended, a
  过程性信息 matter finished (a later document on its subject decided 主动公开 or
  published) or long withheld — is proposed for re-review (``re_review``; the
  seeds' 动态调整制度 第四条: what circumstances have made disclosable is disclosed).

Which requests ask for the same information, and which documents share a withheld
one's subject, is the search index's answer (the store reads it); here they are
plain data and the rules decide.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from engine.classify.secrecy import add_months
from engine.codes import Attribute, Reason
from engine.metadata import KINDS

DEFAULT_THRESHOLD = 3  # distinct applicants asking for the same information
DEFAULT_PROCESS_MONTHS = 12  # a 过程性 matter withheld this long is likely finished
MAX_HITS = 5  # documents a request's words may find; more means the words are too vague


class AdjustError(ValueError):
    """A suggestion cannot be decided as asked."""


class SuggestionKind(StrEnum):
    MAKE_PROACTIVE = "make_proactive"
    RE_REVIEW = "re_review"

    @property
    def label(self) -> str:
        return {"make_proactive": "转为主动公开", "re_review": "重新审查"}[self.value]


class SuggestionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"open": "待处理", "accepted": "已采纳", "rejected": "不采纳"}[self.value]


@dataclass(frozen=True)
class AskedFor:
    """A request and the documents it asks for: linked to it or found by its words."""

    number: str  # 申请编号
    applicant: str
    document_ids: frozenset[int]


@dataclass(frozen=True)
class Withheld:
    """A 不予公开 document, as the re-review rules need it."""

    document_id: int
    reason: Reason | None
    decided_on: date  # the last decision (or filing, when never decided)
    declassified_on: date | None  # the end of its 保密期限, where one is known
    title: str = ""
    formed_on: date | None = None  # 成文日期, else the day it was filed


@dataclass(frozen=True)
class Related:
    """A document on a withheld one's subject (the index found it), as far as the rules ask."""

    document_id: int
    title: str
    doc_number: str
    formed_on: date  # 成文日期, else the day it was filed
    decided_on: date | None  # the day its decision in force, 主动公开, became final
    published_on: date | None  # its first publication

    @property
    def settled_on(self) -> date | None:
        """The day it settled its matter in public: decided 主动公开 or published, if earlier."""
        return min((d for d in (self.decided_on, self.published_on) if d), default=None)


@dataclass(frozen=True)
class Suggested:
    kind: SuggestionKind
    document_id: int
    reason: str  # for the clerk, in Chinese
    evidence: dict[str, object]


# Words of how people ask, not of what they ask for: kept, they would make the
# search require them in the documents too.
_ASKING = re.compile(
    r"申请公开|请求公开|依法公开|申请获取|申请提供|请予公开|请提供|"
    r"本人|我们|我|申请|请求|要求|提供|获取|查阅|复制|相关|有关|关于|的|信息|资料|文件|全文"
)


def request_words(content: str) -> str:
    """The words of a request's content worth searching for (the clerk's query syntax)."""
    return " ".join(_ASKING.sub(" ", content).split())


# What a title says of the document rather than of its matter: a bracketed note
# (（征求意见稿）, （2025年）), a draft's name, the 文种 that ends it — a 请示 and the
# 批复 that answers it share their matter, not their 文种.
_BRACKETED = re.compile(r"[（(][^（）()]*[）)]|[《》〈〉“”\"]")
_DRAFT = re.compile(r"征求意见稿|讨论稿|送审稿|修改稿|草案|初稿|代拟稿|审议稿|过程稿|未定稿")
_ENDING = re.compile(
    r"的?(?:(?:会议|讨论|研究|座谈)+(?:纪要|记录)|(?:反馈)?意见(?:的)?(?:复)?函|反馈意见|汇报|"
    + "|".join(KINDS)
    + r")$"
)
_ASKED_FOR = re.compile(r"^(?:对|申请|请求|恳请)")


def matter_words(title: str) -> str:
    """The words of a 过程性 document's subject, to find the documents that settled it:
    its title after 关于, without notes, draft names, the 文种 and the asking verb.

    ``关于追加城区排涝设施改造资金的请示`` -> ``追加城区排涝设施改造资金``.
    """
    text = _DRAFT.sub(" ", _BRACKETED.sub(" ", title))
    text = text.split("关于", 1)[-1].strip()
    text = _ASKED_FOR.sub("", _ENDING.sub("", text))
    return " ".join(text.split())


def proactive_suggestions(
    asked: Iterable[AskedFor],
    attributes: dict[int, str],
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> list[Suggested]:
    """依申请公开 documents asked for by at least ``threshold`` distinct applicants.

    ``attributes``: each document's 公开属性 code; withheld or already 主动公开
    documents are not proposed.
    """
    if threshold < 1:
        raise AdjustError(f"threshold must be at least 1, not {threshold}")
    numbers: dict[int, list[str]] = {}
    applicants: dict[int, set[str]] = {}
    for request in asked:
        for document_id in request.document_ids:
            numbers.setdefault(document_id, []).append(request.number)
            applicants.setdefault(document_id, set()).add(request.applicant.strip())
    found = []
    for document_id in sorted(numbers):
        if attributes.get(document_id) != Attribute.ON_REQUEST.value:
            continue
        who = len(applicants[document_id])
        if who < threshold:
            continue
        requests = sorted(set(numbers[document_id]))
        found.append(
            Suggested(
                SuggestionKind.MAKE_PROACTIVE,
                document_id,
                f"{who}名申请人先后申请公开同一信息（申请编号 {'、'.join(requests)}），"
                "可为公众知晓的，建议转为主动公开（条例第四十四条）",
                {"requests": requests, "applicants": who},
            )
        )
    return found


def settled_by(item: Withheld, related: Iterable[Related], today: date) -> Related | None:
    """The document that settled a withheld 过程性 document's matter since it was last
    decided, by ``today``: formed after it, decided 主动公开 or published; the earliest."""
    if item.formed_on is None:
        return None
    formed = (item.formed_on, item.document_id)  # the same day: filed after it
    found = [
        doc
        for doc in related
        if (doc.formed_on, doc.document_id) > formed
        and (settled := doc.settled_on) is not None
        and item.decided_on < settled <= today
    ]
    return min(found, key=lambda doc: (doc.settled_on, doc.document_id), default=None)


def _matter_settled(item: Withheld, doc: Related) -> Suggested:
    settled = doc.settled_on
    assert settled is not None  # settled_by chose it for its day
    how = "公开发布" if settled == doc.published_on else "确定为主动公开"
    name = f"《{doc.title}》" + (f"（{doc.doc_number}）" if doc.doc_number else "")
    return Suggested(
        SuggestionKind.RE_REVIEW,
        item.document_id,
        f"相关事项已办结：后续文件{name}已于{settled.isoformat()}{how}，"
        "作为过程性信息不予公开的理由可能已消失，建议重新审查（动态调整制度第四条）",
        {
            "lapsed_on": settled.isoformat(),
            "cause": "matter_settled",
            "document_id": doc.document_id,
            "title": doc.title,
            "doc_number": doc.doc_number,
            "settled": "published" if settled == doc.published_on else "decided",
        },
    )


def re_review_suggestions(
    withheld: Iterable[Withheld],
    today: date,
    *,
    process_months: int = DEFAULT_PROCESS_MONTHS,
    related: Mapping[int, Sequence[Related]] | None = None,
) -> list[Suggested]:
    """Withheld documents whose reason may have lapsed since they were last decided.

    ``related``: per withheld document, the documents the index finds by its subject; a
    过程性 one whose matter they settled is proposed at once, else after ``process_months``.
    """
    if process_months < 1:
        raise AdjustError(f"process months must be at least 1, not {process_months}")
    found = []
    for item in sorted(withheld, key=lambda w: w.document_id):
        ended = item.declassified_on
        if item.reason is Reason.STATE_SECRET and ended and item.decided_on < ended <= today:
            found.append(
                Suggested(
                    SuggestionKind.RE_REVIEW,
                    item.document_id,
                    f"保密期限已于{ended.isoformat()}届满，不予公开的理由可能已消失，建议重新审查",
                    {"lapsed_on": ended.isoformat(), "cause": "declassification"},
                )
            )
        elif item.reason is Reason.PROCESS_INFO:
            lapsed = add_months(item.decided_on, process_months)
            settled = settled_by(item, (related or {}).get(item.document_id, ()), today)
            if settled is not None:
                found.append(_matter_settled(item, settled))
            elif lapsed <= today:
                found.append(
                    Suggested(
                        SuggestionKind.RE_REVIEW,
                        item.document_id,
                        f"作为过程性信息不予公开已满{process_months}个月（自"
                        f"{item.decided_on.isoformat()}起），相关事项可能已办结，建议重新审查",
                        {"lapsed_on": lapsed.isoformat(), "cause": "process_finished"},
                    )
                )
    return found


def fresh(
    suggested: Sequence[Suggested], known: Collection[tuple[SuggestionKind, int]]
) -> list[Suggested]:
    """The suggestions not already ``known`` (open or rejected) for their document and kind."""
    return [item for item in suggested if (item.kind, item.document_id) not in known]


def decision(status: SuggestionStatus, note: str | None) -> SuggestionStatus:
    """Check a decision on an open suggestion: rejecting one needs a note saying why."""
    if status is SuggestionStatus.OPEN:
        raise AdjustError("a decision is accepted or rejected")
    if status is SuggestionStatus.REJECTED and not (note or "").strip():
        raise AdjustError("不采纳须写明理由 (rejecting a suggestion needs a reason: --note)")
    return status
