"""Proposals and sign-offs kept in the register (both backends), and the review CLI."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from typer.testing import CliRunner

from engine.archive import Archive
from engine.cli import app
from engine.codes import Attribute, Reason
from engine.config import Settings
from engine.register.models import AuditEvent, Document, Proposal
from engine.review import Action, Level, Position, ReviewError
from engine.review import SignOff as Signature
from engine.signoff import (
    latest_proposal,
    load_state,
    queue_view,
    record_proposal,
    review_queue,
    sign,
)
from tests.builders import build_docx
from tests.conftest import invoke_json

REQUEST = [
    "澄江区住房和城乡建设局文件",
    "澄住建〔2022〕47号",
    "关于追加2022年度老旧城区排水管网改造资金的请示",
    "区人民政府：",
    "今年以来我区积水点增多，拟追加改造资金，请予审批。",
    "以上意见当否，请批示。",
    "2022年6月8日",
]
PROCESS = Position(Attribute.WITHHELD, Reason.PROCESS_INFO)
PROACTIVE = Position(Attribute.PROACTIVE)


def at(minute: int) -> datetime:
    return datetime(2026, 11, 23, 10, minute, tzinfo=UTC)


def signature(level: Level, action: Action = Action.CONFIRM, position: Position = PROCESS,
              note: str | None = None, minute: int = 0) -> Signature:  # fmt: skip
    return Signature(level, f"{level.value}-签", at(minute), action, position, note)


@pytest.fixture
def request_document(archive: Archive, tmp_path: Path) -> int:
    [outcome] = archive.ingest_files([build_docx(tmp_path / "请示.docx", REQUEST)])
    assert outcome.document_id is not None
    return outcome.document_id


def test_a_filed_request_for_instructions_is_proposed_withheld_and_queued(
    archive: Archive, request_document: int
) -> None:
    with archive.sessions() as session:
        document = session.get(Document, request_document)
        assert document is not None
        assert (document.attribute, document.reason) == ("withheld", "process_info")
        assert document.review_status == "pending"
        proposal = session.scalars(select(Proposal)).one()
        assert proposal.basis == "《中华人民共和国政府信息公开条例》第十六条第二款"
        assert any(e["text"] == "请示" for e in proposal.details["evidence"])  # type: ignore[index, union-attr]
        assert [d.id for d in review_queue(session)] == [request_document]


def test_three_signatures_make_it_final_and_history_is_kept(
    archive: Archive, request_document: int
) -> None:
    required = archive.settings.signoff_levels
    with archive.sessions.begin() as session:
        document = session.get(Document, request_document)
        assert document is not None
        sign(session, document, signature(Level.DRAFTER, minute=1), required)
        sign(
            session,
            document,
            signature(Level.REVIEWER, Action.OVERRIDE, PROACTIVE, "已办结，可公开", minute=2),
            required,
        )
        with pytest.raises(ReviewError, match="use override"):
            sign(session, document, signature(Level.APPROVER, minute=3), required)
        state = sign(
            session, document, signature(Level.APPROVER, position=PROACTIVE, minute=4), required
        )
        assert state.final
    with archive.sessions() as session:
        document = session.get(Document, request_document)
        assert document is not None
        assert (document.attribute, document.reason) == ("proactive", None)
        assert (document.attribute_source, document.review_status) == ("decision", "final")
        assert review_queue(session) == []
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("review.%")).order_by(AuditEvent.id)
        ).all()
        assert [(e.actor, e.action, e.detail["to"]) for e in events] == [
            ("drafter-签", "review.confirm", "不予公开（属于四类过程性信息）"),
            ("reviewer-签", "review.override", "主动公开"),
            ("approver-签", "review.confirm", "主动公开"),
        ]
        assert events[1].detail["from"] == "不予公开（属于四类过程性信息）"


def test_a_later_proposal_does_not_move_a_signed_position(
    archive: Archive, request_document: int
) -> None:
    required = archive.settings.signoff_levels
    with archive.sessions.begin() as session:
        document = session.get(Document, request_document)
        assert document is not None
        sign(session, document, signature(Level.DRAFTER, minute=1), required)
        later = session.scalars(select(Proposal)).one()

        class Reclassified:
            attribute, reason, basis = Attribute.PROACTIVE, None, "第二十条"
            confidence, needs_review = 0.9, False

            def to_dict(self) -> dict[str, object]:
                return {"attribute": "proactive"}

        record_proposal(
            session, document, Reclassified(), source="rules", at=at(5), required=required
        )
        state = load_state(session, document.id, required)
        assert state.position == PROCESS and state.signed == (Level.DRAFTER,)
        assert later.id != max(p.id for p in session.scalars(select(Proposal)))


def test_classify_a_file_prints_the_contract(cli: CliRunner, tmp_path: Path) -> None:
    data = invoke_json(cli, "classify", str(build_docx(tmp_path / "请示.docx", REQUEST)))
    assert isinstance(data, dict)
    for key in ("attribute", "attribute_label", "reason", "reason_label", "basis", "confidence",
                "needs_review", "evidence", "redactions", "metadata"):  # fmt: skip
        assert key in data
    assert (data["attribute"], data["reason"]) == ("withheld", "process_info")
    assert data["metadata"]["doc_number"] == "澄住建〔2022〕47号"


def test_review_commands_end_to_end(cli: CliRunner, tmp_path: Path) -> None:
    docx = build_docx(tmp_path / "请示.docx", REQUEST)
    invoke_json(cli, "ingest", str(docx))
    [queued] = invoke_json(cli, "review", "list")  # type: ignore[misc]
    doc_id = str(queued["id"])
    invoke_json(cli, "review", "confirm", doc_id, "--by", "承办人", "--level", "drafter")
    early = cli.invoke(app, ["review", "confirm", doc_id, "--by", "主任", "--level", "approver"])
    assert early.exit_code == 1 and "signs before" in early.stderr
    missing = cli.invoke(
        app, ["review", "override", doc_id, "--by", "科长", "--level", "reviewer",
              "--attribute", "withheld", "--note", "无理由"],
    )  # fmt: skip
    assert missing.exit_code == 1 and "must state its reason" in missing.stderr
    invoke_json(cli, "review", "override", doc_id, "--by", "科长", "--level", "reviewer",
                "--attribute", "withheld", "--reason", "internal_affairs",
                "--note", "内部流程")  # fmt: skip
    final = invoke_json(cli, "review", "confirm", doc_id, "--by", "主任", "--level", "approver")
    assert final["final"] is True  # type: ignore[index]
    shown = invoke_json(cli, "review", "show", doc_id)
    assert [s["by"] for s in shown["signoffs"]] == ["承办人", "科长", "主任"]  # type: ignore[index]
    assert shown["state"]["current"]["reason"] == "internal_affairs"  # type: ignore[index]
    assert invoke_json(cli, "review", "list") == []


def test_training_needs_enough_decisions_then_reports_its_accuracy(
    cli: CliRunner, sqlite_settings: Settings, corpus: Path
) -> None:
    too_few = cli.invoke(app, ["classify", "--train"])
    assert too_few.exit_code == 1 and "rules work alone" in too_few.stderr

    labels = {row["file"]: row for row in csv.DictReader((corpus / "dev" / "labels.csv").open())}
    with Archive.open(sqlite_settings) as archive:
        outcomes = archive.ingest_files(sorted((corpus / "dev" / "docs").glob("*.txt")))
        required = archive.settings.signoff_levels
        with archive.sessions.begin() as session:
            for outcome in outcomes:
                document = session.get(Document, outcome.document_id)
                assert document is not None
                label = labels[outcome.file_name]
                truth = Position(
                    Attribute.from_label(label["attribute"]),
                    Reason(label["reason"]) if label["reason"] else None,
                )
                state = load_state(session, document.id, required)
                first = (
                    signature(Level.DRAFTER, position=truth)
                    if state.position == truth
                    else signature(Level.DRAFTER, Action.OVERRIDE, truth, "按标注")
                )
                for step in (first, signature(Level.REVIEWER, position=truth),
                             signature(Level.APPROVER, position=truth)):  # fmt: skip
                    sign(session, document, step, required)
    report = invoke_json(cli, "classify", "--train")
    assert report["samples"] == 32  # type: ignore[index]
    assert 0.0 <= report["cv_accuracy"] <= 1.0  # type: ignore[index]
    assert sqlite_settings.model_path.exists()
    with Archive.open(sqlite_settings) as archive:
        assert archive.pipeline.model is not None, "the next start classifies with the model"


# --- the queue of a large register ----------------------------------------------------


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs inside the block, in order."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])  # (connection, cursor, statement, …)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@dataclass(frozen=True)
class Proposed:
    """A classifier's answer, as the register keeps it."""

    attribute: Attribute
    reason: Reason | None = None
    basis: str | None = None
    confidence: float = 0.9
    needs_review: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"attribute": self.attribute.value, "evidence": [], "redactions": []}


