"""The audit log: who did what to what, and when (also the search index's change log)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from engine.register.models import AuditEvent


def audit(
    session: Session,
    actor: str,
    action: str,
    subject: str,
    detail: Mapping[str, object],
    *,
    document_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Add who did what to what (``subject``: a file name, a request number …), and when.

    ``document_id`` puts the event into that document's history and makes the
    search index re-read the document (the audit log is its change log).
    """
    session.add(
        AuditEvent(
            at=at or datetime.now(UTC),
            actor=actor,
            action=action,
            document_id=document_id,
            subject=subject,
            detail=dict(detail),
        )
    )
