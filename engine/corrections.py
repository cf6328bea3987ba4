"""更正 / 澄清 / 勘误 — the rules of corrections, as pure functions.

Three kinds share one register (numbered C2026-0001):

- ``record`` — 政府信息更正申请 (条例第四十一条): a person or organisation with
  evidence that a record about themselves is inaccurate asks for it to be
  corrected; the agency corrects it, transfers the request to the competent
  agency, tells the applicant to apply there, or finds it not substantiated — and
  replies in writing.
- ``clarification`` — 澄清虚假或不完整信息 (条例第六条第二款; the seeds'
  科右前旗行政机关澄清虚假或不完整信息工作办法): the agency publishes accurate
  information against false or incomplete information that affects social order.
- ``erratum`` — 更正（勘误）of a document the agency published: the archived
  original and its corrected version are both kept and linked, and a 勘误说明
  lists each error with its correction.

The shell (:mod:`engine.correction_store`) loads a correction's facts, asks these
functions whether a step may be taken, and writes it; a step refused here is
never half-written. Plain data in, plain data out: no database, no files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from engine.codes import REGULATION
from engine.letters import SAMPLE_OFFICE, DocumentRef, chinese_date, letter_context
from engine.outcomes import ApplicantKind
from engine.requests import Applicant, parse_code

NUMBER_PATTERN = re.compile(r"C(\d{4})-(\d{4,})", re.IGNORECASE)
_APPLICANT_KINDS = "one of " + ", ".join(ApplicantKind)


class CorrectionError(ValueError):
    """A step that cannot be taken: the message says what is wrong and what to do instead.

    ``fields`` maps each fact at fault (``applicant``, ``received``, ``errors`` …: the
    CLI's flag without its dashes) to what is wrong with it, so a form shows each
    message beside its field; the message is all of them, for the command line.
    """

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})

    @classmethod
    def of(cls, problems: Sequence[Problem]) -> CorrectionError:
        """Every problem at once; two on one field share its place."""
        fields: dict[str, str] = {}
        for field, message in problems:
            fields[field] = f"{fields[field]}; {message}" if field in fields else message
        return cls("; ".join(message for _, message in problems), fields)


Problem = tuple[str, str]  # (field, message)


# --- the kinds and the outcomes, as tables ------------------------------------------


@dataclass(frozen=True)
class KindRule:
    """What a kind of correction is called and the articles its letter rests on."""

    label: str
    articles: tuple[str, ...]
    fields: frozenset[str]  # the facts registration takes for this kind (flag names)

    @property
    def basis(self) -> str:
        return f"{REGULATION}{'、'.join(self.articles)}"


class CorrectionKind(StrEnum):
    """更正的种类."""

    RECORD = "record"  # 更正申请 (第四十一条)
    CLARIFICATION = "clarification"  # 澄清 (第六条第二款)
    ERRATUM = "erratum"  # 更正·勘误 of a published document

    @property
    def rule(self) -> KindRule:
        return KINDS[self]

    @property
    def label(self) -> str:
        return self.rule.label

    @property
    def basis(self) -> str:
        return self.rule.basis


KINDS: dict[CorrectionKind, KindRule] = {
    CorrectionKind.RECORD: KindRule(
        "政府信息更正申请",
        ("第四十一条",),
        frozenset({"--applicant", "--applicant-kind", "--contact", "--content"}),
    ),
    CorrectionKind.CLARIFICATION: KindRule(
        "澄清虚假或不完整信息",
        ("第六条第二款",),
        frozenset({"--subject", "--facts"}),
    ),
    # 第六条第一款 (行政机关应当及时、准确地公开政府信息) is why a published error is
    # corrected at all; 第二十六条 is when: a proactive document that changed is
    # published again within 20 working days of the change, and a corrected version
    # is such a change. No article speaks of 勘误 by name, so the letter quotes both.
    CorrectionKind.ERRATUM: KindRule(
        "更正（勘误）已公开的政府信息",
        ("第六条第一款", "第二十六条"),
        frozenset({"--document", "--corrected-document", "--error", "--published", "--content"}),
    ),
}


@dataclass(frozen=True)
class OutcomeRule:
    """One answer to a 更正申请 and what its decision must say."""

    label: str
    needs_agency: bool = False  # the competent agency (有权更正的行政机关) is named
    needs_reason: bool = False  # the clerk says why in words


class CorrectionOutcome(StrEnum):
    """更正申请的处理结果 (第四十一条), one letter template each."""

    CORRECTED = "corrected"  # 审核属实，予以更正并告知申请人
    TRANSFERRED = "transferred"  # 无权更正，转送有权更正的行政机关处理并告知申请人
    TOLD_TO_APPLY = "told_to_apply"  # 无权更正，告知申请人向有权更正的行政机关提出
    NOT_SUBSTANTIATED = "not_substantiated"  # 证据不能证明记录不准确，不予更正

    @property
    def rule(self) -> OutcomeRule:
        return OUTCOME_RULES[self]

    @property
    def label(self) -> str:
        return self.rule.label

    @property
    def template(self) -> str:
        """The reply's template, relative to templates/: corrections/record.<code>.docx."""
        return f"corrections/{CorrectionKind.RECORD.value}.{self.value}.docx"


OUTCOME_RULES: dict[CorrectionOutcome, OutcomeRule] = {
    CorrectionOutcome.CORRECTED: OutcomeRule("予以更正"),
    CorrectionOutcome.TRANSFERRED: OutcomeRule("转送有权更正的行政机关处理", needs_agency=True),
    CorrectionOutcome.TOLD_TO_APPLY: OutcomeRule("告知向有权更正的行政机关提出", needs_agency=True),
    CorrectionOutcome.NOT_SUBSTANTIATED: OutcomeRule("不予更正", needs_reason=True),
}


class CorrectionStatus(StrEnum):
    """办理状态 of a correction."""

    OPEN = "open"  # 办理中: a 更正申请 not yet decided, or a notice not yet printed
    DECIDED = "decided"  # 已答复: a 更正申请 decided
    ISSUED = "issued"  # 已出具: a 澄清说明 or 勘误说明 printed

    @property
    def label(self) -> str:
        return {"open": "办理中", "decided": "已答复", "issued": "已出具"}[self.value]


def format_number(year: int, seq: int) -> str:
    """更正编号 — C2026-0001: the year of registration and the order within it."""
    return f"C{year}-{seq:04d}"


def parse_number(number: str) -> tuple[int, int]:
    match = NUMBER_PATTERN.fullmatch(number.strip())
    if not match:
        raise CorrectionError(
            f"更正编号形如 C2026-0001 (a correction number looks like C2026-0001, not {number!r})"
        )
    return int(match[1]), int(match[2])


# --- registering ----------------------------------------------------------------------


@dataclass(frozen=True)
class ErratumItem:
    """One error of a published document: where it is, what it said, what it should say."""

    where: str
    wrong: str
    right: str

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "wrong": self.wrong, "right": self.right}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ErratumItem:
        return cls(str(data["where"]), str(data["wrong"]), str(data["right"]))


