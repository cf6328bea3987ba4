"""The review desk's register side: proposals, sign-offs and the queue.

A thin shell around :mod:`engine.review` (the rules): it loads a document's
history, asks the rules whether a signature may follow, and keeps the
document's current 公开属性 in step: the latest final decision, else the proposal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    """The proposal the review rests on, and the signatures in order.

    The review starts from the proposal that stood at the first signature: a
    later re-classification is kept as history but does not move a position
    people have already signed.
    """
    signoffs = list(
        session.scalars(
            select(SignOff).where(SignOff.document_id == document_id).order_by(SignOff.id)
        )
    )
    if signoffs and signoffs[0].proposal_id is not None:
        return session.get(Proposal, signoffs[0].proposal_id), signoffs
    return latest_proposal(session, document_id), signoffs


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
        .where(Document.review_status == "pending")
        .order_by(flagged.desc(), Document.ingested_at)
        .limit(limit)
    )
    return list(session.scalars(query))


__all__ = [
    "ReviewError",
    "latest_proposal",
    "load_state",
    "record_proposal",
    "review_queue",
    "sign",
]
