"""保密期限 and re-review dates (pure functions).

* A state secret's 保密期限 runs from its 成文日期 (《国家秘密保密期限的规定》:
  the period counts from the date the document was made); when no period is
  marked it is 30 years for 绝密, 20 for 机密, 10 for 秘密. When it ends the
  information is declassified and becomes disclosable (保密审查制度 第七条).
* Withheld information is re-reviewed every quarter (动态调整制度 第六条): each
  quarter's self-check is reported by the quarter's end.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from engine.codes import Attribute, Reason
from engine.metadata import DocumentMetadata

UNMARKED_PERIOD_YEARS = {"绝密": 30, "机密": 20, "秘密": 10}

_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
_PERIOD = re.compile(r"(?P<n>[0-9]+|[〇零一二两三四五六七八九十]+)\s*(?P<unit>年|个月|月)")


def _number(text: str) -> int:
    """An Arabic or small Chinese number: 6, 十, 十五, 二十, 三十."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)
    return int("".join(str(_DIGITS[c]) for c in text))


def add_months(start: date, months: int) -> date:
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day)


def secrecy_months(level: str, period: str | None) -> int | None:
    """The 保密期限 in months; None for 长期 or a period that cannot be read."""
    if period:
        if "长期" in period:
            return None
        match = _PERIOD.search(period)
        if not match:
            return None
        n = _number(match.group("n"))
        return n * 12 if match.group("unit") == "年" else n
    years = UNMARKED_PERIOD_YEARS.get(level)
    return years * 12 if years else None


def declassification_date(metadata: DocumentMetadata) -> date | None:
    """The day a state secret's 保密期限 ends, counted from its 成文日期.

    None when the document has no 密级, no 成文日期, or a 长期 / unreadable period.
    """
    if not metadata.secrecy_level or metadata.issue_date is None:
        return None
    months = secrecy_months(metadata.secrecy_level, metadata.secrecy_period)
    return add_months(metadata.issue_date, months) if months is not None else None


class ReviewCause(StrEnum):
    QUARTERLY = "quarterly"  # 不予公开 re-reviewed each quarter
    DECLASSIFICATION = "declassification"  # the 保密期限 ends


@dataclass(frozen=True)
class ReviewDue:
    due: date
    cause: ReviewCause
    overdue: bool  # due before ``today``


def quarter_end(day: date) -> date:
    month = (day.month - 1) // 3 * 3 + 3
    return date(day.year, month, calendar.monthrange(day.year, month)[1])


def review_due(
    attribute: Attribute,
    reason: Reason | None,
    decided_on: date,
    metadata: DocumentMetadata,
    today: date,
) -> ReviewDue | None:
    """When a decision is next to be re-reviewed; None for information that is disclosed.

    ``decided_on`` is the day of the last decision or review. The quarter it fell
    in has had its review; the next is due by the end of the following quarter.
    A state secret whose 保密期限 ends earlier is due on that day instead.
    """
    if attribute is not Attribute.WITHHELD:
        return None
    due, cause = quarter_end(add_months(quarter_end(decided_on), 1)), ReviewCause.QUARTERLY
    if reason is Reason.STATE_SECRET:
        expires = declassification_date(metadata)
        if expires is not None and expires <= due:
            due, cause = expires, ReviewCause.DECLASSIFICATION
    return ReviewDue(due, cause, due < today)
