"""Letters from editable .docx templates (docxtpl): what each says, and rendering it.

The variables each template may use are the contract in templates/README.md.
:func:`request_context` writes them from a request's facts (pure); :func:`render`
fills a template, failing on a variable the program does not supply (Jinja's
``StrictUndefined``), so a template edited in Word cannot print a blank; and
:func:`check_templates` renders every template the program may ask for with
sample data built by the same functions, which is what ``gongkai templates
check`` runs.

Templates are looked up in the office's folder ($GONGKAI_HOME/templates) first,
then in the shipped templates/ folder.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate  # type: ignore[import-untyped]

from engine.codes import Reason, ThirdPartyKind
from engine.deadlines import (
    Calendar,
    fee_payment_due,
    third_party_reply_due,
)
from engine.fees import SCHEDULES, FeeMethod, compute_fee
from engine.office import Office
from engine.outcomes import (
    ApplicantKind,
    Channel,
    InformationForm,
    NoticeKind,
    Outcome,
)
from engine.requests import (
    Applicant,
    Decision,
    Event,
    RequestFacts,
    Step,
    WithheldPart,
    deadline_of,
)

SHIPPED = Path(__file__).resolve().parent.parent / "templates"
_TEXT_PART = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
_LEFTOVER_TAG = re.compile(r"\{\{|\}\}|\{%|%\}")


class _CompilingOnce(jinja2.Environment):
    """An environment that compiles each distinct template source once.

    docxtpl hands every part's XML to ``from_string`` on every render; for one
    template that XML is the same each time, and compiling it was half the cost
    of a letter (bench/letters.py).
    """

    def __init__(self) -> None:
        # autoescape: a request's content may hold & or <, which must reach the XML escaped.
        super().__init__(undefined=jinja2.StrictUndefined, autoescape=True)
        self._compiled: OrderedDict[str, jinja2.Template] = OrderedDict()

    def from_string(  # type: ignore[override]
        self, source: str, globals: Mapping[str, Any] | None = None, template_class: Any = None
    ) -> jinja2.Template:
        if globals is not None or template_class is not None:
            return super().from_string(source, globals, template_class)
        template = self._compiled.get(source)
        if template is None:
            template = self._compiled[source] = super().from_string(source)
            if len(self._compiled) > _COMPILED_KEPT:
                self._compiled.popitem(last=False)
        else:
            self._compiled.move_to_end(source)
        return template


_COMPILED_KEPT = 256  # parts of templates: every letter kind's document, header and footer
_STRICT = _CompilingOnce()


class TemplateError(ValueError):
    """A template that cannot be used: missing, broken, or asking for an unknown variable."""


def chinese_date(day: date) -> str:
    """A date as letters print it (GB/T 9704: Arabic numerals): 2026年3月2日."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Templates:
    """Where templates are found: the office's copies first, then the shipped ones."""

    shipped: Path = SHIPPED
    office: Path | None = None

    def path(self, relative: str) -> Path:
        for root in (self.office, self.shipped):
            if root is not None and (root / relative).is_file():
                return root / relative
        raise TemplateError(f"template {relative} not found in {self._roots()}")

    def _roots(self) -> str:
        return " or ".join(str(root) for root in (self.office, self.shipped) if root is not None)


