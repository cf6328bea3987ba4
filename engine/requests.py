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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
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
    compute_deadline,
    fee_payment_due,
)
from engine.outcomes import ApplicantKind, Channel, InformationForm, NoticeKind, Outcome
from engine.report import AppealKind, AppealResult

_E = TypeVar("_E", bound=StrEnum)
NUMBER_PATTERN = re.compile(r"(\d{4})-(\d{4,})")


class RequestError(ValueError):
    """A step that cannot be taken: the message says what is wrong and what to do instead."""


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
    received: date,
    content: str,
    today: date,
    contact: str = "",
    id_number: str = "",
    form: str = InformationForm.ANY.value,
    items: int = 1,
    topic: str = "",
) -> NewRequest:
    """A request to register, checked: every problem at once, in one :class:`RequestError`.

    ``received`` is the day of receipt by the rules of 第三十一条 for the channel
    (the clerk records it; ``Channel.receipt_rule`` says which day that is). It
    cannot be after ``today``.
    """
    problems = []
    if not applicant.strip():
        problems.append("the applicant's name is required (第二十九条)")
    kind = parse_code(ApplicantKind, applicant_kind, "applicant kind", problems)
    arrived_by = parse_code(Channel, channel, "channel", problems)
    wanted = parse_code(InformationForm, form, "form", problems)
    if received > today:
        problems.append(f"the day of receipt {received} is after today ({today})")
    if not content.strip():
        problems.append("the content asked for is required (第二十九条第二款第二项)")
    number = id_number.strip().upper()
    if number and len(number) == 18 and not is_valid_id_number(number):
        problems.append(f"the ID number {number} fails its check digit (GB 11643)")
    if items < 1:
        problems.append(f"a request counts for at least one item, not {items}")
    if problems:
        raise RequestError("; ".join(problems))
    assert kind is not None and arrived_by is not None and wanted is not None
    return NewRequest(
        Applicant(applicant.strip(), kind, contact.strip(), number),
        arrived_by,
        received,
        content.strip(),
        wanted,
        items,
        topic.strip(),
    )


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
        try:
            parts.append(WithheldPart(part.strip(), Reason(reason.strip())))
        except ValueError:
            codes = ", ".join(Reason)
            raise RequestError(f"unknown reason {reason!r} in {spec!r}: one of {codes}") from None
    return tuple(parts)
