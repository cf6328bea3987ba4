"""Deciding a document's 公开属性 in tests, as the sign-off levels would."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from engine.archive import Archive
from engine.register.models import Document
from engine.review import Action, Level, Position
from engine.review import SignOff as Signature
from engine.signoff import load_state, sign

SIGNER = "李强"


def decide(
    archive: Archive,
    document_id: int,
    position: Position,
    day: date,
    signers: Mapping[Level, str] | None = None,
) -> None:
    """Decided ``position`` on ``day`` (at noon in Beijing): every required level confirms
    the document's current attribute when it is that position, else the approver overrides
    it (which counts for every level below). ``signers``: who signs at each level."""
    at = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
    required = archive.settings.signoff_levels
    with archive.sessions.begin() as session:
        document = session.get(Document, document_id)
        assert document is not None
        if load_state(session, document_id, required).current == position:
            steps = [(level, Action.CONFIRM, None) for level in required]
        else:
            steps = [(Level.APPROVER, Action.OVERRIDE, "经审查")]
        for level, action, note in steps:
            by = (signers or {}).get(level, SIGNER)
            sign(session, document, Signature(level, by, at, action, position, note), required)
