"""Requests in a real register (SQLite and PostgreSQL) and their letters as real .docx files."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from engine import request_store
from engine.archive import Archive
from engine.cli import app
from engine.config import Settings
from engine.deadlines import USER_FILE_NAME, Deadline, compute_deadline, load_calendar
from engine.fees import FeeMethod
from engine.letters import SAMPLE_OFFICE
from engine.office import EXAMPLE, FILE_NAME
from engine.outcomes import Outcome
from engine.register.models import AuditEvent, Letter, Request, RequestEvent
from engine.request_store import RequestDesk, facts_of
from engine.requests import (
    Decision,
    Event,
    NewRequest,
    RequestError,
    Step,
    consultation,
    consultation_reply,
    correction_notice,
    deadline_of,
    extension,
    new_request,
    payment,
    withheld_parts,
)
from tests.builders import build_docx
from tests.conftest import invoke_json
from tests.test_deadlines import toml_year
from tests.test_signoff import statements

TODAY = date(2026, 11, 23)


def desk_of(archive: Archive) -> RequestDesk:
    desk = archive.requests()
    desk.today = lambda: TODAY
    return desk


def request(received: date = date(2026, 9, 28), **changes: object) -> NewRequest:
    fields: dict[str, object] = {
        "applicant": "张三",
        "applicant_kind": "natural_person",
        "channel": "online",
        "received": received,
        "content": "2025年老旧小区改造项目的立项批复",
        "today": TODAY,
        "form": "paper",
    }
    fields.update(changes)
    return new_request(**fields)  # type: ignore[arg-type]


def letter_text(path: Path) -> str:
    document = docx.Document(str(path))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def test_numbers_run_per_year_of_receipt(archive: Archive) -> None:
    desk = desk_of(archive)
    numbers = [
        desk.add(request(date(2025, 12, 30)), "王丽")["number"],
        desk.add(request(date(2026, 1, 5)), "王丽")["number"],
        desk.add(request(date(2026, 1, 6)), "王丽")["number"],
        desk.add(request(date(2025, 12, 31)), "王丽")["number"],
    ]
    assert numbers == ["2025-0001", "2026-0001", "2026-0002", "2025-0002"]
    view = desk.show("2026-0001")
    # 2026-01-05 + 20 working days (no holiday in between): 2026-02-02
    assert view["due"] == "2026-02-02"
    assert [event["step"] for event in view["events"]] == ["registered"]  # type: ignore[index]


def test_a_request_from_arrival_to_a_sealed_ready_reply(archive: Archive, tmp_path: Path) -> None:
    files = [
        build_docx(
            tmp_path / "a.docx",
            ["某发改发〔2025〕12号", "关于老旧小区改造项目立项的批复", "正文。"],
        ),
        build_docx(tmp_path / "b.docx", ["老旧小区改造实施方案", "正文。"]),
    ]
    doc_ids = [outcome.document_id for outcome in archive.ingest_files(files)]
    desk = desk_of(archive)
    number = str(desk.add(request(), "王丽")["number"])
    desk.record(
        number,
        Event(
            Step.CORRECTION_REQUESTED,
            date(2026, 9, 29),
            "王丽",
            {"items": "请说明文号", "due": "2026-10-20"},
        ),
    )
    assert desk.show(number)["status"] == "awaiting_correction"
    desk.record(number, Event(Step.CORRECTION_RECEIVED, date(2026, 10, 12), "王丽"))
    desk.record(
        number,
        Event(Step.THIRD_PARTY_CONSULTED, date(2026, 10, 13), "王丽", {"party": "某建设公司"}),
    )
    assert desk.show(number)["status"] == "consulting"
    desk.record(
        number, Event(Step.THIRD_PARTY_REPLIED, date(2026, 10, 16), "王丽", {"party": "某建设公司"})
    )
    extended = desk.record(
        number,
        Event(
            Step.EXTENDED,
            date(2026, 11, 2),
            "王丽",
            {"working_days": 20, "approver": "李强", "reason": "需逐页审查"},
        ),
    )
    # 补正 on 10-12: 20 working days -> 11-09; third party 10-13..10-16: +3 -> 11-12; +20 -> 12-10
    assert extended["due"] == "2026-12-10"
    assert extended["extended"] is True
    decision = Decision(
        Outcome.PARTLY_GRANTED,
        date(2026, 11, 20),
        "李强",
        withheld_parts=withheld_parts(["第三页中的个人身份信息=third_party_rights"]),
        document_ids=tuple(d for d in doc_ids if d is not None),
    )
    decided = desk.decide(number, decision)
    assert decided["status"] == "decided" and decided["on_time"] is True
    assert len(decided["documents"]) == 2  # type: ignore[arg-type]

    letter = desk.letter(
        number, "reply", by="王丽", office=SAMPLE_OFFICE, letter_date=date(2026, 11, 20)
    )
    stored = archive.settings.home / letter.path
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == letter.sha256
    text = letter_text(stored)
    for expected in (
        "政府信息公开申请答复书",
        "某政办信公开〔2026〕1号",
        "张三",
        "2026-0001",
        "2026年9月28日",
        "老旧小区改造项目的立项批复",
        "关于老旧小区改造项目立项的批复",
        "某发改发〔2025〕12号",
        "第三页中的个人身份信息",
        "第三十六条第三项、第三十七条",
        "第十五条",
        "60日内向某某市人民政府申请行政复议",
        "6个月内向某某市某某区人民法院提起行政诉讼",
        "某某市人民政府办公室",
        "2026年11月20日",
    ):
        assert expected in text, expected

    again = desk.letter(
        number, "reply", by="王丽", office=SAMPLE_OFFICE, letter_date=date(2026, 11, 21)
    )
    assert (again.version, again.letter_number) == (2, letter.letter_number)
    assert stored.exists() and (archive.settings.home / again.path).exists()
    notice = desk.letter(
        number, "extension", by="王丽", office=SAMPLE_OFFICE, letter_date=date(2026, 11, 2)
    )
    assert notice.letter_number == "某政办信公开〔2026〕2号"
    notice_text = letter_text(archive.settings.home / notice.path)
    for expected in (
        "延期答复告知书",
        "20个工作日",
        "2026年11月12日",
        "2026年12月10日",
        "需逐页审查",
    ):
        assert expected in notice_text, expected
    shown = desk.show(number)
    assert [(v["kind"], v["version"]) for v in shown["letters"]] == [  # type: ignore[union-attr]
        ("reply", 1),
        ("reply", 2),
        ("extension", 1),
    ]


def test_refused_steps_write_nothing(archive: Archive) -> None:
    desk = desk_of(archive)
    number = str(desk.add(request(), "王丽")["number"])

    def counts() -> tuple[int, int, int]:
        with archive.sessions() as session:
            return (
                session.scalar(select(func.count(RequestEvent.id))) or 0,
                session.scalar(select(func.count(Letter.id))) or 0,
                session.scalar(select(func.count(AuditEvent.id))) or 0,
            )

    before = counts()
    with pytest.raises(RequestError, match="not decided yet"):
        desk.letter(number, "reply", by="王丽", office=SAMPLE_OFFICE)
    with pytest.raises(RequestError, match="parts withheld"):
        desk.decide(number, Decision(Outcome.PARTLY_GRANTED, date(2026, 10, 9), "李强"))
    with pytest.raises(RequestError, match="no document 999"):
        desk.decide(
            number, Decision(Outcome.GRANTED, date(2026, 10, 9), "李强", document_ids=(999,))
        )
    with pytest.raises(RequestError, match="after today"):
        desk.record(
            number, Event(Step.CORRECTION_REQUESTED, date(2027, 1, 4), "王丽", {"items": "x"})
        )
    with pytest.raises(RequestError, match="no request 2026-0099"):
        desk.show("2026-0099")
    assert counts() == before
    assert not list((archive.settings.home / "generated").rglob("*.docx"))


def test_the_per_item_fee_counts_the_applicants_month(archive: Archive) -> None:
    desk = desk_of(archive)
    numbers = [str(desk.add(request(date(2026, 11, 2)), "王丽")["number"]) for _ in range(12)]
    desk.add(request(date(2026, 10, 30)), "王丽")  # last month: not counted
    desk.add(request(date(2026, 11, 2), applicant="李四"), "王丽")  # someone else
    with pytest.raises(RequestError, match="the fee is 0"):
        desk.fee_notice(numbers[9], FeeMethod.PER_ITEM, sent=date(2026, 11, 3), by="王丽")
    view = desk.fee_notice(numbers[11], FeeMethod.PER_ITEM, sent=date(2026, 11, 3), by="王丽")
    assert view["status"] == "awaiting_fee"
    detail = desk.show(numbers[11])["events"][-1]["detail"]  # type: ignore[index]
    assert (detail["before"], detail["amount_due"]) == (11, 100)
    letter = desk.letter(
        numbers[11], "fee", by="王丽", office=SAMPLE_OFFICE, letter_date=date(2026, 11, 3)
    )
    text = letter_text(archive.settings.home / letter.path)
    for expected in ("收费通知书", "按件计收", "第12件", "100元", "第四条", "到本机关财务室缴纳"):
        assert expected in text, expected


def test_the_dashboard_lists_what_is_due_most_urgent_first(archive: Archive) -> None:
    desk = desk_of(archive)
    late = desk.add(request(date(2026, 9, 28)), "王丽")  # due 10-30: overdue
    soon = desk.add(request(date(2026, 10, 27)), "王丽")  # due 11-24: 1 working day left
    later = desk.add(request(date(2026, 11, 20)), "王丽")  # due 12-18
    done = desk.add(request(date(2026, 9, 29)), "王丽")
    desk.decide(str(done["number"]), Decision(Outcome.GRANTED, date(2026, 10, 9), "李强"))
    assert [v["number"] for v in desk.list(overdue=True)] == [late["number"]]
    assert [v["number"] for v in desk.list(due_within=5)] == [soon["number"]]
    urgent = desk.list(due_within=5, overdue=True)
    assert [v["number"] for v in urgent] == [late["number"], soon["number"]]
    assert urgent[1]["working_days_left"] == 1 and urgent[1]["standing"] == "due_soon"
    assert len(desk.list()) == 4 and later["standing"] == "ok"


def test_the_dashboard_ranks_the_open_requests_in_the_same_few_queries(archive: Archive) -> None:
    desk = desk_of(archive)
    desk.add(request(date(2026, 9, 28)), "王丽")  # overdue
    desk.add(request(date(2026, 10, 27)), "王丽")  # due soon
    with statements(archive.engine) as few:
        desk.dashboard(5)
    for received in (date(2026, 9, 1), date(2026, 10, 26), date(2026, 11, 20), TODAY):
        desk.add(request(received), "王丽")
    done = desk.add(request(date(2026, 9, 29)), "王丽")
    desk.decide(str(done["number"]), Decision(Outcome.GRANTED, date(2026, 10, 9), "李强"))
    with statements(archive.engine) as many:
        dashboard = desk.dashboard(5)
    assert len(many) == len(few) <= 4, many
    assert dashboard == {"overdue": desk.list(overdue=True), "due_soon": desk.list(due_within=5)}
    assert [len(dashboard["overdue"]), len(dashboard["due_soon"])] == [2, 2]
    assert dashboard["overdue"][0]["due"] < dashboard["overdue"][1]["due"]  # type: ignore[operator]


# --- the reply clock, worked out once and remembered (engine.request_store) ----------------


def the_rules(archive: Archive, desk: RequestDesk, number: str) -> Deadline:
    """The request's deadline computed afresh from the register, as the rules compute it."""
    with archive.sessions() as session:
        row = session.scalar(select(Request).where(Request.number == number))
        assert row is not None
        return deadline_of(facts_of(row), desk.calendar)


