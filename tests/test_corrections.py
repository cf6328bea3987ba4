"""更正 / 澄清 / 勘误: the rules (engine.corrections), the desk on both databases, the CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from engine.archive import Archive, document_history
from engine.cli import app
from engine.codes import REGULATION
from engine.config import Settings
from engine.correction_store import CorrectionDesk
from engine.corrections import (
    KINDS,
    OUTCOME_RULES,
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
    correction_samples,
    erratum_items,
    format_number,
    new_correction,
    parse_number,
    sample_correction,
    status_of,
)
from engine.letters import SAMPLE_OFFICE, SHIPPED, DocumentRef, Templates, check_templates
from engine.outcomes import ApplicantKind, Outcome
from engine.register.models import AuditEvent, Correction, Document, Letter
from engine.requests import Applicant, Decision, new_request
from tests.builders import build_docx
from tests.conftest import invoke_json

TODAY = date(2026, 11, 23)
RECEIVED = date(2026, 11, 2)
REMEDY = "60日内向某某市人民政府申请行政复议"

COMMON = {
    "agency",
    "office",
    "office_address",
    "office_phone",
    "office_contact",
    "reconsideration_body",
    "court",
    "payment_instructions",
    "letter_number",
    "letter_date",
}
# templates/README.md, "Correction letters": the variables beyond the common ones.
README_VARIABLES = {
    CorrectionKind.RECORD: {
        "applicant",
        "you",
        "correction_number",
        "received",
        "content",
        "reason_text",
        "competent_agency",
        "competent_contact",
        "basis",
    },
    CorrectionKind.CLARIFICATION: {"subject", "facts", "basis"},
    CorrectionKind.ERRATUM: {
        "document_title",
        "doc_number",
        "issue_date",
        "errors",
        "corrected_title",
        "basis",
    },
}


def record(**changes: object) -> NewCorrection:
    fields: dict[str, object] = {
        "kind": "record",
        "today": TODAY,
        "received": RECEIVED,
        "applicant": "张三",
        "applicant_kind": "natural_person",
        "content": "低保名单中本人家庭人口记为3人，实为4人",
    }
    fields.update(changes)
    return new_correction(**fields)  # type: ignore[arg-type]


def erratum(**changes: object) -> NewCorrection:
    fields: dict[str, object] = {
        "kind": "erratum",
        "today": TODAY,
        "document_id": 1,
        "corrected_document_id": 2,
        "errors": (ErratumItem("第二条", "350元", "380元"),),
    }
    fields.update(changes)
    return new_correction(**fields)  # type: ignore[arg-type]


def decided(outcome: CorrectionOutcome, **parts: object) -> CorrectionDecision:
    return CorrectionDecision(outcome, date(2026, 11, 20), "李强", **parts)  # type: ignore[arg-type]


def facts_of(entry: NewCorrection, decision: CorrectionDecision | None = None) -> CorrectionFacts:
    return CorrectionFacts("C2026-0007", entry, decision)


# --- the tables -------------------------------------------------------------------------


def test_every_kind_states_its_articles() -> None:
    assert set(KINDS) == set(CorrectionKind)
    for kind in CorrectionKind:
        assert kind.basis.startswith(REGULATION), kind
        assert kind.label
    assert CorrectionKind.RECORD.basis.endswith("第四十一条")
    assert CorrectionKind.CLARIFICATION.basis.endswith("第六条第二款")
    assert CorrectionKind.ERRATUM.basis.endswith("第六条第一款、第二十六条")


def test_every_outcome_has_a_label_and_a_shipped_template() -> None:
    assert set(OUTCOME_RULES) == set(CorrectionOutcome)
    for outcome in CorrectionOutcome:
        assert outcome.template == f"corrections/record.{outcome.value}.docx"
        assert (SHIPPED / outcome.template).is_file(), outcome
        assert outcome.label
    assert CorrectionOutcome.CORRECTED.label == "予以更正"
    assert [o for o in CorrectionOutcome if o.rule.needs_agency] == [
        CorrectionOutcome.TRANSFERRED,
        CorrectionOutcome.TOLD_TO_APPLY,
    ]
    assert [o for o in CorrectionOutcome if o.rule.needs_reason] == [
        CorrectionOutcome.NOT_SUBSTANTIATED
    ]


def test_correction_numbers() -> None:
    assert format_number(2026, 1) == "C2026-0001"
    assert format_number(2026, 12345) == "C2026-12345"
    assert parse_number("C2026-0042") == (2026, 42)
    assert parse_number(" c2026-0042 ") == (2026, 42)
    for wrong in ("2026-0042", "C26-1", "C2026-1"):
        with pytest.raises(CorrectionError, match="looks like C2026-0001"):
            parse_number(wrong)


# --- registering ------------------------------------------------------------------------


def test_a_record_request_is_checked_and_normalised() -> None:
    entry = record(applicant=" 某某建设有限公司 ", applicant_kind="commercial", contact=" 电话 ")
    assert entry.kind is CorrectionKind.RECORD
    assert entry.applicant == Applicant("某某建设有限公司", ApplicantKind.COMMERCIAL, "电话")
    assert entry.applicant.you == "你单位"
    assert entry.received == RECEIVED


def test_a_record_request_reports_every_problem_at_once() -> None:
    with pytest.raises(CorrectionError) as caught:
        record(
            applicant=" ",
            applicant_kind="citizen",
            received=date(2026, 12, 1),
            content="",
            subject="谣言",
            document_id=3,
        )
    message = str(caught.value)
    for part in (
        "--subject, --document not taken by kind record",
        "after today",
        "the applicant's name is required (--applicant)",
        "unknown applicant kind 'citizen': one of natural_person",
        "(--content)",
    ):
        assert part in message


def test_a_record_request_needs_its_day_of_receipt_and_applicant_kind() -> None:
    with pytest.raises(CorrectionError) as caught:
        record(received=None, applicant_kind="")
    message = str(caught.value)
    assert "the day the 更正申请 was received is required (--received)" in message
    assert "the applicant kind is required (--applicant-kind): one of natural_person" in message


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(CorrectionError, match="unknown correction kind 'rumour': one of record"):
        new_correction(kind="rumour", today=TODAY)


def test_a_clarification_needs_the_subject_and_the_facts() -> None:
    entry = new_correction(kind="clarification", today=TODAY, subject=" 谣言 ", facts=" 事实 ")
    assert (entry.subject, entry.facts, entry.received) == ("谣言", "事实", TODAY)
    assert entry.applicant is None
    with pytest.raises(CorrectionError) as caught:
        new_correction(kind="clarification", today=TODAY, applicant="张三")
    message = str(caught.value)
    assert "--applicant not taken by kind clarification" in message
    assert "(--subject)" in message
    assert "(--facts)" in message


def test_an_erratum_links_two_documents_and_lists_its_errors() -> None:
    entry = erratum(received=date(2026, 11, 20), published=date(2026, 1, 15), content="附件表格")
    assert (entry.document_id, entry.corrected_document_id) == (1, 2)
    assert entry.errors == (ErratumItem("第二条", "350元", "380元"),)
    assert entry.published == date(2026, 1, 15)
    assert erratum().received == TODAY, "found today unless said otherwise"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"document_id": None}, "the archived original (--document ID)"),
        ({"corrected_document_id": None}, "the archived corrected version"),
        ({"corrected_document_id": 1}, "must be a document of its own, not the original 1"),
        ({"errors": ()}, "at least one error"),
        ({"published": date(2026, 11, 24)}, "after the error was found"),
        ({"subject": "x"}, "--subject not taken by kind erratum"),
        ({"received": date(2026, 11, 24)}, "after today"),
    ],
)
def test_impossible_errata_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(CorrectionError, match=re.escape(message)):
        erratum(**changes)


def test_errors_are_written_where_wrong_right() -> None:
    assert erratum_items(["第二条 | 350元 | 380元", "附件|2025年|2026年"]) == (
        ErratumItem("第二条", "350元", "380元"),
        ErratumItem("附件", "2025年", "2026年"),
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("第二条|350元", "WHERE|WRONG|RIGHT"),
        ("第二条|350元|380元|x", "WHERE|WRONG|RIGHT"),
        ("|350元|380元", "none empty"),
        ("第二条|350元|350元", "the same as the error"),
    ],
)
def test_bad_error_specs(spec: str, message: str) -> None:
    with pytest.raises(CorrectionError, match=re.escape(message)):
        erratum_items([spec])


# --- deciding and letters -----------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(CorrectionOutcome))
def test_every_outcome_may_decide_a_record(outcome: CorrectionOutcome) -> None:
    decision = decided(
        outcome,
        reason_text="证据不足",
        competent_agency="某某市民政局" if outcome.rule.needs_agency else "",
    )
    check_decision(facts_of(record()), decision, TODAY)
    done = facts_of(record(), decision)
    assert status_of(done, 0) is CorrectionStatus.DECIDED
    assert check_letter(done, TODAY) == outcome.template


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (decided(CorrectionOutcome.TRANSFERRED), "transferred names the agency"),
        (decided(CorrectionOutcome.TOLD_TO_APPLY), "told_to_apply names the agency"),
        (decided(CorrectionOutcome.NOT_SUBSTANTIATED), "needs the reason in words"),
        (
            decided(CorrectionOutcome.CORRECTED, competent_agency="某局"),
            "only for transferred or told_to_apply",
        ),
        (
            CorrectionDecision(CorrectionOutcome.CORRECTED, date(2026, 11, 1), "李强"),
            "before the 更正申请 was received",
        ),
        (
            CorrectionDecision(CorrectionOutcome.CORRECTED, date(2026, 11, 24), "李强"),
            "after today",
        ),
        (CorrectionDecision(CorrectionOutcome.CORRECTED, TODAY, " "), "say who decided"),
    ],
)
def test_impossible_decisions_are_refused(decision: CorrectionDecision, message: str) -> None:
    with pytest.raises(CorrectionError, match=re.escape(message)):
        check_decision(facts_of(record()), decision, TODAY)


def test_no_second_decision_and_no_decision_of_a_notice() -> None:
    done = facts_of(record(), decided(CorrectionOutcome.CORRECTED))
    with pytest.raises(CorrectionError, match=r"already decided \(corrected on 2026-11-20\)"):
        check_decision(done, decided(CorrectionOutcome.CORRECTED), TODAY)
    with pytest.raises(CorrectionError, match=re.escape("only a 更正申请 (record) is decided")):
        check_decision(facts_of(erratum()), decided(CorrectionOutcome.CORRECTED), TODAY)


def test_which_letter_may_be_printed() -> None:
    with pytest.raises(CorrectionError, match="is not decided yet: decide it first"):
        check_letter(facts_of(record()), TODAY)
    done = facts_of(record(), decided(CorrectionOutcome.CORRECTED))
    with pytest.raises(CorrectionError, match="before the decision"):
        check_letter(done, date(2026, 11, 19))
    notice = facts_of(erratum(received=date(2026, 11, 20)))
    assert status_of(notice, 0) is CorrectionStatus.OPEN
    assert check_letter(notice, date(2026, 11, 20)) == "corrections/erratum.docx"
    assert status_of(notice, 1) is CorrectionStatus.ISSUED
    with pytest.raises(
        CorrectionError, match="before the 更正（勘误）已公开的政府信息 was registered"
    ):
        check_letter(notice, date(2026, 11, 19))
    clarification = facts_of(
        new_correction(kind="clarification", today=TODAY, subject="s", facts="f")
    )
    assert check_letter(clarification, TODAY) == "corrections/clarification.docx"


def test_a_decision_round_trips_through_plain_data() -> None:
    decision = decided(
        CorrectionOutcome.TRANSFERRED, competent_agency="某某市民政局", competent_contact="电话"
    )
    data = decision.to_dict()
    assert data["outcome_label"] == "转送有权更正的行政机关处理"
    assert data["basis"] == f"{REGULATION}第四十一条"
    assert CorrectionDecision.from_dict(data) == decision


def test_the_contexts_are_exactly_the_readme_variables() -> None:
    original = DocumentRef("关于缴费标准的通知", "某医保发〔2026〕3号", date(2026, 1, 15))
    corrected = DocumentRef("关于缴费标准的通知（更正版）", "", None)
    for kind in CorrectionKind:
        context = correction_context(sample_correction(kind), original, corrected)
        assert set(context) == README_VARIABLES[kind], kind
        assert context["basis"] == kind.basis
    context = correction_context(facts_of(erratum()), original, corrected)
    assert context["issue_date"] == "2026年1月15日"
    assert context["errors"] == [{"where": "第二条", "wrong": "350元", "right": "380元"}]
    assert context["corrected_title"] == "关于缴费标准的通知（更正版）"
    reply = correction_context(
        facts_of(record(), decided(CorrectionOutcome.NOT_SUBSTANTIATED, reason_text="证据不足"))
    )
    assert reply["received"] == "2026年11月2日"
    assert reply["you"] == "您"
    assert reply["correction_number"] == "C2026-0007"
    assert reply["reason_text"] == "证据不足"


def test_the_samples_render_every_correction_template() -> None:
    samples = list(correction_samples())
    shipped = {f"corrections/{path.name}" for path in (SHIPPED / "corrections").glob("*.docx")}
    assert {template for template, _ in samples} == shipped
    for template, context in samples:
        kind = CorrectionKind(Path(template).stem.split(".")[0])
        assert set(context) == README_VARIABLES[kind] | COMMON, template
    assert check_templates(Templates(), samples) == []


# --- the desk, on both databases --------------------------------------------------------------


def letter_text(path: Path) -> str:
    return "\n".join(paragraph.text for paragraph in docx.Document(str(path)).paragraphs)


def desk_of(archive: Archive) -> CorrectionDesk:
    return CorrectionDesk(archive.sessions, archive.settings.home, today=lambda: TODAY)


def counts(archive: Archive) -> tuple[int, int, int, int]:
    """Corrections, their audit events, letters, and letter files: what a refusal must not touch."""
    with archive.sessions() as session:
        rows = session.scalar(select(func.count(Correction.id))) or 0
        events = session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action.like("correction.%"))
        )
        letters = session.scalar(select(func.count(Letter.id))) or 0
    files = len(list((archive.settings.home / "generated").rglob("*.docx")))
    return rows, events or 0, letters, files


def refused(archive: Archive, action: Callable[[], object], message: str) -> None:
    before = counts(archive)
    with pytest.raises(CorrectionError, match=re.escape(message)):
        action()
    assert counts(archive) == before, "a refused step writes nothing"


def test_a_record_request_from_registration_to_reply(archive: Archive) -> None:
    desk = desk_of(archive)
    view = desk.add(record(contact="13800000000"), "王丽")
    number = str(view["number"])
    assert number == "C2026-0001"
    assert view["status"] == "open"
    assert view["applicant"] == "张三"
    refused(archive, lambda: desk.letter(number, by="王丽", office=SAMPLE_OFFICE), "not decided")
    reasonless = decided(CorrectionOutcome.NOT_SUBSTANTIATED)
    refused(archive, lambda: desk.decide(number, reasonless), "needs the reason in words")

    decision = decided(CorrectionOutcome.NOT_SUBSTANTIATED, reason_text="所附证明与户籍登记不符。")
    shown = desk.decide(number.lower(), decision)
    assert shown["status"] == "decided"
    assert shown["outcome_label"] == "不予更正"
    assert shown["decided_on"] == "2026-11-20"
    assert [event["action"] for event in shown["events"]] == [  # type: ignore[attr-defined]
        "correction.add",
        "correction.decide",
    ]
    again = decided(CorrectionOutcome.CORRECTED)
    refused(archive, lambda: desk.decide(number, again), "already decided")

    letter = desk.letter(number, by="王丽", office=SAMPLE_OFFICE, letter_date=date(2026, 11, 23))
    assert letter.path == f"generated/corrections/2026/{number}/record.not_substantiated-v1.docx"
    assert letter.letter_number == "某政办信公开〔2026〕1号"
    text = letter_text(archive.settings.home / letter.path)
    for part in (
        "政府信息更正申请答复书",
        "某政办信公开〔2026〕1号",
        "张三：",
        "本机关于2026年11月2日收到您提出的政府信息更正申请（申请编号：C2026-0001）",
        "低保名单中本人家庭人口记为3人，实为4人",
        "不能证明相关政府信息记录不准确",
        "不予更正",
        "所附证明与户籍登记不符。",
        "《中华人民共和国政府信息公开条例》第四十一条",
        REMEDY,
        "6个月内向某某市某某区人民法院提起行政诉讼",
        "2026年11月23日",
    ):
        assert part in text, part
    second = desk.letter(number, by="王丽", office=SAMPLE_OFFICE, letter_date=date(2026, 11, 23))
    assert (second.version, second.letter_number) == (2, letter.letter_number)
    assert (archive.settings.home / letter.path).exists(), "the first version stays"
    letters = desk.show(number)["letters"]
    assert [item["version"] for item in letters] == [1, 2]  # type: ignore[attr-defined]


def test_every_record_outcome_prints_its_reply(archive: Archive) -> None:
    desk = desk_of(archive)
    expected = {
        CorrectionOutcome.CORRECTED: "本机关已对该政府信息记录予以更正",
        CorrectionOutcome.TRANSFERRED: "转送有权更正的某某市民政局处理（联系方式：0471-1234567）",
        CorrectionOutcome.TOLD_TO_APPLY: "（某某市民政局，联系方式：0471-1234567）提出更正申请",
        CorrectionOutcome.NOT_SUBSTANTIATED: "本机关不予更正",
    }
    for outcome, said in expected.items():
        number = str(desk.add(record(), "王丽")["number"])
        agency = outcome.rule.needs_agency
        desk.decide(
            number,
            decided(
                outcome,
                reason_text="经核对户籍登记材料。",
                competent_agency="某某市民政局" if agency else "",
                competent_contact="0471-1234567" if agency else "",
            ),
        )
        letter = desk.letter(number, by="王丽", office=SAMPLE_OFFICE)
        text = letter_text(archive.settings.home / letter.path)
        assert said in text, outcome
        assert REMEDY in text
        assert "第四十一条" in text
        assert letter.kind == f"record.{outcome.value}"


def test_letters_share_the_years_numbering_with_request_letters(archive: Archive) -> None:
    requests = archive.requests()
    requests.today = lambda: TODAY
    new = new_request(
        applicant="李四",
        applicant_kind="natural_person",
        channel="online",
        received=date(2026, 11, 2),
        content="某某文件",
        today=TODAY,
    )
    request = str(requests.add(new, "王丽")["number"])
    requests.decide(request, Decision(Outcome.GRANTED, date(2026, 11, 20), "李强"))
    reply = requests.letter(request, "reply", by="王丽", office=SAMPLE_OFFICE)
    desk = desk_of(archive)
    number = str(
        desk.add(new_correction(kind="clarification", today=TODAY, subject="s", facts="f"), "王丽")[
            "number"
        ]
    )
    notice = desk.letter(number, by="王丽", office=SAMPLE_OFFICE)
    assert (reply.seq, notice.seq) == (1, 2)
    assert notice.letter_number == "某政办信公开〔2026〕2号"


def test_a_clarification_is_printed_without_a_decision(archive: Archive) -> None:
    desk = desk_of(archive)
    entry = new_correction(
        kind="clarification",
        today=TODAY,
        subject="本市将于12月1日起全面停止供应居民生活用水",
        facts="本市各水厂运行正常，12月1日仅某某路部分管段检修停水8小时。",
    )
    view = desk.add(entry, "王丽")
    number = str(view["number"])
    assert (view["kind"], view["status"], view["received"]) == (
        "clarification",
        "open",
        "2026-11-23",
    )
    refused(
        archive,
        lambda: desk.decide(number, decided(CorrectionOutcome.CORRECTED)),
        "only a 更正申请 (record) is decided",
    )
    letter = desk.letter(number, by="王丽", office=SAMPLE_OFFICE)
    text = letter_text(archive.settings.home / letter.path)
    for part in (
        "澄清说明",
        "“本市将于12月1日起全面停止供应居民生活用水”",
        "《中华人民共和国政府信息公开条例》第六条第二款",
        "12月1日仅某某路部分管段检修停水8小时",
        "特此澄清",
        "2026年11月23日",
    ):
        assert part in text, part
    assert desk.show(number)["status"] == "issued"
    assert [view["number"] for view in desk.list(status=CorrectionStatus.ISSUED)] == [number]


ORIGINAL = [
    "某某市医疗保障局文件",
    "某医保发〔2026〕3号",
    "某某市医疗保障局关于2026年城乡居民基本医疗保险缴费标准的通知",
    "各县区医疗保障局：",
    "2026年度城乡居民基本医疗保险个人缴费标准为每人每年350元。",
    "2026年1月15日",
    "（此件公开发布）",
]


def ingest_pair(archive: Archive, tmp_path: Path) -> tuple[int, int]:
    """The original as published and its corrected version, filed in the archive."""
    fixed = [line.replace("350元", "380元") for line in ORIGINAL]
    fixed[2] += "（更正版）"
    outcomes = archive.ingest_files(
        [build_docx(tmp_path / "原文.docx", ORIGINAL), build_docx(tmp_path / "更正版.docx", fixed)]
    )
    original, corrected = (outcome.document_id for outcome in outcomes)
    assert original is not None and corrected is not None
    return original, corrected


def test_an_erratum_keeps_and_links_both_documents(archive: Archive, tmp_path: Path) -> None:
    original, corrected = ingest_pair(archive, tmp_path)
    desk = desk_of(archive)
    items = erratum_items(
        ["正文第一段|每人每年350元|每人每年380元", "标题|缴费标准|缴费标准（试行）"]
    )
    refused(
        archive,
        lambda: desk.add(
            erratum(document_id=original, corrected_document_id=999, errors=items), "王丽"
        ),
        "not in the archive: --corrected-document 999",
    )
    view = desk.add(
        erratum(document_id=original, corrected_document_id=corrected, errors=items), "王丽"
    )
    number = str(view["number"])
    title = "某某市医疗保障局关于2026年城乡居民基本医疗保险缴费标准的通知"
    assert view["document"] == {
        "id": original,
        "title": title,
        "doc_number": "某医保发〔2026〕3号",
        "issue_date": "2026-01-15",
    }
    assert view["corrected_document"]["id"] == corrected  # type: ignore[index]
    assert view["corrected_document"]["title"] == f"{title}（更正版）"  # type: ignore[index]
    with archive.sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 2, "both kept"
        paths = list(session.scalars(select(Document.original_path)))
        history = {
            d: [e.action for e in document_history(session, d)] for d in (original, corrected)
        }
    assert all((archive.settings.home / path).is_file() for path in paths)
    assert "correction.add" in history[original]
    assert "correction.corrected_version" in history[corrected]

    letter = desk.letter(number, by="王丽", office=SAMPLE_OFFICE)
    assert letter.path == f"generated/corrections/2026/{number}/erratum-v1.docx"
    text = letter_text(archive.settings.home / letter.path)
    for part in (
        "勘误说明",
        f"本机关于2026年1月15日公开的《{title}》（某医保发〔2026〕3号）存在错误",
        "《中华人民共和国政府信息公开条例》第六条第一款、第二十六条",
        "1．正文第一段：“每人每年350元”更正为“每人每年380元”；",
        "2．标题：“缴费标准”更正为“缴费标准（试行）”。",
        f"更正后的《{title}（更正版）》已重新公开",
    ):
        assert part in text, part


def test_an_erratum_needs_the_day_the_original_was_published(
    archive: Archive, tmp_path: Path
) -> None:
    undated = build_docx(tmp_path / "无日期.docx", ["关于某事项的说明", "正文。"])
    fixed = build_docx(tmp_path / "无日期更正.docx", ["关于某事项的说明", "正文（更正）。"])
    original, corrected = (o.document_id for o in archive.ingest_files([undated, fixed]))
    desk = desk_of(archive)
    pair = {"document_id": original, "corrected_document_id": corrected}
    refused(archive, lambda: desk.add(erratum(**pair), "王丽"), "(--published YYYY-MM-DD)")
    number = str(desk.add(erratum(published=date(2026, 6, 1), **pair), "王丽")["number"])
    letter = desk.letter(number, by="王丽", office=SAMPLE_OFFICE)
    assert "本机关于2026年6月1日公开的《" in letter_text(archive.settings.home / letter.path)


def test_numbers_follow_the_year_and_unknown_numbers_are_refused(archive: Archive) -> None:
    desk = desk_of(archive)
    assert desk.add(record(received=date(2025, 12, 30)), "王丽")["number"] == "C2025-0001"
    assert desk.add(record(), "王丽")["number"] == "C2026-0001"
    assert desk.add(record(), "王丽")["number"] == "C2026-0002"
    assert [view["number"] for view in desk.list(year=2026)] == ["C2026-0002", "C2026-0001"]
    assert [v["number"] for v in desk.list(kind=CorrectionKind.ERRATUM)] == []
    with pytest.raises(CorrectionError, match="no correction C2026-0009 in the register"):
        desk.show("C2026-0009")


# --- the command line ---------------------------------------------------------------------


OFFICE_TOML = """\
agency = "某某市人民政府办公室"
letter_code = "某政办信公开"
reconsideration_body = "某某市人民政府"
court = "某某市某某区人民法院"
office_phone = "0471-7654321"
"""


def squash(text: str) -> str:
    """Text without whitespace: the console wraps long messages anywhere."""
    return "".join(text.split())


def refuses(cli: CliRunner, message: str, *args: str) -> None:
    """``gongkai ARGS`` fails with ``message`` on stderr and nothing on stdout."""
    result = cli.invoke(app, list(args))
    assert result.exit_code != 0, result.output
    assert result.stdout == ""
    assert squash(message) in squash(result.stderr), result.stderr


def test_the_cli_from_request_to_reply(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    invoke_json(cli, "init")
    (sqlite_settings.home / "office.toml").write_text(OFFICE_TOML, encoding="utf-8")
    today = date.today()
    received = (today - timedelta(days=10)).isoformat()
    add = ["correction", "add", "--kind", "record", "--applicant", "张三", "--content", "记录有误"]

    refuses(
        cli,
        "--received: '2026-02-30' is not a date",
        *add,
        "--applicant-kind",
        "natural_person",
        "--received",
        "2026-02-30",
    )
    refuses(
        cli,
        "unknown applicant kind 'citizen'",
        *add,
        "--applicant-kind",
        "citizen",
        "--received",
        received,
    )
    assert invoke_json(cli, "correction", "list") == [], "nothing half-written"

    view = invoke_json(
        cli, *add, "--applicant-kind", "natural_person", "--received", received, "--by", "王丽"
    )
    number = view["number"]
    assert number == f"C{today.year}-0001"
    assert view["received"] == received

    out = tmp_path / "答复.docx"
    refuses(cli, "is not decided yet", "correction", "letter", number, "-o", str(out))
    assert not out.exists()
    decide = ["correction", "decide", number, "--by", "李强", "--outcome"]
    refuses(cli, "needs the reason in words", *decide, "not_substantiated")
    refuses(cli, "after today", *decide, "corrected", "--on", "2999-01-01")
    refuses(cli, "'2026-13-01' is not a date", *decide, "corrected", "--on", "2026-13-01")
    decided_view = invoke_json(cli, *decide, "transferred", "--competent-agency", "某某市民政局")
    assert decided_view["outcome"] == "transferred"
    assert decided_view["decision"]["competent_agency"] == "某某市民政局"
    assert decided_view["decision"]["by"] == "李强"

    printed = invoke_json(
        cli, "correction", "letter", number, "-o", str(out), "--date", today.isoformat()
    )
    assert printed["letter_number"] == f"某政办信公开〔{today.year}〕1号"
    assert printed["version"] == 1
    text = letter_text(out)
    assert "转送有权更正的某某市民政局处理" in text
    assert f"申请编号：{number}" in text
    assert REMEDY in text

    shown = invoke_json(cli, "correction", "show", number)
    assert shown["status"] == "decided"
    assert [letter["path"] for letter in shown["letters"]] == [printed["path"]]
    [listed] = invoke_json(cli, "correction", "list", "--kind", "record")
    assert listed["number"] == number
    refuses(cli, "looks like C2026-0001", "correction", "show", "7")


def test_the_cli_erratum_names_both_documents(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    invoke_json(cli, "init")
    (sqlite_settings.home / "office.toml").write_text(OFFICE_TOML, encoding="utf-8")
    fixed = [line.replace("350元", "380元") for line in ORIGINAL]
    (tmp_path / "docs").mkdir()
    build_docx(tmp_path / "docs" / "a原文.docx", ORIGINAL)
    build_docx(tmp_path / "docs" / "b更正版.docx", fixed)
    report = invoke_json(cli, "ingest", str(tmp_path / "docs"))
    original, corrected = (str(item["document_id"]) for item in report["files"])
    add = ["correction", "add", "--kind", "erratum", "--document", original]

    refuses(cli, "at least one error", *add, "--corrected-document", corrected)
    refuses(cli, "WHERE|WRONG|RIGHT", *add, "--corrected-document", corrected, "--error", "正文|x")
    refuses(
        cli,
        "not in the archive: --corrected-document 99",
        *add,
        "--corrected-document",
        "99",
        "--error",
        "正文|a|b",
    )
    assert invoke_json(cli, "correction", "list") == [], "nothing half-written"
    view = invoke_json(
        cli, *add, "--corrected-document", corrected, "--error", "正文|每人每年350元|每人每年380元"
    )
    assert view["kind"] == "erratum"
    assert (view["document"]["id"], view["corrected_document"]["id"]) == (
        int(original),
        int(corrected),
    )
    assert view["errors"] == [{"where": "正文", "wrong": "每人每年350元", "right": "每人每年380元"}]

    out = tmp_path / "勘误.docx"
    printed = invoke_json(cli, "correction", "letter", view["number"], "-o", str(out))
    assert printed["kind"] == "erratum"
    text = letter_text(out)
    assert "“每人每年350元”更正为“每人每年380元”" in text
    assert "（某医保发〔2026〕3号）" in text
