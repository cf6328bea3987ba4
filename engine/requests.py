"""依申请公开 — the rules of a disclosure request's life, as pure functions.

A request is registered (第二十九条, the day of receipt per 第三十一条), may be
sent a 补正告知 (第三十条), extended once (第三十三条), sent out for a third
party's opinion (第三十二条), charged a fee (国办函〔2020〕109号), and is decided
with one outcome of the annual report's table 三 (engine.outcomes). The shell
(:mod:`engine.request_store`) loads a request's facts, asks these functions
whether a step may be taken, and writes it; a step refused here is never
half-written.

Everything here is plain data in, plain data out: no database, no files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import zip_longest
from typing import TypeVar

from engine.classify.personal import is_valid_id_number
from engine.codes import Reason, ThirdPartyKind
from engine.deadlines import (
    Calendar,
    ClockError,
    ClockEvent,
    ClockSettings,
    ClockState,
    Deadline,
    EventKind,
    Status,
    compute_deadline,
    fee_payment_due,
)
from engine.outcomes import ApplicantKind, Channel, InformationForm, NoticeKind, Outcome
from engine.report import AppealKind, AppealResult

_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")
NUMBER_PATTERN = re.compile(r"(\d{4})-(\d{4,})")


class RequestError(ValueError):
    """A step that cannot be taken: the message says what is wrong and what to do instead.

    ``fields`` maps the form field at fault to its own message, where the problem is one
    of input (a form shows each beside its field; the CLI prints the whole message).
    """

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})


class Step(StrEnum):
    """What happened to a request (its event log); the clock's events keep their codes."""

    REGISTERED = "registered"  # 登记
    CORRECTION_REQUESTED = EventKind.CORRECTION_REQUESTED.value  # 补正告知
    CORRECTION_RECEIVED = EventKind.CORRECTION_RECEIVED.value  # 收到补正
    EXTENDED = EventKind.EXTENDED.value  # 延期答复
    THIRD_PARTY_CONSULTED = EventKind.THIRD_PARTY_CONSULTED.value  # 征求第三方意见
    THIRD_PARTY_REPLIED = EventKind.THIRD_PARTY_REPLIED.value  # 第三方答复
    FEE_NOTICE_SENT = EventKind.FEE_NOTICE_SENT.value  # 收费通知
    FEE_PAID = EventKind.FEE_PAID.value  # 缴费
    DOCUMENTS_LINKED = "documents_linked"  # 检索到的政府信息
    DECIDED = "decided"  # 作出答复决定
    LETTER = "letter"  # 生成文书

    @property
    def label(self) -> str:
        return _STEP_LABELS[self]


_STEP_LABELS = {
    Step.REGISTERED: "登记",
    Step.CORRECTION_REQUESTED: "补正告知",
    Step.CORRECTION_RECEIVED: "收到补正",
    Step.EXTENDED: "延期答复",
    Step.THIRD_PARTY_CONSULTED: "征求第三方意见",
    Step.THIRD_PARTY_REPLIED: "收到第三方意见",
    Step.FEE_NOTICE_SENT: "发出收费通知",
    Step.FEE_PAID: "缴纳信息处理费",
    Step.DOCUMENTS_LINKED: "关联政府信息",
    Step.DECIDED: "作出答复",
    Step.LETTER: "生成文书",
}


class RequestStatus(StrEnum):
    """办理状态 — where a request stands, from its events."""

    OPEN = "open"  # 办理中
    AWAITING_CORRECTION = "awaiting_correction"  # 待补正
    CONSULTING = "consulting"  # 征求意见中
    AWAITING_FEE = "awaiting_fee"  # 待缴费
    DECIDED = "decided"  # 已答复

    @property
    def label(self) -> str:
        return {
            "open": "办理中",
            "awaiting_correction": "待补正",
            "consulting": "征求意见中",
            "awaiting_fee": "待缴费",
            "decided": "已答复",
        }[self.value]


# How a request's deadline stands today (engine.deadlines.Status), or that it was answered.
STANDING_LABELS = {
    Status.OK.value: "期限内",
    Status.DUE_SOON.value: "即将到期",
    Status.OVERDUE.value: "已逾期",
    Status.AWAITING_CORRECTION.value: "待补正",
    RequestStatus.DECIDED.value: "已答复",
}


