"""动态调整: the rules on plain data, then suggestions from a real register and a real
search index (both backends), their decisions, and the command."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from engine.adjust import (
    AdjustError,
    AskedFor,
    Related,
    SuggestionKind,
    SuggestionStatus,
    Withheld,
    decision,
    fresh,
    matter_words,
    proactive_suggestions,
    re_review_suggestions,
    request_words,
    settled_by,
)
from engine.adjust_store import AdjustDesk, UnknownSuggestion
from engine.archive import Archive
from engine.cli import app
from engine.codes import Attribute, Reason
from engine.config import Settings
from engine.register.models import AuditEvent, Document, Proposal, Publication
from engine.requests import new_request
from engine.review import ALL_LEVELS, Action, Position
from engine.review import SignOff as Signature
from engine.signoff import load_state, reopen_document, sign
from tests.builders import build_docx
from tests.conftest import invoke_json

TODAY = date(2026, 3, 20)
PROCESS = Position(Attribute.WITHHELD, Reason.PROCESS_INFO)
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


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("关于追加城区排涝设施改造资金的请示", "追加城区排涝设施改造资金"),
        ("某水务局关于申请追加城区排涝设施改造资金的请示", "追加城区排涝设施改造资金"),
        ("城区供水管网改造方案（征求意见稿）", "城区供水管网改造"),
        ("江临县第二小学扩建工程推进会议纪要", "江临县第二小学扩建工程推进"),
        ("关于对《江临市扬尘污染防治办法（征求意见稿）》的反馈意见函", "江临市扬尘污染防治办法"),
        ("关于汛期安全检查问题整改情况的报告", "汛期安全检查问题整改情况"),
        ("请示", ""),
    ],
)
def test_matter_words_drop_the_kind_and_the_draft(title: str, words: str) -> None:
    assert matter_words(title) == words


DRAFT = Withheld(
    7, Reason.PROCESS_INFO, date(2025, 1, 10), None, "关于追加资金的请示", date(2025, 1, 5)
)


def related(
    document_id: int, formed: date, decided: date | None, published: date | None = None
) -> Related:
    return Related(
        document_id,
        f"文件{document_id}",
        f"某政发〔2025〕{document_id}号",
        formed,
        decided,
        published,
    )


def test_a_later_document_decided_or_published_settles_the_matter_at_once() -> None:
    candidates = [
        related(8, date(2024, 11, 1), date(2025, 2, 1)),  # formed before the draft
        related(9, date(2025, 3, 1), date(2025, 3, 10)),  # the answer, decided 主动公开
        related(10, date(2025, 3, 2), None, date(2025, 3, 20)),  # published later still
        related(11, date(2025, 3, 3), None),  # neither decided 主动公开 nor published
    ]
    [found] = re_review_suggestions([DRAFT], TODAY, process_months=24, related={7: candidates})
    assert found.evidence == {
        "lapsed_on": "2025-03-10",
        "cause": "matter_settled",
        "document_id": 9,
        "title": "文件9",
        "doc_number": "某政发〔2025〕9号",
        "settled": "decided",
    }
    assert "《文件9》（某政发〔2025〕9号）已于2025-03-10确定为主动公开" in found.reason
    published = settled_by(DRAFT, candidates[2:], TODAY)
    assert published is not None and published.document_id == 10
    assert (
        "公开发布" in re_review_suggestions([DRAFT], TODAY, related={7: candidates[2:]})[0].reason
    )
    # without such a document, the months rule alone
    assert (
        re_review_suggestions([DRAFT], TODAY, process_months=24, related={7: candidates[::3]}) == []
    )


def test_a_matter_settled_before_the_withholding_was_decided_is_not_news() -> None:
    redecided = replace(DRAFT, decided_on=date(2025, 6, 1))  # the levels kept it withheld since
    answer = related(9, date(2025, 3, 1), date(2025, 3, 10))
    assert settled_by(redecided, [answer], TODAY) is None
    assert settled_by(DRAFT, [answer], date(2025, 3, 9)) is None, "not yet settled on that day"
    same_day = related(6, date(2025, 1, 5), date(2025, 2, 1))  # filed before the draft
    assert settled_by(DRAFT, [same_day], TODAY) is None
    assert settled_by(DRAFT, [replace(same_day, document_id=12)], TODAY) is not None
    undated = replace(DRAFT, formed_on=None)
    assert settled_by(undated, [answer], TODAY) is None


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
    return _file(archive, tmp_path)


def _file(archive: Archive, tmp_path: Path) -> tuple[int, int]:
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


def test_accepting_reopens_the_decision_without_changing_it(
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
        # a new round on 主动公开, reopened by the clerk for the suggestion's reason
        state = load_state(session, approval, ALL_LEVELS)
        assert (state.position, state.signed, state.last_final) == (
            Position(Attribute.PROACTIVE),
            (),
            Position(Attribute.ON_REQUEST),
        )
        assert state.reopened is not None and state.reopened.by == "李强"
        assert state.reopened.note == f"动态调整建议 {proactive['id']}：{proactive['reason']}"
        assert [row.source for row in session.scalars(select(Proposal))] == ["rules", "rules"]
        actions = session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.action.startswith("adjust.") | (AuditEvent.action == "review.reopen")
            )
        ).all()
        assert sorted(actions) == [
            "adjust.accepted",
            "adjust.rejected",
            *["adjust.suggest"] * 2,
            "review.reopen",
        ]
    # rejected: not suggested again; accepted: under review, so not suggested either
    assert desk.refresh(TODAY, threshold=3, process_months=12, by="王丽") == []
    assert desk.list() == []
    _decide(archive, approval, Position(Attribute.PROACTIVE), date(2026, 3, 25))
    with archive.sessions() as session:
        document = session.get(Document, approval)
        assert document is not None
        assert (document.attribute, document.review_status) == ("proactive", "final")


def test_accepting_a_re_review_puts_the_decision_in_force_before_the_levels(
    archive: Archive, filed: tuple[int, int]
) -> None:
    _approval, draft = filed
    desk = AdjustDesk(archive.sessions, archive.search_index(), ALL_LEVELS)
    [suggested] = desk.refresh(TODAY, threshold=3, process_months=12, by="王丽")
    with archive.sessions.begin() as session:  # someone reopens it meanwhile
        reopen_document(session, draft, by="李强", why="季度自查", required=ALL_LEVELS)
    with pytest.raises(AdjustError, match="under review"):
        desk.decide(int(suggested["id"]), SuggestionStatus.ACCEPTED, "王丽")
    assert [row["status"] for row in desk.list(None)] == ["open"]  # nothing was kept
    _decide(archive, draft, PROCESS, date(2026, 3, 21))
    desk.decide(int(suggested["id"]), SuggestionStatus.ACCEPTED, "王丽")
    with archive.sessions() as session:
        state = load_state(session, draft, ALL_LEVELS)
    assert (state.position, state.current, state.final) == (PROCESS, PROCESS, False)
    assert state.reopened is not None and state.reopened.by == "王丽"


INSTRUCTIONS = [
    "某某市水务局文件",
    "某水发〔2025〕3号",
    "关于追加城区排涝设施改造资金的请示",
    "市人民政府：",
    "今年汛期积水点增多，拟追加城区排涝设施改造资金，请予审批。",
    "以上意见当否，请批示。",
    "2025年1月5日",
]
ANSWER = [
    "某政复〔2025〕9号",
    "关于同意追加城区排涝设施改造资金的批复",
    "市水务局：",
    "同意追加城区排涝设施改造资金。",
    "2025年3月1日",
]
EARLIER = [
    "某政办发〔2024〕30号",
    "关于追加城区排涝设施改造资金申报工作的通知",
    "各有关单位：追加城区排涝设施改造资金的申报工作安排如下。",
    "2024年11月1日",
]


def test_a_finished_process_matter_found_by_the_index(archive: Archive, tmp_path: Path) -> None:
    files = [
        build_docx(tmp_path / f"{name}.docx", lines)
        for name, lines in (("请示", INSTRUCTIONS), ("批复", ANSWER), ("通知", EARLIER))
    ]
    instructions, answer, earlier = (o.document_id for o in archive.ingest_files(files))
    assert instructions is not None and answer is not None and earlier is not None
    _decide(archive, instructions, PROCESS, date(2025, 1, 10))
    _decide(archive, earlier, Position(Attribute.PROACTIVE), date(2025, 2, 1))
    desk = AdjustDesk(archive.sessions, archive.search_index(), ALL_LEVELS)
    # the 批复 not decided yet: only the earlier notice is 主动公开, and it does not count
    assert desk.refresh(TODAY, threshold=3, process_months=24, by="王丽") == []

    _decide(archive, answer, Position(Attribute.PROACTIVE), date(2025, 3, 10))
    with archive.sessions.begin() as session:  # the portal had it first (a backfilled record)
        session.add(
            Publication(
                document_id=answer,
                channel="portal",
                published_on=date(2025, 3, 6),
                recorded_at=datetime(2025, 3, 11, tzinfo=UTC),
                recorded_by="王丽",
            )
        )
    archive.search_index().sync()
    [added] = desk.refresh(TODAY, threshold=3, process_months=24, by="王丽")
    assert (added["kind"], added["document_id"]) == ("re_review", instructions)
    assert added["evidence"] == {
        "lapsed_on": "2025-03-06",
        "cause": "matter_settled",
        "document_id": answer,
        "title": "关于同意追加城区排涝设施改造资金的批复",
        "doc_number": "某政复〔2025〕9号",
        "settled": "published",
    }
    assert "《关于同意追加城区排涝设施改造资金的批复》" in str(added["reason"])
    assert desk.refresh(TODAY, threshold=3, process_months=24, by="王丽") == []  # asked already
    with archive.sessions() as session:
        [item] = desk.withheld(session)
        assert item.title == "关于追加城区排涝设施改造资金的请示"
        assert item.formed_on == date(2025, 1, 5)
        # a title that is all 文种 has no subject: nothing is related, not every 主动公开 one
        assert desk.related(session, [replace(item, title="请示")]) == {}


OFFICE = """
agency = "某某市人民政府办公室"
letter_code = "某政办信公开"
reconsideration_body = "某某市人民政府"
court = "某某市某某区人民法院"
adjust_threshold = 2
adjust_process_months = 36
"""


def test_the_command_takes_its_settings_from_office_toml(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    missing = cli.invoke(app, ["adjust", "list", "--today", "2026-03-20"])
    assert missing.exit_code == 1 and "office.toml not found" in missing.output
    assert "--threshold and --process-months" in missing.output
    given = ["adjust", "list", "--today", "2026-03-20", "--threshold", "3"]
    assert invoke_json(cli, *given, "--process-months", "12") == []  # both given: no file needed

    with Archive.open(sqlite_settings) as archive:
        approval, draft = _file(archive, tmp_path)
        for applicant in ("张三", "李四"):
            _register(archive, applicant, "申请公开老旧小区改造项目立项的批复")
    (sqlite_settings.home / "office.toml").write_text(OFFICE, encoding="utf-8")
    # an option given wins over the file: 3 applicants needed, 2 asked; 36 months not over
    assert invoke_json(cli, *given) == []
    rows = invoke_json(cli, "adjust", "list", "--today", "2026-03-20")  # the office's 2 and 36
    assert [(row["kind"], row["document_id"]) for row in rows] == [("make_proactive", approval)]
    rows = invoke_json(cli, "adjust", "list", "--today", "2026-03-20", "--process-months", "12")
    assert [row["document_id"] for row in rows] == [approval, draft]

    (sqlite_settings.home / "office.toml").write_text(
        OFFICE.replace("= 36", "= 0"), encoding="utf-8"
    )
    broken = cli.invoke(app, ["adjust", "list"])
    assert broken.exit_code == 1 and "adjust_process_months must be a whole number" in broken.output


def test_the_decisions_command(cli: CliRunner) -> None:
    result = cli.invoke(app, ["adjust", "reject", "1", "--by", "李强"])
    assert result.exit_code != 0 and "--note" in result.output
    result = cli.invoke(app, ["adjust", "accept", "7", "--by", "李强"])
    assert result.exit_code != 0 and "no suggestion 7" in result.output