def erratum_items(specs: Sequence[str]) -> tuple[ErratumItem, ...]:
    """Errors from ``WHERE|WRONG|RIGHT`` strings (e.g. ``第三条|2025年|2026年``)."""
    items = []
    for spec in specs:
        parts = [part.strip() for part in spec.split("|")]
        if len(parts) != 3 or not all(parts):
            raise CorrectionError.of(
                [
                    (
                        "errors",
                        "每处错误写作“位置|原文|更正为”，三项都要填 (an error is written "
                        f"WHERE|WRONG|RIGHT, three parts none empty, not {spec!r})",
                    )
                ]
            )
        if parts[1] == parts[2]:
            raise CorrectionError.of(
                [("errors", f"更正与原文相同 ({spec!r}: the correction is the same as the error)")]
            )
        items.append(ErratumItem(*parts))
    return tuple(items)


@dataclass(frozen=True)
class NewCorrection:
    """A correction as registered, checked by :func:`new_correction`.

    ``received``: the day a 更正申请 was received, or the day the false
    information or the error was found. ``content``: for a record, the record and
    the correction asked; for an erratum, an optional note. ``published``: the day
    the erratum's original was published, when it is not its 成文日期.
    """

    kind: CorrectionKind
    received: date
    content: str = ""
    applicant: Applicant | None = None
    subject: str = ""  # clarification: the false or incomplete information
    facts: str = ""  # clarification: the accurate account
    document_id: int | None = None  # erratum: the archived original
    corrected_document_id: int | None = None  # erratum: the archived corrected version
    errors: tuple[ErratumItem, ...] = ()
    published: date | None = None


