"""The request register's shell: the rules of engine.requests over the database.

Each operation loads the request's facts, asks the rules, and writes the step,
the request's new status and an audit event in one transaction: a step the
rules refuse writes nothing. Letters are rendered, kept under generated/ with
their checksum (each version a file of its own) and registered.

The reply clock (答复期限) is not stored: the register keeps the events, and a
request's deadline is :func:`engine.requests.deadline_of` of them, over the
office's calendar. Working it out takes ~0.1–0.2 ms, and the dashboard ranks every
open request by it on every view, so the deadlines worked out are remembered in
the process (:func:`_deadline`), keyed by everything the computation reads: the
day of receipt, the clock's events and the calendar's content (a digest of every
year's holidays, make-up days and notice, :func:`calendar_digest`). A new step
makes a new key, so nothing is ever invalidated by hand, and a key is never wrong:
the computation is a pure function of it. Editing holidays.toml changes the digest
on the next load of the desk (every web request loads it), so the clocks are worked
out again; only the standing on a day (:func:`engine.deadlines.status`: overdue,
due soon, working days left), cheap, is computed on every view, so a new day needs
nothing forgotten either.

Storing the due date in the register was the other way: it would skip reading the
events, but each writer of events (the desk, bulk imports, the bench's registers)
would have to keep it in step, and it would still go stale with the holidays file
and need keying by the calendar all the same; a process-wide memo of a pure function
has none of that to get wrong. Its cost: a process's first view of the dashboard
works every open request's clock out once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from engine.deadlines import (
    USER_FILE_NAME,
    Calendar,
    ClockEvent,
    Deadline,
    DeadlineStatus,
    EventKind,
    compute_deadline,
    load_calendar,
    status,
)
from engine.fees import FeeMethod, compute_fee
from engine.letter_store import file_letter, letter_setup, letter_view
from engine.letters import DocumentRef, Templates, request_context
from engine.office import Office
from engine.outcomes import ApplicantKind, Channel, InformationForm, Outcome
from engine.register.audit import audit
from engine.register.models import Appeal, Document, Letter, Request, RequestEvent
from engine.register.numbering import with_next_seq
from engine.report import AppealKind, AppealResult
from engine.requests import (
    STANDING_LABELS,
    AppealFacts,
    Applicant,
    Decision,
    Event,
    NewRequest,
    RequestError,
    RequestFacts,
    RequestStatus,
    Step,
    check_appeal,
    check_decision,
    check_letter,
    check_step,
    consulted_parties,
    deadline_of,
    event_summary,
    format_number,
    letter_kinds,
    letter_label,
    next_steps,
    open_consultations,
    outcome_title,
    parse_code,
    parse_count,
    parse_number,
    status_of,
)

PAGE_SIZE = 50  # requests on a page of the register
NEWEST_FIRST = (Request.received.desc(), Request.id.desc())
EVENT_FIELDS = (RequestEvent.step, RequestEvent.happened_on, RequestEvent.by, RequestEvent.detail)
CLOCK_STEPS = tuple(kind.value for kind in EventKind)  # the steps that move the reply clock
IN_CHUNK = 1000  # ids in one IN list: well under the databases' limits on bound parameters
# Deadlines remembered per process (~1.4 KB each): every open request's many times over,
# so that ranking them all never evicts the ones the next view needs.
DEADLINES_KEPT = 10_000


def _now() -> datetime:
    return datetime.now(UTC)


def facts_of(row: Request, events: Sequence[Event] | None = None) -> RequestFacts:
    """The rules' view of a register row, with its own events unless they were loaded apart."""
    if events is None:
        events = _events_of(row)
    return RequestFacts(
        row.number,
        row.received,
        Applicant(
            row.applicant_name, ApplicantKind(row.applicant_kind), row.contact, row.id_number
        ),
        Channel(row.channel),
        row.content,
        InformationForm(row.form),
        tuple(events),
        Decision.from_dict(row.decision) if row.decision else None,
    )