def assert_the_desk_shows(archive: Archive, desk: RequestDesk, number: str) -> None:
    """Every way the desk shows the clock (the page, the register, the ranking) is the rules'."""
    rules = the_rules(archive, desk, number)
    shown = desk.show(number)
    (listed,) = (view for view in desk.list() if view["number"] == number)
    due = rules.due.isoformat() if rules.due else None
    for view in (shown, listed):
        assert view["due"] == due
        assert view["deadline_state"] == rules.state.value
        assert view["warnings"] == [warning.message for warning in rules.warnings]
    assert shown["explanation"] == list(rules.explanation)
    if shown["decided_on"] is not None:
        assert listed["on_time"] == (due is not None and str(shown["decided_on"]) <= due)
    elif due is not None:  # ranked by the clock (none runs while the 补正 is awaited)
        ranked = desk.list(due_within=1000, overdue=True)
        assert [view for view in ranked if view["number"] == number] == [listed]


def test_the_remembered_clock_is_the_rules_after_every_kind_of_event(archive: Archive) -> None:
    desk = desk_of(archive)
    number = str(desk.add(request(date(2026, 9, 28)), "王丽")["number"])  # across 国庆
    assert_the_desk_shows(archive, desk, number)
    steps = [
        correction_notice(date(2026, 9, 29), "王丽", "请说明文号"),
        Event(Step.CORRECTION_RECEIVED, date(2026, 10, 12), "王丽"),  # the period restarts
        consultation(date(2026, 10, 13), "王丽", "某建设公司"),
        consultation_reply(date(2026, 10, 16), "王丽", "某建设公司"),
        Event(Step.FEE_NOTICE_SENT, date(2026, 10, 19), "王丽", {"amount_due": 200}),
        payment(date(2026, 10, 22), "王丽", 200),
        extension(date(2026, 11, 2), "王丽", 20, "李强", "需逐页审查"),
    ]
    dues = []
    for step in steps:
        desk.record(number, step)
        assert_the_desk_shows(archive, desk, number)
        dues.append(desk.show(number)["due"])
    # No period while the 补正 is awaited; 20 working days from its arrival (国庆 behind it);
    # an open wait counts its whole period (15, then 20 working days) until it is answered.
    assert dues == [
        None, "2026-11-09", "2026-11-30", "2026-11-12", "2026-12-10", "2026-11-17", "2026-12-15"
    ]  # fmt: skip
    desk.decide(number, Decision(Outcome.GRANTED, date(2026, 11, 20), "李强"))
    assert_the_desk_shows(archive, desk, number)