@dataclass(frozen=True)
class Event:
    """One dated step: ``on`` is the day it happened, ``by`` who recorded it."""

    step: Step
    on: date
    by: str
    detail: Mapping[str, object] = field(default_factory=dict)

    def clock_event(self) -> ClockEvent | None:
        """The event as the reply clock sees it, or None for steps that don't move it."""
        if self.step.value not in _CLOCK_KINDS:
            return None
        detail = self.detail
        return ClockEvent(
            EventKind(self.step.value),
            self.on,
            working_days=int(detail.get("working_days", 0) or 0),  # type: ignore[call-overload]
            approver=str(detail.get("approver", "") or ""),
            party=str(detail.get("party", "") or ""),
        )


_CLOCK_KINDS = frozenset(kind.value for kind in EventKind)


@dataclass(frozen=True)
class Applicant:
    """申请人 — who asks (第二十九条: name, identity, contact)."""

    name: str
    kind: ApplicantKind
    contact: str = ""
    id_number: str = ""

    @property
    def you(self) -> str:
        """How a letter addresses the applicant."""
        return "您" if self.kind.is_person else "你单位"


@dataclass(frozen=True)
class NewRequest:
    """A request as registered: checked by :func:`new_request`."""

    applicant: Applicant
    channel: Channel
    received: date
    content: str
    form: InformationForm
    items: int = 1  # 一事一申请: how many items it counts for the per-item fee
    topic: str = ""


def new_request(
    *,
    applicant: str,
    applicant_kind: str,
    channel: str,
    received: date | str,
    content: str,
    today: date,
    contact: str = "",
    id_number: str = "",
    form: str = InformationForm.ANY.value,
    items: int | str = 1,
    topic: str = "",
) -> NewRequest:
    """A request to register, checked: every problem at once, in one :class:`RequestError`
    whose ``fields`` name each field at fault (the keyword's name).

    ``received`` is the day of receipt by the rules of 第三十一条 for the channel
    (the clerk records it; ``Channel.receipt_rule`` says which day that is), as a
    date or as typed (YYYY-MM-DD). It cannot be after ``today``. ``items`` may be
    typed too; left empty it is one.
    """
    problems: dict[str, str] = {}
    if not applicant.strip():
        problems["applicant"] = (
            "请填写申请人姓名或名称 (the applicant's name is required, 第二十九条)"
        )
    kind = _choice(ApplicantKind, applicant_kind, "applicant_kind", problems)
    arrived_by = _choice(Channel, channel, "channel", problems)
    wanted = _choice(InformationForm, form, "form", problems)
    day = _typed(lambda: parse_day(received, "收到申请之日"), "received", problems)
    if day is not None and day > today:
        problems["received"] = (
            f"收到申请之日 {day} 晚于今天（{today}） (the day of receipt {day} is after today)"
        )
    if not content.strip():
        problems["content"] = (
            "请填写所申请的政府信息内容（第二十九条第二款第二项） "
            "(the content asked for is required)"
        )
    number = id_number.strip().upper()
    if number and len(number) == 18 and not is_valid_id_number(number):
        problems["id_number"] = (
            f"身份证号码 {number} 校验位不符（GB 11643） (the ID number fails its check digit)"
        )
    count = _typed(lambda: parse_count(items, "件数"), "items", problems)
    if count is not None and count < 1:
        problems["items"] = f"件数至少为 1 (a request counts for at least one item, not {count})"
    if problems:
        raise RequestError("; ".join(problems.values()), problems)
    assert kind is not None and arrived_by is not None and wanted is not None and day is not None
    return NewRequest(
        Applicant(applicant.strip(), kind, contact.strip(), number),
        arrived_by,
        day,
        content.strip(),
        wanted,
        count or 1,
        topic.strip(),
    )


_CHOICES = {
    "applicant_kind": ("申请人类型", "applicant kind"),
    "channel": ("提交方式", "channel"),
    "form": ("获取信息的方式", "form"),
}


