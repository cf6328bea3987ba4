"""主动公开 — the publication clock, the 索引号 and 有效性 (pure).

条例第二十六条 (and the seed keyouqianqi-2021-rules, 主动公开制度第九条): information
to be disclosed proactively is published "自该政府信息形成或者变更之日起20个工作日内".
The clock runs from, in this order:

- the day the document's 公开属性 was *changed* to 主动公开, when an earlier final
  decision had made it 依申请公开 or 不予公开 (变更: 动态调整制度第四条, "因情势变化可以
  公开的…及时公开");
- otherwise its 成文日期 — the day it was formed. Not the day its review ended:
  the seeds decide the attribute *when the document is formed* (保密审查制度第四条
  "在形成政府信息时，要同时明确信息的属性"; 发布机制第七条 "同步审批"), so a slow
  review does not stop the clock, it makes the publication late;
- when the 成文日期 is unknown, the day the attribute became final 主动公开: the
  first day the register knows the information is to be published.

Days are counted with the request deadlines' :class:`~engine.deadlines.Calendar`
and rule (the start day is day 0), and a year without holiday data carries the
same ``uncovered_year`` warning.

The 索引号 is the document's number in the 政府信息公开目录 (条例第十二条), made by
the office's pattern (``office.toml``'s ``index_pattern``) from its 机构代码, the
year and a per-year sequence; the shell assigns it once, at the first publication.
有效性 (现行有效 / 已废止 / 已修改) is read from the document's validity history. When
a published document is repealed or amended, the catalog must show it within 20
working days of the change taking effect (科右前旗政府信息管理动态调整制度第五条,
"重新标注有效性"): it is re-marked by the first catalog export that holds it, made
once the change is recorded and in effect.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from engine.codes import REGULATION, Attribute
from engine.deadlines import (
    DEFAULT_SETTINGS,
    Calendar,
    DeadlineWarning,
    Due,
    Period,
    period_due,  # the request clock's own period arithmetic, warnings included
    uncovered_warnings,
)

PUBLICATION = Period("主动公开期限", 20, f"{REGULATION}第二十六条")
DEFAULT_INDEX_PATTERN = "{org_code}/{year}-{seq:05d}"


class PublicationError(ValueError):
    """A publication, pattern or validity change the rules refuse: the message says why."""


# --- the clock ------------------------------------------------------------------------


class Channel(StrEnum):
    """公开渠道 (条例第二十三条、第二十四条; 主动公开制度第七条、第八条)."""

    PORTAL = "portal"  # 政府门户网站栏目
    GAZETTE = "gazette"  # 政府公报
    NOTICE_BOARD = "notice_board"  # 信息公告栏、电子信息屏
    PRESS_CONFERENCE = "press_conference"  # 新闻发布会
    NEW_MEDIA = "new_media"  # 政务新媒体 (微博、微信)
    PRESS = "press"  # 报刊、广播、电视
    READING_ROOM = "reading_room"  # 档案馆、图书馆、政务服务场所的查阅点

    @property
    def label(self) -> str:
        return _CHANNEL_LABELS[self]


_CHANNEL_LABELS = {
    Channel.PORTAL: "政府门户网站",
    Channel.GAZETTE: "政府公报",
    Channel.NOTICE_BOARD: "公开栏",
    Channel.PRESS_CONFERENCE: "新闻发布会",
    Channel.NEW_MEDIA: "政务新媒体",
    Channel.PRESS: "报刊广播电视",
    Channel.READING_ROOM: "政府信息查阅场所",
}


@dataclass(frozen=True)
class FinalDecision:
    """A decision on a document's 公开属性 that every required level signed, and its day."""

    on: date
    attribute: Attribute


class ClockBasis(StrEnum):
    """What the publication clock runs from."""

    FORMED = "formed"  # 成文日期
    CHANGED = "changed"  # 变更为主动公开之日
    DECIDED = "decided"  # 确定为主动公开之日 (成文日期不详)

    @property
    def label(self) -> str:
        return {
            "formed": "成文日期",
            "changed": "变更为主动公开之日",
            "decided": "确定为主动公开之日（成文日期不详）",
        }[self.value]


@dataclass(frozen=True)
class ClockStart:
    day: date
    basis: ClockBasis