def new_correction(
    *,
    kind: str,
    today: date,
    received: date | None = None,
    applicant: str = "",
    applicant_kind: str = "",
    contact: str = "",
    content: str = "",
    subject: str = "",
    facts: str = "",
    document_id: int | None = None,
    corrected_document_id: int | None = None,
    errors: Sequence[ErratumItem] = (),
    published: date | None = None,
) -> NewCorrection:
    """A correction to register, checked: every problem at once, in one :class:`CorrectionError`.

    Each kind takes its own facts (:data:`KINDS`); a fact of another kind is refused
    rather than silently dropped. The archive's documents are checked by the shell.
    """
    problems: list[Problem] = []
    unknown: list[str] = []
    chosen = parse_code(CorrectionKind, kind, "correction kind", unknown)
    if chosen is None:
        raise CorrectionError.of([("kind", f"请选择更正的种类 ({message})") for message in unknown])
    given = {
        "--applicant": applicant,
        "--applicant-kind": applicant_kind,
        "--contact": contact,
        "--content": content,
        "--subject": subject,
        "--facts": facts,
        "--document": document_id,
        "--corrected-document": corrected_document_id,
        "--error": errors,
        "--published": published,
    }
    stray = [flag for flag, value in given.items() if value and flag not in chosen.rule.fields]
    if stray:
        message = f"{', '.join(stray)} not taken by kind {chosen.value}"
        problems.append(("kind", f"{chosen.label}不填写这些项 ({message})"))
    if received is None:
        if chosen is CorrectionKind.RECORD:
            problems.append(
                (
                    "received",
                    "请填写收到更正申请的日期 "
                    "(the day the 更正申请 was received is required (--received))",
                )
            )
        received = today
    if received > today:
        problems.append(("received", f"日期晚于今天 (the day {received} is after today ({today}))"))
    person: Applicant | None = None
    if chosen is CorrectionKind.RECORD:
        person = _record_facts(applicant, applicant_kind, contact, content, problems)
    elif chosen is CorrectionKind.CLARIFICATION:
        if not subject.strip():
            problems.append(
                (
                    "subject",
                    "请写明需要澄清的虚假或不完整信息 "
                    "(name the false or incomplete information to clarify (--subject))",
                )
            )
        if not facts.strip():
            problems.append(
                (
                    "facts",
                    "请写明澄清所依据的准确信息 "
                    "(give the accurate information that clarifies it (--facts))",
                )
            )
    else:
        _erratum_facts(document_id, corrected_document_id, errors, published, received, problems)
    if problems:
        raise CorrectionError.of(problems)
    return NewCorrection(
        chosen,
        received,
        content.strip(),
        person,
        subject.strip(),
        facts.strip(),
        document_id,
        corrected_document_id,
        tuple(errors),
        published,
    )


def _record_facts(
    applicant: str, applicant_kind: str, contact: str, content: str, problems: list[Problem]
) -> Applicant | None:
    if not applicant.strip():
        problems.append(
            ("applicant", "请填写申请人姓名或名称 (the applicant's name is required (--applicant))")
        )
    kind = None
    if not applicant_kind.strip():
        problems.append(
            (
                "applicant_kind",
                "请选择申请人类型 "
                f"(the applicant kind is required (--applicant-kind): {_APPLICANT_KINDS})",
            )
        )
    else:
        unknown: list[str] = []
        kind = parse_code(ApplicantKind, applicant_kind.strip(), "applicant kind", unknown)
        problems += [("applicant_kind", f"申请人类型有误 ({message})") for message in unknown]
    if not content.strip():
        problems.append(
            (
                "content",
                "请写明哪条记录不准确、要求如何更正 "
                "(say which record is inaccurate and the correction asked (--content))",
            )
        )
    return Applicant(applicant.strip(), kind, contact.strip()) if kind else None


def _erratum_facts(
    original: int | None,
    corrected: int | None,
    errors: Sequence[ErratumItem],
    published: date | None,
    found: date,
    problems: list[Problem],
) -> None:
    if original is None:
        problems.append(
            (
                "document",
                "请填写原文在档案中的文件编号 "
                "(an erratum needs the archived original (--document ID))",
            )
        )
    if corrected is None:
        problems.append(
            (
                "corrected_document",
                "请填写更正版在档案中的文件编号 "
                "(an erratum needs the archived corrected version (--corrected-document ID))",
            )
        )
    if original is not None and original == corrected:
        problems.append(
            (
                "corrected_document",
                "更正版须是另一份文件 (the corrected version must be a document of its own, "
                f"not the original {original})",
            )
        )
    if not errors:
        problems.append(
            (
                "errors",
                "请至少列出一处错误 (list at least one error (--error 'WHERE|WRONG|RIGHT'))",
            )
        )
    if published is not None and published > found:
        problems.append(
            (
                "published",
                "公开日期晚于发现错误的日期 "
                f"(the original was published on {published}, after the error was found)",
            )
        )


# --- a registered correction -----------------------------------------------------------