def _choice(enum: type[_E], value: str, name: str, problems: dict[str, str]) -> _E | None:
    label, what = _CHOICES[name]
    if not value.strip():
        problems[name] = f"请选择{label} (the {what} is required)"
        return None
    found: list[str] = []
    chosen = parse_code(enum, value, what, found)
    if found:
        problems[name] = f"请选择{label} ({found[0]})"
    return chosen


def _typed(parse: Callable[[], _T], name: str, problems: dict[str, str]) -> _T | None:
    """``parse()``, or None with its refusal filed under the field ``name``."""
    try:
        return parse()
    except RequestError as error:
        problems[name] = str(error)
        return None


def parse_day(value: date | str, what: str, default: date | None = None) -> date:
    """A date as typed (YYYY-MM-DD, a day that exists); empty gives ``default`` if there is one."""
    if isinstance(value, date):
        return value
    text = value.strip()
    if not text and default is not None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RequestError(
            f"{text!r} 不是有效日期，应为 YYYY-MM-DD 且确有其日 ({what}: {text!r} is not a date)"
        ) from None


def optional_day(value: str | None, what: str) -> date | None:
    """A date as typed, or None when left empty."""
    return parse_day(value, what) if value and value.strip() else None


def parse_count(value: int | str | None, what: str) -> int | None:
    """A whole number given (the CLI) or typed (a form); None when left empty."""
    if value is None or isinstance(value, int):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise RequestError(
            f"{what}应为整数，不是 {text!r} ({what}: {text!r} is not a whole number)"
        ) from None


def parse_code(enum: type[_E], value: str, what: str, problems: list[str]) -> _E | None:
    """``enum(value)``, or None with the problem (naming the valid codes) added to ``problems``."""
    try:
        return enum(value)
    except ValueError:
        problems.append(f"unknown {what} {value!r}: one of {', '.join(enum)}")
        return None


def format_number(year: int, seq: int) -> str:
    """申请编号 — 2026-0001: the year of receipt and the order within it."""
    return f"{year}-{seq:04d}"


def parse_number(number: str) -> tuple[int, int]:
    match = NUMBER_PATTERN.fullmatch(number.strip())
    if not match:
        raise RequestError(f"a request number looks like 2026-0001, not {number!r}")
    return int(match[1]), int(match[2])


# --- a registered request --------------------------------------------------------


@dataclass(frozen=True)
class WithheldPart:
    """区分处理 — a part withheld from a partly granted request, and why (第三十七条)."""

    part: str
    reason: Reason

    def to_dict(self) -> dict[str, str]:
        return {"part": self.part, "reason": self.reason.value}


@dataclass(frozen=True)
class Decision:
    """答复决定 — the outcome and what its letter needs.

    ``reason_text`` is the clerk's explanation (required for other.other);
    ``withheld_parts`` are required for partly_granted; ``competent_agency`` names
    the agency that holds the information (第三十六条第五项) for not_held;
    ``published_where`` says where granted information is already published
    (第三十六条第一项); ``how`` how it is provided.
    """

    outcome: Outcome
    decided_on: date
    by: str
    reason_text: str = ""
    withheld_parts: tuple[WithheldPart, ...] = ()
    third_party_kind: ThirdPartyKind | None = None
    competent_agency: str = ""
    competent_contact: str = ""
    published_where: str = ""
    how: str = ""
    document_ids: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": self.outcome.value,
            "outcome_label": self.outcome.label,
            "decision": self.outcome.rule.decision,
            "basis": self.basis,
            "decided_on": self.decided_on.isoformat(),
            "by": self.by,
            "reason_text": self.reason_text,
            "withheld_parts": [part.to_dict() for part in self.withheld_parts],
            "third_party_kind": self.third_party_kind.value if self.third_party_kind else None,
            "competent_agency": self.competent_agency,
            "competent_contact": self.competent_contact,
            "published_where": self.published_where,
            "how": self.how,
            "document_ids": list(self.document_ids),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Decision:
        parts = data.get("withheld_parts") or []
        assert isinstance(parts, list)
        kind = data.get("third_party_kind")
        documents = data.get("document_ids") or []
        assert isinstance(documents, list)
        return cls(
            Outcome(str(data["outcome"])),
            date.fromisoformat(str(data["decided_on"])),
            str(data["by"]),
            str(data.get("reason_text") or ""),
            tuple(WithheldPart(part["part"], Reason(part["reason"])) for part in parts),
            ThirdPartyKind(str(kind)) if kind else None,
            str(data.get("competent_agency") or ""),
            str(data.get("competent_contact") or ""),
            str(data.get("published_where") or ""),
            str(data.get("how") or ""),
            tuple(int(d) for d in documents),
        )

    @property
    def basis(self) -> str:
        """The articles the letter quotes; the two items of 第三十六条 that vary by case."""
        rule = self.outcome.rule
        if self.outcome is Outcome.GRANTED and self.published_where:
            return rule.basis.replace("第三十六条第二项", "第三十六条第一项")
        if self.outcome is Outcome.NOT_HELD and self.competent_agency:
            return rule.basis.replace("第三十六条第四项", "第三十六条第五项")
        return rule.basis


