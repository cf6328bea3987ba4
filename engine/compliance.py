"""政府信息公开工作考核 — the monthly, quarterly or yearly compliance report (pure).

What the 考核 examiner asks for (issue 10; 条例第二十六条、第三十三条; the seeds'
责任追究, baoding-2011-four-rules 第五条), each figure with the documents and
requests behind it:

* 一、主动公开: the documents whose publication deadline (20 working days,
  :mod:`engine.publication`) fell in the period — published on time, published
  late, not published and overdue, or (in a period not yet over) not yet due —
  by 发文机关, and in total;
* 二、依申请公开: the requests answered in the period, on time or late against
  their reply deadline (第三十三条), and the requests still open at the period's
  end whose deadline had passed;
* 三、审核: the sign-offs of the period by level, the overrides (改为) among them,
  and the decisions on a 公开属性 made final in the period.

Like the annual report, every rule looks at the period's end and no later (or
at today, in a period not yet over: the *cut-off*): a publication, decision,
reply or clock event after it is not known to the report, so the report of a
closed period computed again later gives the same figures. A document is on the
publication clock if it was finally 主动公开 by the cut-off.

Pure functions over plain records; :mod:`engine.compliance_store` reads them
from the register, :mod:`engine.cli_compliance` prints and writes the report.
"""

from __future__ import annotations

import calendar as month_calendar
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import docx

from engine.codes import REGULATION
from engine.deadlines import Calendar, ClockError, ClockEvent, compute_deadline
from engine.publication import FinalDecision, PublicationStatus, clock_start, publication_due
from engine.review import Action, Level


class ComplianceError(ValueError):
    """A period or a record the report refuses: the message says what is wrong."""


# --- the period -----------------------------------------------------------------------


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_QUARTER_NAMES = ("一", "二", "三", "四")