def file_pending(archive: Archive, count: int, first: int = 0) -> None:
    """``count`` documents awaiting sign-off, their histories varied: a proposal alone;
    a drafter's signature, then a re-classification (the review stays on the first);
    a reviewer's override."""
    required = archive.settings.signoff_levels
    with archive.sessions.begin() as session:
        for n in range(first, first + count):
            document = Document(
                sha256=f"{n:064x}", size=1, format="txt", original_path=f"originals/{n}",
                status="filed", text="正文", title=f"文件{n}", ingested_at=at(n % 60),
            )  # fmt: skip
            session.add(document)
            session.flush()
            proposed = Proposed(Attribute.WITHHELD, Reason.PROCESS_INFO, None, n / 100, n % 2 == 0)
            record_proposal(
                session, document, proposed, source="rules", at=at(0), required=required
            )
            if n % 3 == 1:
                sign(session, document, signature(Level.DRAFTER), required)
                again = Proposed(Attribute.PROACTIVE, confidence=0.99)
                record_proposal(
                    session, document, again, source="rules", at=at(1), required=required
                )
            elif n % 3 == 2:
                override = signature(Level.REVIEWER, Action.OVERRIDE, PROACTIVE, "可公开")
                sign(session, document, override, required)


def test_the_queue_reads_a_page_in_the_same_few_queries_however_long(archive: Archive) -> None:
    required = archive.settings.signoff_levels
    file_pending(archive, 3)
    with archive.sessions() as session, statements(archive.engine) as few:
        assert len(queue_view(session, required)) == 3
    file_pending(archive, 12, first=3)
    with archive.sessions() as session, statements(archive.engine) as many:
        rows = queue_view(session, required)
    assert len(rows) == 15
    assert len(many) == len(few) <= 4, many
    with archive.sessions() as session:
        limited = queue_view(session, required, limit=4)
    assert [row["id"] for row in limited] == [row["id"] for row in rows[:4]]
    # The same rows as each document's own history gives, one by one.
    with archive.sessions() as session:
        for row in rows:
            state = load_state(session, int(row["id"]), required)  # type: ignore[call-overload]
            latest = latest_proposal(session, int(row["id"]))  # type: ignore[call-overload]
            assert latest is not None
            assert row["next_level"] == state.next_level
            assert (row["needs_review"], row["confidence"]) == (
                latest.needs_review,
                latest.confidence,
            )
    assert {row["next_level"] for row in rows} == {Level.DRAFTER, Level.REVIEWER, Level.APPROVER}
    flagged = [row["needs_review"] for row in rows]
    assert flagged == sorted(flagged, reverse=True) and flagged.count(True) == 6, "flagged first"
