"""The review desk's register side: proposals, sign-offs and the queue.

A thin shell around :mod:`engine.review` (the rules): it loads a document's
history, asks the rules whether a signature may follow, and keeps the
document's current 公开属性 in step: the latest final decision, else the proposal.
A reopen (重新审查) is a step of the same history, kept as a row beside the
signatures, so everything that replays them (the publication clock's
``final_decisions``) sees the new round. The views (the queue, a document's
review, its state) are plain data, shown by ``gongkai review`` and the web desk alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from engine.codes import Attribute, Reason
from engine.register.audit import audit
from engine.register.models import Document, Proposal, SignOff
from engine.review import (
    Action,
    Level,
    Position,
    ReviewError,
    ReviewState,
    check,
    review_state,
)
from engine.review import SignOff as Signature


class UnknownDocument(ReviewError):
    """The document to sign does not exist."""


class ProposedClassification(Protocol):
    """What the register keeps of a classifier's answer (engine.classify.Classification)."""

    attribute: Attribute
    reason: Reason | None
    basis: str | None
    confidence: float
    needs_review: bool

    def to_dict(self) -> dict[str, object]: ...


def _position(attribute: str, reason: str | None) -> Position:
    return Position(Attribute(attribute), Reason(reason) if reason else None)


def _signature(row: SignOff) -> Signature:
    return Signature(
        Level(row.level),
        row.by,
        row.at,
        Action(row.action),
        _position(row.attribute, row.reason),
        row.note,
    )


def _history(session: Session, document_id: int) -> tuple[Proposal | None, list[SignOff]]:
    """The proposal the review rests on, and the signatures in order."""
    proposals, signoffs = _histories(session, [document_id])[document_id]
    return _resting(proposals, signoffs), signoffs


# An IN list stays well under SQLite's limit of bound parameters (32766).
_IN_CHUNK = 500


def _histories(
    session: Session, document_ids: Sequence[int]
) -> dict[int, tuple[list[Proposal], list[SignOff]]]:
    """Each document's proposals and signatures, oldest first: two queries for a page."""
    found: dict[int, tuple[list[Proposal], list[SignOff]]] = {i: ([], []) for i in document_ids}
    for start in range(0, len(document_ids), _IN_CHUNK):
        chunk = document_ids[start : start + _IN_CHUNK]
        proposals = select(Proposal).where(Proposal.document_id.in_(chunk))
        for proposal in session.scalars(proposals.order_by(Proposal.id)):
            found[proposal.document_id][0].append(proposal)
        signoffs = select(SignOff).where(SignOff.document_id.in_(chunk))
        for signoff in session.scalars(signoffs.order_by(SignOff.id)):
            found[signoff.document_id][1].append(signoff)
    return found


def _resting(proposals: Sequence[Proposal], signoffs: Sequence[SignOff]) -> Proposal | None:
    """The proposal a review rests on (``proposals`` oldest first): the one that stood at
    the first signature, else the newest.

    A later re-classification is kept as history but does not move a position
    people have already signed.
    """
    if signoffs and signoffs[0].proposal_id is not None:
        wanted = signoffs[0].proposal_id
        return next((proposal for proposal in proposals if proposal.id == wanted), None)
    return proposals[-1] if proposals else None


def latest_proposal(session: Session, document_id: int) -> Proposal | None:
    """The classifier's newest proposal for a document."""
    query = select(Proposal).where(Proposal.document_id == document_id)
    return session.scalars(query.order_by(Proposal.id.desc()).limit(1)).first()


def _state(
    proposal: Proposal | None, signoffs: Sequence[SignOff], required: Sequence[Level]
) -> ReviewState:
    start = _position(proposal.attribute, proposal.reason) if proposal else None
    return review_state(start, [_signature(row) for row in signoffs], required)


def load_state(session: Session, document_id: int, required: Sequence[Level]) -> ReviewState:
    """The review state from the register's history of one document."""
    return _state(*_history(session, document_id), required)