@dataclass(frozen=True)
class RequestFacts:
    """What the rules need of a registered request: its dates, events and decision."""

    number: str
    received: date
    applicant: Applicant
    channel: Channel
    content: str
    form: InformationForm
    events: tuple[Event, ...]
    decision: Decision | None = None

    def last(self, step: Step) -> Event | None:
        found = [event for event in self.events if event.step is step]
        return found[-1] if found else None

    def clock_events(self) -> list[ClockEvent]:
        return [clock for event in self.events if (clock := event.clock_event()) is not None]


def deadline_of(
    facts: RequestFacts, calendar: Calendar, settings: ClockSettings | None = None
) -> Deadline:
    """The reply deadline (答复期限) from the request's events."""
    if settings is None:
        return compute_deadline(facts.received, facts.clock_events(), calendar)
    return compute_deadline(facts.received, facts.clock_events(), calendar, settings)


def status_of(facts: RequestFacts, deadline: Deadline) -> RequestStatus:
    if facts.decision is not None:
        return RequestStatus.DECIDED
    if deadline.state is ClockState.AWAITING_CORRECTION:
        return RequestStatus.AWAITING_CORRECTION
    open_waits = [exclusion for exclusion in deadline.exclusions if exclusion.open]
    if any(wait.kind is EventKind.FEE_NOTICE_SENT for wait in open_waits):
        return RequestStatus.AWAITING_FEE
    if open_waits:
        return RequestStatus.CONSULTING
    return RequestStatus.OPEN


def check_step(facts: RequestFacts, event: Event, today: date, calendar: Calendar) -> Deadline:
    """Whether ``event`` may be added to the request; the new deadline if so.

    Refused (:class:`RequestError`): any step after the decision; a date before
    receipt or after today; whatever the reply clock cannot accept (a second
    补正告知 or extension, a reply never asked for …: :class:`ClockError`).
    """
    if facts.decision is not None:
        raise RequestError(
            f"request {facts.number} was decided on {facts.decision.decided_on}: "
            f"no {event.step.label} after the reply"
        )
    _check_day(facts, event.on, today, event.step.label)
    detail = event.detail
    if event.step is Step.CORRECTION_REQUESTED and not str(detail.get("items", "")).strip():
        raise RequestError("a 补正告知 must say what to supplement (第三十条: 一次性告知)")
    if event.step is Step.THIRD_PARTY_CONSULTED and not str(detail.get("party", "")).strip():
        raise RequestError("name the third party or agency consulted")
    if event.step is Step.EXTENDED and not str(detail.get("reason", "")).strip():
        raise RequestError("an extension must give its reason, told to the applicant")
    try:
        return compute_deadline(
            facts.received, [*facts.clock_events(), event.clock_event()], calendar
        )
    except ClockError as error:
        raise RequestError(f"request {facts.number}: {error}") from error


def _check_day(facts: RequestFacts, day: date, today: date, what: str) -> None:
    if day < facts.received:
        raise RequestError(f"{what} on {day} is before the request was received ({facts.received})")
    if day > today:
        raise RequestError(f"{what} on {day} is after today ({today})")


