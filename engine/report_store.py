"""The annual report's shell: the register's records in, the kept .docx out.

:mod:`engine.report` counts 政府信息公开工作年度报告 from plain records; this module
reads those records from the register, reads the clerk's figures file
(``$GONGKAI_HOME/report-<year>.toml``, written by hand or from the desk's form,
the file it replaces kept) and keeps every rendered report under
``generated/reports/<year>/annual-v<N>.docx``, written once and read-only.

At the register's edge:

* requests: every request that can land in a cell of the year — received by
  31 December and not decided before 1 January — and the requests of the
  year's appeals and fee steps, so that those are checked against receipt too;
* 按时答复 (on_time) of a request decided in the year: its decision day against
  the reply deadline the desk computes from its clock events (the same
  ``compute_deadline`` that ``deadline_of`` calls); unknown while the clock
  waits for a 补正 that never came;
* fees: one record per 收费通知 (its ``amount_due``), paid by the next 缴费 step
  after it (the amount that step records, else the amount due);
* appeals: the 行政复议 and 行政诉讼 cases filed in the year;
* rule documents: documents marked as 规章 or 行政规范性文件, named by their 文号
  or ``文档<id>``.

A row the report cannot read — an unknown code, a rule without its 成文日期, a
payment without a notice, a clock that cannot run — refuses the report with a
:class:`~engine.report.ReportError` naming it, together with whatever
:func:`~engine.report.check_records` finds in the rest: the clerk sees every
record at fault at once.
"""

from __future__ import annotations

import re
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import jinja2
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from engine.deadlines import (
    USER_FILE_NAME,
    Calendar,
    ClockError,
    EventKind,
    compute_deadline,
    load_calendar,
)
from engine.letters import TemplateError, Templates
from engine.office import load_office
from engine.outcomes import ApplicantKind, Outcome
from engine.register.audit import audit
from engine.register.models import Appeal, Document, Request, RequestEvent
from engine.report import (
    PROACTIVE_FIGURES,
    TEMPLATE,
    TEXT_SECTIONS,
    AnnualReport,
    AppealKind,
    AppealRecord,
    AppealResult,
    FeeRecord,
    ManualFigures,
    ManualFiguresError,
    Problem,
    ReportError,
    RequestRecord,
    RuleDocument,
    RuleKind,
    build_report,
    check_records,
    ensure_consistent,
    parse_manual_figures,
    read_manual_figures,
    render_manual_figures,
    render_report,
)
from engine.requests import Event, Step, parse_code
from engine.store import Checksum, replace_file, store_generated

REPORTS = Path("generated", "reports")
_FEE_STEPS = (Step.FEE_NOTICE_SENT.value, Step.FEE_PAID.value)
# The steps that move the reply clock: the only events on_time needs.
_CLOCK_STEPS = tuple(kind.value for kind in EventKind)


class Records(NamedTuple):
    """What :func:`engine.report.build_report` counts, read from the register."""

    requests: tuple[RequestRecord, ...]
    appeals: tuple[AppealRecord, ...]
    fees: tuple[FeeRecord, ...]
    rule_documents: tuple[RuleDocument, ...]


# --- the clerk's figures file ---------------------------------------------------------


def figures_path(home: Path, year: int) -> Path:
    """Where the clerk keeps the year's figures: ``$GONGKAI_HOME/report-<year>.toml``."""
    return home / f"report-{year}.toml"


def figures_example(year: int) -> str:
    """The figures file for the clerk to fill in (what ``gongkai report figures`` writes).

    The figures are commented out, not written as 0: a figure the clerk has not
    filled in must be refused as missing, never published as a zero.
    """
    lines = [
        f"# 政府信息公开工作年度报告 {year}: the figures the register does not hold.",
        "# Remove the '# ' before each figure and write its value (0 when there were none);",
        f"# then: gongkai report annual --year {year} -o 报告.docx",
        "",
        f"year = {year}",
        "",
    ]
    for figure in PROACTIVE_FIGURES:
        value = "0.00" if figure.code == "administrative_fees" else "0"
        lines += [
            f"# 表二 {figure.item} {figure.label}：{figure.heading}",
            f"# {figure.code} = {value}",
        ]
    lines += [
        "",
        "# Optional: your own text replaces the desk's draft of its section,",
        "# a paragraph a line between the triple quotes.",
        "# [text]",
        *(f"# {key} = '''…'''  # {section}" for key, section in TEXT_SECTIONS),
        "",
    ]
    return "\n".join(lines)


class FiguresMissing(ManualFiguresError):
    """The year has no figures file yet: the desk offers its form, the CLI says how to write one."""