def _apply(document: Document, state: ReviewState) -> None:
    current = state.current
    document.review_status = "final" if state.final else "pending"
    if current is None:
        return
    document.attribute = current.attribute.value
    document.reason = current.reason.value if current.reason else None
    document.attribute_source = "decision" if state.last_final else "classifier"


def record_proposal(
    session: Session,
    document: Document,
    classification: ProposedClassification,
    *,
    source: str,
    at: datetime,
    required: Sequence[Level],
) -> Proposal:
    """Keep a classifier's proposal; it becomes the document's attribute unless decided."""
    proposal = Proposal(
        document_id=document.id,
        at=at,
        attribute=classification.attribute.value,
        reason=classification.reason.value if classification.reason else None,
        basis=classification.basis,
        confidence=classification.confidence,
        needs_review=classification.needs_review,
        source=source,
        details=classification.to_dict(),
    )
    session.add(proposal)
    session.flush()
    _apply(document, load_state(session, document.id, required))
    return proposal


def sign(
    session: Session,
    document: Document,
    signature: Signature,
    required: Sequence[Level],
) -> ReviewState:
    """Record one signature if the rules allow it (else :class:`ReviewError`)."""
    proposal, earlier = _history(session, document.id)
    before = _state(proposal, earlier, required)
    check(before, signature)  # the rules' gate, before anything is written
    position = signature.position
    session.add(
        SignOff(
            document_id=document.id,
            at=signature.at,
            proposal_id=proposal.id if proposal else None,
            by=signature.by,
            level=signature.level.value,
            action=signature.action.value,
            attribute=position.attribute.value,
            reason=position.reason.value if position.reason else None,
            note=signature.note,
        )
    )
    session.flush()
    after = load_state(session, document.id, required)
    _apply(document, after)
    detail = {
        "level": signature.level.value,
        "from": before.position.label if before.position else None,
        "to": position.label,
        "note": signature.note,
        "final": after.final,
    }
    audit(
        session,
        signature.by,
        f"review.{signature.action.value}",
        document.title or f"document {document.id}",
        detail,
        document_id=document.id,
        at=signature.at,
    )
    return after


def sign_document(
    session: Session,
    document_id: int,
    *,
    by: str,
    level: Level,
    action: Action,
    required: Sequence[Level],
    position: Position | None = None,
    note: str | None = None,
    at: datetime | None = None,
) -> ReviewState:
    """Sign document ``document_id`` at ``level``: a confirmation (``position`` None)
    signs the position under review, an override sets ``position``.

    :class:`UnknownDocument` or :class:`ReviewError` when it may not be signed.
    """
    document = session.get(Document, document_id)
    if document is None:
        raise UnknownDocument(
            f"没有编号为 {document_id} 的文件 (no document with id {document_id})"
        )
    if position is None:
        position = load_state(session, document_id, required).position
        if position is None:
            raise ReviewError(
                f"文件 {document_id} 尚无意见可同意 (document {document_id} has no proposal "
                "to confirm)"
            )
    signature = Signature(level, by, at or datetime.now(UTC), action, position, note)
    return sign(session, document, signature, required)


def reopen_document(
    session: Session,
    document_id: int,
    *,
    by: str,
    why: str,
    required: Sequence[Level],
    position: Position | None = None,
    at: datetime | None = None,
) -> ReviewState:
    """重新审查: put decided document ``document_id`` before the levels again, saying ``why``.

    The new round reviews ``position`` (default: the decision in force) from the lowest
    required level up; the decision stays in force until they sign the next one. The
    reopen is recorded at that lowest level. :class:`ReviewError` unless it is final.
    """
    lowest = min(required, key=lambda level: level.rank)
    return sign_document(
        session,
        document_id,
        by=by,
        level=lowest,
        action=Action.REOPEN,
        required=required,
        position=position,
        note=why,
        at=at,
    )


