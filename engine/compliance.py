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
  the decisions reopened (重新审查) and those on a 公开属性 made final in the period;
* 四、有效性标注: the repeals and amendments of published documents whose
  re-marking deadline in the catalog (20 working days, 动态调整制度第五条;
  :func:`engine.publication.remarked_on`) fell in the period — re-marked on time,
  late, or not re-marked and overdue at the cut-off — by 废止 and 修改, and in total.

Like the annual report, every rule looks at the period's end and no later (or
at today, in a period not yet over: the *cut-off*): a publication, decision,
reply, clock event, validity change or catalog export after it is not known to
the report, so the report of a closed period computed again later gives the same
figures. A document is on the publication clock if it was finally 主动公开 by the
cut-off.

Pure functions over plain records; :mod:`engine.compliance_store` reads them
from the register, :mod:`engine.cli_compliance` prints and writes the report.
"""

from __future__ import annotations

import calendar as month_calendar
import csv
import io
import re
from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import docx
from docx.document import Document as DocxDocument
from docx.oxml import OxmlElement

from engine.codes import REGULATION
from engine.deadlines import Calendar, ClockError, ClockEvent, compute_deadline
from engine.publication import (
    CatalogExport,
    ChangeKind,
    ClockStart,
    FinalDecision,
    PublicationStatus,
    clock_start,
    publication_due,
    remarked_on,
    remarking_due,
)
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
class ChangeRecord:
    """A repeal or amendment of a published document (one with an 索引号), as recorded:
    ``recorded_at`` and the office's day of it, ``published_on`` the document's first
    publication and ``index_year`` its 索引号's year."""

    document_id: int
    title: str
    doc_number: str
    kind: ChangeKind
    by_document: int
    effective_on: date
    recorded_at: datetime
    recorded_on: date
    published_on: date
    index_year: int


@dataclass(frozen=True)
class Records:
    """What :func:`build_compliance` counts, read by :func:`engine.compliance_store.records_for`."""

    documents: tuple[DocumentRecord, ...]
    requests: tuple[RequestRecord, ...]
    signoffs: tuple[SignOffRecord, ...]
    finals: tuple[FinalRecord, ...]
    changes: tuple[ChangeRecord, ...] = ()
    exports: tuple[CatalogExport, ...] = ()


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
REMARKING_SECTION = "四、目录有效性标注"
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
SIGNED, OVERRIDDEN, REOPENED, MADE_FINAL = "签批", "其中改为", "重新审查", "确定公开属性"
REMARKED_ON_TIME, REMARKED_LATE, REMARK_OVERDUE = "按时重新标注", "逾期重新标注", "期末逾期未标注"
REMARKING_LABELS = (REMARKED_ON_TIME, REMARKED_LATE, REMARK_OVERDUE)


def build_compliance(
    period: ReportPeriod, records: Records, today: date, calendar: Calendar
) -> ComplianceReport:
    """The report of ``period`` as known on ``today`` (the module docstring says how)."""
    cutoff = cutoff_of(period, today)
    deadlines = _Deadlines(calendar)
    return ComplianceReport(
        period,
        cutoff,
        (
            _publication(period, cutoff, records.documents, deadlines),
            _replies(period, cutoff, records.requests, deadlines),
            _reviews(period, cutoff, records.signoffs, records.finals),
            _remarking(period, cutoff, records.changes, records.exports, calendar),
        ),
    )


def document_due(record: DocumentRecord, cutoff: date, calendar: Calendar) -> date | None:
    """The publication deadline as the register stood on ``cutoff``; None when the document
    was not finally 主动公开 by then."""
    return _Deadlines(calendar).publication(record, cutoff)


def request_due(record: RequestRecord, cutoff: date, calendar: Calendar) -> date | None:
    """The reply deadline from the clock events known on ``cutoff``; None while a 补正 is
    awaited (第三十条)."""
    return _Deadlines(calendar).reply(record, cutoff)