def check_decision(
    facts: RequestFacts, decision: Decision, today: date, calendar: Calendar
) -> None:
    """Whether ``decision`` may close the request; :class:`RequestError` says why not."""
    if facts.decision is not None:
        raise RequestError(
            f"request {facts.number} was already decided ({facts.decision.outcome.value} "
            f"on {facts.decision.decided_on})"
        )
    _check_day(facts, decision.decided_on, today, "the decision")
    if not decision.by.strip():
        raise RequestError("say who decided (--by)")
    outcome = decision.outcome
    if outcome is Outcome.PARTLY_GRANTED and not decision.withheld_parts:
        raise RequestError(
            "partly_granted needs the parts withheld and each one's reason (第三十七条): "
            "--withheld 'PART=REASON'"
        )
    if decision.withheld_parts and outcome is not Outcome.PARTLY_GRANTED:
        raise RequestError("only partly_granted lists withheld parts")
    if outcome.rule.needs_text and not decision.reason_text.strip():
        raise RequestError(f"{outcome.value} needs the reason in words (--reason-text)")
    if decision.third_party_kind and outcome is not Outcome.WITHHELD_THIRD_PARTY_RIGHTS:
        raise RequestError("a third-party kind goes only with withheld.third_party_rights")
    if decision.competent_agency and outcome is not Outcome.NOT_HELD:
        raise RequestError("a competent agency is named only for unavailable.not_held")
    correction_sent = facts.last(Step.CORRECTION_REQUESTED)
    correction_came = facts.last(Step.CORRECTION_RECEIVED)
    if outcome is Outcome.UNCLEAR_AFTER_CORRECTION and correction_came is None:
        raise RequestError(
            "unavailable.unclear_after_correction: no 补正 was received for this request"
        )
    if outcome is Outcome.NO_CORRECTION:
        _check_no_correction(facts, decision, correction_sent, correction_came)
    if outcome is Outcome.FEE_UNPAID:
        _check_fee_unpaid(facts, decision, calendar)
    elif facts.last(Step.FEE_NOTICE_SENT) and not facts.last(Step.FEE_PAID):
        raise RequestError(
            "a fee notice is unpaid: record the payment (request fee --paid) "
            "or decide other.fee_unpaid once the payment period has ended"
        )


def _check_no_correction(
    facts: RequestFacts, decision: Decision, sent: Event | None, came: Event | None
) -> None:
    if sent is None:
        raise RequestError("other.no_correction: no 补正告知 was sent for this request")
    if came is not None:
        raise RequestError(f"other.no_correction: the 补正 arrived on {came.on}")
    due = _optional_date(sent.detail.get("due"))
    if due is not None and decision.decided_on <= due:
        raise RequestError(
            f"other.no_correction: the applicant has until {due} to supplement (补正告知书)"
        )


def _check_fee_unpaid(facts: RequestFacts, decision: Decision, calendar: Calendar) -> None:
    notice = facts.last(Step.FEE_NOTICE_SENT)
    if notice is None:
        raise RequestError("other.fee_unpaid: no fee notice was sent for this request")
    if facts.last(Step.FEE_PAID) is not None:
        raise RequestError("other.fee_unpaid: the fee was paid")
    due = fee_payment_due(notice.on, calendar).due
    if decision.decided_on <= due:
        raise RequestError(f"other.fee_unpaid: the applicant may pay until {due}")