def read_figures(path: Path, year: int) -> ManualFigures:
    """The clerk's figures; a missing file (:class:`FiguresMissing`) says what to write there."""
    try:
        return read_manual_figures(path)
    except FileNotFoundError:
        raise FiguresMissing(
            f"{path} not found: the {year} report needs the figures the register does not hold.\n"
            f"Run `gongkai report figures --year {year}` to write this file, then fill it in:\n\n"
            f"{figures_example(year)}"
        ) from None


def write_figures_example(home: Path, year: int) -> Path:
    """Write the example figures file for ``year``; an existing file is never overwritten."""
    path = figures_path(home, year)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as handle:  # "x": FileExistsError, never a truncation
        handle.write(figures_example(year))
    return path


class SavedFigures(NamedTuple):
    """Where :func:`save_figures` wrote the figures, and where it kept the file it replaced."""

    path: Path
    kept: Path | None  # relative to home; None when there was no file, or the same one


def save_figures(
    sessions: sessionmaker[Session], home: Path, figures: ManualFigures, by: str
) -> SavedFigures:
    """Write ``figures`` as the year's figures file (the desk's form saves this way); audited.

    The text is read back first, by the rules of the file: figures that break
    them (a negative count, an empty text …) raise ManualFiguresError and nothing
    is written. The file is replaced atomically, and only by this explicit save;
    the file it replaces is never lost: its bytes are kept, read-only, as
    ``generated/reports/<year>/figures-v<N>.toml`` (the clerk's hand-edited file,
    comments and all, or the previous save). The audit event names both and
    holds the figures saved.
    """
    path = figures_path(home, figures.year)
    text = render_manual_figures(figures)
    parse_manual_figures(text, str(path))
    data = text.encode("utf-8")
    kept = None
    if path.exists() and (previous := path.read_bytes()) != data:
        kept = _next_version(home, figures.year, "figures", ".toml")
        store_generated(home, kept, previous)
    replace_file(path, data)
    with sessions.begin() as session:
        detail = {
            "path": path.name,
            "kept": kept.as_posix() if kept else None,
            **{figure.code: _figure_detail(figures, figure.code) for figure in PROACTIVE_FIGURES},
            "texts": [key for key, _ in TEXT_SECTIONS if getattr(figures, key) is not None],
        }
        audit(session, by, "report.figures", str(figures.year), detail)
    return SavedFigures(path, kept)


def _figure_detail(figures: ManualFigures, code: str) -> int | str:
    value: int | Decimal = getattr(figures, code)
    return str(value) if isinstance(value, Decimal) else value  # JSON: the decimal exact


def _next_version(home: Path, year: int, stem: str, suffix: str) -> Path:
    """``generated/reports/<year>/<stem>-v<N><suffix>``, N one past the last kept (from home)."""
    folder = REPORTS / str(year)
    pattern = re.compile(rf"{re.escape(stem)}-v(\d+){re.escape(suffix)}")
    versions = (pattern.fullmatch(p.name) for p in (home / folder).glob(f"{stem}-v*"))
    version = 1 + max((int(match[1]) for match in versions if match), default=0)
    return folder / f"{stem}-v{version}{suffix}"


# --- the register's records -----------------------------------------------------------