def clock_start(issue_date: date | None, decisions: Sequence[FinalDecision]) -> ClockStart | None:
    """The day the 20 working days run from (see the module's docstring); None unless the
    latest of ``decisions`` (oldest first) is 主动公开: only such information is on the clock."""
    if not decisions or decisions[-1].attribute is not Attribute.PROACTIVE:
        return None
    streak = len(decisions)  # the run of 主动公开 decisions at the end
    while streak and decisions[streak - 1].attribute is Attribute.PROACTIVE:
        streak -= 1
    became_proactive = decisions[streak].on
    if streak:
        return ClockStart(became_proactive, ClockBasis.CHANGED)
    if issue_date is not None:
        return ClockStart(issue_date, ClockBasis.FORMED)
    return ClockStart(became_proactive, ClockBasis.DECIDED)


def publication_due(start: ClockStart, calendar: Calendar) -> Due:
    """The last day to publish: 20 working days after the start (条例第二十六条)."""
    return period_due(start.day, PUBLICATION, calendar)


class PublicationStatus(StrEnum):
    """How a document stands on the publication clock."""

    PENDING = "pending"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ON_TIME = "on_time"
    LATE = "late"

    @property
    def label(self) -> str:
        return {
            "pending": "未到期",
            "due_soon": "即将到期",
            "overdue": "逾期未公开",
            "on_time": "按时公开",
            "late": "逾期公开",
        }[self.value]

    @property
    def published(self) -> bool:
        return self in (PublicationStatus.ON_TIME, PublicationStatus.LATE)


@dataclass(frozen=True)
class Standing:
    """The clock on ``today``: ``working_days_left`` while unpublished (negative once overdue)."""

    status: PublicationStatus
    due: date
    published_on: date | None
    working_days_left: int | None
    warnings: tuple[DeadlineWarning, ...]


def standing(
    due: Due,
    published_on: date | None,
    today: date,
    calendar: Calendar,
    due_soon_working_days: int = DEFAULT_SETTINGS.due_soon_working_days,
) -> Standing:
    """Where a document stands: published on time or late, else pending, due soon or overdue.

    ``published_on`` is its first publication, in any channel. As for a request's
    reply, overdue is decided by date and due soon is ``due_soon_working_days`` or
    fewer working days left, the due day itself included.
    """
    if published_on is not None:
        late = published_on > due.due
        status = PublicationStatus.LATE if late else PublicationStatus.ON_TIME
        return Standing(status, due.due, published_on, None, due.warnings)
    left = calendar.working_days_between(today, due.due)
    if today > due.due:
        status = PublicationStatus.OVERDUE
    elif left <= due_soon_working_days:
        status = PublicationStatus.DUE_SOON
    else:
        status = PublicationStatus.PENDING
    counted = uncovered_warnings(calendar, min(today, due.due), max(today, due.due))
    extra = tuple(warning for warning in counted if warning not in due.warnings)
    return Standing(status, due.due, None, left, due.warnings + extra)


def check_publication(
    issue_date: date | None,
    decisions: Sequence[FinalDecision],
    channel: Channel,
    published_on: date,
    earlier: Sequence[tuple[Channel, date]],
    today: date,
) -> ClockStart:
    """The clock's start if the document may be recorded as published in ``channel`` on
    ``published_on``; else :class:`PublicationError` saying why.

    Refused: a document whose 公开属性 is not finally 主动公开, a day before it was
    formed or not yet come, and a second publication in the same channel on the
    same day (``earlier``: its publications so far).
    """
    start = clock_start(issue_date, decisions)
    if start is None:
        current = decisions[-1].attribute.label if decisions else "尚未签批确定"
        raise PublicationError(
            f"只有签批确定为主动公开的信息才登记公开，本件公开属性：{current} "
            "(only a document finally decided 主动公开 is published)"
        )
    if issue_date is not None and published_on < issue_date:
        raise PublicationError(
            f"发布日期{published_on}早于成文日期{issue_date} "
            f"(published on {published_on}, before the document was formed on {issue_date})"
        )
    if published_on > today:
        raise PublicationError(
            f"发布日期{published_on}尚未到来 (a publication is recorded once it is made)"
        )
    if (channel, published_on) in earlier:
        raise PublicationError(
            f"本件已于{published_on}在{channel.label}登记公开 "
            f"(already published in {channel.value} on {published_on})"
        )
    return start


# --- the 索引号 ------------------------------------------------------------------------

INDEX_PLACEHOLDERS = {"org_code": "机构代码", "year": "年份", "seq": "年内顺序号"}
_SAMPLE = {"org_code": "000000000", "year": 2026, "seq": 1}


