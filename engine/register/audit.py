"""The audit log: who did what to what, and when (also the search index's change log)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time

from sqlalchemy import or_, select
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


def audit_trail(
    session: Session,
    *,
    document_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: date | None = None,
    limit: int = 200,
) -> list[dict[str, object]]:
    """The audit log as ``gongkai audit`` and the desk's 管理 page show it, newest first.

    ``action`` matches itself and its sub-actions (``view`` matches ``view.text``
    and ``view.download``); ``since``: from the start of that day where the office
    is (the server's local time).
    """
    query = select(AuditEvent)
    if document_id is not None:
        query = query.where(AuditEvent.document_id == document_id)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(
            or_(AuditEvent.action == action, AuditEvent.action.startswith(f"{action}."))
        )
    if since is not None:
        query = query.where(AuditEvent.at >= datetime.combine(since, time()).astimezone(UTC))
    query = query.order_by(AuditEvent.id.desc()).limit(limit)
    return [_event_view(event) for event in session.scalars(query)]


def _event_view(event: AuditEvent) -> dict[str, object]:
    return {
        "id": event.id,
        "at": event.at.isoformat(timespec="seconds"),
        "actor": event.actor,
        "action": event.action,
        "document_id": event.document_id,
        "subject": event.subject,
        "detail": event.detail,
    }