def records_for(session: Session, year: int, calendar: Calendar) -> Records:
    """The records the ``year``'s report counts (the module docstring says which).

    A handful of queries whatever the size of the register: requests and their
    needed events in bulk, never a query per request. Raises :class:`ReportError`
    naming every row that cannot be read as a record.
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    charged = select(RequestEvent.request_id).where(
        RequestEvent.step.in_(_FEE_STEPS), RequestEvent.happened_on.between(first, last)
    )
    appealed = select(Appeal.request_id).where(Appeal.filed.between(first, last))
    problems: list[Problem] = []
    events = _events(session, first, last, charged)
    requests: list[RequestRecord] = []
    fees: list[FeeRecord] = []
    deadlines: dict[tuple[object, ...], date | None] = {}
    rows = session.execute(
        select(
            Request.id,
            Request.number,
            Request.applicant_kind,
            Request.received,
            Request.decided_on,
            Request.outcome,
            Request.topic,
        )
        .where(or_(_in_play(first, last), Request.id.in_(charged), Request.id.in_(appealed)))
        .order_by(Request.id)
    )
    for request_id, number, kind, received, decided_on, outcome, topic in rows:
        found: list[str] = []
        applicant = parse_code(ApplicantKind, kind, "applicant kind", found)
        result = parse_code(Outcome, outcome, "outcome", found) if outcome is not None else None
        own = events.get(request_id, [])
        on_time = None
        if decided_on is not None and first <= decided_on <= last:
            on_time = _answered_in_time(received, decided_on, own, calendar, deadlines, found)
        fees += _fee_records(number, own, found)
        if _sound(number, found, problems):
            assert applicant is not None  # parsed, or a problem was found
            requests.append(
                RequestRecord(number, applicant, received, decided_on, result, topic, on_time)
            )
    appeals = _appeals(session, first, last, problems)
    rules = _rule_documents(session, last, problems)
    if problems:
        problems += check_records(requests, appeals, fees, rules)
        raise ReportError(problems, f"the {year} annual report cannot be computed")
    return Records(tuple(requests), tuple(appeals), tuple(fees), tuple(rules))


def _in_play(first: date, last: date) -> ColumnElement[bool]:
    """Received by the year's end and not decided before it began: 一, 二, 三 or 四 counts it.

    Written so that a request decided before its receipt inside the year is read
    (and refused), not silently left out of 一.
    """
    return and_(
        Request.received <= last,
        or_(Request.received >= first, Request.decided_on.is_(None), Request.decided_on >= first),
    )


def _events(
    session: Session, first: date, last: date, charged: Select[tuple[int]]
) -> dict[int, list[Event]]:
    """The clock events of requests decided in the year and the fee steps of those charged in it."""
    decided = select(Request.id).where(Request.decided_on.between(first, last))
    query = (
        select(
            RequestEvent.request_id,
            RequestEvent.step,
            RequestEvent.happened_on,
            RequestEvent.detail,
        )
        .where(
            RequestEvent.step.in_(_CLOCK_STEPS),
            or_(
                RequestEvent.request_id.in_(decided),
                and_(RequestEvent.step.in_(_FEE_STEPS), RequestEvent.request_id.in_(charged)),
            ),
        )
        # The order the desk replays them in (Request.events is ordered by id).
        .order_by(RequestEvent.request_id, RequestEvent.id)
    )
    grouped: dict[int, list[Event]] = defaultdict(list)
    for request_id, step, happened_on, detail in session.execute(query):
        grouped[request_id].append(Event(Step(step), happened_on, "", detail or {}))
    return grouped


def _answered_in_time(
    received: date,
    decided_on: date,
    events: Sequence[Event],
    calendar: Calendar,
    deadlines: dict[tuple[object, ...], date | None],
    found: list[str],
) -> bool | None:
    """第三十三条: decided by the reply deadline; None when the clock has no deadline.

    ``deadlines`` remembers each (receipt, clock events) computed: most requests
    have no clock event, so a year needs one computation per day of receipt.
    """
    try:
        clock = tuple(c for event in events if (c := event.clock_event()) is not None)
        key = (received, *clock)
        if key not in deadlines:
            deadlines[key] = compute_deadline(received, clock, calendar).due
    except ClockError as error:
        found.append(f"its reply clock cannot be run: {error}")
        return None
    due = deadlines[key]
    return None if due is None else decided_on <= due


def _fee_records(number: str, events: Sequence[Event], found: list[str]) -> list[FeeRecord]:
    """One record per 收费通知, paid by the first 缴费 after it."""
    records: list[FeeRecord] = []
    notice: Event | None = None
    for event in events:
        if event.step is Step.FEE_NOTICE_SENT:
            if notice is not None:  # a notice followed by another: the first was never paid
                records += _fee_record(number, notice, None, found)
            notice = event
        elif event.step is Step.FEE_PAID:
            if notice is None:
                found.append(f"缴费 on {event.on} without a 收费通知 before it")
                continue
            records += _fee_record(number, notice, event, found)
            notice = None
    if notice is not None:
        records += _fee_record(number, notice, None, found)
    return records


def _fee_record(
    number: str, notice: Event, paid: Event | None, found: list[str]
) -> list[FeeRecord]:
    amount = notice.detail.get("amount_due")
    if not _yuan(amount):
        found.append(f"收费通知 of {notice.on}: amount_due {amount!r} is not a whole yuan amount")
        return []
    assert isinstance(amount, int)
    if paid is None:
        return [FeeRecord(number, notice.on, amount)]
    collected = paid.detail.get("amount", amount)
    if not _yuan(collected):
        found.append(f"缴费 on {paid.on}: amount {collected!r} is not a whole yuan amount")
        return []
    assert isinstance(collected, int)
    return [FeeRecord(number, notice.on, amount, paid.on, collected)]


def _yuan(value: object) -> bool:
    # bool is an int to Python and to nobody else.
    return isinstance(value, int) and not isinstance(value, bool)


def _appeals(
    session: Session, first: date, last: date, problems: list[Problem]
) -> list[AppealRecord]:
    """行政复议 and 行政诉讼 cases filed in the year, named by their request's number."""
    query = (
        select(Request.number, Appeal.kind, Appeal.filed, Appeal.result, Appeal.closed)
        .select_from(Appeal)
        .join(Appeal.request)
        .where(Appeal.filed.between(first, last))
        .order_by(Appeal.id)
    )
    appeals = []
    for number, kind, filed, result, closed in session.execute(query):
        found: list[str] = []
        case = parse_code(AppealKind, kind, "appeal kind", found)
        decided = parse_code(AppealResult, result, "appeal result", found) if result else None
        if _sound(number, found, problems):
            assert case is not None
            appeals.append(AppealRecord(number, case, filed, decided, closed))
    return appeals