@dataclass(frozen=True)
class IndexPattern:
    """索引号的编排规则, e.g. ``{org_code}/{year}-{seq:05d}`` -> 000014349/2026-00012.

    Placeholders: ``{org_code}`` (机构代码), ``{year}``, ``{seq}`` (the year's
    sequence, never reused), with Python format specs (``{seq:05d}``). ``{year}``
    and ``{seq}`` are required: together they make the number unique.
    """

    text: str

    def __post_init__(self) -> None:
        where = f"index_pattern {self.text!r}"
        try:
            parts = list(string.Formatter().parse(self.text))
        except ValueError as error:
            raise PublicationError(f"{where}: {error} (write braces as {{{{ and }}}})") from None
        names = set()
        for _literal, name, _spec, conversion in parts:
            if name is None:
                continue
            if name not in INDEX_PLACEHOLDERS:
                known = ", ".join(f"{{{key}}}" for key in INDEX_PLACEHOLDERS)
                raise PublicationError(f"{where}: unknown placeholder {{{name}}}; use {known}")
            if conversion is not None:
                raise PublicationError(f"{where}: {{{name}!{conversion}}} takes no conversion")
            names.add(name)
        missing = [f"{{{key}}}" for key in ("year", "seq") if key not in names]
        if missing:
            raise PublicationError(
                f"{where}: needs {' and '.join(missing)}: the year and its sequence make "
                "each 索引号 unique"
            )
        try:
            self.text.format(**_SAMPLE)
        except (ValueError, TypeError) as error:
            raise PublicationError(f"{where}: {error}") from None

    @property
    def needs_org_code(self) -> bool:
        return any(name == "org_code" for _, name, _, _ in string.Formatter().parse(self.text))

    def format(self, org_code: str, year: int, seq: int) -> str:
        if self.needs_org_code and not org_code.strip():
            raise PublicationError(
                "编制索引号需要机构代码，请在 office.toml 中填写 org_code "
                "(the 索引号 needs the office's 机构代码: fill in org_code in office.toml)"
            )
        return self.text.format(org_code=org_code.strip(), year=year, seq=seq)

    def parse(self, number: str, org_code: str | None = None) -> tuple[int, int] | None:
        """The (year, seq) that :meth:`format` turns into ``number``; None if it does not
        fit the pattern (``org_code``: and, when given, the office's 机构代码).

        >>> IndexPattern(DEFAULT_INDEX_PATTERN).parse("000014349/2026-00012")
        (2026, 12)
        """
        number = number.strip()
        match = self._regex(None if org_code is None else org_code.strip()).fullmatch(number)
        if match is None:
            return None
        year, seq = int(match["year"]), int(match["seq"])
        code = match.groupdict().get("org_code") or (org_code or "").strip()
        # The way back must give the same text: 2026-12 does not fit {seq:05d}.
        if seq < 1 or self.text.format(org_code=code, year=year, seq=seq) != number:
            return None
        return year, seq

    def claim(self, number: str, org_code: str) -> tuple[int, int]:
        """:meth:`parse` for a 索引号 given from outside (a catalog import): its (year, seq),
        or :class:`PublicationError` when it is not one of this office's numbers."""
        found = self.parse(number, org_code)
        if found is None:
            example = self.format(org_code, _SAMPLE["year"], _SAMPLE["seq"])
            raise PublicationError(
                f"索引号{number.strip()}不符合本机关的编排规则（式样：{example}） "
                f"(does not fit index_pattern {self.text!r} with org_code {org_code.strip()!r})"
            )
        return found

    def _regex(self, org_code: str | None) -> re.Pattern[str]:
        parts, seen = [], set()
        for literal, name, _spec, _conversion in string.Formatter().parse(self.text):
            parts.append(re.escape(literal))
            if name is None:
                continue
            if name == "org_code" and org_code is not None:
                parts.append(re.escape(org_code))
            elif name in seen:
                parts.append(f"(?P={name})")  # a placeholder used twice holds one value
            else:
                parts.append(f"(?P<{name}>.+?)" if name == "org_code" else rf"(?P<{name}>\d+)")
                seen.add(name)
        return re.compile("".join(parts))


# --- 有效性 -------------------------------------------------------------------------


class ChangeKind(StrEnum):
    """A change to a document's validity, made by another document."""

    REPEALED = "repealed"  # 废止
    AMENDED = "amended"  # 修改

    @property
    def label(self) -> str:
        return {"repealed": "废止", "amended": "修改"}[self.value]


class Validity(StrEnum):
    """有效性, as the 政府信息公开目录 shows it."""

    IN_FORCE = "in_force"
    REPEALED = "repealed"
    AMENDED = "amended"

    @property
    def label(self) -> str:
        return {"in_force": "现行有效", "repealed": "已废止", "amended": "已修改"}[self.value]


@dataclass(frozen=True)
class ValidityChange:
    """One entry of a document's validity history: what ``by`` (another document) did, when."""

    kind: ChangeKind
    on: date
    by: int  # the repealing or amending document