def test_a_clock_is_worked_out_once_until_its_events_or_the_holidays_change(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = desk_of(archive)
    fresh = str(desk.add(request(date(2026, 11, 20)), "王丽")["number"])
    desk.add(request(date(2026, 9, 28)), "王丽")
    consulting = str(desk.add(request(date(2026, 11, 2)), "王丽")["number"])
    worked_out: list[date] = []

    def counted(received: date, *rest: Any) -> Deadline:
        worked_out.append(received)
        return compute_deadline(received, *rest)

    monkeypatch.setattr(request_store, "compute_deadline", counted)
    request_store._deadline.cache_clear()  # the memo is the process's: other tests filled it
    desk.dashboard(5)
    assert len(worked_out) == 3, "a process's first view works every open clock out"
    worked_out.clear()
    again = desk_of(archive)  # the next web request: the same files, loaded again
    (seen,) = (view for view in again.list() if view["number"] == fresh)
    assert (seen["due"], seen["working_days_left"]) == ("2026-12-18", 19)
    again.dashboard(5)
    assert worked_out == []

    later = desk_of(archive)
    later.today = lambda: date(2026, 12, 21)  # a new day: only the standing is counted again
    (overdue,) = (view for view in later.dashboard(5)["overdue"] if view["number"] == fresh)
    assert (overdue["standing"], overdue["working_days_left"]) == ("overdue", -1)
    assert worked_out == []

    again.record(consulting, consultation(date(2026, 11, 23), "王丽", "某公司"))
    again.dashboard(5)
    assert worked_out == [date(2026, 11, 2)], "the new step's clock, once"

    # The office adds a day off on Tuesday 12-01 (the whole year, as its file must give it).
    worked_out.clear()
    year = next(a for a in load_calendar().arrangements if a.year == 2026)
    holidays = archive.settings.home / USER_FILE_NAME
    holidays.write_text(
        toml_year(2026, "2026年节假日安排及本地节日（测试用）", year.holidays | {date(2026, 12, 1)},
                  year.make_up_workdays),
        encoding="utf-8",
    )  # fmt: skip
    edited = desk_of(archive)
    assert worked_out == [], "loading the calendar works nothing out"
    edited.dashboard(5)
    assert len(worked_out) == 3, "every open request's clock, under the new calendar"
    assert the_rules(archive, edited, fresh).due == date(2026, 12, 21)  # a day later
    assert_the_desk_shows(archive, edited, fresh)
    assert desk.show(fresh)["due"] == "2026-12-18", "a desk keeps the calendar it loaded"


def test_the_register_comes_a_page_at_a_time_newest_first(archive: Archive) -> None:
    desk = desk_of(archive)
    received = [date(2025, 12, 30), date(2026, 1, 5), date(2026, 3, 2), date(2026, 9, 28)]
    numbers = [str(desk.add(request(day), "王丽")["number"]) for day in received]
    desk.decide(numbers[1], Decision(Outcome.GRANTED, date(2026, 1, 9), "李强"))
    with statements(archive.engine) as few:
        first = desk.list_page(size=2)
    assert first == {"rows": desk.list(limit=2), "page": 1, "pages": 2, "total": 4}
    assert [row["number"] for row in first["rows"]] == [numbers[3], numbers[2]]  # type: ignore[attr-defined]
    desk.add(request(date(2026, 11, 20)), "王丽")
    with statements(archive.engine) as many:
        assert len(desk.list_page(size=4)["rows"]) == 4  # type: ignore[arg-type]
    assert len(many) == len(few), many
    last = desk.list_page(size=3, page=2)
    assert (last["page"], last["pages"], last["total"]) == (2, 2, 5)
    assert [row["number"] for row in last["rows"]] == [numbers[1], numbers[0]]  # type: ignore[attr-defined]
    assert desk.list_page(size=3, page=9)["page"] == 2, "past the last: the last"

    year = desk.list_page(year=2026, size=2, page=2)
    assert [row["number"] for row in year["rows"]] == [numbers[2], numbers[1]]  # type: ignore[attr-defined]
    assert (year["total"], year["pages"]) == (4, 2)
    decided = desk.list_page(status_filter="decided")
    assert [row["number"] for row in decided["rows"]] == [numbers[1]]  # type: ignore[attr-defined]
    assert desk.list_page(year=2024) == {"rows": [], "page": 1, "pages": 1, "total": 0}
    with pytest.raises(RequestError, match="请选择办理状态"):
        desk.list_page(status_filter="lost")


# --- every outcome's letter, through the desk (SQLite) ---------------------------------

HISTORY: dict[Outcome, list[Event]] = {
    Outcome.NO_CORRECTION: [
        Event(
            Step.CORRECTION_REQUESTED,
            date(2026, 9, 29),
            "王丽",
            {"items": "文号", "due": "2026-10-20"},
        )
    ],
    Outcome.UNCLEAR_AFTER_CORRECTION: [
        Event(
            Step.CORRECTION_REQUESTED,
            date(2026, 9, 29),
            "王丽",
            {"items": "文号", "due": "2026-10-20"},
        ),
        Event(Step.CORRECTION_RECEIVED, date(2026, 10, 12), "王丽"),
    ],
    Outcome.FEE_UNPAID: [
        Event(
            Step.FEE_NOTICE_SENT,
            date(2026, 9, 30),
            "王丽",
            {"method": "per_volume", "amount_due": 200, "lines": []},
        )
    ],
}


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_prints_its_reply(outcome: Outcome, sqlite_settings: Settings) -> None:
    with Archive.open(sqlite_settings) as archive:
        desk = desk_of(archive)
        number = str(desk.add(request(), "王丽")["number"])
        for event in HISTORY.get(outcome, []):
            desk.record(number, event)
        decision = Decision(
            outcome,
            date(2026, 11, 20),
            "李强",
            reason_text="申请人已撤回申请" if outcome is Outcome.OTHER else "",
            withheld_parts=withheld_parts(["内部讨论记录=process_info"])
            if outcome is Outcome.PARTLY_GRANTED
            else (),
        )
        desk.decide(number, decision)
        letter = desk.letter(
            number, "reply", by="王丽", office=SAMPLE_OFFICE, letter_date=date(2026, 11, 20)
        )
        text = letter_text(archive.settings.home / letter.path)
    assert number in text and "2026年9月28日" in text and "2026年11月20日" in text
    assert decision.basis.removeprefix("《中华人民共和国政府信息公开条例》") in text
    assert "行政复议" in text and "行政诉讼" in text
    if outcome.reason:
        assert outcome.reason.article in text


# --- the command line ----------------------------------------------------------------


def test_cli_contract_and_clear_errors(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    added = invoke_json(
        cli,
        "request", "add", "--applicant", "某某律师事务所", "--applicant-kind", "legal_service",
        "--channel", "registered_post", "--received", "2026-09-28", "--content", "某文件",
    )  # fmt: skip
    assert {"number", "received", "due"} <= set(added)
    assert (added["number"], added["received"], added["due"]) == (
        "2026-0001",
        "2026-09-28",
        "2026-10-30",
    )
    bad = cli.invoke(
        app,
        ["request", "add", "--applicant", "x", "--applicant-kind", "citizen", "--channel", "online",
         "--received", "2026-02-30", "--content", "c"],
    )  # fmt: skip
    assert bad.exit_code == 1 and "not a date" in bad.output
    bad = cli.invoke(
        app,
        ["request", "add", "--applicant", "x", "--applicant-kind", "citizen", "--channel", "online",
         "--received", "2026-02-03", "--content", "c"],
    )  # fmt: skip
    assert bad.exit_code == 1 and "unknown applicant kind 'citizen'" in bad.output

    decided = invoke_json(
        cli, "request", "decide", "2026-0001", "--outcome", "withheld.process_info", "--by", "李强",
        "--on", "2026-10-20",
    )  # fmt: skip
    assert decided["outcome"] == "withheld.process_info"
    out = tmp_path / "reply.docx"
    missing = cli.invoke(app, ["request", "letter", "2026-0001", "-o", str(out)])
    assert (
        missing.exit_code == 1
        and "office.toml" in missing.output
        and "gongkai init" in missing.output
    )
    (sqlite_settings.home / FILE_NAME).write_text(EXAMPLE, encoding="utf-8")
    empty = cli.invoke(app, ["request", "letter", "2026-0001", "-o", str(out)])
    assert empty.exit_code == 1 and "fill in agency, letter_code" in empty.output
    (sqlite_settings.home / FILE_NAME).write_text(
        'agency = "某局"\nletter_code = "某信公开"\n'
        'reconsideration_body = "某市人民政府"\ncourt = "某区人民法院"\n',
        encoding="utf-8",
    )
    printed = invoke_json(
        cli, "request", "letter", "2026-0001", "-o", str(out), "--date", "2026-10-20"
    )
    assert printed["letter_number"] == "某信公开〔2026〕1号"
    text = letter_text(out)
    assert "第十六条第二款" in text and "过程性信息" in text and "某局" in text
    listed = invoke_json(cli, "request", "list", "--overdue")
    assert listed == []


def test_templates_check_passes_and_catches_a_broken_office_copy(
    cli: CliRunner, sqlite_settings: Settings
) -> None:
    checked = invoke_json(cli, "templates", "check")
    assert checked["problems"] == [] and checked["checked"] >= 33
    from engine.letters import SHIPPED

    office_copy = sqlite_settings.home / "templates" / "letters" / "granted.docx"
    office_copy.parent.mkdir(parents=True)
    shutil.copyfile(SHIPPED / "letters" / "granted.docx", office_copy)
    document = docx.Document(str(office_copy))
    paragraph = document.paragraphs[-1]
    paragraph.add_run("{{ applicant_nickname }}")  # a variable the program does not supply
    paragraph.add_run("{{ applicant ")  # a tag Word split across runs and lost the end of
    document.save(str(office_copy))
    result = cli.invoke(app, ["templates", "check", "--json"])
    assert result.exit_code == 1
    problems = invoke_problems(result.stdout)
    assert [p["template"] for p in problems] == ["letters/granted.docx"]


def invoke_problems(stdout: str) -> list[dict[str, str]]:
    import json

    return list(json.loads(stdout)["problems"])


def test_what_the_applicant_wrote_reaches_the_letter_as_written(sqlite_settings: Settings) -> None:
    asked = "R&D <2025> “规划”资金 & 'A'"
    with Archive.open(sqlite_settings) as archive:
        desk = desk_of(archive)
        number = str(desk.add(request(content=asked), "王丽")["number"])
        desk.decide(number, Decision(Outcome.NEEDS_CREATION, date(2026, 10, 9), "李强"))
        letter = desk.letter(number, "reply", by="王丽", office=SAMPLE_OFFICE)
        assert asked in letter_text(archive.settings.home / letter.path)


def test_appeals_and_rule_marks_from_the_command_line(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    invoke_json(
        cli,
        "request", "add", "--applicant", "张三", "--applicant-kind", "natural_person",
        "--channel", "in_person", "--received", "2026-09-28", "--content", "某文件",
    )  # fmt: skip
    filed = ["request", "appeal", "2026-0001", "--kind", "reconsideration", "--filed", "2026-10-20"]
    view = invoke_json(cli, *filed)
    assert view["appeals"] == [
        {
            "kind": "reconsideration",
            "kind_label": "行政复议",
            "filed": "2026-10-20",
            "result": None,
            "result_label": None,
            "closed": None,
            "note": "",
        }
    ]
    view = invoke_json(cli, *filed, "--result", "corrected", "--closed", "2026-11-10")
    assert [(a["result"], a["closed"]) for a in view["appeals"]] == [("corrected", "2026-11-10")]
    half = cli.invoke(app, [*filed, "--result", "upheld"])
    assert half.exit_code == 1 and "both its result and the day it closed" in half.output
    early = cli.invoke(
        app,
        ["request", "appeal", "2026-0001", "--kind", "litigation_direct", "--filed", "2026-09-01"],
    )
    assert early.exit_code == 1 and "before the request was received" in early.output

    rule = build_docx(
        tmp_path / "rule.docx", ["某政发〔2024〕3号", "某某市政府信息公开办法", "正文。"]
    )
    invoke_json(cli, "ingest", str(rule))
    marked = invoke_json(cli, "rules", "mark", "1", "--kind", "normative")
    assert (marked["rule_kind"], marked["repealed_on"]) == ("normative", None)
    marked = invoke_json(cli, "rules", "mark", "1", "--repealed", "2026-06-30")
    assert (marked["rule_kind"], marked["repealed_on"]) == ("normative", "2026-06-30")
    marked = invoke_json(cli, "rules", "mark", "1", "--issued", "2024-03-01")
    assert marked["issue_date"] == "2024-03-01"
    late = cli.invoke(app, ["rules", "mark", "1", "--repealed", "2023-01-01"])
    assert late.exit_code == 1 and "before it was issued (2024-03-01)" in late.output
    assert [r["id"] for r in invoke_json(cli, "rules", "list")] == [1]
    neither = cli.invoke(app, ["rules", "mark", "1"])
    assert neither.exit_code == 1 and "--clear alone" in neither.output
    invoke_json(cli, "rules", "mark", "1", "--clear")
    assert invoke_json(cli, "rules", "list") == []