def _rule_documents(session: Session, last: date, problems: list[Problem]) -> list[RuleDocument]:
    """规章 and 行政规范性文件 issued by the year's end, and every rule whose issue is unknown."""
    query = (
        select(
            Document.id,
            Document.doc_number,
            Document.rule_kind,
            Document.issue_date,
            Document.repealed_on,
        )
        .where(
            Document.rule_kind.is_not(None),
            or_(Document.issue_date.is_(None), Document.issue_date <= last),
        )
        .order_by(Document.id)
    )
    documents = []
    for doc_id, doc_number, kind, issued, repealed in session.execute(query):
        reference = (doc_number or "").strip() or f"文档{doc_id}"
        found: list[str] = []
        rule = parse_code(RuleKind, kind, "rule kind", found)
        if issued is None:
            # Left out, it would silently be missing from 本年制发 or 现行有效.
            found.append(
                f"document {doc_id} is marked as a rule but its 成文日期 is unknown: "
                "table 二 cannot tell when it was made"
            )
        if _sound(reference, found, problems):
            assert rule is not None and issued is not None
            documents.append(RuleDocument(reference, rule, issued, repealed))
    return documents


def _sound(record: str, found: list[str], problems: list[Problem]) -> bool:
    """Whether a row was read whole; if not, its problems join the report's, under its name."""
    problems += [Problem(record, message) for message in found]
    return not found


# --- the report ------------------------------------------------------------------------


def annual_report(
    sessions: sessionmaker[Session], home: Path, year: int, figures: Path | None = None
) -> AnnualReport:
    """The ``year``'s report from the register, the clerk's figures and office.toml's agency.

    ``figures`` defaults to :func:`figures_path`. Raises ManualFiguresError (the
    figures file), OfficeError (office.toml), ReportError (records that cannot be
    counted, or a report that does not add up).
    """
    manual = read_figures(figures or figures_path(home, year), year)
    agency = load_office(home).agency
    calendar = load_calendar(home / USER_FILE_NAME)
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            # One snapshot for every query (SQLite's transactions already are one).
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        records = records_for(session, year, calendar)
    report = build_report(year, *records, manual, agency=agency)
    ensure_consistent(report)
    return report


def write_report(
    report: AnnualReport, home: Path, output: Path | None, templates: Templates | None = None
) -> tuple[Path, Checksum]:
    """Render the report, keep it as the year's next version and copy it to ``output`` if given.

    The template is the office's copy under ``$GONGKAI_HOME/templates`` if it has
    one, else the shipped one. Returns the kept file's path (relative to
    ``home``) and its checksum; ``output`` holds the same bytes.
    """
    template = (templates or Templates(office=home / "templates")).path(TEMPLATE)
    with tempfile.TemporaryDirectory() as folder:
        try:
            data = render_report(report, template, Path(folder) / "annual.docx").read_bytes()
        except jinja2.TemplateError as error:
            raise TemplateError(f"{template}: {error}") from error
    relative = _next_version(home, report.year, "annual", ".docx")
    digest = store_generated(home, relative, data)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    return relative, digest


def register_report(
    sessions: sessionmaker[Session], by: str, year: int, relative: Path, digest: Checksum
) -> None:
    """Note in the audit trail who printed which version of the report, with its checksum."""
    with sessions.begin() as session:
        detail = {"path": relative.as_posix(), "sha256": digest.sha256, "size": digest.size}
        audit(session, by, "report.annual", str(year), detail)


def issue_report(
    sessions: sessionmaker[Session],
    report: AnnualReport,
    home: Path,
    by: str,
    output: Path | None = None,
) -> tuple[Path, Checksum]:
    """Write the report (:func:`write_report`) and note who printed it (:func:`register_report`).

    What ``gongkai report annual -o`` and the desk's download both do: every
    report handed out is a kept, checksummed version in the audit trail.
    """
    relative, digest = write_report(report, home, output)
    register_report(sessions, by, report.year, relative, digest)
    return relative, digest