@dataclass(frozen=True)
class ReportPeriod:
    """考核期间: a month, a quarter or a year, first and last day included."""

    kind: PeriodKind
    code: str  # as written on the command line: 2026-09, 2026Q3, 2026
    first: date
    last: date

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return f"{self.first.year}年"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.first.year}年第{_QUARTER_NAMES[(self.first.month - 1) // 3]}季度"
        return f"{self.first.year}年{self.first.month}月"


_PERIOD = re.compile(r"(?P<year>\d{4})(?:[Qq](?P<quarter>\d+)|-(?P<month>\d{1,2}))?")


def parse_period(text: str) -> ReportPeriod:
    """``2026`` (a year), ``2026Q3`` (a quarter) or ``2026-09`` (a month); anything else,
    or a quarter or month that does not exist (2026Q5, 2026-13), is refused."""
    code = text.strip()
    match = _PERIOD.fullmatch(code)
    if match is None:
        raise ComplianceError(
            f"period {text!r}: write a year (2026), a quarter (2026Q3) or a month (2026-09)"
        )
    year = int(match["year"])
    if year < 1:
        raise ComplianceError(f"period {text!r}: no year {match['year']}")
    if match["quarter"] is not None:
        quarter = int(match["quarter"])
        if not 1 <= quarter <= 4:
            raise ComplianceError(f"period {text!r}: a quarter is Q1 to Q4, not Q{quarter}")
        first_month = 3 * quarter - 2
        last_day = month_calendar.monthrange(year, first_month + 2)[1]
        return ReportPeriod(
            PeriodKind.QUARTER,
            f"{year}Q{quarter}",
            date(year, first_month, 1),
            date(year, first_month + 2, last_day),
        )
    if match["month"] is not None:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ComplianceError(f"period {text!r}: a month is 01 to 12, not {month:02d}")
        last_day = month_calendar.monthrange(year, month)[1]
        return ReportPeriod(
            PeriodKind.MONTH,
            f"{year}-{month:02d}",
            date(year, month, 1),
            date(year, month, last_day),
        )
    return ReportPeriod(PeriodKind.YEAR, str(year), date(year, 1, 1), date(year, 12, 31))


def quarter_of(day: date) -> ReportPeriod:
    """The quarter ``day`` falls in: the default period."""
    return parse_period(f"{day.year}Q{(day.month - 1) // 3 + 1}")


@dataclass(frozen=True)
class Cutoff:
    """The last day the report knows of, and whether the period is over by ``today``."""

    day: date
    over: bool

    def overdue(self, due: date) -> bool:
        """Past ``due`` and not done: after the due day itself has ended (in a period not
        yet over, today is not yet past)."""
        return due < self.day or (self.over and due == self.day)


def cutoff_of(period: ReportPeriod, today: date) -> Cutoff:
    """The period's last day, or today while it runs; a period not yet begun is refused."""
    if today < period.first:
        raise ComplianceError(
            f"period {period.code} begins on {period.first}: nothing to report on {today}"
        )
    return Cutoff(min(period.last, today), today > period.last)


# --- the records ----------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRecord:
    """A document that may be on the publication clock: its final decisions on its 公开属性
    (oldest first) and its first publication, in any channel."""

    document_id: int
    title: str
    doc_number: str
    issuer: str
    issue_date: date | None
    decisions: tuple[FinalDecision, ...]
    first_published: date | None


@dataclass(frozen=True)
class RequestRecord:
    """A 政府信息公开申请: its receipt, its reply (None while open) and its clock events."""

    number: str
    received: date
    decided_on: date | None
    clock: tuple[ClockEvent, ...]


@dataclass(frozen=True)
class SignOffRecord:
    """One signature of the review, on the office's day it was given."""

    document_id: int
    title: str
    doc_number: str
    level: Level
    action: Action
    by: str
    day: date


@dataclass(frozen=True)
class FinalRecord:
    """A decision on a document's 公开属性 that became final (every required level signed)."""

    document_id: int
    title: str
    doc_number: str
    decision: FinalDecision


@dataclass(frozen=True)
class Records:
    """What :func:`build_compliance` counts, read by :func:`engine.compliance_store.records_for`."""

    documents: tuple[DocumentRecord, ...]
    requests: tuple[RequestRecord, ...]
    signoffs: tuple[SignOffRecord, ...]
    finals: tuple[FinalRecord, ...]


# --- the report -----------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One document or request behind a figure: ``ref`` is the document id or the 申请编号."""

    ref: str
    name: str  # 文号 and title, or the empty string for a request
    day: date | None  # published, answered, signed or made final
    due: date | None = None
    note: str = ""


@dataclass(frozen=True)
class Figure:
    """One number of the report and what is behind it."""

    group: str  # 发文机关, 签批层级 or 合计
    label: str
    items: tuple[Item, ...]

    @property
    def count(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Section:
    title: str
    figures: tuple[Figure, ...]

    def figure(self, group: str, label: str) -> Figure:
        for figure in self.figures:
            if (figure.group, figure.label) == (group, label):
                return figure
        raise KeyError(f"{self.title}: no figure {label} for {group}")


@dataclass(frozen=True)
class ComplianceReport:
    period: ReportPeriod
    cutoff: Cutoff
    sections: tuple[Section, ...]


TITLE = "政府信息公开工作考核情况"
PUBLICATION_SECTION = "一、主动公开"
REPLY_SECTION = "二、依申请公开答复"
REVIEW_SECTION = "三、公开属性审核"
ALL = "合计"
NO_ISSUER = "（发文机关不详）"
PUBLICATION_LABELS = tuple(
    status.label
    for status in (
        PublicationStatus.ON_TIME,
        PublicationStatus.LATE,
        PublicationStatus.OVERDUE,
        PublicationStatus.PENDING,
    )
)
REPLY_ON_TIME, REPLY_LATE = "按时答复", "逾期答复"
REPLY_UNKNOWN = "答复期限不明"  # answered while the clock waited for a 补正 that never came
OPEN_OVERDUE = "期末逾期未答复"
SIGNED, OVERRIDDEN, MADE_FINAL = "签批", "其中改为", "确定公开属性"


def build_compliance(
    period: ReportPeriod, records: Records, today: date, calendar: Calendar
) -> ComplianceReport:
    """The report of ``period`` as known on ``today`` (the module docstring says how)."""
    cutoff = cutoff_of(period, today)
    return ComplianceReport(
        period,
        cutoff,
        (
            _publication(period, cutoff, records.documents, calendar),
            _replies(period, cutoff, records.requests, calendar),
            _reviews(period, cutoff, records.signoffs, records.finals),
        ),
    )


def document_due(record: DocumentRecord, cutoff: date, calendar: Calendar) -> date | None:
    """The publication deadline as the register stood on ``cutoff``; None when the document
    was not finally 主动公开 by then."""
    start = clock_start(record.issue_date, [d for d in record.decisions if d.on <= cutoff])
    return None if start is None else publication_due(start, calendar).due


def _publication(
    period: ReportPeriod, cutoff: Cutoff, documents: Iterable[DocumentRecord], calendar: Calendar
) -> Section:
    by_issuer: dict[str, dict[str, list[Item]]] = {}
    for record in documents:
        due = document_due(record, cutoff.day, calendar)
        if due is None or not period.first <= due <= period.last:
            continue
        published = record.first_published
        if published is not None and published > cutoff.day:
            published = None  # not known at the cut-off
        if published is not None:
            status = PublicationStatus.LATE if published > due else PublicationStatus.ON_TIME
        elif cutoff.overdue(due):
            status = PublicationStatus.OVERDUE
        else:
            status = PublicationStatus.PENDING
        item = Item(str(record.document_id), _name(record.doc_number, record.title), published, due)
        issuer = record.issuer or NO_ISSUER
        row = by_issuer.setdefault(issuer, {label: [] for label in PUBLICATION_LABELS})
        row[status.label].append(item)
    figures = [
        Figure(issuer, label, _sorted(row[label]))
        for issuer, row in sorted(by_issuer.items())
        for label in PUBLICATION_LABELS
    ]
    figures += [
        Figure(ALL, label, _sorted(i for f in figures if f.label == label for i in f.items))
        for label in PUBLICATION_LABELS
    ]
    return Section(PUBLICATION_SECTION, tuple(figures))


def request_due(record: RequestRecord, cutoff: date, calendar: Calendar) -> date | None:
    """The reply deadline from the clock events known on ``cutoff``; None while a 补正 is
    awaited (第三十条)."""
    events = [event for event in record.clock if event.on <= cutoff]
    return compute_deadline(record.received, events, calendar).due


def _replies(
    period: ReportPeriod, cutoff: Cutoff, requests: Iterable[RequestRecord], calendar: Calendar
) -> Section:
    found: dict[str, list[Item]] = {
        label: [] for label in (REPLY_ON_TIME, REPLY_LATE, REPLY_UNKNOWN, OPEN_OVERDUE)
    }
    broken: list[str] = []
    for record in requests:
        decided = record.decided_on
        if decided is not None and decided > cutoff.day:
            decided = None  # answered after the cut-off: still open then
        if record.received > cutoff.day or (decided is not None and decided < period.first):
            continue  # not yet received, or answered before the period
        try:
            due = request_due(record, cutoff.day, calendar)
        except ClockError as error:
            broken.append(f"{record.number}: its reply clock cannot be run: {error}")
            continue
        item = Item(record.number, "", decided, due)
        if decided is None:
            if due is not None and cutoff.overdue(due):
                found[OPEN_OVERDUE].append(item)
        elif due is None:
            found[REPLY_UNKNOWN].append(item)
        else:
            found[REPLY_LATE if decided > due else REPLY_ON_TIME].append(item)
    if broken:
        raise ComplianceError(
            f"the report for {period.code} cannot be computed (第三十三条):\n" + "\n".join(broken)
        )
    return Section(
        REPLY_SECTION, tuple(Figure(ALL, label, _sorted(items)) for label, items in found.items())
    )


def _reviews(
    period: ReportPeriod,
    cutoff: Cutoff,
    signoffs: Iterable[SignOffRecord],
    finals: Iterable[FinalRecord],
) -> Section:
    signed: dict[Level, list[SignOffRecord]] = {level: [] for level in Level}
    for signoff in signoffs:
        if period.first <= signoff.day <= cutoff.day:
            signed[signoff.level].append(signoff)
    figures: list[Figure] = []
    for level, rows in signed.items():
        figures.append(Figure(level.label, SIGNED, _signoff_items(rows)))
        overrides = [row for row in rows if row.action is Action.OVERRIDE]
        figures.append(Figure(level.label, OVERRIDDEN, _signoff_items(overrides)))
    everyone = [row for rows in signed.values() for row in rows]
    figures.append(Figure(ALL, SIGNED, _signoff_items(everyone)))
    overrides = [row for row in everyone if row.action is Action.OVERRIDE]
    figures.append(Figure(ALL, OVERRIDDEN, _signoff_items(overrides)))
    made_final = [
        Item(
            str(final.document_id),
            _name(final.doc_number, final.title),
            final.decision.on,
            note=final.decision.attribute.label,
        )
        for final in finals
        if period.first <= final.decision.on <= cutoff.day
    ]
    figures.append(Figure(ALL, MADE_FINAL, _sorted(made_final)))
    return Section(REVIEW_SECTION, tuple(figures))


def _signoff_items(rows: Sequence[SignOffRecord]) -> tuple[Item, ...]:
    return _sorted(
        Item(
            str(row.document_id),
            _name(row.doc_number, row.title),
            row.day,
            note=f"{row.by}（{row.level.label}，{_ACTION_LABELS[row.action]}）",
        )
        for row in rows
    )


_ACTION_LABELS = {Action.CONFIRM: "同意", Action.OVERRIDE: "改为"}


def _name(doc_number: str, title: str) -> str:
    return " ".join(part for part in (doc_number, title) if part)


def _sorted(items: Iterable[Item]) -> tuple[Item, ...]:
    """By day, then reference: document ids in numeric order, 申请编号 as written."""
    return tuple(
        sorted(
            items,
            key=lambda item: (
                item.day or date.max,
                item.due or date.max,
                int(item.ref) if item.ref.isdigit() else 0,
                item.ref,
            ),
        )
    )


# --- plain data and CSV -----------------------------------------------------------------


def report_data(report: ComplianceReport) -> dict[str, object]:
    """The report as plain data (``--json``): every figure with its count and items."""
    return {
        "title": TITLE,
        "period": {
            "code": report.period.code,
            "label": report.period.label,
            "first": report.period.first.isoformat(),
            "last": report.period.last.isoformat(),
        },
        "as_of": report.cutoff.day.isoformat(),
        "complete": report.cutoff.over,
        "basis": f"{REGULATION}第二十六条、第三十三条",
        "sections": [
            {
                "title": section.title,
                "figures": [
                    {
                        "group": figure.group,
                        "label": figure.label,
                        "count": figure.count,
                        "items": [_item_data(item) for item in figure.items],
                    }
                    for figure in section.figures
                ],
            }
            for section in report.sections
        ],
    }


def _item_data(item: Item) -> dict[str, object]:
    return {
        "ref": item.ref,
        "name": item.name,
        "day": item.day.isoformat() if item.day else None,
        "due": item.due.isoformat() if item.due else None,
        "note": item.note,
    }


CSV_HEADER = ("部分", "分组", "项目", "数量", "编号", "名称", "日期", "期限", "备注")


def report_csv(report: ComplianceReport) -> bytes:
    """One row per figure (its count) followed by one row per item behind it, UTF-8 with a
    BOM so that Excel reads the Chinese right."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for section in report.sections:
        for figure in section.figures:
            head = (section.title, figure.group, figure.label)
            writer.writerow((*head, figure.count, "", "", "", "", ""))
            for item in figure.items:
                writer.writerow(
                    (
                        *head,
                        "",
                        item.ref,
                        item.name,
                        item.day.isoformat() if item.day else "",
                        item.due.isoformat() if item.due else "",
                        item.note,
                    )
                )
    return text.getvalue().encode("utf-8-sig")


def report_docx(report: ComplianceReport) -> bytes:
    """A plain .docx for the examiner: the title, the period, and per section a table of
    the figures followed by the documents and requests behind each."""
    document = docx.Document()
    document.add_heading(f"{TITLE}（{report.period.label}）", level=0)
    state = "" if report.cutoff.over else "（期间未结束）"
    document.add_paragraph(
        f"统计期间：{report.period.first.isoformat()}至{report.period.last.isoformat()}；"
        f"统计截至：{report.cutoff.day.isoformat()}{state}"
    )
    for section in report.sections:
        document.add_heading(section.title, level=1)
        table = document.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("分组", "项目", "数量"), strict=True):
            cell.text = text
        for figure in section.figures:
            cells = table.add_row().cells
            cells[0].text, cells[1].text, cells[2].text = (
                figure.group,
                figure.label,
                str(figure.count),
            )
        for figure in section.figures:
            if not figure.items or _repeats(section, figure):
                continue  # 合计 repeats the groups' lists
            document.add_paragraph(f"{figure.group} · {figure.label}（{figure.count}）")
            for item in figure.items:
                document.add_paragraph(_item_line(item), style="List Bullet")
    written = io.BytesIO()
    document.save(written)
    return written.getvalue()


def _repeats(section: Section, figure: Figure) -> bool:
    """A 合计 whose items the groups' figures of the same label already list."""
    return figure.group == ALL and any(
        other.group != ALL and other.label == figure.label for other in section.figures
    )


def _item_line(item: Item) -> str:
    parts = [item.ref, item.name]
    if item.day:
        parts.append(f"日期 {item.day.isoformat()}")
    if item.due:
        parts.append(f"期限 {item.due.isoformat()}")
    parts.append(item.note)
    return "  ".join(part for part in parts if part)