def _optional_date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def check_letter(facts: RequestFacts, kind: str) -> str:
    """Which template writes the letter ``kind`` for this request (relative to templates/).

    ``kind`` is ``reply`` (the reply letter of its outcome) or a :class:`NoticeKind`.
    Refused: a reply for an undecided request; a notice for a step not taken.
    """
    if kind == "reply":
        if facts.decision is None:
            raise RequestError(
                f"request {facts.number} is not decided yet: decide it first "
                "(gongkai request decide), or print a notice (--kind)"
            )
        if facts.decision.outcome is Outcome.NOT_HELD and facts.decision.competent_agency:
            return NoticeKind.REFERRAL.template
        return facts.decision.outcome.template
    try:
        notice = NoticeKind(kind)
    except ValueError:
        kinds = ", ".join(["reply", *NoticeKind])
        raise RequestError(f"unknown letter kind {kind!r}: one of {kinds}") from None
    needed = {
        NoticeKind.CORRECTION_REQUEST: Step.CORRECTION_REQUESTED,
        NoticeKind.EXTENSION: Step.EXTENDED,
        NoticeKind.THIRD_PARTY: Step.THIRD_PARTY_CONSULTED,
        NoticeKind.FEE: Step.FEE_NOTICE_SENT,
    }
    if notice is NoticeKind.REFERRAL:
        decision = facts.decision
        if decision is None or not decision.competent_agency:
            raise RequestError(
                "a 告知书 names the competent agency: decide unavailable.not_held "
                "with --competent-agency first"
            )
    elif facts.last(needed[notice]) is None:
        raise RequestError(
            f"no {needed[notice].label} was recorded for request {facts.number}: "
            f"record it first, then print its {notice.label}"
        )
    return notice.template


@dataclass(frozen=True)
class AppealFacts:
    """行政复议 or 行政诉讼 brought over a request (the annual report's table 四)."""

    kind: AppealKind
    filed: date
    result: AppealResult | None = None  # None: 尚未审结
    closed: date | None = None


def check_appeal(facts: RequestFacts, appeal: AppealFacts, today: date) -> None:
    """Whether the case can be recorded: filed after receipt, closed with a result, not ahead."""
    _check_day(facts, appeal.filed, today, f"the {appeal.kind.label} filed")
    if (appeal.result is None) != (appeal.closed is None):
        raise RequestError("a closed case has both its result and the day it closed (--closed)")
    if appeal.closed is not None:
        if appeal.closed < appeal.filed:
            raise RequestError(f"closed on {appeal.closed}, before it was filed ({appeal.filed})")
        if appeal.closed > today:
            raise RequestError(f"closed on {appeal.closed}, after today ({today})")


def withheld_parts(specs: Sequence[str]) -> tuple[WithheldPart, ...]:
    """Parts from ``PART=REASON`` strings (REASON a withholding reason code)."""
    parts = []
    for spec in specs:
        part, sep, reason = spec.rpartition("=")
        if not sep or not part.strip():
            raise RequestError(f"a withheld part is written PART=REASON, not {spec!r}")
        parts.append(withheld_part(part, reason))
    return tuple(parts)


def withheld_rows(parts: Sequence[str], reasons: Sequence[str]) -> tuple[WithheldPart, ...]:
    """Parts from a form's rows of (part, reason code); a row left wholly blank is skipped."""
    return tuple(
        withheld_part(part, reason)
        for part, reason in zip_longest(parts, reasons, fillvalue="")
        if part.strip() or reason.strip()
    )


def withheld_part(part: str, reason: str) -> WithheldPart:
    """One part withheld and why (a reason code), both required."""
    if not part.strip():
        raise RequestError(
            f"请写明不予公开的部分 (the part withheld for {reason.strip()!r} is not named)"
        )
    try:
        return WithheldPart(part.strip(), Reason(reason.strip()))
    except ValueError:
        codes = ", ".join(Reason)
        raise RequestError(
            f"请为“{part.strip()}”选择不予公开的理由 "
            f"(unknown reason {reason.strip()!r} for {part.strip()!r}: one of {codes})"
        ) from None


def document_ids(values: str | Sequence[str]) -> tuple[int, ...]:
    """Document ids from ``12,15`` (the CLI) or a form's values (each may hold a list)."""
    texts = [values] if isinstance(values, str) else list(values)
    pieces = [piece.strip() for text in texts for piece in text.split(",") if piece.strip()]
    try:
        return tuple(int(piece) for piece in pieces)
    except ValueError:
        shown = ",".join(texts)
        raise RequestError(
            f"文件编号应为数字，以逗号分隔 (document ids are numbers separated by commas, "
            f"not {shown!r})"
        ) from None


# --- a step as the clerk gives it: the CLI's options and the web desk's forms ------------