class _Deadlines:
    """:func:`document_due` and :func:`request_due` on one calendar, each deadline counted
    once: a year's thousands of documents and requests start their clocks on a few
    hundred days."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self._publication: dict[ClockStart, date] = {}
        self._reply: dict[tuple[date, tuple[ClockEvent, ...]], date | None] = {}

    def publication(self, record: DocumentRecord, cutoff: date) -> date | None:
        start = clock_start(record.issue_date, [d for d in record.decisions if d.on <= cutoff])
        if start is None:
            return None
        if start not in self._publication:
            self._publication[start] = publication_due(start, self.calendar).due
        return self._publication[start]

    def reply(self, record: RequestRecord, cutoff: date) -> date | None:
        key = (record.received, tuple(event for event in record.clock if event.on <= cutoff))
        if key not in self._reply:
            self._reply[key] = compute_deadline(*key, self.calendar).due
        return self._reply[key]


def _publication(
    period: ReportPeriod,
    cutoff: Cutoff,
    documents: Iterable[DocumentRecord],
    deadlines: _Deadlines,
) -> Section:
    by_issuer: dict[str, dict[str, list[Item]]] = {}
    for record in documents:
        due = deadlines.publication(record, cutoff.day)
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


def _replies(
    period: ReportPeriod, cutoff: Cutoff, requests: Iterable[RequestRecord], deadlines: _Deadlines
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
            due = deadlines.reply(record, cutoff.day)
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
    signed: list[tuple[Level, Action, Item]] = []
    reopened: list[Item] = []
    for signoff in signoffs:
        if not period.first <= signoff.day <= cutoff.day:
            continue
        item = Item(
            str(signoff.document_id),
            _name(signoff.doc_number, signoff.title),
            signoff.day,
            note=f"{signoff.by}（{signoff.level.label}，{_ACTION_LABELS[signoff.action]}）",
        )
        if signoff.action is Action.REOPEN:
            reopened.append(item)  # 重新审查 signs no position: not a 签批
        else:
            signed.append((signoff.level, signoff.action, item))
    # Sorted once: each level's list is in the order of the whole (the sort is stable).
    signed.sort(key=lambda row: _order(row[2]))
    groups = [(level.label, [row for row in signed if row[0] is level]) for level in Level]
    figures: list[Figure] = []
    for group, rows in [*groups, (ALL, signed)]:
        figures.append(Figure(group, SIGNED, tuple(item for _, _, item in rows)))
        overrides = (item for _, action, item in rows if action is Action.OVERRIDE)
        figures.append(Figure(group, OVERRIDDEN, tuple(overrides)))
    figures.append(Figure(ALL, REOPENED, _sorted(reopened)))
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


def _remarking(
    period: ReportPeriod,
    cutoff: Cutoff,
    changes: Iterable[ChangeRecord],
    exports: Sequence[CatalogExport],
    calendar: Calendar,
) -> Section:
    known = [export for export in exports if export.day <= cutoff.day]
    by_kind: dict[ChangeKind, dict[str, list[Item]]] = {
        kind: {label: [] for label in REMARKING_LABELS} for kind in ChangeKind
    }
    for change in changes:
        if change.recorded_on > cutoff.day or change.published_on > cutoff.day:
            continue  # not known at the cut-off, or not yet in the catalog
        due = remarking_due(change.effective_on, calendar).due
        if not period.first <= due <= period.last:
            continue
        day = remarked_on(change.recorded_at, change.effective_on, change.index_year, known)
        if day is not None:
            label = REMARKED_LATE if day > due else REMARKED_ON_TIME
        elif cutoff.overdue(due):
            label = REMARK_OVERDUE
        else:
            continue  # not yet due
        note = f"{change.effective_on.isoformat()}被文件{change.by_document}{change.kind.label}"
        item = Item(str(change.document_id), _name(change.doc_number, change.title), day, due, note)
        by_kind[change.kind][label].append(item)
    figures = [
        Figure(kind.label, label, _sorted(row[label]))
        for kind, row in by_kind.items()
        for label in REMARKING_LABELS
    ]
    figures += [
        Figure(ALL, label, _sorted(i for row in by_kind.values() for i in row[label]))
        for label in REMARKING_LABELS
    ]
    return Section(REMARKING_SECTION, tuple(figures))


_ACTION_LABELS = {Action.CONFIRM: "同意", Action.OVERRIDE: "改为", Action.REOPEN: "重新审查"}


def _name(doc_number: str, title: str) -> str:
    return " ".join(part for part in (doc_number, title) if part)


def _sorted(items: Iterable[Item]) -> tuple[Item, ...]:
    return tuple(sorted(items, key=_order))


def _order(item: Item) -> tuple[date, date, int, str]:
    """By day, then reference: document ids in numeric order, 申请编号 as written."""
    return (
        item.day or date.max,
        item.due or date.max,
        int(item.ref) if item.ref.isdigit() else 0,
        item.ref,
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
            _add_bullets(document, (_item_line(item) for item in figure.items))
    written = io.BytesIO()
    document.save(written)
    return written.getvalue()


def _add_bullets(document: DocxDocument, lines: Iterable[str]) -> None:
    """``lines`` as "List Bullet" paragraphs at the end of the body, each on one line.

    Copies of one paragraph made by python-docx: its add_paragraph looks for the body's
    end among all its children and for the style by name each time, and sets text a
    character at a time — minutes for the tens of thousands of items of a year.
    """
    template = OxmlElement("w:p")
    template.style = document.styles["List Bullet"].style_id
    template.add_r().text = " "  # a w:t that keeps its spaces
    end = document.element.body.sectPr
    for line in lines:
        paragraph = deepcopy(template)
        paragraph[-1][-1].text = _BREAKS.sub(" ", line)  # the run's w:t
        end.addprevious(paragraph)


_BREAKS = re.compile(r"[\t\r\n]")


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
