"""The correction register's shell: the rules of engine.corrections over the database.

Each operation loads the correction's facts, asks the rules, and writes the
change and its audit events in one transaction: a step the rules refuse writes
nothing. An erratum's two documents stay in the archive as they are — the
correction only links them, and each document's history records the link.
Letters are rendered, kept under generated/corrections/ with their checksum
(each version a file of its own) and registered; their 文号 share the year's
numbering with the request letters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from engine.corrections import (
    CorrectionDecision,
    CorrectionError,
    CorrectionFacts,
    CorrectionKind,
    CorrectionOutcome,
    CorrectionStatus,
    ErratumItem,
    NewCorrection,
    check_decision,
    check_letter,
    correction_context,
    format_number,
    parse_number,
    status_of,
)
from engine.letter_store import file_letter, letter_setup, letter_view
from engine.letters import DocumentRef, Templates
from engine.office import Office
from engine.outcomes import ApplicantKind
from engine.register.audit import audit
from engine.register.models import AuditEvent, Correction, Document, Letter
from engine.register.numbering import with_next_seq
from engine.requests import Applicant


def facts_of(row: Correction) -> CorrectionFacts:
    """The rules' view of a register row (the kind's own facts are in ``details``)."""
    details = row.details or {}
    errors = details.get("errors") or []
    assert isinstance(errors, list)
    published = details.get("published")
    applicant = None
    if row.applicant_kind:
        applicant = Applicant(row.applicant_name, ApplicantKind(row.applicant_kind), row.contact)
    entry = NewCorrection(
        CorrectionKind(row.kind),
        row.received,
        row.content,
        applicant,
        str(details.get("subject") or ""),
        str(details.get("facts") or ""),
        row.document_id,
        row.corrected_document_id,
        tuple(ErratumItem.from_dict(item) for item in errors),
        date.fromisoformat(str(published)) if published else None,
    )
    decision = CorrectionDecision.from_dict(row.decision) if row.decision else None
    return CorrectionFacts(row.number, entry, decision)


@dataclass
class CorrectionDesk:
    """Corrections as the CLI and the web desk use them; ``today`` is injectable for tests."""

    sessions: sessionmaker[Session]
    home: Path
    today: Callable[[], date] = date.today

    # --- reading ---------------------------------------------------------------------

    def _load(self, session: Session, number: str) -> Correction:
        canonical = format_number(*parse_number(number))
        row = session.scalar(
            select(Correction)
            .where(Correction.number == canonical)
            .options(selectinload(Correction.letters))
        )
        if row is None:
            raise CorrectionError(
                f"没有更正 {canonical} (no correction {canonical} in the register)"
            )
        return row

    def view(self, session: Session, row: Correction, *, full: bool = False) -> dict[str, object]:
        """A correction as plain data (--json); ``full`` adds its decision, letters, history."""
        facts = facts_of(row)
        entry = facts.entry
        status = status_of(facts, len(row.letters))
        documents = _documents(session, [row.document_id, row.corrected_document_id])
        data: dict[str, object] = {
            "number": row.number,
            "kind": entry.kind.value,
            "kind_label": entry.kind.label,
            "status": status.value,
            "status_label": status.label,
            "received": entry.received.isoformat(),
            "applicant": row.applicant_name,
            "applicant_kind": row.applicant_kind,
            "contact": row.contact,
            "content": entry.content,
            "subject": entry.subject,
            "facts": entry.facts,
            "errors": [item.to_dict() for item in entry.errors],
            "published": entry.published.isoformat() if entry.published else None,
            "document": _document_view(documents.get(row.document_id)),
            "corrected_document": _document_view(documents.get(row.corrected_document_id)),
            "about": _about(entry, documents.get(row.document_id)),
            "outcome": row.outcome,
            "outcome_label": CorrectionOutcome(row.outcome).label if row.outcome else None,
            "decided_on": row.decided_on.isoformat() if row.decided_on else None,
        }
        if full:
            history = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.subject == row.number, AuditEvent.action.like("correction.%"))
                .order_by(AuditEvent.at, AuditEvent.id)
            )
            data.update(
                basis=entry.kind.basis,
                decision=row.decision,
                letters=[letter_view(letter) for letter in row.letters],
                events=[
                    {
                        "action": event.action,
                        "at": event.at.isoformat(timespec="seconds"),
                        "by": event.actor,
                        "document_id": event.document_id,
                        "detail": event.detail,
                    }
                    for event in history
                ],
            )
        return data

    def show(self, number: str) -> dict[str, object]:
        with self.sessions() as session:
            return self.view(session, self._load(session, number), full=True)

    def list(
        self,
        *,
        kind: CorrectionKind | None = None,
        status: CorrectionStatus | None = None,
        year: int | None = None,
        limit: int = 200,
    ) -> list[dict[str, object]]:
        """Corrections, newest first; ``status`` is derived, so it filters after loading."""
        query = select(Correction).options(selectinload(Correction.letters))
        if kind:
            query = query.where(Correction.kind == kind.value)
        if year:
            query = query.where(Correction.year == year)
        query = query.order_by(Correction.received.desc(), Correction.id.desc())
        with self.sessions() as session:
            views = [self.view(session, row) for row in session.scalars(query)]
        if status:
            views = [view for view in views if view["status"] == status.value]
        return views[:limit]

    # --- writing ---------------------------------------------------------------------

    def add(self, new: NewCorrection, by: str) -> dict[str, object]:
        """Register a correction under the next number of its year."""

        def register(session: Session, seq: int) -> dict[str, object]:
            _check_documents(session, new)
            row = _correction_row(new, new.received.year, seq, by)
            session.add(row)
            kind = {"kind": new.kind.value}
            audit(session, by, "correction.add", row.number, kind, document_id=new.document_id)
            if new.corrected_document_id is not None:
                # the corrected version's own history names the original it replaces
                link = {"original": new.document_id}
                action = "correction.corrected_version"
                audit(session, by, action, row.number, link, document_id=new.corrected_document_id)
            session.flush()
            return self.view(session, row, full=True)

        busy = CorrectionError(
            "could not allocate a correction number: the register is busy, try again"
        )
        return with_next_seq(
            self.sessions, Correction.seq, Correction.year, new.received.year, register, busy
        )

    def decide(self, number: str, decision: CorrectionDecision) -> dict[str, object]:
        """更正申请的答复决定; refused if the rules say no."""
        with self.sessions.begin() as session:
            row = self._load(session, number)
            check_decision(facts_of(row), decision, self.today())
            row.decision = decision.to_dict()
            row.outcome = decision.outcome.value
            row.decided_on = decision.decided_on
            audit(session, decision.by, "correction.decide", row.number, {"outcome": row.outcome})
            session.flush()
            return self.view(session, row, full=True)

    def letter(
        self,
        number: str,
        *,
        by: str,
        office: Office | None = None,
        templates: Templates | None = None,
        letter_date: date | None = None,
    ) -> Letter:
        """Render the correction's letter, keep it under generated/ and register it.

        A letter printed again is a new version with the same 文号; earlier versions stay.
        """
        office, templates = letter_setup(self.home, office, templates)
        day = letter_date or self.today()
        with self.sessions.begin() as session:
            row = self._load(session, number)
            facts = facts_of(row)
            template = check_letter(facts, day)
            original, corrected = _letter_documents(session, facts)
            body = correction_context(facts, original, corrected)
            letter = file_letter(
                session,
                self.home,
                row,
                kind=Path(template).stem,  # record.corrected, clarification, erratum
                template=template,
                body=body,
                office=office,
                templates=templates,
                day=day,
                by=by,
            )
            detail = {"path": letter.path, "letter_number": letter.letter_number}
            audit(session, by, "correction.letter", row.number, detail)
            return letter


def _correction_row(new: NewCorrection, year: int, seq: int, by: str) -> Correction:
    details: dict[str, object] = {}
    if new.kind is CorrectionKind.CLARIFICATION:
        details = {"subject": new.subject, "facts": new.facts}
    elif new.kind is CorrectionKind.ERRATUM:
        details = {"errors": [item.to_dict() for item in new.errors]}
        if new.published:
            details["published"] = new.published.isoformat()
    applicant = new.applicant
    return Correction(
        number=format_number(year, seq),
        year=year,
        seq=seq,
        kind=new.kind.value,
        received=new.received,
        applicant_name=applicant.name if applicant else "",
        applicant_kind=applicant.kind.value if applicant else None,
        contact=applicant.contact if applicant else "",
        content=new.content,
        document_id=new.document_id,
        corrected_document_id=new.corrected_document_id,
        details=details,
        registered_at=datetime.now(UTC),
        registered_by=by,
    )


def _documents(session: Session, ids: Iterable[int | None]) -> dict[int, Document]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    query = select(Document).where(Document.id.in_(wanted)).options(selectinload(Document.sources))
    return {document.id: document for document in session.scalars(query)}


def _title(document: Document) -> str:
    """The title a letter names: the 标题 read from it, else the name it was filed under."""
    if document.title:
        return document.title
    return Path(document.sources[0].file_name).stem if document.sources else f"{document.id}"


def _about(entry: NewCorrection, original: Document | None) -> str:
    """What a correction is about, in a line: the document, the information or the record."""
    if original is not None:
        return f"《{_title(original)}》"
    return entry.content or entry.subject


def _document_view(document: Document | None) -> dict[str, object] | None:
    if document is None:
        return None
    return {
        "id": document.id,
        "title": _title(document),
        "doc_number": document.doc_number,
        "issue_date": document.issue_date.isoformat() if document.issue_date else None,
    }


def _check_documents(session: Session, new: NewCorrection) -> None:
    """An erratum's documents are in the archive, and the original's publication day known."""
    if new.kind is not CorrectionKind.ERRATUM:
        return
    found = _documents(session, [new.document_id, new.corrected_document_id])
    missing = [
        (flag, i)
        for flag, i in (
            ("--document", new.document_id),
            ("--corrected-document", new.corrected_document_id),
        )
        if i not in found
    ]
    if missing:
        english = f"not in the archive: {', '.join(f'{flag} {i}' for flag, i in missing)}"
        raise CorrectionError(
            f"档案中没有这份文件 ({english} (gongkai list))",
            {flag[2:].replace("-", "_"): f"档案中没有编号为 {i} 的文件" for flag, i in missing},
        )
    assert new.document_id is not None
    original = found[new.document_id]
    if new.published is None and original.issue_date is None:
        raise CorrectionError.of(
            [
                (
                    "published",
                    f"文件 {original.id} 没有成文日期，请填写它的公开日期 (document "
                    f"{original.id} has no 成文日期 in the register: give the day it was "
                    "published (--published YYYY-MM-DD), which the 勘误说明 names)",
                )
            ]
        )


def _letter_documents(
    session: Session, facts: CorrectionFacts
) -> tuple[DocumentRef | None, DocumentRef | None]:
    """An erratum's original (dated the day it was published) and its corrected version."""
    entry = facts.entry
    if entry.kind is not CorrectionKind.ERRATUM:
        return None, None
    found = _documents(session, [entry.document_id, entry.corrected_document_id])
    assert entry.document_id is not None and entry.corrected_document_id is not None
    original, corrected = found[entry.document_id], found[entry.corrected_document_id]
    return (
        DocumentRef(
            _title(original), original.doc_number or "", entry.published or original.issue_date
        ),
        DocumentRef(_title(corrected), corrected.doc_number or "", corrected.issue_date),
    )