def correction_notice(on: date, by: str, items: str, until: date | None = None) -> Event:
    """补正告知 (第三十条): what to supplement, told at once, and the last day to do it."""
    detail: dict[str, object] = {"items": items.strip()}
    if until is not None:
        if until <= on:
            raise RequestError(
                f"补正期限 {until} 应晚于告知之日 {on} "
                f"(the last day to supplement, {until}, must come after the notice, {on})"
            )
        detail["due"] = until.isoformat()
    return Event(Step.CORRECTION_REQUESTED, on, by, detail)


def extension(on: date, by: str, days: int | str, approver: str, reason: str) -> Event:
    """延期答复 (第三十三条第二款): how long, who approved it, the reason told to the applicant.

    The clock checks the length and the approver when the step is recorded (:func:`check_step`).
    """
    working_days = parse_count(days, "延长的工作日数") or 0
    detail = {"working_days": working_days, "approver": approver.strip(), "reason": reason.strip()}
    return Event(Step.EXTENDED, on, by, detail)


def consultation(on: date, by: str, party: str) -> Event:
    """征求意见 (第三十二条): ``on`` is the day the letter reached the party."""
    return Event(Step.THIRD_PARTY_CONSULTED, on, by, {"party": party.strip()})


def consultation_reply(on: date, by: str, party: str, opinion: str = "") -> Event:
    """The consulted party's answer; ``party`` pairs it with its consultation."""
    detail = {"party": party.strip(), "opinion": opinion.strip()}
    return Event(Step.THIRD_PARTY_REPLIED, on, by, detail)


def payment(on: date, by: str, amount: int | str | None = None) -> Event:
    """缴纳信息处理费, with the yuan received when given."""
    received = parse_count(amount, "实收金额")
    return Event(Step.FEE_PAID, on, by, {} if received is None else {"amount": received})


def decision_of(
    outcome: str,
    on: date,
    by: str,
    *,
    reason_text: str = "",
    withheld: Sequence[WithheldPart] = (),
    third_party_kind: str | None = None,
    competent_agency: str = "",
    competent_contact: str = "",
    published_where: str = "",
    how: str = "",
    documents: Sequence[int] = (),
) -> Decision:
    """A decision as the clerk gives it: the codes checked, the words trimmed.

    Whether it may close the request is :func:`check_decision`'s question.
    """
    problems: list[str] = []
    code = parse_code(Outcome, outcome.strip(), "outcome", problems)
    if code is None:
        raise RequestError(f"请选择答复结果 ({problems[0]})")
    kind = None
    if third_party_kind:
        kind = parse_code(ThirdPartyKind, third_party_kind, "third-party kind", problems)
        if kind is None:
            raise RequestError(f"请选择第三方权益的类型 ({problems[0]})")
    return Decision(
        code,
        on,
        by,
        reason_text=reason_text.strip(),
        withheld_parts=tuple(withheld),
        third_party_kind=kind,
        competent_agency=competent_agency.strip(),
        competent_contact=competent_contact.strip(),
        published_where=published_where.strip(),
        how=how.strip(),
        document_ids=tuple(documents),
    )


def appeal_of(
    kind: str, filed: date, result: str | None = None, closed: date | None = None
) -> AppealFacts:
    """A 行政复议 or 行政诉讼 case as the clerk gives it, its codes checked."""
    problems: list[str] = []
    case = parse_code(AppealKind, kind, "appeal kind", problems)
    decided = parse_code(AppealResult, result, "appeal result", problems) if result else None
    if case is None or problems:
        raise RequestError(f"请选择案件类型和结果 ({'; '.join(problems)})")
    return AppealFacts(case, filed, decided, closed)


# --- what the desk offers next ---------------------------------------------------------