def validity(repealed_on: date | None, changes: Sequence[ValidityChange], as_of: date) -> Validity:
    """有效性 on ``as_of``: 已废止 once repealed (``repealed_on``, the register's mark that the
    annual report counts, or a repeal in the history), else 已修改 once amended."""
    if repealed_on is None and not changes:
        return Validity.IN_FORCE  # most documents: no history to read
    effective = [change.kind for change in changes if change.on <= as_of]
    if (repealed_on is not None and repealed_on <= as_of) or ChangeKind.REPEALED in effective:
        return Validity.REPEALED
    if ChangeKind.AMENDED in effective:
        return Validity.AMENDED
    return Validity.IN_FORCE


def check_validity_change(
    document: int,
    issue_date: date | None,
    repealed_on: date | None,
    change: ValidityChange,
    by_issue_date: date | None,
) -> None:
    """Raise :class:`PublicationError` unless ``change`` may join ``document``'s history.

    Refused: a document repealing or amending itself, a change before either
    document was formed, a second repeal, an amendment on or after the repeal.
    """
    if change.by == document:
        raise PublicationError(
            f"文件不能{change.kind.label}其自身 (document {document} cannot be "
            f"{change.kind.value} by itself)"
        )
    if issue_date is not None and change.on < issue_date:
        raise PublicationError(
            f"{change.kind.label}日期{change.on}早于本件成文日期{issue_date} "
            f"({change.kind.value} on {change.on}, before document {document} was formed)"
        )
    if by_issue_date is not None and change.on < by_issue_date:
        raise PublicationError(
            f"{change.kind.label}日期{change.on}早于文件{change.by}的成文日期{by_issue_date} "
            f"(document {change.by} was formed on {by_issue_date})"
        )
    if repealed_on is not None and (change.kind is ChangeKind.REPEALED or change.on >= repealed_on):
        raise PublicationError(
            f"本件已于{repealed_on}废止 (document {document} was repealed on {repealed_on})"
        )


# --- re-marking 有效性 in the catalog --------------------------------------------------

REMARKING = Period("有效性重新标注期限", 20, "科右前旗政府信息管理动态调整制度第五条")


@dataclass(frozen=True)
class CatalogExport:
    """A 政府信息公开目录 export, from the audit log: when (and the office's day of it) and
    which year's 索引号 it held (None: every year)."""

    at: datetime
    day: date
    year: int | None


def remarking_due(effective_on: date, calendar: Calendar) -> Due:
    """The last day to re-mark a published document's 有效性 in the catalog: 20 working
    days after the repeal or amendment takes effect (动态调整制度第五条: "在文件废止之日起
    20个工作日内…重新标注有效性")."""
    return period_due(effective_on, REMARKING, calendar)


def remarked_on(
    recorded_at: datetime,
    effective_on: date,
    index_year: int,
    exports: Iterable[CatalogExport],
) -> date | None:
    """The day a validity change of a published document was re-marked: that of the first
    export holding its 索引号 (of ``index_year``) made once the change was recorded and had
    taken effect; None while there is none.

    An export made before the change was recorded cannot show it, nor one made before
    it took effect: the catalog's 有效性 is as of the day of the export.
    """
    return min(
        (
            export.day
            for export in exports
            if export.year in (None, index_year)
            and export.at >= recorded_at
            and export.day >= effective_on
        ),
        default=None,
    )


# --- the 政府信息公开目录 ---------------------------------------------------------------


@dataclass(frozen=True)
class CatalogEntry:
    """One line of the 政府信息公开目录: a published 主动公开 document."""

    index_number: str  # 索引号
    title: str  # 信息名称
    doc_number: str  # 发文字号
    publisher: str  # 发布机构
    issue_date: date | None  # 成文日期
    published_on: date  # 发布日期: the first publication
    topic: str  # 主题分类
    validity: Validity  # 有效性


# The columns in order: header, how wide in an .xlsx (characters).
CATALOG_COLUMNS = (
    ("索引号", 26),
    ("信息名称", 60),
    ("发文字号", 24),
    ("发布机构", 28),
    ("成文日期", 12),
    ("发布日期", 12),
    ("主题分类", 14),
    ("有效性", 10),
)


def catalog_row(entry: CatalogEntry) -> tuple[str, str, str, str, date | None, date, str, str]:
    """An entry as the catalog's cells, in :data:`CATALOG_COLUMNS` order (dates as dates)."""
    return (
        entry.index_number,
        entry.title,
        entry.doc_number,
        entry.publisher,
        entry.issue_date,
        entry.published_on,
        entry.topic,
        entry.validity.label,
    )