def review_queue(session: Session, *, limit: int = 50) -> list[Document]:
    """Documents whose attribute awaits sign-off, those flagged for review first."""
    flagged = (
        select(Proposal.needs_review)
        .where(Proposal.document_id == Document.id)
        .order_by(Proposal.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(Document)
        .options(defer(Document.text))  # not shown; sorting the queue without it is a third faster
        .where(Document.review_status == "pending")
        .order_by(flagged.desc(), Document.ingested_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def pending_count(session: Session) -> int:
    """How many documents await sign-off (the queue shows a page of them)."""
    query = select(func.count()).where(Document.review_status == "pending")
    return session.scalar(query) or 0


# --- what the CLI and the web desk show -------------------------------------------


def position_view(position: Position | None) -> dict[str, object] | None:
    if position is None:
        return None
    return {
        "attribute": position.attribute.value,
        "reason": position.reason.value if position.reason else None,
        "label": position.label,
    }


def _reopen_view(state: ReviewState) -> dict[str, object] | None:
    reopen = state.reopened
    if reopen is None:
        return None
    return {"by": reopen.by, "at": reopen.at.isoformat(timespec="seconds"), "note": reopen.note}


def state_view(state: ReviewState) -> dict[str, object]:
    """Where a review stands: the position, who signed it at which level, what is next;
    ``reopened``: who reopened the decision for this round, when and why (else None)."""
    return {
        "position": position_view(state.position),
        "signed": [level.value for level in state.signed],
        "signed_by": [
            {
                "level": level.value,
                "by": signature.by,
                "at": signature.at.isoformat(timespec="seconds"),
                "action": signature.action.value,
            }
            for level, signature in zip(state.signed, state.signatures, strict=True)
        ],
        "required": [level.value for level in state.required],
        "next_level": state.next_level.value if state.next_level else None,
        "final": state.final,
        "current": position_view(state.current),
        "reopened": _reopen_view(state),
    }


def queue_view(
    session: Session, required: Sequence[Level], *, limit: int = 50
) -> list[dict[str, object]]:
    """The review queue as rows (``gongkai review list``): flagged documents first.

    Three queries however long the page: the documents, then their proposals and
    their signatures together, over which the rules work out each state.
    """
    documents = review_queue(session, limit=limit)
    histories = _histories(session, [document.id for document in documents])
    rows: list[dict[str, object]] = []
    for document in documents:
        proposals, signoffs = histories[document.id]
        latest = proposals[-1] if proposals else None
        state = _state(_resting(proposals, signoffs), signoffs, required)
        rows.append(
            {
                "id": document.id,
                "title": document.title,
                "doc_number": document.doc_number,
                "attribute": document.attribute,
                "reason": document.reason,
                "needs_review": latest.needs_review if latest else None,
                "confidence": latest.confidence if latest else None,
                "next_level": state.next_level,
                "position": position_view(state.position),  # under review: a reopen's
                "reopened": _reopen_view(state),
            }
        )
    return rows


def review_view(
    session: Session, document_id: int, required: Sequence[Level]
) -> dict[str, object] | None:
    """A document's review (``gongkai review show``): its state, every proposal with its
    evidence and redactions (oldest first), every signature; None if there is no such document.
    """
    document = session.get(Document, document_id)
    if document is None:
        return None
    proposals, signoffs = _histories(session, [document_id])[document_id]
    state = _state(_resting(proposals, signoffs), signoffs, required)
    return {
        "id": document_id,
        "title": document.title,
        "state": state_view(state),
        "proposals": [
            {"at": p.at.isoformat(timespec="seconds"), "source": p.source, **p.details}
            for p in proposals
        ],
        "signoffs": [
            {
                "at": s.at.isoformat(timespec="seconds"),
                "by": s.by,
                "level": s.level,
                "action": s.action,
                "action_label": Action(s.action).label,
                "attribute": s.attribute,
                "reason": s.reason,
                "note": s.note,
            }
            for s in signoffs
        ],
    }


__all__ = [
    "ReviewError",
    "UnknownDocument",
    "latest_proposal",
    "load_state",
    "position_view",
    "queue_view",
    "record_proposal",
    "reopen_document",
    "review_queue",
    "review_view",
    "sign",
    "sign_document",
    "state_view",
]
