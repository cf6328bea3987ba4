"""The rules of a request's life (engine.requests) and the outcome table (engine.outcomes)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.codes import Reason
from engine.deadlines import Calendar, YearArrangement, load_calendar
from engine.fees import compute_fee
from engine.outcomes import (
    OUTCOMES,
    ApplicantKind,
    Channel,
    InformationForm,
    NoticeKind,
    Outcome,
    OutcomeGroup,
)
from engine.requests import (
    Applicant,
    Decision,
    Event,
    RequestError,
    RequestFacts,
    RequestStatus,
    Step,
    check_decision,
    check_letter,
    check_step,
    consultation,
    consultation_reply,
    correction_notice,
    deadline_of,
    decision_of,
    document_ids,
    event_summary,
    extension,
    format_number,
    letter_kinds,
    letter_label,
    new_request,
    next_steps,
    open_consultations,
    parse_count,
    parse_day,
    parse_number,
    payment,
    status_of,
    withheld_parts,
    withheld_rows,
)

TODAY = date(2026, 11, 23)
RECEIVED = date(2026, 9, 28)  # a Monday before 国庆: due 2026-10-30


@pytest.fixture(scope="module")
def calendar() -> Calendar:
    return load_calendar()


def facts(*events: Event, decision: Decision | None = None) -> RequestFacts:
    return RequestFacts(
        "2026-0007",
        RECEIVED,
        Applicant("张三", ApplicantKind.NATURAL_PERSON),
        Channel.ONLINE,
        "某某文件",
        InformationForm.PAPER,
        (Event(Step.REGISTERED, RECEIVED, "王丽"), *events),
        decision,
    )


def decide(outcome: Outcome, on: date = date(2026, 10, 20), **parts: object) -> Decision:
    return Decision(outcome, on, "李强", **parts)  # type: ignore[arg-type]


# --- the outcome table ---------------------------------------------------------------


def test_every_outcome_row_of_table_three_once_with_its_basis_and_template() -> None:
    assert set(OUTCOMES) == set(Outcome)
    assert len(Outcome) == 21  # 2 + 8 + 3 + 5 + 3 leaf rows of the national format
    for outcome in Outcome:
        assert outcome.basis.startswith("《"), outcome
        assert outcome.template == f"letters/{outcome.value}.docx"
        assert outcome.group in OutcomeGroup
    assert Outcome.WITHHELD_PROCESS_INFO.reason is Reason.PROCESS_INFO
    assert Outcome.WITHHELD_PROCESS_INFO.basis.endswith("第三十六条第三项、第十六条第二款")
    assert Outcome.WITHHELD_ADMINISTRATIVE_QUERY.basis.endswith("第三十六条第七项")
    assert Outcome.WITHHELD_STATE_SECRET.label == "1．属于国家秘密"
    assert Outcome.WITHHELD_ADMINISTRATIVE_QUERY.label == "8．属于行政查询事项"
    assert Outcome.FEE_UNPAID.basis == "《政府信息公开信息处理费管理办法》"
    assert Outcome.GRANTED.reason is None


def test_every_channel_states_its_day_of_receipt() -> None:
    for channel in Channel:
        assert "收到申请之日" in channel.receipt_rule
    assert "签收之日" in Channel.REGISTERED_POST.receipt_rule
    assert "确认之日" in Channel.POST.receipt_rule


def test_notices_have_templates_and_bases() -> None:
    for notice in NoticeKind:
        assert notice.template == f"notices/{notice.value}.docx"
        assert "条例" in notice.basis


# --- registering --------------------------------------------------------------------


def test_new_request_is_checked_and_normalised() -> None:
    new = new_request(
        applicant=" 张三 ",
        applicant_kind="natural_person",
        channel="registered_post",
        received=RECEIVED,
        content=" 某某文件 ",
        today=TODAY,
        id_number="11010519491231002x",
    )
    assert new.applicant.name == "张三"
    assert new.applicant.id_number == "11010519491231002X"
    assert new.applicant.you == "您"
    assert new.channel is Channel.REGISTERED_POST
    assert new.content == "某某文件"


def test_new_request_reports_every_problem_at_once() -> None:
    with pytest.raises(RequestError) as caught:
        new_request(
            applicant="",
            applicant_kind="citizen",
            channel="pigeon",
            received=date(2026, 12, 1),
            content=" ",
            today=TODAY,
            id_number="110105194912310021",
        )
    message = str(caught.value)
    for part in (
        "name is required",
        "unknown applicant kind 'citizen'",
        "natural_person",
        "unknown channel 'pigeon'",
        "after today",
        "content",
        "check digit",
    ):
        assert part in message


def test_new_request_names_the_field_of_each_problem() -> None:
    with pytest.raises(RequestError) as caught:
        new_request(
            applicant="张三",
            applicant_kind="",
            channel="online",
            received="2026-02-30",
            content="某某文件",
            today=TODAY,
            items="two",
        )
    fields = caught.value.fields
    assert set(fields) == {"applicant_kind", "received", "items"}
    assert fields["applicant_kind"].startswith("请选择申请人类型")
    assert "'2026-02-30' 不是有效日期" in fields["received"]
    assert "件数应为整数" in fields["items"]
    assert str(caught.value) == "; ".join(fields.values())
    typed = new_request(
        applicant="张三",
        applicant_kind="commercial",
        channel="fax",
        received=" 2026-10-09 ",
        content="某某文件",
        today=TODAY,
        items="",
    )
    assert (typed.received, typed.items) == (date(2026, 10, 9), 1)


def test_typed_days_and_counts() -> None:
    assert parse_day("2026-10-09", "--on") == date(2026, 10, 9)
    assert parse_day(" ", "--on", default=TODAY) == TODAY
    with pytest.raises(RequestError, match="--on: '' is not a date"):
        parse_day("", "--on")
    assert (parse_count("", "页数"), parse_count(" 12 ", "页数"), parse_count(3, "页数")) == (
        None,
        12,
        3,
    )
    with pytest.raises(RequestError, match="页数应为整数"):
        parse_count("十", "页数")
    assert document_ids("12, 15,") == (12, 15)
    assert document_ids(["3", "4,5"]) == (3, 4, 5)
    with pytest.raises(RequestError, match="not '12,x'"):
        document_ids("12,x")


def test_request_numbers() -> None:
    assert format_number(2026, 1) == "2026-0001"
    assert format_number(2026, 12345) == "2026-12345"
    assert parse_number("2026-0042") == (2026, 42)
    with pytest.raises(RequestError, match="looks like 2026-0001"):
        parse_number("42")


# --- steps -----------------------------------------------------------------------------


def test_a_step_moves_the_clock_and_the_status(calendar: Calendar) -> None:
    asked = Event(Step.CORRECTION_REQUESTED, date(2026, 9, 29), "王丽", {"items": "文号"})
    deadline = check_step(facts(), asked, TODAY, calendar)
    assert deadline.due is None
    assert status_of(facts(asked), deadline) is RequestStatus.AWAITING_CORRECTION
    came = Event(Step.CORRECTION_RECEIVED, date(2026, 10, 12), "王丽")
    deadline = check_step(facts(asked), came, TODAY, calendar)
    assert deadline.base == date(2026, 10, 12)
    assert deadline.due == date(2026, 11, 9)  # 20 working days from the 补正
    consulted = Event(Step.THIRD_PARTY_CONSULTED, date(2026, 10, 14), "王丽", {"party": "某公司"})
    state = deadline_of(facts(asked, came, consulted), calendar)
    assert status_of(facts(asked, came, consulted), state) is RequestStatus.CONSULTING


def test_fee_wait_is_its_own_status(calendar: Calendar) -> None:
    fee = Event(
        Step.FEE_NOTICE_SENT,
        date(2026, 10, 9),
        "王丽",
        compute_fee("per_volume", pages=50).to_dict(),
    )
    assert status_of(facts(fee), deadline_of(facts(fee), calendar)) is RequestStatus.AWAITING_FEE


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (Event(Step.CORRECTION_REQUESTED, date(2026, 9, 29), "王丽"), "say what to supplement"),
        (Event(Step.THIRD_PARTY_CONSULTED, date(2026, 9, 29), "王丽"), "name the third party"),
        (
            Event(Step.EXTENDED, date(2026, 9, 29), "王丽", {"working_days": 5, "approver": "李"}),
            "give its reason",
        ),
        (Event(Step.CORRECTION_RECEIVED, date(2026, 9, 29), "王丽"), "补正"),
        (Event(Step.FEE_PAID, date(2026, 9, 29), "王丽"), "answers no open fee_notice_sent"),
        (Event(Step.CORRECTION_REQUESTED, date(2026, 9, 1), "王丽", {"items": "x"}), "before"),
        (
            Event(Step.CORRECTION_REQUESTED, date(2026, 12, 1), "王丽", {"items": "x"}),
            "after today",
        ),
        (
            Event(
                Step.EXTENDED,
                date(2026, 11, 20),
                "王丽",
                {"working_days": 5, "approver": "李", "reason": "r"},
            ),
            "an ended period cannot be extended",
        ),
    ],
)
def test_impossible_steps_are_refused(event: Event, message: str, calendar: Calendar) -> None:
    with pytest.raises(RequestError, match=message):
        check_step(facts(), event, TODAY, calendar)


def test_no_step_after_the_decision(calendar: Calendar) -> None:
    decided = facts(decision=decide(Outcome.GRANTED))
    with pytest.raises(RequestError, match="no 补正告知 after the reply"):
        check_step(
            decided,
            Event(Step.CORRECTION_REQUESTED, date(2026, 10, 21), "王丽", {"items": "x"}),
            TODAY,
            calendar,
        )


# --- decisions ----------------------------------------------------------------------


def test_partly_granted_needs_its_withheld_parts(calendar: Calendar) -> None:
    with pytest.raises(RequestError, match="parts withheld"):
        check_decision(facts(), decide(Outcome.PARTLY_GRANTED), TODAY, calendar)
    parts = withheld_parts(["第三页个人信息=third_party_rights", "讨论记录 = process_info"])
    assert parts[1].reason is Reason.PROCESS_INFO and parts[1].part == "讨论记录"
    check_decision(facts(), decide(Outcome.PARTLY_GRANTED, withheld_parts=parts), TODAY, calendar)
    with pytest.raises(RequestError, match="only partly_granted"):
        check_decision(facts(), decide(Outcome.GRANTED, withheld_parts=parts), TODAY, calendar)


@pytest.mark.parametrize("spec", ["no reason", "x=secret", "=process_info"])
def test_withheld_part_specs(spec: str) -> None:
    with pytest.raises(RequestError):
        withheld_parts([spec])


def test_decisions_that_need_words_or_history(calendar: Calendar) -> None:
    with pytest.raises(RequestError, match="reason in words"):
        check_decision(facts(), decide(Outcome.OTHER), TODAY, calendar)
    check_decision(facts(), decide(Outcome.OTHER, reason_text="申请人撤回申请"), TODAY, calendar)
    with pytest.raises(RequestError, match="no 补正告知 was sent"):
        check_decision(facts(), decide(Outcome.NO_CORRECTION), TODAY, calendar)
    with pytest.raises(RequestError, match="no 补正 was received"):
        check_decision(facts(), decide(Outcome.UNCLEAR_AFTER_CORRECTION), TODAY, calendar)
    with pytest.raises(RequestError, match="no fee notice"):
        check_decision(facts(), decide(Outcome.FEE_UNPAID), TODAY, calendar)
    with pytest.raises(RequestError, match="before the request was received"):
        check_decision(facts(), decide(Outcome.GRANTED, on=date(2026, 9, 1)), TODAY, calendar)
    with pytest.raises(RequestError, match="competent agency"):
        check_decision(facts(), decide(Outcome.GRANTED, competent_agency="某局"), TODAY, calendar)
    with pytest.raises(RequestError, match="already decided"):
        check_decision(
            facts(decision=decide(Outcome.GRANTED)), decide(Outcome.GRANTED), TODAY, calendar
        )


def test_no_correction_only_after_the_applicants_time_is_up(calendar: Calendar) -> None:
    asked = Event(
        Step.CORRECTION_REQUESTED, date(2026, 9, 29), "王丽", {"items": "文号", "due": "2026-10-20"}
    )
    with pytest.raises(RequestError, match="has until 2026-10-20"):
        check_decision(
            facts(asked), decide(Outcome.NO_CORRECTION, on=date(2026, 10, 20)), TODAY, calendar
        )
    check_decision(
        facts(asked), decide(Outcome.NO_CORRECTION, on=date(2026, 10, 21)), TODAY, calendar
    )


def test_fee_unpaid_only_after_the_payment_period(calendar: Calendar) -> None:
    fee = Event(
        Step.FEE_NOTICE_SENT,
        date(2026, 9, 30),
        "王丽",
        compute_fee("per_volume", pages=50).to_dict(),
    )
    # 20 working days from 9-30 across 国庆 (10-1..10-7 off, 10-10 a make-up day): 11-3
    with pytest.raises(RequestError, match="may pay until 2026-11-03"):
        check_decision(
            facts(fee), decide(Outcome.FEE_UNPAID, on=date(2026, 11, 3)), TODAY, calendar
        )
    check_decision(facts(fee), decide(Outcome.FEE_UNPAID, on=date(2026, 11, 4)), TODAY, calendar)
    with pytest.raises(RequestError, match="fee notice is unpaid"):
        check_decision(facts(fee), decide(Outcome.GRANTED, on=date(2026, 11, 5)), TODAY, calendar)
    paid = Event(Step.FEE_PAID, date(2026, 10, 15), "王丽")
    check_decision(facts(fee, paid), decide(Outcome.GRANTED, on=date(2026, 11, 5)), TODAY, calendar)


def test_the_basis_follows_the_item_of_article_36() -> None:
    assert decide(Outcome.GRANTED).basis.endswith("第三十六条第二项")
    assert decide(Outcome.GRANTED, published_where="门户网站").basis.endswith("第三十六条第一项")
    assert decide(Outcome.NOT_HELD).basis.endswith("第三十六条第四项")
    assert decide(Outcome.NOT_HELD, competent_agency="某局").basis.endswith("第三十六条第五项")


def test_a_decision_round_trips_through_plain_data() -> None:
    decision = decide(
        Outcome.PARTLY_GRANTED,
        withheld_parts=withheld_parts(["a=process_info"]),
        document_ids=(3, 5),
        reason_text="说明",
    )
    assert Decision.from_dict(decision.to_dict()) == decision


# --- letters ----------------------------------------------------------------------------


def test_which_letter_may_be_printed() -> None:
    with pytest.raises(RequestError, match="not decided yet"):
        check_letter(facts(), "reply")
    assert check_letter(facts(decision=decide(Outcome.GRANTED)), "reply") == "letters/granted.docx"
    referral = facts(decision=decide(Outcome.NOT_HELD, competent_agency="某局"))
    assert check_letter(referral, "reply") == "notices/referral.docx"
    assert check_letter(referral, "referral") == "notices/referral.docx"
    with pytest.raises(RequestError, match="names the competent agency"):
        check_letter(facts(decision=decide(Outcome.NOT_HELD)), "referral")
    with pytest.raises(RequestError, match="no 延期答复 was recorded"):
        check_letter(facts(), "extension")
    with pytest.raises(RequestError, match="unknown letter kind"):
        check_letter(facts(), "postcard")
    asked = Event(Step.CORRECTION_REQUESTED, date(2026, 9, 29), "王丽", {"items": "文号"})
    assert check_letter(facts(asked), "correction_request") == "notices/correction_request.docx"


# --- steps as the clerk gives them, and what the desk offers next --------------------------


def test_steps_as_given_carry_their_detail() -> None:
    asked = correction_notice(date(2026, 9, 29), "王丽", " 文号 ", date(2026, 10, 20))
    assert asked.detail == {"items": "文号", "due": "2026-10-20"}
    with pytest.raises(RequestError, match="must come after the notice"):
        correction_notice(date(2026, 9, 29), "王丽", "文号", date(2026, 9, 29))
    extended = extension(date(2026, 10, 9), "王丽", "15", " 李强 ", "需逐页审查")
    assert extended.detail == {"working_days": 15, "approver": "李强", "reason": "需逐页审查"}
    assert consultation_reply(date(2026, 10, 9), "王丽", "某公司").detail == {
        "party": "某公司",
        "opinion": "",
    }
    assert payment(date(2026, 10, 9), "王丽").detail == {}
    assert payment(date(2026, 10, 9), "王丽", "300").detail == {"amount": 300}


def test_a_decision_as_given() -> None:
    decision = decision_of(
        "partly_granted",
        date(2026, 10, 20),
        "李强",
        reason_text=" 见附件 ",
        withheld=withheld_rows(["第三页 ", "", ""], ["third_party_rights", "", ""]),
        documents=(3,),
    )
    assert decision.outcome is Outcome.PARTLY_GRANTED and decision.reason_text == "见附件"
    assert decision.withheld_parts == withheld_parts(["第三页=third_party_rights"])
    with pytest.raises(RequestError, match="请选择答复结果"):
        decision_of("granted-ish", date(2026, 10, 20), "李强")
    with pytest.raises(RequestError, match="请选择第三方权益的类型"):
        decision_of("withheld.third_party_rights", date(2026, 10, 20), "李强", third_party_kind="x")
    with pytest.raises(RequestError, match="请为“第三页”选择不予公开的理由"):
        withheld_rows(["第三页"], [])
    with pytest.raises(RequestError, match="请写明不予公开的部分"):
        withheld_rows([""], ["process_info"])


def test_the_next_steps_follow_the_rules() -> None:
    fresh = next_steps(facts())
    assert fresh == (
        Step.CORRECTION_REQUESTED,
        Step.EXTENDED,
        Step.THIRD_PARTY_CONSULTED,
        Step.FEE_NOTICE_SENT,
        Step.DOCUMENTS_LINKED,
        Step.DECIDED,
    )
    asked = correction_notice(date(2026, 9, 29), "王丽", "文号")
    assert next_steps(facts(asked)) == (
        Step.CORRECTION_RECEIVED,
        Step.DOCUMENTS_LINKED,
        Step.DECIDED,
    )
    came = Event(Step.CORRECTION_RECEIVED, date(2026, 10, 9), "王丽")
    extended = extension(date(2026, 10, 12), "王丽", 10, "李强", "多")
    consulted = [consultation(date(2026, 10, 13), "王丽", party) for party in ("甲公司", "乙公司")]
    fee = Event(Step.FEE_NOTICE_SENT, date(2026, 10, 14), "王丽", {"amount_due": 100})
    later = facts(asked, came, extended, *consulted, fee)
    assert next_steps(later) == (
        Step.THIRD_PARTY_CONSULTED,
        Step.THIRD_PARTY_REPLIED,
        Step.FEE_PAID,
        Step.DOCUMENTS_LINKED,
        Step.DECIDED,
    )
    assert open_consultations(later) == ("甲公司", "乙公司")
    replied = consultation_reply(date(2026, 10, 15), "王丽", "甲公司")
    assert open_consultations(facts(*consulted, replied)) == ("乙公司",)
    assert next_steps(facts(decision=decide(Outcome.GRANTED))) == ()


def test_the_letters_a_request_can_print_now() -> None:
    assert letter_kinds(facts()) == ()
    asked = correction_notice(date(2026, 9, 29), "王丽", "文号")
    assert letter_kinds(facts(asked)) == (NoticeKind.CORRECTION_REQUEST,)
    referred = decide(Outcome.NOT_HELD, competent_agency="某某局")
    assert letter_kinds(facts(decision=referred)) == ("reply", NoticeKind.REFERRAL)
    assert letter_label("reply") == "政府信息公开申请答复书"
    assert letter_label("third_party:某公司") == "第三方意见征询函（某公司）"
    assert event_summary(Step.DECIDED, {"outcome": "withheld.process_info"}) == (
        "不予公开（属于四类过程性信息）"
    )
    assert event_summary(Step.CORRECTION_REQUESTED, asked.detail) == "需补正：文号"


def test_days_left_are_counted_over_years_as_day_by_day(calendar: Calendar) -> None:
    """The dashboard counts every open request's working days to today without walking
    them; the count must be the day-by-day one, holidays and make-up days included."""
    office = YearArrangement(
        2026,
        frozenset({date(2026, 3, 3), date(2026, 3, 8)}),  # a Tuesday and a Sunday off
        frozenset({date(2026, 3, 7)}),  # a Saturday worked
        "office",
    )

    def walked(days: Calendar, a: date, b: date) -> int:
        if b < a:
            return -walked(days, b, a)
        return sum(days.is_working_day(a + timedelta(days=n)) for n in range(1, (b - a).days + 1))

    starts = [date(2003, 12, 29) + timedelta(days=37 * n) for n in range(250)]  # 2003–2029
    for days in (calendar, Calendar(), Calendar.layered([office], calendar.arrangements)):
        for a in starts:
            for span in (0, 1, 6, 7, 8, 45, -3, -200, 400):
                b = a + timedelta(days=span)
                assert days.working_days_between(a, b) == walked(days, a, b), (a, b)
    assert Calendar.layered([office]).working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