@dataclass(frozen=True)
class CorrectionDecision:
    """更正申请的答复决定: the outcome, who decided and what the reply must say."""

    outcome: CorrectionOutcome
    decided_on: date
    by: str
    reason_text: str = ""
    competent_agency: str = ""
    competent_contact: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "outcome": self.outcome.value,
            "outcome_label": self.outcome.label,
            "basis": CorrectionKind.RECORD.basis,
            "decided_on": self.decided_on.isoformat(),
            "by": self.by,
            "reason_text": self.reason_text,
            "competent_agency": self.competent_agency,
            "competent_contact": self.competent_contact,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> CorrectionDecision:
        return cls(
            CorrectionOutcome(str(data["outcome"])),
            date.fromisoformat(str(data["decided_on"])),
            str(data["by"]),
            str(data.get("reason_text") or ""),
            str(data.get("competent_agency") or ""),
            str(data.get("competent_contact") or ""),
        )


@dataclass(frozen=True)
class CorrectionFacts:
    """What the rules need of a registered correction."""

    number: str
    entry: NewCorrection
    decision: CorrectionDecision | None = None


def status_of(facts: CorrectionFacts, letters: int) -> CorrectionStatus:
    """Where a correction stands, from its decision and the number of letters printed."""
    if facts.entry.kind is CorrectionKind.RECORD:
        return CorrectionStatus.DECIDED if facts.decision else CorrectionStatus.OPEN
    return CorrectionStatus.ISSUED if letters else CorrectionStatus.OPEN


def check_decision(facts: CorrectionFacts, decision: CorrectionDecision, today: date) -> None:
    """Whether ``decision`` may answer the 更正申请; :class:`CorrectionError` says why not."""
    kind = facts.entry.kind
    if kind is not CorrectionKind.RECORD:
        raise CorrectionError(
            f"{kind.label}不作答复决定，直接出具说明 ({facts.number} is a {kind.value} "
            f"({kind.label}): only a 更正申请 (record) is decided — print its notice "
            "(gongkai correction letter))"
        )
    if facts.decision is not None:
        raise CorrectionError(
            f"已作出答复决定 ({facts.number} was already decided "
            f"({facts.decision.outcome.value} on {facts.decision.decided_on}))"
        )
    received = facts.entry.received
    if decision.decided_on < received:
        raise _decision_error(
            "decided_on",
            "决定日期早于收到申请的日期",
            f"the decision on {decision.decided_on} is before the 更正申请 was received "
            f"({received})",
        )
    if decision.decided_on > today:
        raise _decision_error(
            "decided_on",
            "决定日期晚于今天",
            f"the decision on {decision.decided_on} is after today ({today})",
        )
    if not decision.by.strip():
        raise _decision_error("by", "请填写决定人", "say who decided (--by)")
    rule = decision.outcome.rule
    if rule.needs_agency and not decision.competent_agency.strip():
        raise _decision_error(
            "competent_agency",
            "请填写有权更正的行政机关",
            f"{decision.outcome.value} names the agency that may correct the record "
            "(--competent-agency)",
        )
    if not rule.needs_agency and (decision.competent_agency or decision.competent_contact):
        raise _decision_error(
            "competent_agency",
            "只有转送或告知另行申请时才填写有权更正的机关",
            "a competent agency is named only for transferred or told_to_apply",
        )
    if rule.needs_reason and not decision.reason_text.strip():
        raise _decision_error(
            "reason_text",
            "请写明不予更正的理由，答复书照此表述",
            f"{decision.outcome.value} needs the reason in words, as the reply states it "
            "(--reason-text)",
        )


def _decision_error(field: str, chinese: str, english: str) -> CorrectionError:
    return CorrectionError.of([(field, f"{chinese} ({english})")])


def check_letter(facts: CorrectionFacts, letter_date: date) -> str:
    """Which template writes this correction's letter (relative to templates/).

    A 更正申请's reply only after its decision, dated no earlier; a 澄清说明 or
    勘误说明 any time after registration, dated no earlier than it.
    """
    entry = facts.entry
    if entry.kind is CorrectionKind.RECORD:
        if facts.decision is None:
            raise CorrectionError(
                f"尚未作出答复决定，请先决定 ({facts.number} is not decided yet: decide it "
                "first (gongkai correction decide))"
            )
        if letter_date < facts.decision.decided_on:
            raise _decision_error(
                "letter_date",
                "答复书日期早于决定日期",
                f"the letter's date {letter_date} is before the decision "
                f"({facts.decision.decided_on})",
            )
        return facts.decision.outcome.template
    if letter_date < entry.received:
        raise _decision_error(
            "letter_date",
            "说明的日期早于登记日期",
            f"the letter's date {letter_date} is before the {entry.kind.label} was registered "
            f"({entry.received})",
        )
    return f"corrections/{entry.kind.value}.docx"


