"""动态调整: the rules on plain data, then suggestions from a real register and a real
search index (both backends), their decisions, and the command."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from engine.adjust import (
    AdjustError,
    AskedFor,
    SuggestionKind,
    SuggestionStatus,
    Withheld,
    decision,
    fresh,
    proactive_suggestions,
    re_review_suggestions,
    request_words,
)
from engine.adjust_store import AdjustDesk, UnknownSuggestion
from engine.archive import Archive
from engine.cli import app
from engine.codes import Attribute, Reason
from engine.register.models import AuditEvent, Document, Proposal
from engine.requests import new_request
from engine.review import ALL_LEVELS, Action, Position
from engine.review import SignOff as Signature
from engine.signoff import load_state, sign
from tests.builders import build_docx
from tests.conftest import invoke_json

TODAY = date(2026, 3, 20)
ON_REQUEST = {1: Attribute.ON_REQUEST.value, 2: Attribute.WITHHELD.value}


def asked(number: str, applicant: str, *document_ids: int) -> AskedFor:
    return AskedFor(number, applicant, frozenset(document_ids))


# --- the rules ---------------------------------------------------------------------


def test_distinct_applicants_reaching_the_threshold_propose_proactive() -> None:
    requests = [asked("2026-0001", "张三", 1), asked("2026-0002", "李四", 1)]
    assert proactive_suggestions(requests, ON_REQUEST) == []
    requests.append(asked("2026-0003", "王五", 1, 2))  # 2 is withheld: never proposed
    [found] = proactive_suggestions(requests, ON_REQUEST)
    assert (found.kind, found.document_id) == (SuggestionKind.MAKE_PROACTIVE, 1)
    assert found.evidence == {"requests": ["2026-0001", "2026-0002", "2026-0003"], "applicants": 3}
    assert "2026-0003" in found.reason and "第四十四条" in found.reason


def test_one_applicant_asking_again_and_again_is_not_the_public() -> None:
    requests = [asked(f"2026-000{n}", "张三", 1) for n in range(1, 5)]
    assert proactive_suggestions(requests, ON_REQUEST) == []
    assert len(proactive_suggestions(requests, ON_REQUEST, threshold=1)) == 1
    with pytest.raises(AdjustError, match="threshold"):
        proactive_suggestions(requests, ON_REQUEST, threshold=0)


def test_a_lapsed_reason_proposes_re_review() -> None:
    items = [
        Withheld(1, Reason.STATE_SECRET, date(2025, 1, 1), date(2026, 3, 1)),  # ended
        Withheld(2, Reason.STATE_SECRET, date(2025, 1, 1), date(2026, 4, 1)),  # not yet
        Withheld(3, Reason.STATE_SECRET, date(2026, 3, 5), date(2026, 3, 1)),  # re-decided since
        Withheld(4, Reason.PROCESS_INFO, date(2025, 3, 20), None),  # 12 months today
        Withheld(5, Reason.PROCESS_INFO, date(2025, 3, 21), None),
        Withheld(6, Reason.THIRD_PARTY_RIGHTS, date(2020, 1, 1), None),
    ]
    found = re_review_suggestions(items, TODAY)
    assert [(item.document_id, item.evidence) for item in found] == [
        (1, {"lapsed_on": "2026-03-01", "cause": "declassification"}),
        (4, {"lapsed_on": "2026-03-20", "cause": "process_finished"}),
    ]
    assert "保密期限已于2026-03-01届满" in found[0].reason
    assert [i.document_id for i in re_review_suggestions(items, TODAY, process_months=6)] == [
        1,
        4,
        5,
    ]


def test_known_suggestions_are_not_repeated_and_a_rejection_needs_a_reason() -> None:
    found = re_review_suggestions([Withheld(4, Reason.PROCESS_INFO, date(2024, 1, 1), None)], TODAY)
    assert fresh(found, {(SuggestionKind.RE_REVIEW, 4)}) == []
    assert fresh(found, {(SuggestionKind.MAKE_PROACTIVE, 4)}) == found
    with pytest.raises(AdjustError, match="--note"):
        decision(SuggestionStatus.REJECTED, "  ")
    assert decision(SuggestionStatus.ACCEPTED, None) is SuggestionStatus.ACCEPTED


def test_request_words_drop_how_people_ask() -> None:
    assert request_words("本人申请公开关于老旧小区改造项目的批复文件") == "老旧小区改造项目 批复"
    assert request_words("请提供2025年的请示全文") == "2025年 请示"


# --- the register and the index ----------------------------------------------------


def _decide(archive: Archive, document_id: int, position: Position, day: date) -> None:
    """All three levels sign ``position`` on ``day``, whatever the classifier proposed."""
    at = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
    with archive.sessions.begin() as session:
        document = session.get(Document, document_id)
        assert document is not None
        proposed = load_state(session, document_id, ALL_LEVELS).position
        first = Action.CONFIRM if proposed == position else Action.OVERRIDE
        for level, action in zip(ALL_LEVELS, (first, Action.CONFIRM, Action.CONFIRM), strict=True):
            signature = Signature(level, "李强", at, action, position, "经审查")
            sign(session, document, signature, ALL_LEVELS)


def _register(archive: Archive, applicant: str, content: str) -> str:
    made = new_request(
        applicant=applicant,
        applicant_kind="natural_person",
        channel="online",
        received=date(2026, 3, 2),
        content=content,
        today=TODAY,
        form="paper",
    )
    return str(archive.requests().add(made, "王丽")["number"])


@pytest.fixture
def filed(archive: Archive, tmp_path: Path) -> tuple[int, int]:
    """An 依申请公开 批复 and a 过程性 draft withheld since 2025-01-10."""
    files = [
        build_docx(
            tmp_path / "a.docx",
            ["某发改发〔2025〕12号", "关于老旧小区改造项目立项的批复", "同意立项。"],
        ),
        build_docx(tmp_path / "b.docx", ["城区供水管网方案（征求意见稿）", "内部讨论。"]),
    ]
    approval, draft = (outcome.document_id for outcome in archive.ingest_files(files))
    assert approval is not None and draft is not None
    _decide(archive, approval, Position(Attribute.ON_REQUEST), date(2025, 6, 1))
    _decide(archive, draft, Position(Attribute.WITHHELD, Reason.PROCESS_INFO), date(2025, 1, 10))
    return approval, draft


def test_suggestions_from_requests_found_by_the_index(
    archive: Archive, filed: tuple[int, int]
) -> None:
    approval, draft = filed
    numbers = [
        _register(archive, "张三", "申请公开老旧小区改造项目立项的批复"),
        _register(archive, "李四", "请提供关于老旧小区改造项目立项批复的全文"),
        _register(archive, "张三", "老旧小区改造 立项 批复"),  # the same applicant again
        _register(archive, "赵六", "今年的城区绿化养护合同"),  # finds nothing
    ]
    desk = AdjustDesk(archive.sessions, archive.search_index(), ALL_LEVELS)
    added = desk.refresh(TODAY, threshold=3, process_months=12, by="王丽")
    assert [(row["kind"], row["document_id"]) for row in added] == [("re_review", draft)]

    linked = _register(archive, "王五", "城区绿化养护合同")
    archive.requests().link(linked, [approval], "王丽")  # linked, though its words differ
    added = desk.refresh(TODAY, threshold=3, process_months=12, by="王丽")
    assert [(row["kind"], row["document_id"]) for row in added] == [("make_proactive", approval)]
    assert added[0]["evidence"] == {"requests": sorted([*numbers[:3], linked]), "applicants": 3}
    assert desk.refresh(TODAY, threshold=3, process_months=12, by="王丽") == []  # no duplicate
    assert [row["document_id"] for row in desk.list()] == [draft, approval]


def test_accepting_puts_the_document_before_the_levels_without_changing_it(
    archive: Archive, filed: tuple[int, int]
) -> None:
    approval, _draft = filed
    for applicant in ("张三", "李四", "王五"):
        _register(archive, applicant, "申请公开老旧小区改造项目立项的批复")
    desk = AdjustDesk(archive.sessions, archive.search_index(), ALL_LEVELS)
    proactive, re_review = sorted(
        desk.refresh(TODAY, threshold=3, process_months=12, by="王丽"),
        key=lambda row: str(row["kind"]),
    )
    with pytest.raises(AdjustError, match="--note"):
        desk.decide(int(re_review["id"]), SuggestionStatus.REJECTED, "李强")
    rejected = desk.decide(int(re_review["id"]), SuggestionStatus.REJECTED, "李强", "仍在办理")
    assert (rejected["status"], rejected["note"]) == ("rejected", "仍在办理")
    accepted = desk.decide(int(proactive["id"]), SuggestionStatus.ACCEPTED, "李强")
    assert accepted["decided_by"] == "李强"
    with pytest.raises(AdjustError, match="already accepted"):
        desk.decide(int(proactive["id"]), SuggestionStatus.REJECTED, "李强", "改主意")
    with pytest.raises(UnknownSuggestion):
        desk.decide(999, SuggestionStatus.ACCEPTED, "李强")

    with archive.sessions() as session:
        document = session.get(Document, approval)
        assert document is not None
        assert (document.attribute, document.review_status) == ("on_request", "pending")
        proposal = session.scalars(
            select(Proposal).where(Proposal.document_id == approval).order_by(Proposal.id.desc())
        ).first()
        assert proposal is not None and (proposal.attribute, proposal.source) == (
            "proactive",
            "adjust",
        )
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.startswith("adjust."))
        ).all()
        assert sorted(actions) == ["adjust.accepted", "adjust.rejected", *["adjust.suggest"] * 2]
    # rejected: not suggested again; accepted: under review, so not suggested either
    assert desk.refresh(TODAY, threshold=3, process_months=12, by="王丽") == []
    assert desk.list() == []


def test_the_command(cli: CliRunner) -> None:
    assert invoke_json(cli, "adjust", "list", "--today", "2026-03-20") == []
    result = cli.invoke(app, ["adjust", "reject", "1", "--by", "李强"])
    assert result.exit_code != 0 and "--note" in result.output
    result = cli.invoke(app, ["adjust", "accept", "7", "--by", "李强"])
    assert result.exit_code != 0 and "no suggestion 7" in result.output
