"""The compliance report's shell: the register's records for :mod:`engine.compliance`.

A handful of queries whatever the size of the register:

* documents: those whose decision in force is 主动公开 now (reopened ones included),
  and those signed after the cut-off (their attribute on the cut-off may have
  differed), with their final decisions (replayed from the sign-offs as the
  publication desk replays them) and their first publication;
* requests: received by the cut-off and not answered before the period, with
  the events that move the reply clock;
* sign-offs given around the period (the day is the office's, filtered by the
  pure core), and the final decisions of the documents they signed;
* the validity changes of documents with an 索引号 and the catalog exports (the
  audit log's ``catalog.export`` events) recorded by the cut-off.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from engine.codes import Attribute
from engine.compliance import (
    ChangeRecord,
    ComplianceError,
    ComplianceReport,
    DocumentRecord,
    FinalRecord,
    Records,
    ReportPeriod,
    RequestRecord,
    SignOffRecord,
    build_compliance,
    cutoff_of,
    report_csv,
    report_docx,
)
from engine.deadlines import USER_FILE_NAME, EventKind, load_calendar
from engine.publication import CatalogExport, ChangeKind
from engine.publication_store import EXPORT_ACTION, collector_paused, final_decisions
from engine.register.models import (
    AuditEvent,
    Document,
    IndexNumber,
    Publication,
    Request,
    RequestEvent,
    SignOff,
    ValidityChange,
)
from engine.requests import Event, Step
from engine.review import Action, Level
from engine.store import replace_file

_CLOCK_STEPS = tuple(kind.value for kind in EventKind)
# A day in any office's zone lies within a day either side of the same UTC day.
_ZONE_MARGIN = timedelta(days=1)


def _aware(at: datetime) -> datetime:
    # SQLite gives back the UTC time without its zone.
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _day(at: datetime) -> date:
    """The office's day of ``at``."""
    return _aware(at).astimezone().date()


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def records_for(
    session: Session, period: ReportPeriod, cutoff: date, required: tuple[Level, ...]
) -> Records:
    """What the report of ``period`` counts, as the register stood on ``cutoff``."""
    after_cutoff = _utc(cutoff) + 2 * _ZONE_MARGIN  # 0:00 UTC of the day after, plus margin
    signed_late = select(SignOff.document_id).where(SignOff.at >= _utc(cutoff) - _ZONE_MARGIN)
    candidates = session.execute(
        select(
            Document.id, Document.title, Document.doc_number, Document.issuer, Document.issue_date
        ).where(
            or_(
                (Document.attribute == Attribute.PROACTIVE.value)
                & (Document.attribute_source == "decision"),  # reopened ones too
                Document.id.in_(signed_late),
            )
        )
    ).all()
    signed_rows = session.execute(
        select(
            SignOff.document_id,
            Document.title,
            Document.doc_number,
            SignOff.level,
            SignOff.action,
            SignOff.by,
            SignOff.at,
        )
        .join(Document, Document.id == SignOff.document_id)
        .where(SignOff.at >= _utc(period.first) - _ZONE_MARGIN, SignOff.at < after_cutoff)
        .order_by(SignOff.id)
    ).all()
    names = {row.document_id: (row.title or "", row.doc_number or "") for row in signed_rows}
    # One replay for the documents on the clock and those signed in the period alike.
    decided = sorted({row.id for row in candidates} | names.keys())
    decisions = final_decisions(session, decided, required)
    first = dict(
        session.execute(
            select(Publication.document_id, func.min(Publication.published_on)).group_by(
                Publication.document_id
            )
        ).all()
    )
    documents = tuple(
        DocumentRecord(
            row.id,
            row.title or "",
            row.doc_number or "",
            row.issuer or "",
            row.issue_date,
            tuple(decisions[row.id]),
            first.get(row.id),
        )
        for row in candidates
    )

    in_play = (Request.received <= cutoff) & or_(
        Request.decided_on.is_(None), Request.decided_on >= period.first
    )
    events: dict[int, list[Event]] = defaultdict(list)
    query = (
        select(
            RequestEvent.request_id,
            RequestEvent.step,
            RequestEvent.happened_on,
            RequestEvent.detail,
        )
        .join(Request, Request.id == RequestEvent.request_id)
        .where(in_play, RequestEvent.step.in_(_CLOCK_STEPS))
        .order_by(RequestEvent.request_id, RequestEvent.id)
    )
    for request_id, step, on, detail in session.execute(query):
        events[request_id].append(Event(Step(step), on, "", detail or {}))
    requests = tuple(
        RequestRecord(
            number,
            received,
            decided_on,
            tuple(c for e in events.get(request_id, ()) if (c := e.clock_event()) is not None),
        )
        for request_id, number, received, decided_on in session.execute(
            select(Request.id, Request.number, Request.received, Request.decided_on)
            .where(in_play)
            .order_by(Request.id)
        )
    )

    signoffs = tuple(
        SignOffRecord(document_id, *names[document_id], Level(level), Action(action), by, _day(at))
        for document_id, _, _, level, action, by, at in signed_rows
    )
    finals = tuple(
        FinalRecord(document_id, title, doc_number, decision)
        for document_id, (title, doc_number) in sorted(names.items())
        for decision in decisions[document_id]
    )
    changed = session.execute(
        select(
            ValidityChange.document_id,
            Document.title,
            Document.doc_number,
            ValidityChange.kind,
            ValidityChange.by_document_id,
            ValidityChange.effective_on,
            ValidityChange.recorded_at,
            IndexNumber.assigned_on,
            IndexNumber.year,
        )
        .join(Document, Document.id == ValidityChange.document_id)
        .join(IndexNumber, IndexNumber.document_id == ValidityChange.document_id)
        .where(ValidityChange.recorded_at < after_cutoff)
        .order_by(ValidityChange.id)
    )
    changes = tuple(
        ChangeRecord(
            row.document_id,
            row.title or "",
            row.doc_number or "",
            ChangeKind(row.kind),
            row.by_document_id,
            row.effective_on,
            _aware(row.recorded_at),
            _day(row.recorded_at),
            row.assigned_on,
            row.year,
        )
        for row in changed
    )
    exported = session.execute(
        select(AuditEvent.at, AuditEvent.detail)
        .where(AuditEvent.action == EXPORT_ACTION, AuditEvent.at < after_cutoff)
        .order_by(AuditEvent.id)
    )
    # detail["year"]: the year the export held, None for every year.
    exports = tuple(CatalogExport(_aware(at), _day(at), detail["year"]) for at, detail in exported)
    return Records(documents, requests, signoffs, finals, changes, exports)


def compliance_report(
    sessions: sessionmaker[Session],
    home: Path,
    period: ReportPeriod,
    required: tuple[Level, ...],
    today: date,
) -> ComplianceReport:
    """The report of ``period`` as known on ``today``, on the office's working-day calendar."""
    cutoff = cutoff_of(period, today)
    calendar = load_calendar(home / USER_FILE_NAME)
    with collector_paused():
        with sessions() as session:
            records = records_for(session, period, cutoff.day, required)
        return build_compliance(period, records, today, calendar)


def write_report(report: ComplianceReport, path: Path) -> None:
    """Write the report as .csv or .docx, by ``path``'s suffix, atomically."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".docx"):
        raise ComplianceError(f"{path.name}: write the report as .docx or .csv")
    replace_file(path, report_csv(report) if suffix == ".csv" else report_docx(report))
