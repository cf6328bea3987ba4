"""重新审查 in the register (both backends): a decided document reopened, back in the
queue, decided again; its history replayed by the publication clock and shown by the CLI."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from engine.archive import Archive
from engine.cli import app
from engine.codes import Attribute
from engine.config import Settings
from engine.publication import FinalDecision
from engine.publication_store import final_decisions
from engine.register.models import AuditEvent, Document, SignOff
from engine.review import Action, Level, Position, ReviewError
from engine.signoff import (
    load_state,
    queue_view,
    reopen_document,
    review_queue,
    review_view,
    sign,
)
from tests.builders import build_docx
from tests.conftest import invoke_json
from tests.test_signoff import PROACTIVE, PROCESS, REQUEST, signature

WHY = "动态调整建议 3：相关事项已办结"


def on(day: int) -> datetime:
    """Noon UTC on a day of March 2026: the same day in any office's zone of China."""
    return datetime(2026, 3, day, 4, tzinfo=UTC)


def decide(archive: Archive, document_id: int, position: Position, day: int) -> None:
    """The three levels sign ``position`` on ``day`` (an override first if it is new)."""
    required = archive.settings.signoff_levels
    with archive.sessions.begin() as session:
        document = session.get(Document, document_id)
        assert document is not None
        first = Action.CONFIRM
        if load_state(session, document_id, required).position != position:
            first = Action.OVERRIDE
        for level, action in zip(Level, (first, Action.CONFIRM, Action.CONFIRM), strict=True):
            signed = replace(signature(level, action, position, "经审查"), at=on(day))
            sign(session, document, signed, required)


@pytest.fixture
def request_document(archive: Archive, tmp_path: Path) -> int:
    """A 请示, proposed 不予公开 (过程性信息) and not yet signed."""
    [outcome] = archive.ingest_files([build_docx(tmp_path / "请示.docx", REQUEST)])
    assert outcome.document_id is not None
    return outcome.document_id


def test_a_reopened_decision_goes_back_to_the_queue_and_is_decided_again(
    archive: Archive, request_document: int
) -> None:
    required = archive.settings.signoff_levels
    decide(archive, request_document, PROCESS, 2)
    with archive.sessions.begin() as session:
        state = reopen_document(
            session, request_document, by="王丽", why=WHY, required=required, at=on(9)
        )
        assert (state.position, state.current, state.signed) == (PROCESS, PROCESS, ())
        document = session.get(Document, request_document)
        assert document is not None
        # in the queue again, its attribute still the decision in force
        assert (document.review_status, document.attribute, document.reason) == (
            "pending",
            "withheld",
            "process_info",
        )
        assert document.attribute_source == "decision"
        assert [d.id for d in review_queue(session)] == [request_document]
        [row] = queue_view(session, required)
        assert row["next_level"] is Level.DRAFTER and row["position"] == {
            "attribute": "withheld",
            "reason": "process_info",
            "label": "不予公开（属于四类过程性信息）",
        }
        reopened = row["reopened"]
        assert isinstance(reopened, dict) and (reopened["by"], reopened["note"]) == ("王丽", WHY)
        assert reopened["at"].startswith("2026-03-09T04:00:00")  # SQLite keeps no zone
        with pytest.raises(ReviewError, match="still under review"):
            reopen_document(session, request_document, by="王丽", why=WHY, required=required)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "review.reopen")
        ).one()
        assert (event.actor, event.document_id, event.detail["note"]) == (
            "王丽",
            request_document,
            WHY,
        )
        assert event.detail["level"] == "drafter" and event.detail["final"] is False
    decide(archive, request_document, PROACTIVE, 16)  # the levels open it this time
    with archive.sessions() as session:
        document = session.get(Document, request_document)
        assert document is not None
        assert (document.review_status, document.attribute) == ("final", "proactive")
        view = review_view(session, request_document, required)
        assert view is not None
        actions = [(s["action"], s["action_label"]) for s in view["signoffs"]]  # type: ignore[attr-defined]
        assert actions[3] == ("reopen", "重新审查") and len(actions) == 7
        state = view["state"]
        assert state["reopened"]["note"] == WHY  # type: ignore[index]
        assert [s["by"] for s in state["signed_by"]] == ["drafter-签", "reviewer-签", "approver-签"]  # type: ignore[index]
        assert all(s["at"].startswith("2026-03-16") for s in state["signed_by"])  # type: ignore[index]
        # the publication clock replays the rows as they are: two decisions, each on its day
        assert final_decisions(session, [request_document], required)[request_document] == [
            FinalDecision(date(2026, 3, 2), Attribute.WITHHELD),
            FinalDecision(date(2026, 3, 16), Attribute.PROACTIVE),
        ]


def test_only_a_decision_is_reopened(archive: Archive, request_document: int) -> None:
    required = archive.settings.signoff_levels
    with archive.sessions.begin() as session:
        with pytest.raises(ReviewError, match="still under review"):
            reopen_document(session, request_document, by="王丽", why=WHY, required=required)
        assert session.scalars(select(SignOff)).all() == []
    decide(archive, request_document, PROCESS, 2)
    with archive.sessions.begin() as session, pytest.raises(ReviewError, match="needs a reason"):
        reopen_document(session, request_document, by="王丽", why=" ", required=required)


def test_the_review_commands_show_a_reopened_document(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    invoke_json(cli, "ingest", str(build_docx(tmp_path / "请示.docx", REQUEST)))
    [queued] = invoke_json(cli, "review", "list")  # type: ignore[misc]
    doc_id = int(queued["id"])
    for level in Level:
        invoke_json(cli, "review", "confirm", str(doc_id), "--by", level.label, "--level", level)
    assert invoke_json(cli, "review", "list") == []
    with Archive.open(sqlite_settings) as archive, archive.sessions.begin() as session:
        required = archive.settings.signoff_levels
        reopen_document(session, doc_id, by="王丽", why=WHY, position=PROACTIVE, required=required)
    [row] = invoke_json(cli, "review", "list")  # type: ignore[misc]
    assert (row["id"], row["next_level"], row["attribute"]) == (doc_id, "drafter", "withheld")
    assert row["position"]["attribute"] == "proactive" and row["reopened"]["by"] == "王丽"
    shown = cli.invoke(app, ["review", "show", str(doc_id)])
    assert shown.exit_code == 0 and "under review: 主动公开; final: 否" in shown.output
    assert f"王丽 (drafter) reopen proactive  {WHY}" in shown.output