def calendar_digest(calendar: Calendar) -> str:
    """The calendar's content as a digest: every year's holidays, make-up days and notice.

    Two loads of the same holiday files give the same digest; any edit, another.
    """
    digest = hashlib.sha256()
    for year in calendar.arrangements:
        holidays = sorted(day.toordinal() for day in year.holidays)
        workdays = sorted(day.toordinal() for day in year.make_up_workdays)
        digest.update(f"{year.year}|{holidays}|{workdays}|{year.source}\n".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class _KeyedCalendar:
    """A calendar that compares by its digest: the deadlines worked out over one load of
    the holiday files are found again over the next load of the same files."""

    digest: str
    calendar: Calendar = field(compare=False)


@lru_cache(maxsize=DEADLINES_KEPT)
def _deadline(calendar: _KeyedCalendar, received: date, clock: tuple[ClockEvent, ...]) -> Deadline:
    """deadline_of, remembered: the same day of receipt, events and calendar, the same clock."""
    return compute_deadline(received, clock, calendar.calendar)


@dataclass
class RequestDesk:
    """Requests as the CLI and the web desk use them; ``today`` is injectable for tests."""

    sessions: sessionmaker[Session]
    home: Path
    calendar: Calendar
    today: Callable[[], date] = date.today
    _keyed: _KeyedCalendar | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def open(cls, sessions: sessionmaker[Session], home: Path) -> RequestDesk:
        return cls(sessions, home, load_calendar(home / USER_FILE_NAME))

    def deadline(self, received: date, events: Sequence[Event]) -> Deadline:
        """The reply deadline of a request received on ``received`` with these events:
        :func:`engine.requests.deadline_of`, remembered for this calendar (module docstring)."""
        if self._keyed is None or self._keyed.calendar is not self.calendar:
            # Digested once per desk, and again only if the calendar is replaced.
            self._keyed = _KeyedCalendar(calendar_digest(self.calendar), self.calendar)
        clock = tuple(step for event in events if (step := event.clock_event()) is not None)
        return _deadline(self._keyed, received, clock)

    # --- reading ---------------------------------------------------------------------

    def _load(self, session: Session, number: str) -> Request:
        parse_number(number)
        row = session.scalar(
            select(Request)
            .where(Request.number == number.strip())
            .options(selectinload(Request.events), selectinload(Request.documents))
        )
        if row is None:
            raise RequestError(f"no request {number} in the register")
        return row

    def view(
        self,
        row: Request,
        *,
        full: bool = False,
        events: Sequence[Event] | None = None,
        deadline: Deadline | None = None,
        standing: DeadlineStatus | None = None,
    ) -> dict[str, object]:
        """A request as plain data (--json); ``full`` adds events, documents and letters.

        ``events``: the request's events, when loaded apart (a list loads them all at once;
        a view that is not ``full`` needs only those that move the clock);
        ``deadline``: its clock, and ``standing``: how that stands today, when already
        worked out from them.
        """
        if deadline is None:
            deadline = self.deadline(row.received, _events_of(row) if events is None else events)
        if row.decision:
            # An answered request is not due: counting its days to today would be wasted work.
            standing = None
        elif standing is None:
            standing = status(deadline, self.today(), self.calendar)
        standing_code = standing.status.value if standing else RequestStatus.DECIDED.value
        data: dict[str, object] = {
            "number": row.number,
            "applicant": row.applicant_name,
            "applicant_kind": row.applicant_kind,
            "channel": row.channel,
            "received": row.received.isoformat(),
            "content": row.content,
            "form": row.form,
            "status": row.status,
            "status_label": RequestStatus(row.status).label,
            "applicant_kind_label": ApplicantKind(row.applicant_kind).label,
            "channel_label": Channel(row.channel).label,
            "form_label": InformationForm(row.form).label,
            "due": deadline.due.isoformat() if deadline.due else None,
            "deadline_state": deadline.state.value,
            "standing": standing_code,
            "standing_label": STANDING_LABELS[standing_code],
            "working_days_left": standing.working_days_left if standing else None,
            "extended": deadline.extension is not None,
            "warnings": [warning.message for warning in deadline.warnings],
            "outcome": row.outcome,
            "outcome_title": outcome_title(Outcome(row.outcome)) if row.outcome else None,
            "decided_on": row.decided_on.isoformat() if row.decided_on else None,
            "on_time": _on_time(row, deadline),
        }
        if full:
            facts = facts_of(row, events)
            data.update(
                contact=row.contact,
                id_number=row.id_number,
                items=row.items,
                topic=row.topic,
                decision=row.decision,
                receipt_rule=Channel(row.channel).receipt_rule,
                explanation=list(deadline.explanation),
                events=[
                    {
                        "step": event.step,
                        "label": Step(event.step).label,
                        "on": event.happened_on.isoformat(),
                        "by": event.by,
                        "recorded_at": event.at.isoformat(timespec="seconds"),
                        "detail": event.detail,
                        "summary": event_summary(Step(event.step), event.detail),
                    }
                    for event in row.events
                ],
                documents=[
                    {"id": doc.id, "title": doc.title, "doc_number": doc.doc_number}
                    for doc in row.documents
                ],
                letters=[_letter(letter, row.number) for letter in row.letters],
                appeals=[
                    {
                        "kind": case.kind,
                        "kind_label": AppealKind(case.kind).label,
                        "filed": case.filed.isoformat(),
                        "result": case.result,
                        "result_label": AppealResult(case.result).label if case.result else None,
                        "closed": case.closed.isoformat() if case.closed else None,
                        "note": case.note,
                    }
                    for case in row.appeals
                ],
                next_steps=[step.value for step in next_steps(facts)],
                letter_kinds=[
                    {"kind": kind, "label": letter_label(kind)} for kind in letter_kinds(facts)
                ],
                open_consultations=list(open_consultations(facts)),
                consulted_parties=list(consulted_parties(facts)),
            )
        return data

    def show(self, number: str) -> dict[str, object]:
        with self.sessions() as session:
            return self.view(self._load(session, number), full=True)

    def list(
        self,
        *,
        due_within: int | None = None,
        overdue: bool = False,
        status_filter: str | None = None,
        year: int | None = None,
        limit: int = 200,
    ) -> list[dict[str, object]]:
        """Requests, the dashboard's way: ``due_within`` N working days and/or ``overdue``.

        With either, only open requests, the most urgent first; otherwise newest first.
        """
        query = _filtered(status_filter, year)
        if due_within is not None or overdue:
            return self._urgent(query, due_within, overdue)[:limit]
        with self.sessions() as session:
            return self._views(session, query.order_by(*NEWEST_FIRST).limit(limit))

    def dashboard(self, due_within: int) -> dict[str, list[dict[str, object]]]:
        """What is due, most urgent first: the ``overdue`` requests and those ``due_soon``,
        within ``due_within`` working days (one pass over the open requests for both)."""
        urgent = self._urgent(select(Request), due_within, overdue=True)
        return {
            "overdue": [view for view in urgent if view["standing"] == "overdue"],
            "due_soon": [view for view in urgent if view["standing"] != "overdue"],
        }

    def list_page(
        self,
        *,
        status_filter: str | None = None,
        year: int | None = None,
        page: int = 1,
        size: int = PAGE_SIZE,
    ) -> dict[str, object]:
        """One page of the register, newest first (a page past the last shows the last):
        its ``rows``, the ``page``, the number of ``pages`` and the ``total`` that match."""
        query = _filtered(status_filter, year)
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            pages = max(1, -(-total // size))
            shown = min(max(page, 1), pages)
            rows = query.order_by(*NEWEST_FIRST).limit(size).offset((shown - 1) * size)
            views = self._views(session, rows)
        return {"rows": views, "page": shown, "pages": pages, "total": total}

    def _views(self, session: Session, query: Select[tuple[Request]]) -> list[dict[str, object]]:
        """The rows of ``query`` as views, their events read as plain rows alongside."""
        rows, events = self._with_clock_events(session, query)
        return [self.view(row, events=events[row.id]) for row in rows]

    @staticmethod
    def _with_clock_events(
        session: Session, query: Select[tuple[Request]]
    ) -> tuple[Sequence[Request], dict[int, list[Event]]]:
        """The rows of ``query`` and the events of each that move its clock, read as plain
        rows in bulk: all a list's views need of the events.

        ORM objects for every event of every open request were most of the dashboard's
        allocations, and so of the garbage collections that stalled it.
        """
        rows = session.scalars(query).all()
        events: dict[int, list[Event]] = {row.id: [] for row in rows}
        ids = list(events)
        for start in range(0, len(ids), IN_CHUNK):
            loaded = (
                select(RequestEvent.request_id, *EVENT_FIELDS)
                .where(
                    RequestEvent.request_id.in_(ids[start : start + IN_CHUNK]),
                    RequestEvent.step.in_(CLOCK_STEPS),
                )
                .order_by(RequestEvent.id)
            )
            for request_id, *event in session.execute(loaded):
                events[request_id].append(_event(*event))
        return rows, events

    def _urgent(
        self, query: Select[tuple[Request]], due_within: int | None, overdue: bool
    ) -> list[dict[str, object]]:
        """The open requests of ``query`` that are overdue or due soon, the earliest due first."""
        # Urgency is computed, not stored: every open request is ranked by its clock (each
        # worked out once, see the module docstring), and only the urgent few become views.
        open_requests = query.where(Request.decided_on.is_(None)).order_by(*NEWEST_FIRST)
        today = self.today()
        with self.sessions() as session:
            rows, events = self._with_clock_events(session, open_requests)
            urgent = []
            for row in rows:
                deadline = self.deadline(row.received, events[row.id])
                standing = status(deadline, today, self.calendar)
                if _is_urgent(
                    standing.status.value, standing.working_days_left, due_within, overdue
                ):
                    urgent.append(self.view(row, deadline=deadline, standing=standing))
        urgent.sort(key=lambda view: (view["due"] is None, view["due"] or ""))
        return urgent

    def filed_letter(self, letter_id: int) -> dict[str, object] | None:
        """A request's filed letter as plain data, with its request's number; None if none."""
        with self.sessions() as session:
            letter = session.get(Letter, letter_id)
            if letter is None or letter.request is None:
                return None
            return _letter(letter, letter.request.number)

    # --- writing ---------------------------------------------------------------------

    def add(self, new: NewRequest, by: str) -> dict[str, object]:
        """Register a request under the next number of its year of receipt."""

        def register(session: Session, seq: int) -> dict[str, object]:
            row = _request_row(new, new.received.year, seq, by)
            row.events.append(_event_row(Event(Step.REGISTERED, new.received, by)))
            session.add(row)
            audit(session, by, "request.add", row.number, {"received": str(new.received)})
            session.flush()
            return self.view(row)

        busy = RequestError("could not allocate a request number: the register is busy, try again")
        return with_next_seq(
            self.sessions, Request.seq, Request.year, new.received.year, register, busy
        )

    def record(self, number: str, event: Event) -> dict[str, object]:
        """Add a step (补正, 延期, 征求意见, 缴费 …) after the rules allow it."""
        with self.sessions.begin() as session:
            row = self._load(session, number)
            facts = facts_of(row)
            check_step(facts, event, self.today(), self.calendar)
            row.events.append(_event_row(event))
            self._restatus(row)
            audit(session, event.by, f"request.{event.step.value}", number, dict(event.detail))
            session.flush()
            return self.view(row)

    def fee_notice(
        self,
        number: str,
        method: FeeMethod | str,
        *,
        sent: date,
        by: str,
        pages: int | str | None = None,
    ) -> dict[str, object]:
        """收费通知: compute the fee (per item from the applicant's month, or per volume).

        ``method`` and ``pages`` may be given as typed in a form.
        """
        problems: list[str] = []
        chosen = parse_code(FeeMethod, method, "fee method", problems)
        if chosen is None:
            raise RequestError(f"请选择计收方式 ({problems[0]})")
        pages = parse_count(pages, "页数")
        with self.sessions() as session:
            row = self._load(session, number)
            if chosen is FeeMethod.PER_ITEM:
                if pages is not None:
                    raise RequestError("按件计收 counts items, not pages: leave out --pages")
                before = _items_before(session, row)
                computation = compute_fee(chosen, items_before=before, items_now=row.items)
            else:
                if pages is None or pages < 1:
                    raise RequestError("按量计收 needs the number of pages, at least 1 (--pages)")
                computation = compute_fee(chosen, pages=pages)
        if computation.amount_due == 0:
            raise RequestError(f"the fee is 0 ({computation.describe()}): no fee notice to send")
        return self.record(number, Event(Step.FEE_NOTICE_SENT, sent, by, computation.to_dict()))

    def link(self, number: str, document_ids: Sequence[int], by: str) -> dict[str, object]:
        """Link documents of the archive found for the request (检索结果)."""
        with self.sessions.begin() as session:
            row = self._load(session, number)
            documents = _documents(session, document_ids)
            known = {document.id for document in row.documents}
            row.documents.extend(d for d in documents if d.id not in known)
            audit(session, by, "request.link", number, {"documents": list(document_ids)})
            session.flush()
            return self.view(row, full=True)

    def decide(self, number: str, decision: Decision) -> dict[str, object]:
        """作出答复决定: the outcome closes the request; refused if the rules say no."""
        with self.sessions.begin() as session:
            row = self._load(session, number)
            check_decision(facts_of(row), decision, self.today(), self.calendar)
            documents = _documents(session, decision.document_ids)
            known = {document.id for document in row.documents}
            row.documents.extend(d for d in documents if d.id not in known)
            row.decision = decision.to_dict()
            row.outcome = decision.outcome.value
            row.decided_on = decision.decided_on
            row.events.append(
                _event_row(
                    Event(Step.DECIDED, decision.decided_on, decision.by, {"outcome": row.outcome})
                )
            )
            self._restatus(row)
            audit(session, decision.by, "request.decide", number, {"outcome": row.outcome})
            session.flush()
            return self.view(row, full=True)

    def appeal(
        self, number: str, appeal: AppealFacts, by: str, note: str = ""
    ) -> dict[str, object]:
        """Record a 行政复议 or 行政诉讼 case, or its result (same kind, same day filed)."""
        with self.sessions.begin() as session:
            row = self._load(session, number)
            check_appeal(facts_of(row), appeal, self.today())
            same = [
                case
                for case in row.appeals
                if case.kind == appeal.kind.value and case.filed == appeal.filed
            ]
            case = same[0] if same else Appeal(kind=appeal.kind.value, filed=appeal.filed)
            if not same:
                row.appeals.append(case)
            case.result = appeal.result.value if appeal.result else None
            case.closed = appeal.closed
            case.note = note or case.note or ""
            detail = {"kind": case.kind, "filed": str(case.filed), "result": case.result}
            audit(session, by, "request.appeal", number, detail)
            session.flush()
            return self.view(row, full=True)

    def letter(
        self,
        number: str,
        kind: str,
        *,
        by: str,
        office: Office | None = None,
        templates: Templates | None = None,
        letter_date: date | None = None,
        party: str = "",
    ) -> Letter:
        """Render the reply or a notice, keep it under generated/ and register it.

        A letter printed again is a new version with the same 文号; earlier versions stay.
        """
        office, templates = letter_setup(self.home, office, templates)
        day = letter_date or self.today()
        with self.sessions.begin() as session:
            row = self._load(session, number)
            facts = facts_of(row)
            template = check_letter(facts, kind)
            documents = [
                DocumentRef(doc.title or "", doc.doc_number or "", doc.issue_date)
                for doc in row.documents
            ]
            context = request_context(facts, template, self.calendar, documents, party)
            letter_kind = kind if kind == "reply" else f"{kind}:{party}" if party else kind
            letter = file_letter(
                session,
                self.home,
                row,
                kind=letter_kind,
                template=template,
                body=context,
                office=office,
                templates=templates,
                day=day,
                by=by,
            )
            row.events.append(
                _event_row(
                    Event(Step.LETTER, day, by, {"kind": letter_kind, "version": letter.version})
                )
            )
            audit(session, by, "request.letter", number, {"path": letter.path})
            return letter

    def _restatus(self, row: Request) -> None:
        facts = facts_of(row)
        row.status = status_of(facts, deadline_of(facts, self.calendar)).value


def _letter(letter: Letter, number: str) -> dict[str, object]:
    """A request's letter as plain data: what it is, and the name it is downloaded under."""
    label = letter_label(letter.kind)
    return {
        **letter_view(letter),
        "number": number,
        "label": label,
        "file_name": f"{number}-{label}-v{letter.version}.docx",
    }


def _event(step: str, on: date, by: str, detail: dict[str, object]) -> Event:
    return Event(Step(step), on, by, detail)


def _events_of(row: Request) -> list[Event]:
    return [_event(event.step, event.happened_on, event.by, event.detail) for event in row.events]


def _filtered(status_filter: str | None, year: int | None) -> Select[tuple[Request]]:
    """The requests of ``year`` with the status ``status_filter`` (as typed; None: any)."""
    query = select(Request)
    if status_filter:
        problems: list[str] = []
        wanted = parse_code(RequestStatus, status_filter, "status", problems)
        if wanted is None:
            raise RequestError(f"请选择办理状态 ({problems[0]})")
        query = query.where(Request.status == wanted.value)
    if year:
        query = query.where(Request.year == year)
    return query


def _on_time(row: Request, deadline: Deadline) -> bool | None:
    if row.decided_on is None or deadline.due is None:
        return None
    return row.decided_on <= deadline.due


def _is_urgent(standing: str, left: int | None, due_within: int | None, overdue: bool) -> bool:
    if overdue and standing == "overdue":
        return True
    return (
        due_within is not None
        and standing != "overdue"
        and isinstance(left, int)
        and left <= due_within
    )


def _request_row(new: NewRequest, year: int, seq: int, by: str) -> Request:
    return Request(
        number=format_number(year, seq),
        year=year,
        seq=seq,
        applicant_name=new.applicant.name,
        applicant_kind=new.applicant.kind.value,
        contact=new.applicant.contact,
        id_number=new.applicant.id_number,
        channel=new.channel.value,
        received=new.received,
        content=new.content,
        form=new.form.value,
        items=new.items,
        topic=new.topic,
        status=RequestStatus.OPEN.value,
        registered_at=_now(),
        registered_by=by,
    )


def _event_row(event: Event) -> RequestEvent:
    return RequestEvent(
        step=event.step.value,
        happened_on=event.on,
        at=_now(),
        by=event.by,
        detail=dict(event.detail),
    )


def _documents(session: Session, ids: Sequence[int]) -> list[Document]:
    if not ids:
        return []
    found = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise RequestError(f"no document {', '.join(missing)} in the archive")
    return [found[i] for i in ids]


def _items_before(session: Session, row: Request) -> int:
    """The applicant's items earlier in the month of receipt (办法第四条: per calendar month)."""
    first = row.received.replace(day=1)
    same = select(func.coalesce(func.sum(Request.items), 0)).where(
        Request.applicant_name == row.applicant_name,
        Request.id_number == row.id_number,
        Request.received >= first,
        or_(
            Request.received < row.received,
            and_(Request.received == row.received, Request.id < row.id),
        ),
    )
    return int(session.scalar(same) or 0)