def render(template: Path, context: Mapping[str, object]) -> bytes:
    """The filled .docx as bytes; :class:`TemplateError` says which tag failed and why."""
    try:
        document = DocxTemplate(str(template))
        document.render(dict(context), jinja_env=_STRICT)
    except jinja2.UndefinedError as error:
        raise TemplateError(f"{template.name}: unknown variable — {error.message}") from error
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(
            f"{template.name}: broken tag (split by Word or mistyped?) — {error.message}"
        ) from error
    except (zipfile.BadZipFile, KeyError) as error:
        raise TemplateError(f"{template.name}: not a .docx file ({error})") from error
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def leftover_tags(docx: bytes) -> list[str]:
    """Tag fragments left in a rendered letter: a tag Word split so Jinja never saw it."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        names = [
            n
            for n in package.namelist()
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)
        ]
        found = []
        for name in names:
            text = re.sub(r"<[^>]+>", "", package.read(name).decode("utf-8"))
            found += [match.group() for match in _LEFTOVER_TAG.finditer(text)]
    return found


# --- what a request's letters say ------------------------------------------------


@dataclass(frozen=True)
class DocumentRef:
    """A document provided with a reply, as the letter lists it."""

    title: str
    doc_number: str
    issue_date: date | None

    def context(self) -> dict[str, str]:
        when = chinese_date(self.issue_date) if self.issue_date else ""
        return {"title": self.title, "doc_number": self.doc_number, "date": when}


def request_context(
    facts: RequestFacts,
    template: str,
    calendar: Calendar,
    documents: Sequence[DocumentRef] = (),
    party: str = "",
) -> dict[str, object]:
    """The variables of ``template`` (a path under templates/) for this request.

    The request's common variables, then those of its decision or of the notice.
    ``party`` picks the consultation a 第三方意见征询函 is for (default: the latest).
    """
    context: dict[str, object] = {
        "applicant": facts.applicant.name,
        "you": facts.applicant.you,
        "request_number": facts.number,
        "received": chinese_date(facts.received),
        "channel": facts.channel.label,
        "content": facts.content,
        "form": facts.form.label,
    }
    if template.startswith("letters/") or template == NoticeKind.REFERRAL.template:
        assert facts.decision is not None, "check_letter refuses a reply before the decision"
        context.update(_decision_context(facts, facts.decision, calendar, documents))
        return context
    notice = NoticeKind(Path(template).stem)
    context.update(_NOTICE_CONTEXTS[notice](facts, calendar, party))
    return context


def _decision_context(
    facts: RequestFacts, decision: Decision, calendar: Calendar, documents: Sequence[DocumentRef]
) -> dict[str, object]:
    outcome = decision.outcome
    reason = outcome.reason
    context: dict[str, object] = {
        "decision": outcome.rule.decision,
        "basis": decision.basis,
        "reason_text": decision.reason_text,
        "reason_label": reason.label if reason else "",
        "third_party_kind": decision.third_party_kind.label if decision.third_party_kind else "",
        "documents": [document.context() for document in documents],
        "how": decision.how or _default_how(facts.form),
        "published_where": decision.published_where,
        "withheld_parts": [
            {"part": part.part, "reason": part.reason.label, "basis": part.reason.basis}
            for part in decision.withheld_parts
        ],
        "competent_agency": decision.competent_agency,
        "competent_contact": decision.competent_contact,
    }
    if outcome in (Outcome.NO_CORRECTION, Outcome.UNCLEAR_AFTER_CORRECTION):
        context.update(_correction_dates(facts))
    if outcome is Outcome.FEE_UNPAID:
        notice = facts.last(Step.FEE_NOTICE_SENT)
        assert notice is not None, "check_decision refuses fee_unpaid without a notice"
        context.update(
            fee_notice_sent=chinese_date(notice.on),
            fee_amount=notice.detail.get("amount_due", 0),
            payment_due=chinese_date(fee_payment_due(notice.on, calendar).due),
        )
    return context


def _default_how(form: InformationForm) -> str:
    return {
        InformationForm.PAPER: "随本答复书提供纸质文本",
        InformationForm.ELECTRONIC: "以电子数据形式随本答复书提供",
        InformationForm.EMAIL: "通过电子邮件发送至您提供的邮箱",
        InformationForm.INSPECTION: "请携带本答复书到本机关当场阅读、抄录",
        InformationForm.ANY: "随本答复书提供",
    }[form]


def _correction_dates(facts: RequestFacts) -> dict[str, object]:
    sent = facts.last(Step.CORRECTION_REQUESTED)
    came = facts.last(Step.CORRECTION_RECEIVED)
    due = sent.detail.get("due") if sent else None
    return {
        "correction_sent": chinese_date(sent.on) if sent else "",
        "correction_due": chinese_date(date.fromisoformat(str(due))) if due else "",
        "correction_received": chinese_date(came.on) if came else "",
    }


def _correction_request(facts: RequestFacts, calendar: Calendar, party: str) -> dict[str, object]:
    sent = facts.last(Step.CORRECTION_REQUESTED)
    assert sent is not None
    return {
        "correction_items": sent.detail.get("items", ""),
        "correction_due": _correction_dates(facts)["correction_due"],
        "basis": NoticeKind.CORRECTION_REQUEST.basis,
    }


def _extension(facts: RequestFacts, calendar: Calendar, party: str) -> dict[str, object]:
    extended = facts.last(Step.EXTENDED)
    assert extended is not None
    before = replace(facts, events=tuple(e for e in facts.events if e.step is not Step.EXTENDED))
    original, new = deadline_of(before, calendar).due, deadline_of(facts, calendar).due
    return {
        "extension_days": extended.detail.get("working_days", 0),
        "original_due": chinese_date(original) if original else "",
        "new_due": chinese_date(new) if new else "",
        "extension_reason": extended.detail.get("reason", ""),
        "basis": NoticeKind.EXTENSION.basis,
    }


def _third_party(facts: RequestFacts, calendar: Calendar, party: str) -> dict[str, object]:
    consulted = [e for e in facts.events if e.step is Step.THIRD_PARTY_CONSULTED]
    chosen = [e for e in consulted if not party or e.detail.get("party") == party]
    if not chosen:
        parties = ", ".join(str(e.detail.get("party")) for e in consulted)
        raise TemplateError(f"no consultation of {party!r} recorded (consulted: {parties})")
    event = chosen[-1]
    return {
        "third_party": event.detail.get("party", ""),
        "consulted": chinese_date(event.on),
        "reply_due": chinese_date(third_party_reply_due(event.on, calendar).due),
        "basis": NoticeKind.THIRD_PARTY.basis,
    }


def _fee(facts: RequestFacts, calendar: Calendar, party: str) -> dict[str, object]:
    notice = facts.last(Step.FEE_NOTICE_SENT)
    assert notice is not None
    detail = notice.detail
    method = FeeMethod(str(detail["method"]))
    lines = detail.get("lines") or []
    assert isinstance(lines, list)
    return {
        "fee_method": method.label,
        "fee_basis": method.basis,
        "fee_standard": SCHEDULES[method].standard_text(),
        "fee_lines": [line["text"] for line in lines],
        "fee_amount": detail.get("amount_due", 0),
        "payment_due": chinese_date(fee_payment_due(notice.on, calendar).due),
        "basis": NoticeKind.FEE.basis,
    }


_NOTICE_CONTEXTS = {
    NoticeKind.CORRECTION_REQUEST: _correction_request,
    NoticeKind.EXTENSION: _extension,
    NoticeKind.THIRD_PARTY: _third_party,
    NoticeKind.FEE: _fee,
}


# --- checking every template ---------------------------------------------------------


def sample_request(decision: Decision | None = None) -> RequestFacts:
    """A request that went through every step, for rendering templates with sample data."""
    received = date(2026, 3, 2)
    fee = compute_fee(FeeMethod.PER_VOLUME, pages=150)
    events = (
        Event(Step.REGISTERED, received, "王丽"),
        Event(
            Step.CORRECTION_REQUESTED,
            date(2026, 3, 4),
            "王丽",
            {"items": "请说明所需文件的名称或文号", "due": "2026-03-18"},
        ),
        Event(Step.CORRECTION_RECEIVED, date(2026, 3, 10), "王丽"),
        Event(Step.THIRD_PARTY_CONSULTED, date(2026, 3, 12), "王丽", {"party": "某某建设有限公司"}),
        Event(Step.THIRD_PARTY_REPLIED, date(2026, 3, 20), "王丽", {"party": "某某建设有限公司"}),
        Event(Step.FEE_NOTICE_SENT, date(2026, 3, 23), "王丽", fee.to_dict()),
        Event(
            Step.EXTENDED,
            date(2026, 4, 1),
            "王丽",
            {"working_days": 20, "approver": "李强", "reason": "需要调取档案逐页审查"},
        ),
    )
    return RequestFacts(
        "2026-0001",
        received,
        Applicant("张三", ApplicantKind.NATURAL_PERSON, "13800000000"),
        Channel.ONLINE,
        "2025年本市老旧小区改造项目的立项批复文件",
        InformationForm.PAPER,
        events,
        decision,
    )


def sample_decision(outcome: Outcome) -> Decision:
    """A decision of ``outcome`` with every optional part filled."""
    return Decision(
        outcome,
        date(2026, 4, 20),
        "李强",
        reason_text="经检索，相关信息已于2025年12月由本机关依法处理。",
        withheld_parts=(
            WithheldPart("第三部分涉及的个人身份信息", Reason.THIRD_PARTY_RIGHTS),
            WithheldPart("内部讨论记录", Reason.PROCESS_INFO),
        )
        if outcome is Outcome.PARTLY_GRANTED
        else (),
        third_party_kind=ThirdPartyKind.TRADE_SECRET
        if outcome is Outcome.WITHHELD_THIRD_PARTY_RIGHTS
        else None,
        competent_agency="某某市自然资源局" if outcome is Outcome.NOT_HELD else "",
        competent_contact="0471-1234567" if outcome is Outcome.NOT_HELD else "",
        published_where="本机关门户网站“政府信息公开”专栏" if outcome is Outcome.GRANTED else "",
    )


SAMPLE_DOCUMENTS = (
    DocumentRef("关于老旧小区改造项目立项的批复", "某发改发〔2025〕12号", date(2025, 5, 6)),
    DocumentRef("老旧小区改造实施方案", "", None),
)


SAMPLE_OFFICE = Office(
    agency="某某市人民政府办公室",
    letter_code="某政办信公开",
    reconsideration_body="某某市人民政府",
    court="某某市某某区人民法院",
    office="某某市人民政府办公室政务公开科",
    office_address="某某市某某路1号",
    office_phone="0471-7654321",
    office_contact="王丽",
    payment_instructions="请持本通知书到本机关财务室缴纳，或转账至通知书所列账户。",
)


def letter_context(
    office: Office, letter_number: str, day: date, body: Mapping[str, object]
) -> dict[str, object]:
    """A letter's full context: the office's particulars, its 文号 and date, its body."""
    return {
        **office.context(),
        "letter_number": letter_number,
        "letter_date": chinese_date(day),
        **body,
    }


def request_samples(calendar: Calendar) -> Iterator[tuple[str, dict[str, object]]]:
    """(template, context) for every reply and notice a request can print."""

    def sample(facts: RequestFacts, template: str) -> tuple[str, dict[str, object]]:
        body = request_context(facts, template, calendar, SAMPLE_DOCUMENTS)
        return template, letter_context(
            SAMPLE_OFFICE, "某政办信公开〔2026〕1号", date(2026, 4, 20), body
        )

    for outcome in Outcome:
        yield sample(sample_request(sample_decision(outcome)), outcome.template)
    facts = sample_request(sample_decision(Outcome.NOT_HELD))
    for notice in NoticeKind:
        yield sample(facts, notice.template)


@dataclass(frozen=True)
class TemplateProblem:
    template: str
    message: str


def check_templates(
    templates: Templates, samples: Iterable[tuple[str, Mapping[str, object]]]
) -> list[TemplateProblem]:
    """Render each sample; every problem found (missing, broken, unknown variable, split tag)."""
    problems = []
    for relative, context in samples:
        try:
            filled = render(templates.path(relative), context)
        except TemplateError as error:
            problems.append(TemplateProblem(relative, str(error)))
            continue
        leftovers = leftover_tags(filled)
        if leftovers:
            problems.append(
                TemplateProblem(
                    relative,
                    f"tag fragments left in the letter ({' '.join(leftovers[:5])}): "
                    "a tag split by Word — retype it in one go",
                )
            )
    return problems