# --- what the letters say (templates/README.md) -----------------------------------------


def correction_context(
    facts: CorrectionFacts,
    original: DocumentRef | None = None,
    corrected: DocumentRef | None = None,
) -> dict[str, object]:
    """The variables of this correction's letter, beyond the office's common ones.

    An erratum's ``original`` carries the day it was published as its date;
    ``corrected`` is its corrected version.
    """
    entry = facts.entry
    basis = entry.kind.basis
    if entry.kind is CorrectionKind.CLARIFICATION:
        return {"subject": entry.subject, "facts": entry.facts, "basis": basis}
    if entry.kind is CorrectionKind.ERRATUM:
        assert original is not None and corrected is not None, "an erratum names both documents"
        return {
            "document_title": original.title,
            "doc_number": original.doc_number,
            "issue_date": chinese_date(original.issue_date) if original.issue_date else "",
            "errors": [item.to_dict() for item in entry.errors],
            "corrected_title": corrected.title,
            "basis": basis,
        }
    decision = facts.decision
    applicant = entry.applicant
    assert decision is not None and applicant is not None, "check_letter refuses them"
    return {
        "applicant": applicant.name,
        "you": applicant.you,
        "correction_number": facts.number,
        "received": chinese_date(entry.received),
        "content": entry.content,
        "reason_text": decision.reason_text,
        "competent_agency": decision.competent_agency,
        "competent_contact": decision.competent_contact,
        "basis": basis,
    }


SAMPLE_ORIGINAL = DocumentRef(
    "关于2026年城乡居民基本医疗保险缴费标准的通知", "某医保发〔2026〕3号", date(2026, 1, 15)
)
SAMPLE_CORRECTED = DocumentRef(
    "关于2026年城乡居民基本医疗保险缴费标准的通知（更正版）", "某医保发〔2026〕3号", None
)


def sample_correction(
    kind: CorrectionKind, outcome: CorrectionOutcome = CorrectionOutcome.CORRECTED
) -> CorrectionFacts:
    """A correction of ``kind`` with every fact filled (a record decided with ``outcome``)."""
    found = date(2026, 3, 2)
    if kind is CorrectionKind.CLARIFICATION:
        entry = NewCorrection(
            kind,
            found,
            subject="本市将于4月1日起全面停止供应居民生活用水",
            facts="本市各水厂运行正常，4月1日起仅对某某路部分管段检修停水8小时。",
        )
        return CorrectionFacts("C2026-0002", entry)
    if kind is CorrectionKind.ERRATUM:
        entry = NewCorrection(
            kind,
            found,
            document_id=1,
            corrected_document_id=2,
            errors=(
                ErratumItem("第二条第一款", "每人每年350元", "每人每年380元"),
                ErratumItem("附件2第3行", "2025年12月31日", "2026年12月31日"),
            ),
        )
        return CorrectionFacts("C2026-0003", entry)
    entry = NewCorrection(
        kind,
        found,
        "本人在2025年度最低生活保障名单中的家庭人口记录为3人，实际为4人，请予更正",
        Applicant("张三", ApplicantKind.NATURAL_PERSON, "13800000000"),
    )
    agency = OUTCOME_RULES[outcome].needs_agency
    decision = CorrectionDecision(
        outcome,
        date(2026, 3, 20),
        "李强",
        reason_text="本机关核对了户籍登记材料和申请人提供的证明材料。",
        competent_agency="某某市民政局" if agency else "",
        competent_contact="0471-1234567" if agency else "",
    )
    return CorrectionFacts("C2026-0001", entry, decision)


def correction_samples() -> Iterator[tuple[str, dict[str, object]]]:
    """(template, full context) for every correction letter, for ``gongkai templates check``."""
    day = date(2026, 3, 20)
    facts = [sample_correction(CorrectionKind.RECORD, outcome) for outcome in CorrectionOutcome]
    facts += [sample_correction(CorrectionKind.CLARIFICATION)]
    facts += [sample_correction(CorrectionKind.ERRATUM)]
    for seq, sample in enumerate(facts, start=1):
        body = correction_context(sample, SAMPLE_ORIGINAL, SAMPLE_CORRECTED)
        context = letter_context(SAMPLE_OFFICE, SAMPLE_OFFICE.letter_number(2026, seq), day, body)
        yield check_letter(sample, day), context