def next_steps(facts: RequestFacts) -> tuple[Step, ...]:
    """The steps the rules let the clerk take next, in the order a request usually takes them.

    None after the decision (a 行政复议 or 诉讼 and letters are not steps of the reply).
    While a 补正 is awaited only its arrival, linking and the decision
    (other.no_correction) can follow; 补正 is asked once, the period extended once.
    """
    if facts.decision is not None:
        return ()
    asked = facts.last(Step.CORRECTION_REQUESTED)
    if asked is not None and facts.last(Step.CORRECTION_RECEIVED) is None:
        return (Step.CORRECTION_RECEIVED, Step.DOCUMENTS_LINKED, Step.DECIDED)
    steps = [Step.CORRECTION_REQUESTED] if asked is None else []
    if facts.last(Step.EXTENDED) is None:
        steps.append(Step.EXTENDED)
    steps.append(Step.THIRD_PARTY_CONSULTED)
    if open_consultations(facts):
        steps.append(Step.THIRD_PARTY_REPLIED)
    steps.append(Step.FEE_PAID if fee_unpaid(facts) else Step.FEE_NOTICE_SENT)
    return (*steps, Step.DOCUMENTS_LINKED, Step.DECIDED)


def open_consultations(facts: RequestFacts) -> tuple[str, ...]:
    """The parties consulted whose opinion has not come yet, in the order consulted."""
    waiting: list[str] = []
    for event in facts.events:
        party = str(event.detail.get("party", ""))
        if event.step is Step.THIRD_PARTY_CONSULTED:
            waiting.append(party)
        elif event.step is Step.THIRD_PARTY_REPLIED and party in waiting:
            waiting.remove(party)
    return tuple(dict.fromkeys(waiting))


def consulted_parties(facts: RequestFacts) -> tuple[str, ...]:
    """Every party consulted (a 第三方意见征询函 is printed for one of them)."""
    return tuple(
        dict.fromkeys(
            str(event.detail.get("party", ""))
            for event in facts.events
            if event.step is Step.THIRD_PARTY_CONSULTED
        )
    )


def fee_unpaid(facts: RequestFacts) -> bool:
    """A fee notice is waiting for its payment."""
    steps = [event.step for event in facts.events]
    return steps.count(Step.FEE_NOTICE_SENT) > steps.count(Step.FEE_PAID)


def letter_kinds(facts: RequestFacts) -> tuple[str, ...]:
    """The letters :func:`check_letter` would print for this request now."""
    kinds = []
    for kind in ("reply", *NoticeKind):
        try:
            check_letter(facts, kind)
        except RequestError:
            continue
        kinds.append(kind)
    return tuple(kinds)


def letter_label(kind: str) -> str:
    """答复书, or the notice's name with the party it was printed for (``third_party:某公司``)."""
    code, _, party = kind.partition(":")
    if code == "reply":
        return "政府信息公开申请答复书"
    try:
        label = NoticeKind(code).label
    except ValueError:
        return kind
    return f"{label}（{party}）" if party else label


def outcome_title(outcome: Outcome) -> str:
    """The outcome in a few words: the decision, and the reason of a ``withheld.*`` one."""
    reason = outcome.reason
    return f"{outcome.rule.decision}（{reason.label}）" if reason else outcome.rule.decision


def event_summary(step: Step, detail: Mapping[str, object]) -> str:
    """What an event's detail says, in a line of Chinese (the timeline)."""
    said = {key: value for key, value in detail.items() if value not in (None, "")}
    if step is Step.CORRECTION_REQUESTED:
        due = f"；补正期限 {said['due']}" if "due" in said else ""
        return f"需补正：{said.get('items', '')}{due}"
    if step is Step.EXTENDED:
        return (
            f"延长 {said.get('working_days')} 个工作日，{said.get('approver', '')}批准；"
            f"理由：{said.get('reason', '')}"
        )
    if step is Step.THIRD_PARTY_CONSULTED:
        return f"征求 {said.get('party', '')} 的意见"
    if step is Step.THIRD_PARTY_REPLIED:
        opinion = f"：{said['opinion']}" if "opinion" in said else ""
        return f"{said.get('party', '')} 提出意见{opinion}"
    if step is Step.FEE_NOTICE_SENT:
        return f"{said.get('method_label', '')}，应缴 {said.get('amount_due')} 元"
    if step is Step.FEE_PAID:
        return f"实收 {said['amount']} 元" if "amount" in said else ""
    if step is Step.DECIDED and "outcome" in said:
        return outcome_title(Outcome(str(said["outcome"])))
    if step is Step.LETTER and "kind" in said:
        return f"{letter_label(str(said['kind']))} 第 {said.get('version')} 版"
    return ""
