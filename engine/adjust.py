"""动态调整 — suggestions to change a document's 公开属性 (pure).

条例 第四十四条 and the seeds' 动态调整 rules:

* information asked for by several applicants that can be known to the public
  (依申请公开) is proposed for 主动公开 (``make_proactive``);
* withheld information whose reason may have lapsed — a 保密期限 that ended, a
  过程性信息 matter long finished — is proposed for re-review (``re_review``).

Which requests ask for the same information is the search index's answer (the
store reads it); here the requests are plain data and the rules decide.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from engine.classify.secrecy import add_months
from engine.codes import Attribute, Reason

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


def re_review_suggestions(
    withheld: Iterable[Withheld],
    today: date,
    *,
    process_months: int = DEFAULT_PROCESS_MONTHS,
) -> list[Suggested]:
    """Withheld documents whose reason may have lapsed since they were last decided."""
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
            if lapsed <= today:
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
