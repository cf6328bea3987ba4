"""政府信息公开工作年度报告 — the annual report's tables, counted from the register.

条例第四十九条: every agency publishes last year's report by 1月31日; 第五十条 fixes
its content and 国办公开办函〔2021〕30号 its format (annual-report-format.md): six
sections, of which 二、三、四 are tables with fixed labels. This module counts every
cell from plain records the register supplies, checks the arithmetic the format
requires, drafts sections 一、五、六 from the same data, and hands the result out as
a .docx (docxtpl), JSON or CSV.

The counting rules, for the year from 1 January to 31 December:

* 表三 一 本年新收: requests received in the year.
* 表三 二 上年结转: received before the year and not decided before 1 January.
* 表三 三 办理结果: requests decided in the year, each once, in the row of its
  final outcome; a request has one outcome, so 部分公开 counts only as 部分公开.
* 表三 四 结转下年度: received by 31 December and not decided by then — a
  request answered in January of the next year is carried, whatever its outcome.
  Hence, for every column, 一 + 二 = 三（七）+ 四.
* 表四 行政复议、行政诉讼: the cases filed in the year, by their result on
  31 December; a case not closed by then is 尚未审结. A case is counted in the
  year it was filed and in no other, so no case is counted twice when reports
  are added up (the table has no 上年结转 column to balance a second count).
* 表二 规章、行政规范性文件: made (issued) in the year; repealed in the year;
  in force on 31 December (issued by then and not repealed by then).
* 六 信息处理费: the fee notices sent in the year and their amount; the amount
  paid in the year, whenever its notice was sent.

Every rule looks at the year's end and no later, so a report rebuilt in March
from the same records gives the numbers published in January.

Figures the register does not hold (行政许可, 行政处罚, 行政强制 decisions and
the 行政事业性收费 amount) come from a small TOML file the clerk fills
(:func:`parse_manual_figures`), which may also replace the drafts of 一、五、六.

A record that cannot be counted (a decision without an outcome, a decision
before receipt, one number twice …) refuses the whole report with a
:class:`ReportError` naming every record at fault: a report that adds up only
because a bad record fell out of it is worse than none. :func:`check_report`
re-checks the arithmetic of a computed report before anything leaves the desk.

Pure functions over plain data; the I/O edges are :func:`read_manual_figures`,
:func:`render_report` and :func:`write_csv`.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import groupby
from pathlib import Path
from types import MappingProxyType
from typing import Any, TextIO, TypeVar

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined

from engine.codes import REGULATION
from engine.fees import FEE_MEASURES
from engine.outcomes import ApplicantKind, Outcome, OutcomeGroup

REPORT_FORMAT = "国办公开办函〔2021〕30号"
TEMPLATE = "report/annual.docx"  # under templates/
TITLE = "政府信息公开工作年度报告"

# --- the law as data: the sections and the tables' labels -------------------

SECTIONS = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)
TOTAL = "total"  # the 总计 row and column codes
TOTAL_LABEL = "总计"


@dataclass(frozen=True)
class Column:
    """One column of a table: its stable code and its exact label."""

    code: str
    label: str


@dataclass(frozen=True)
class Row:
    """One row of table 三: its code, its exact label and, for an outcome, its group."""

    code: str
    label: str
    group: OutcomeGroup | None = None


class RuleKind(StrEnum):
    """第二十条第（一）项 — the kinds of document table 二 counts."""

    REGULATION = "regulation"  # 规章
    NORMATIVE = "normative"  # 行政规范性文件

    @property
    def label(self) -> str:
        return {"regulation": "规章", "normative": "行政规范性文件"}[self.value]


RULE_ITEM = "第二十条第（一）项"
ITEM_HEADING = "信息内容"
RULE_COLUMNS = (
    Column("issued", "本年制发件数"),
    Column("repealed", "本年废止件数"),
    Column("in_force", "现行有效件数"),
)


@dataclass(frozen=True)
class ProactiveFigure:
    """One figure of table 二 the clerk supplies: 第二十条's item, its row and column."""

    code: str  # the key in the clerk's file
    label: str
    item: str
    heading: str


_DECISIONS = "本年处理决定数量"
PROACTIVE_FIGURES = (
    ProactiveFigure("licensing", "行政许可", "第二十条第（五）项", _DECISIONS),
    ProactiveFigure("penalty", "行政处罚", "第二十条第（六）项", _DECISIONS),
    ProactiveFigure("coercion", "行政强制", "第二十条第（六）项", _DECISIONS),
    ProactiveFigure(
        "administrative_fees", "行政事业性收费", "第二十条第（八）项", "本年收费金额（单位：万元）"
    ),
)

# Table 三. The outcome rows are Outcome itself, in its order: one table, one place.
NEW, CARRIED_IN, CARRIED_OUT = "new", "carried_in", "carried_out"
REQUEST_ROWS = (
    Row(NEW, "一、本年新收政府信息公开申请数量"),
    Row(CARRIED_IN, "二、上年结转政府信息公开申请数量"),
    *(Row(outcome.value, outcome.label, outcome.group) for outcome in Outcome),
    Row(TOTAL, "（七）总计"),
    Row(CARRIED_OUT, "四、结转下年度继续办理"),
)
RESULTS_LABEL = "三、本年度办理结果"
APPLICANTS_LABEL = "申请人情况"
ORGANISATIONS_LABEL = "法人或其他组织"
CORNER_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
REQUEST_COLUMNS = (
    *(Column(kind.value, kind.label) for kind in ApplicantKind),
    Column(TOTAL, TOTAL_LABEL),
)
_KINDS = tuple(kind.value for kind in ApplicantKind)
_COUNTED_ROWS = tuple(row.code for row in REQUEST_ROWS if row.code != TOTAL)
_OUTCOME_ROWS = tuple(outcome.value for outcome in Outcome)


class AppealKind(StrEnum):
    """表四's three groups: 行政复议, and 行政诉讼 filed directly or after 复议."""

    RECONSIDERATION = "reconsideration"
    LITIGATION_DIRECT = "litigation_direct"
    LITIGATION_AFTER_RECONSIDERATION = "litigation_after_reconsideration"

    @property
    def heading(self) -> tuple[str, ...]:
        """The group's header cells, top down, as the format prints them."""
        return {
            "reconsideration": ("行政复议",),
            "litigation_direct": ("行政诉讼", "未经复议直接起诉"),
            "litigation_after_reconsideration": ("行政诉讼", "复议后起诉"),
        }[self.value]

    @property
    def label(self) -> str:
        """行政复议, 行政诉讼（未经复议直接起诉）…, for lists and exports."""
        first, *rest = self.heading
        return first + "".join(f"（{part}）" for part in rest)


class AppealResult(StrEnum):
    """The result of a closed 行政复议 or 行政诉讼 case."""

    UPHELD = "upheld"  # 结果维持
    CORRECTED = "corrected"  # 结果纠正
    OTHER = "other"  # 其他结果

    @property
    def label(self) -> str:
        return {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果"}[self.value]


PENDING = "pending"
APPEAL_COLUMNS = (
    *(Column(result.value, result.label) for result in AppealResult),
    Column(PENDING, "尚未审结"),
    Column(TOTAL, TOTAL_LABEL),
)

FEE_COLUMNS = (
    Column("notices", "发出收费通知件数"),
    Column("notice_amount", "收费通知总金额（元）"),
    Column("collected", "实际收取总金额（元）"),
)


# --- the records the register supplies --------------------------------------


@dataclass(frozen=True)
class RequestRecord:
    """One 政府信息公开申请 as the report sees it.

    ``received`` is the day of receipt (第三十一条); ``decided_on`` and ``outcome``
    are the final decision, both None while the request is open. ``on_time``: the
    reply was given within the period (第三十三条), None while open or unknown.
    ``topic`` is the subject the desk filed it under (for the draft of 一).
    """

    number: str
    applicant_kind: ApplicantKind
    received: date
    decided_on: date | None = None
    outcome: Outcome | None = None
    topic: str = ""
    on_time: bool | None = None


@dataclass(frozen=True)
class AppealRecord:
    """A 行政复议 or 行政诉讼 case about a request; ``result`` and ``closed`` None while pending."""

    request_number: str
    kind: AppealKind
    filed: date
    result: AppealResult | None = None
    closed: date | None = None


@dataclass(frozen=True)
class FeeRecord:
    """A 收费通知 of the 信息处理费 (国办函〔2020〕109号); amounts in whole yuan."""

    request_number: str
    notice_sent: date
    amount: int
    paid_on: date | None = None
    paid_amount: int = 0


@dataclass(frozen=True)
class RuleDocument:
    """A 规章 or 行政规范性文件 the agency made: ``reference`` is its 文号 or register id."""

    reference: str
    kind: RuleKind
    issued: date
    repealed: date | None = None


class ManualFiguresError(ValueError):
    """The clerk's figures file cannot be used: the message names the file and the key.

    ``fields`` maps each field of the desk's form at fault to its own message
    (:func:`figures_from_form`); a form shows each beside its field.
    """

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})


@dataclass(frozen=True)
class ManualFigures:
    """The figures of table 二 the register does not hold, and the clerk's own texts.

    ``administrative_fees`` is 行政事业性收费 in 万元, to at most 4 decimal places
    (one yuan), kept with at least 2 as the table prints it. A text, when given,
    replaces the draft of its section: ``overview`` 一, ``problems`` 五,
    ``other_matters`` 六 (the fee sentence of 六 stays: it is data).
    """

    year: int
    licensing: int
    penalty: int
    coercion: int
    administrative_fees: Decimal
    overview: str | None = None
    problems: str | None = None
    other_matters: str | None = None


_TEXT_KEYS = ("overview", "problems", "other_matters")
# The clerk's own texts, by their key under [text], and the section each replaces.
TEXT_SECTIONS = tuple(zip(_TEXT_KEYS, (SECTIONS[0], SECTIONS[4], SECTIONS[5]), strict=True))
_COUNT_KEYS = ("licensing", "penalty", "coercion")
_FIGURE_KEYS = frozenset({"year", *_COUNT_KEYS, "administrative_fees"})


def parse_manual_figures(text: str, origin: str) -> ManualFigures:
    """The clerk's figures file, in TOML; ``origin`` names the file in errors::

        year = 2026
        licensing = 120            # 行政许可 本年处理决定数量
        penalty = 35               # 行政处罚
        coercion = 2               # 行政强制
        administrative_fees = 12.35  # 行政事业性收费 本年收费金额（万元）

        [text]                     # optional: each replaces its section's draft
        overview = '''…'''        # 一、总体情况, a paragraph a line
        problems = '''…'''        # 五、存在的主要问题及改进情况
        other_matters = '''…'''   # 六、其他需要报告的事项

    Every figure is required, 0 included: a figure left out is not a zero the
    clerk confirmed. TOML rather than CSV because the texts run over many lines.
    """
    try:
        # parse_float=Decimal: 12.35 万元 stays 12.35, not the nearest binary float.
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise ManualFiguresError(f"{origin}: not valid TOML: {error}") from error
    unknown = sorted(set(data) - _FIGURE_KEYS - {"text"})
    if unknown:
        raise ManualFiguresError(
            f"{origin}: unknown key {', '.join(unknown)}; "
            f"the keys are {', '.join(sorted(_FIGURE_KEYS))} and [text]"
        )
    missing = sorted(_FIGURE_KEYS - set(data))
    if missing:
        raise ManualFiguresError(f"{origin}: missing {', '.join(missing)} (write 0 for none)")
    counts = {
        key: _checked(_count, data[key], f"{origin}: {key}") for key in ("year", *_COUNT_KEYS)
    }
    texts = _texts(data.get("text", {}), f"{origin}: [text]")
    return ManualFigures(
        year=counts["year"],
        licensing=counts["licensing"],
        penalty=counts["penalty"],
        coercion=counts["coercion"],
        administrative_fees=_checked(
            _wan, data["administrative_fees"], f"{origin}: administrative_fees"
        ),
        **texts,
    )


def read_manual_figures(path: Path) -> ManualFigures:
    """The clerk's figures file on disk."""
    return parse_manual_figures(path.read_text(encoding="utf-8"), str(path))


_T = TypeVar("_T")


class _Refused(ValueError):
    """A figure's value breaks its rule; the message, in Chinese then English, names no key."""


def _checked(check: Callable[[object], _T], value: object, where: str) -> _T:
    """``check(value)``; its refusal, if any, as the file's error at ``where``."""
    try:
        return check(value)
    except _Refused as refused:
        raise ManualFiguresError(f"{where}: {refused}") from None


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _count(value: object) -> int:
    """A count: a whole number, 0 or more."""
    # bool is an int to Python and to nobody else.
    if isinstance(value, bool) or not isinstance(value, int):
        hint = " (write it without quotes)" if isinstance(value, str) else ""
        raise _Refused(f"应填整数，如 12 ({_shown(value)} is not a whole number{hint})")
    if value < 0:
        raise _Refused(f"不能为负数 (must not be negative, got {value})")
    return value


def _wan(value: object) -> Decimal:
    """An amount in 万元: at most 4 decimal places (one yuan), kept with at least 2."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        hint = " (write it without quotes)" if isinstance(value, str) else ""
        raise _Refused(f"应填金额（万元），如 3.5 ({_shown(value)} is not an amount in 万元{hint})")
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0:
        raise _Refused(f"不能为负数 (must be a non-negative amount, got {value})")
    amount = abs(amount)  # -0.00 is 0.00: a sign the report would print
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if exponent < -4:
        raise _Refused(
            "最多保留 4 位小数（0.0001 万元即 1 元） "
            f"({value} has more than 4 decimal places: 万元 to 4 places is one yuan)"
        )
    return amount if exponent <= -2 else amount.quantize(Decimal("0.01"))


def _texts(table: object, where: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ManualFiguresError(f"{where} must be a table of texts")
    unknown = sorted(set(table) - set(_TEXT_KEYS))
    if unknown:
        raise ManualFiguresError(
            f"{where}: unknown key {', '.join(unknown)}; the keys are {', '.join(_TEXT_KEYS)}"
        )
    texts = {}
    for key, text in table.items():
        if not isinstance(text, str):
            raise ManualFiguresError(f"{where} {key}: a text in quotes, got {text!r}")
        if not text.strip():
            raise ManualFiguresError(f"{where} {key}: empty (leave the key out to keep the draft)")
        texts[key] = text
    return texts


# --- the figures typed into the desk's form, and the file written from them ------------

_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


def _typed_number(text: str) -> int | Decimal:
    """A number as typed (full-width digits too); an empty field is refused, never a 0."""
    typed = unicodedata.normalize("NFKC", text).strip()
    if not typed:
        raise _Refused("必填：没有的请填 0 (required: write 0 for none)")
    if _WHOLE.fullmatch(typed):
        return int(typed)
    if _DECIMAL.fullmatch(typed):
        return Decimal(typed)
    raise _Refused(f"应填数字，如 12 或 3.5 ({typed!r} is not a number)")


def _typed_text(text: str) -> str | None:
    """A text as typed in a textarea (CRLF lines); empty keeps the desk's draft."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return lines.strip() or None


def figures_from_form(year: int, typed: Mapping[str, str]) -> ManualFigures:
    """The ``year``'s figures as typed into the desk's form (field names are the file's keys).

    Checked by the rules of :func:`parse_manual_figures`, every problem at once in
    one :class:`ManualFiguresError` whose ``fields`` name each field at fault. Every
    figure is required, 0 typed for none: an empty field is refused, never read as 0.
    A text left empty keeps its section's draft.
    """
    problems: dict[str, str] = {}
    numbers: dict[str, Any] = {}
    for figure in PROACTIVE_FIGURES:
        check = _count if figure.code in _COUNT_KEYS else _wan
        try:
            numbers[figure.code] = check(_typed_number(typed.get(figure.code, "")))
        except _Refused as refused:
            problems[figure.code] = str(refused)
    if problems:
        labels = {figure.code: figure.label for figure in PROACTIVE_FIGURES}
        message = "；".join(f"{labels[code]}：{problem}" for code, problem in problems.items())
        raise ManualFiguresError(message, problems)
    texts = {key: _typed_text(typed.get(key, "")) for key in _TEXT_KEYS}
    return ManualFigures(year=year, **numbers, **texts)


def figures_form_values(figures: ManualFigures | None) -> dict[str, str]:
    """What the desk's form shows for ``figures`` (empty fields for none), by field name."""
    if figures is None:
        return dict.fromkeys((*(figure.code for figure in PROACTIVE_FIGURES), *_TEXT_KEYS), "")
    values = {
        figure.code: _toml_number(getattr(figures, figure.code)) for figure in PROACTIVE_FIGURES
    }
    values.update({key: getattr(figures, key) or "" for key in _TEXT_KEYS})
    return values


def _toml_number(value: int | Decimal) -> str:
    # A decimal in "f": never an exponent, which TOML would not read back as the same decimal.
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def _toml_text(text: str) -> str:
    """``text`` as a TOML multi-line basic string, lines kept as they are.

    Escaped: the backslash, every quote (so no run of three closes the string
    early) and the control characters but tab and newline.
    """
    escaped = []
    for char in text:
        if char in '\\"':
            escaped.append("\\" + char)
        elif char not in "\t\n" and (char < " " or char == "\x7f"):
            escaped.append(f"\\u{ord(char):04X}")
        else:
            escaped.append(char)
    # The newline after the opening quotes is not part of the string (TOML).
    return '"""\n' + "".join(escaped) + '"""'


def render_manual_figures(figures: ManualFigures) -> str:
    """The figures file for ``figures``: what :func:`parse_manual_figures` reads back as them.

    Each figure under a comment naming its place in 表二; the texts, when the
    clerk wrote any, under ``[text]``, each in the lines it was written in.
    """
    lines = [
        f"# {TITLE} {figures.year}：表二中登记簿不掌握的数据，以及替换草稿的文字。",
        "# 在年报页面上填写并保存；也可以直接编辑本文件。",
        "",
        f"year = {figures.year}",
        "",
    ]
    for figure in PROACTIVE_FIGURES:
        value = getattr(figures, figure.code)
        lines += [
            f"# 表二 {figure.item} {figure.label}：{figure.heading}",
            f"{figure.code} = {_toml_number(value)}",
        ]
    texts = [(key, section, getattr(figures, key)) for key, section in TEXT_SECTIONS]
    written = [(key, section, text) for key, section, text in texts if text is not None]
    if written:
        lines += ["", "[text]"]
        for key, section, text in written:
            lines += [f"# {section}", f"{key} = {_toml_text(text)}"]
    return "\n".join(lines) + "\n"


# --- the report --------------------------------------------------------------


@dataclass(frozen=True)
class RuleFigures:
    """One row of 第二十条第（一）项: made, repealed, in force."""

    issued: int
    repealed: int
    in_force: int


@dataclass(frozen=True)
class ProactiveTable:
    """表二 主动公开政府信息情况."""

    rules: Mapping[RuleKind, RuleFigures]
    licensing: int
    penalty: int
    coercion: int
    administrative_fees: Decimal  # 万元


@dataclass(frozen=True)
class RequestTable:
    """表三 收到和处理政府信息公开申请情况: row code -> column code -> count.

    Rows are :data:`REQUEST_ROWS` (outcome rows by their Outcome code), columns
    :data:`REQUEST_COLUMNS` (applicant kinds and ``total``). ``numbers`` holds
    the requests behind every cell but the totals, sorted — what a clerk opens
    to see which requests a number counts, and what :func:`check_report` names.
    """

    cells: Mapping[str, Mapping[str, int]]
    numbers: Mapping[str, Mapping[str, tuple[str, ...]]]

    def cell(self, row: str, column: str) -> int:
        return self.cells[row][column]


@dataclass(frozen=True)
class AppealTable:
    """表四: AppealKind -> column code (results, ``pending``, ``total``) -> count."""

    cells: Mapping[AppealKind, Mapping[str, int]]

    def cell(self, kind: AppealKind, column: str) -> int:
        return self.cells[kind][column]


@dataclass(frozen=True)
class FeeFigures:
    """六 信息处理费: notices sent in the year and their amount; amount paid in the year (yuan)."""

    notices: int
    notice_amount: int
    collected: int


@dataclass(frozen=True)
class Handling:
    """How the year's requests were handled beyond table 三, for the drafts.

    ``on_time`` and ``late`` count requests decided in the year whose timeliness
    is known; ``topics`` the most frequent topics of those received in the year.
    """

    on_time: int
    late: int
    topics: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Narrative:
    """A narrative section's paragraphs; ``drafted``: written by the desk, not yet by the clerk."""

    paragraphs: tuple[str, ...]
    drafted: bool


@dataclass(frozen=True)
class AnnualReport:
    """政府信息公开工作年度报告 for ``year``: every table and the narratives of 一、五、六."""

    agency: str
    year: int
    proactive: ProactiveTable
    requests: RequestTable
    appeals: AppealTable
    fees: FeeFigures
    handling: Handling
    overview: Narrative
    problems: Narrative
    other_matters: Narrative


@dataclass(frozen=True)
class Problem:
    """One reason a report is refused: the record at fault and what is wrong with it."""

    record: str  # a request number, a document's reference, or the cell that does not add up
    message: str

    def __str__(self) -> str:
        return f"{self.record}: {self.message}"


class ReportError(ValueError):
    """The records cannot be counted: ``problems`` names every record at fault."""

    def __init__(self, problems: Sequence[Problem], heading: str) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join([f"{heading}:", *(f"  {problem}" for problem in problems)]))

    @property
    def records(self) -> tuple[str, ...]:
        """The records at fault, each once, in the order found."""
        return tuple(dict.fromkeys(problem.record for problem in self.problems))


class ReportInconsistent(ReportError):
    """A computed report whose tables do not add up: refused before it is rendered or exported."""


TOP_TOPICS = 3  # topics the draft of 一 names


def build_report(
    year: int,
    requests: Iterable[RequestRecord],
    appeals: Iterable[AppealRecord],
    fees: Iterable[FeeRecord],
    rule_documents: Iterable[RuleDocument],
    manual: ManualFigures,
    *,
    agency: str = "",
) -> AnnualReport:
    """The annual report for ``year`` (counting rules in the module docstring).

    The register may pass every record it holds: those outside the year are not
    counted, but every record passed must be sound. Raises :class:`ReportError`
    naming each record at fault, and when ``manual`` is another year's file.
    """
    requests, appeals = tuple(requests), tuple(appeals)
    fees, rule_documents = tuple(fees), tuple(rule_documents)
    problems = check_records(requests, appeals, fees, rule_documents)
    if manual.year != year:
        problems.append(
            Problem("manual figures", f"the file is for {manual.year}, the report for {year}")
        )
    if problems:
        raise ReportError(problems, f"the {year} annual report cannot be computed")
    first, last = date(year, 1, 1), date(year, 12, 31)
    proactive = _proactive_table(rule_documents, manual, first, last)
    table = _request_table(requests, first, last)
    appeal_table = _appeal_table(appeals, first, last)
    fee_figures = _fee_figures(fees, first, last)
    handling = _handling(requests, first, last)
    return AnnualReport(
        agency=agency,
        year=year,
        proactive=proactive,
        requests=table,
        appeals=appeal_table,
        fees=fee_figures,
        handling=handling,
        overview=_narrative(
            manual.overview, _draft_overview(year, proactive, table, appeal_table, handling)
        ),
        problems=_narrative(manual.problems, _draft_problems(year, appeal_table, handling)),
        other_matters=_narrative(manual.other_matters, _draft_other_matters()),
    )


def check_records(
    requests: Sequence[RequestRecord],
    appeals: Sequence[AppealRecord] = (),
    fees: Sequence[FeeRecord] = (),
    rule_documents: Sequence[RuleDocument] = (),
) -> list[Problem]:
    """Every record that cannot be counted, with why; empty when all are sound."""
    problems: list[Problem] = []
    received: dict[str, date] = {}
    for number, times in Counter(request.number for request in requests).items():
        if times > 1:
            problems.append(Problem(number, f"listed {times} times: a request is counted once"))
    for request in requests:
        received.setdefault(request.number, request.received)
        problems += _request_problems(request)
    for appeal in appeals:
        problems += _appeal_problems(appeal, received.get(appeal.request_number))
    for fee in fees:
        problems += _fee_problems(fee, received.get(fee.request_number))
    for reference, times in Counter(doc.reference for doc in rule_documents).items():
        if times > 1:
            problems.append(Problem(reference, f"listed {times} times: a document is counted once"))
    for doc in rule_documents:
        if not doc.reference.strip():
            problems.append(Problem("(no reference)", f"a {doc.kind.label} without its 文号 or id"))
        if doc.repealed is not None and doc.repealed < doc.issued:
            problems.append(
                Problem(doc.reference, f"repealed {doc.repealed} before it was issued {doc.issued}")
            )
    return problems


def _request_problems(request: RequestRecord) -> list[Problem]:
    number = request.number
    if not number.strip():
        return [Problem("(no number)", f"a request received {request.received} without a number")]
    if request.outcome is not None and request.decided_on is None:
        return [Problem(number, f"outcome {request.outcome} without the day it was decided")]
    if request.outcome is None and request.decided_on is not None:
        return [Problem(number, f"decided {request.decided_on} without an outcome")]
    problems = []
    if request.decided_on is not None and request.decided_on < request.received:
        problems.append(
            Problem(
                number, f"decided {request.decided_on} before it was received {request.received}"
            )
        )
    if request.decided_on is None and request.on_time is not None:
        problems.append(Problem(number, "open, yet marked as answered on time or late"))
    return problems


def _appeal_problems(appeal: AppealRecord, received: date | None) -> list[Problem]:
    number, what = appeal.request_number, f"{appeal.kind.label} filed {appeal.filed}"
    problems = []
    if (appeal.result is None) != (appeal.closed is None):
        missing = "the day it closed" if appeal.closed is None else "its result"
        problems.append(Problem(number, f"{what}: closed without {missing}"))
    if appeal.closed is not None and appeal.closed < appeal.filed:
        problems.append(Problem(number, f"{what}: closed {appeal.closed} before it was filed"))
    if received is not None and appeal.filed < received:
        problems.append(
            Problem(number, f"{what}: filed before the request was received {received}")
        )
    return problems


def _fee_problems(fee: FeeRecord, received: date | None) -> list[Problem]:
    number, what = fee.request_number, f"收费通知 of {fee.notice_sent}"
    problems = []
    if fee.amount <= 0:
        problems.append(
            Problem(number, f"{what}: amount {fee.amount} yuan; a notice asks for money")
        )
    if fee.paid_amount < 0 or fee.paid_amount > fee.amount:
        problems.append(
            Problem(number, f"{what}: paid {fee.paid_amount} yuan of {fee.amount} yuan asked")
        )
    if (fee.paid_on is None) != (fee.paid_amount == 0):
        problems.append(Problem(number, f"{what}: a payment needs both its day and its amount"))
    if fee.paid_on is not None and fee.paid_on < fee.notice_sent:
        problems.append(Problem(number, f"{what}: paid {fee.paid_on} before the notice was sent"))
    if received is not None and fee.notice_sent < received:
        problems.append(Problem(number, f"{what}: sent before the request was received {received}"))
    return problems


# --- counting ------------------------------------------------------------------


def _proactive_table(
    documents: Sequence[RuleDocument], manual: ManualFigures, first: date, last: date
) -> ProactiveTable:
    rules = {}
    for kind in RuleKind:
        of_kind = [doc for doc in documents if doc.kind is kind]
        rules[kind] = RuleFigures(
            issued=sum(first <= doc.issued <= last for doc in of_kind),
            repealed=sum(
                doc.repealed is not None and first <= doc.repealed <= last for doc in of_kind
            ),
            in_force=sum(
                doc.issued <= last and (doc.repealed is None or doc.repealed > last)
                for doc in of_kind
            ),
        )
    return ProactiveTable(
        rules=MappingProxyType(rules),
        licensing=manual.licensing,
        penalty=manual.penalty,
        coercion=manual.coercion,
        administrative_fees=manual.administrative_fees,
    )


def _request_table(requests: Sequence[RequestRecord], first: date, last: date) -> RequestTable:
    numbers: dict[str, dict[str, list[str]]] = {
        row: {kind: [] for kind in _KINDS} for row in _COUNTED_ROWS
    }
    for request in requests:
        decided = request.decided_on
        if request.received > last or (decided is not None and decided < first):
            continue  # a later year's request, or one settled before this year
        kind = request.applicant_kind.value
        numbers[NEW if request.received >= first else CARRIED_IN][kind].append(request.number)
        if decided is not None and decided <= last:
            assert request.outcome is not None  # check_records refuses a decision without one
            numbers[request.outcome.value][kind].append(request.number)
        else:
            numbers[CARRIED_OUT][kind].append(request.number)
    frozen = {
        row: MappingProxyType({kind: tuple(sorted(listed)) for kind, listed in by_kind.items()})
        for row, by_kind in numbers.items()
    }
    cells: dict[str, dict[str, int]] = {
        row: {kind: len(listed) for kind, listed in by_kind.items()}
        for row, by_kind in frozen.items()
    }
    cells[TOTAL] = {kind: sum(cells[row][kind] for row in _OUTCOME_ROWS) for kind in _KINDS}
    for counts in cells.values():
        counts[TOTAL] = sum(counts[kind] for kind in _KINDS)
    ordered = {row.code: MappingProxyType(cells[row.code]) for row in REQUEST_ROWS}
    return RequestTable(MappingProxyType(ordered), MappingProxyType(frozen))


def _appeal_table(appeals: Sequence[AppealRecord], first: date, last: date) -> AppealTable:
    cells = {
        kind: dict.fromkeys((column.code for column in APPEAL_COLUMNS), 0) for kind in AppealKind
    }
    for appeal in appeals:
        if not first <= appeal.filed <= last:
            continue
        closed_in_year = appeal.closed is not None and appeal.closed <= last
        column = appeal.result.value if appeal.result is not None and closed_in_year else PENDING
        cells[appeal.kind][column] += 1
        cells[appeal.kind][TOTAL] += 1
    return AppealTable(MappingProxyType({k: MappingProxyType(v) for k, v in cells.items()}))


def _fee_figures(fees: Sequence[FeeRecord], first: date, last: date) -> FeeFigures:
    sent = [fee for fee in fees if first <= fee.notice_sent <= last]
    return FeeFigures(
        notices=len(sent),
        notice_amount=sum(fee.amount for fee in sent),
        collected=sum(
            fee.paid_amount
            for fee in fees
            if fee.paid_on is not None and first <= fee.paid_on <= last
        ),
    )


def _handling(requests: Sequence[RequestRecord], first: date, last: date) -> Handling:
    decided = [r for r in requests if r.decided_on is not None and first <= r.decided_on <= last]
    topics = Counter(
        request.topic.strip()
        for request in requests
        if first <= request.received <= last and request.topic.strip()
    )
    # Ties go to the name, so the draft is the same each time it is built.
    ranked = sorted(topics.items(), key=lambda item: (-item[1], item[0]))
    return Handling(
        on_time=sum(request.on_time is True for request in decided),
        late=sum(request.on_time is False for request in decided),
        topics=tuple(ranked[:TOP_TOPICS]),
    )


# --- the arithmetic the format requires -------------------------------------


def check_report(report: AnnualReport) -> list[Problem]:
    """Where the report does not add up; empty when it does.

    Table 三: every cell counts the requests behind it; every row's 总计 is the
    sum of its columns; every column's （七）总计 the sum of the outcome rows; and
    一 + 二 = 三（七）+ 四 — when not, the requests on one side only, or counted
    twice, are named. Table 四: every group's 总计 is the sum of its columns.
    """
    problems = []
    table = report.requests
    for row in REQUEST_ROWS:
        counts = table.cells[row.code]
        if row.code != TOTAL:
            for column in REQUEST_COLUMNS[:-1]:
                listed = len(table.numbers[row.code][column.code])
                if counts[column.code] != listed:
                    problems.append(
                        Problem(
                            f"表三 {row.label} / {column.label}",
                            f"says {counts[column.code]} but {listed} requests are behind it",
                        )
                    )
        columns_sum = sum(counts[kind] for kind in _KINDS)
        if counts[TOTAL] != columns_sum:
            problems.append(
                Problem(
                    f"表三 {row.label}",
                    f"总计 {counts[TOTAL]} is not the sum of its columns, {columns_sum}",
                )
            )
    for column in REQUEST_COLUMNS:
        code, cells = column.code, table.cells
        results = sum(cells[row][code] for row in _OUTCOME_ROWS)
        if cells[TOTAL][code] != results:
            problems.append(
                Problem(
                    f"表三 （七）总计 / {column.label}",
                    f"{cells[TOTAL][code]} is not the sum of the outcome rows, {results}",
                )
            )
        came = cells[NEW][code] + cells[CARRIED_IN][code]
        went = cells[TOTAL][code] + cells[CARRIED_OUT][code]
        if came != went:
            problems.append(
                Problem(f"表三 {column.label}", f"一 + 二 = {came} but 三（七）+ 四 = {went}")
            )
    problems += _unbalanced_requests(table)
    for kind in AppealKind:
        counts = report.appeals.cells[kind]
        parts = sum(counts[column.code] for column in APPEAL_COLUMNS[:-1])
        if counts[TOTAL] != parts:
            problems.append(
                Problem(f"表四 {kind.label}", f"总计 {counts[TOTAL]} is not the sum, {parts}")
            )
    return problems


def _unbalanced_requests(table: RequestTable) -> list[Problem]:
    """The requests that break 一 + 二 = 三（七）+ 四 in their column, or are counted twice."""
    problems = []
    for kind in ApplicantKind:
        came = Counter(n for row in (NEW, CARRIED_IN) for n in table.numbers[row][kind.value])
        went = Counter(
            n for row in (*_OUTCOME_ROWS, CARRIED_OUT) for n in table.numbers[row][kind.value]
        )
        for number in sorted((came - went).keys()):
            problems.append(
                Problem(number, f"counted in 一 or 二 ({kind.label}) but in neither 三 nor 四")
            )
        for number in sorted((went - came).keys()):
            problems.append(
                Problem(number, f"counted in 三 or 四 ({kind.label}) but in neither 一 nor 二")
            )
        for side, counter in (("一 and 二", came), ("三 and 四", went)):
            for number in sorted(n for n, times in counter.items() if times > 1):
                problems.append(
                    Problem(number, f"counted {counter[number]} times in {side} ({kind.label})")
                )
    return problems


def ensure_consistent(report: AnnualReport) -> None:
    """Raise :class:`ReportInconsistent` naming what does not add up; every output calls it."""
    problems = check_report(report)
    if problems:
        raise ReportInconsistent(problems, f"the {report.year} annual report does not add up")


# --- the drafts of 一、五、六 ---------------------------------------------------


def _narrative(text: str | None, draft: tuple[str, ...]) -> Narrative:
    if text is None:
        return Narrative(draft, drafted=True)
    return Narrative(tuple(line.strip() for line in text.splitlines() if line.strip()), False)


def _listed(parts: Iterable[tuple[str, int]]) -> str:
    """规章1件、行政规范性文件3件 — the parts that are not zero."""
    return "、".join(f"{label}{count}件" for label, count in parts if count)


def _draft_overview(
    year: int,
    proactive: ProactiveTable,
    table: RequestTable,
    appeals: AppealTable,
    handling: Handling,
) -> tuple[str, ...]:
    rules = proactive.rules
    issued = _listed((kind.label, rules[kind].issued) for kind in RuleKind)
    repealed = _listed((kind.label, rules[kind].repealed) for kind in RuleKind)
    in_force = _listed((kind.label, rules[kind].in_force) for kind in RuleKind)
    decisions = _listed(
        (f"{figure.label}决定", getattr(proactive, figure.code))
        for figure in PROACTIVE_FIGURES
        if figure.heading == _DECISIONS
    )
    proactive_text = (
        f"主动公开方面，本年{'制发' + issued if issued else '未制发规章和行政规范性文件'}，"
        f"{'废止' + repealed if repealed else '未废止规章和行政规范性文件'}；"
        f"截至{year}年12月31日，"
        f"{'现行有效' + in_force if in_force else '无现行有效的规章和行政规范性文件'}。"
        + (f"本年作出{decisions}。" if decisions else "")
    )

    total = table.cells[TOTAL][TOTAL]
    results = _listed(
        (_short(group), sum(table.cells[o.value][TOTAL] for o in Outcome if o.group is group))
        for group in OutcomeGroup
    )
    handled = f"本年办结{total}件，其中{results}" if total else "本年未办结申请"
    timely = ""
    if handling.on_time or handling.late:
        timely = f"在法定期限内答复{handling.on_time}件" + (
            f"，逾期答复{handling.late}件" if handling.late else ""
        )
    requests_text = (
        f"依申请公开方面，本年新收政府信息公开申请{table.cells[NEW][TOTAL]}件，"
        f"上年结转{table.cells[CARRIED_IN][TOTAL]}件。{handled}；"
        + (f"{timely}；" if timely else "")
        + f"结转下年度继续办理{table.cells[CARRIED_OUT][TOTAL]}件。"
    )
    if handling.topics:
        topics = "、".join(f"{topic}（{count}件）" for topic, count in handling.topics)
        requests_text += f"从申请内容看，申请较为集中的事项是{topics}。"

    litigation = (AppealKind.LITIGATION_DIRECT, AppealKind.LITIGATION_AFTER_RECONSIDERATION)
    cases = _listed(
        (
            ("被申请行政复议", appeals.cells[AppealKind.RECONSIDERATION][TOTAL]),
            ("被提起行政诉讼", sum(appeals.cells[kind][TOTAL] for kind in litigation)),
        )
    )
    corrected = _corrected(appeals)
    if cases:
        appeals_text = f"本年因政府信息公开工作{cases}" + (
            f"，其中结果纠正{corrected}件。" if corrected else "。"
        )
    else:
        appeals_text = "本年未发生因政府信息公开工作引起的行政复议、行政诉讼案件。"
    return (
        f"{year}年，本机关认真贯彻落实{REGULATION}，坚持以公开为常态、不公开为例外，"
        "依法做好主动公开、依申请公开和政府信息管理工作。",
        proactive_text,
        requests_text,
        appeals_text,
    )


def _draft_problems(year: int, appeals: AppealTable, handling: Handling) -> tuple[str, ...]:
    shortcomings = []
    if handling.late:
        shortcomings.append(f"答复时效仍需提高，本年有{handling.late}件申请未在法定期限内答复")
    corrected = _corrected(appeals)
    if corrected:
        shortcomings.append(f"答复质量仍需提升，本年行政复议、行政诉讼中结果纠正{corrected}件")
    if shortcomings:
        ordinals = "一二三四五"
        found = "；".join(f"{ordinals[i]}是{text}" for i, text in enumerate(shortcomings))
        first = f"{year}年，本机关政府信息公开工作还存在以下不足：{found}。"
    else:
        first = (
            f"{year}年，本机关政府信息公开工作总体平稳，"
            "但在答复规范化、政府信息管理等方面仍有提升空间。"
        )
    return (
        first,
        "下一步，本机关将进一步规范依申请公开办理流程，严格执行答复期限，"
        "加强答复文书审核，不断提升政府信息公开工作质量。",
    )


def _draft_other_matters() -> tuple[str, ...]:
    return ("本年无其他需要报告的事项。",)


def _short(group: OutcomeGroup) -> str:
    """（二）部分公开（区分处理的…） -> 部分公开."""
    return group.label[3:].split("（")[0]


def _corrected(appeals: AppealTable) -> int:
    return sum(appeals.cells[kind][AppealResult.CORRECTED.value] for kind in AppealKind)


# --- out: the .docx, JSON and CSV ---------------------------------------------


def report_context(report: AnnualReport) -> dict[str, Any]:
    """The variables of templates/report/annual.docx.

    ``agency``, ``year``; ``t2.<rule kind>.<issued|repealed|in_force>`` and
    ``t2.<licensing|penalty|coercion|administrative_fees>`` (table 二);
    ``t3.<row code>.<column code>``, the row code's dots nesting, so a cell is
    ``t3.withheld.state_secret.natural_person`` (table 三); ``t4.<appeal kind>.<column>``
    (table 四); ``t6.notices``, ``t6.notice_amount``, ``t6.collected`` (the fees of 六,
    yuan); ``overview``, ``problems``, ``other_matters``: lists of paragraphs.
    """
    t3: dict[str, Any] = {}
    for row in REQUEST_ROWS:
        *groups, leaf = row.code.split(".")
        level = t3
        for group in groups:
            level = level.setdefault(group, {})
        level[leaf] = dict(report.requests.cells[row.code])
    proactive = report.proactive
    t2: dict[str, Any] = {
        kind.value: {
            "issued": proactive.rules[kind].issued,
            "repealed": proactive.rules[kind].repealed,
            "in_force": proactive.rules[kind].in_force,
        }
        for kind in RuleKind
    }
    t2.update({figure.code: _figure(proactive, figure) for figure in PROACTIVE_FIGURES})
    return {
        "agency": report.agency,
        "year": report.year,
        "t2": t2,
        "t3": t3,
        "t4": {kind.value: dict(report.appeals.cells[kind]) for kind in AppealKind},
        "t6": {
            "notices": report.fees.notices,
            "notice_amount": f"{report.fees.notice_amount:,}",
            "collected": f"{report.fees.collected:,}",
        },
        "overview": list(report.overview.paragraphs),
        "problems": list(report.problems.paragraphs),
        "other_matters": list(report.other_matters.paragraphs),
    }


def _figure(proactive: ProactiveTable, figure: ProactiveFigure) -> int | str:
    value: int | Decimal = getattr(proactive, figure.code)
    # Amounts in 万元 leave as text: exact, and printed with the places the clerk gave.
    return str(value) if isinstance(value, Decimal) else value


def render_report(report: AnnualReport, template: Path, output: Path) -> Path:
    """Write the report as .docx from ``template`` (docxtpl); refuses a report that does not add up.

    An undefined variable in the template is an error, not an empty cell.
    """
    ensure_consistent(report)
    document = DocxTemplate(template)
    document.render(
        report_context(report), jinja_env=Environment(undefined=StrictUndefined, autoescape=True)
    )
    document.save(output)
    return output


# --- the tables as the format prints them ----------------------------------------


@dataclass(frozen=True)
class Place:
    """A table's cell: ``text`` at (top, left), merged down to ``bottom`` and across to ``right``.

    A number cell names its ``figure`` instead, as a path into
    :func:`report_context` (``t3.granted.natural_person``): a page or a document
    template fills it from the same data.
    """

    top: int
    left: int
    text: str = ""
    bottom: int | None = None
    right: int | None = None
    label: bool = False  # a row label, left-aligned; headings and numbers are centred
    figure: str | None = None


@dataclass(frozen=True)
class Layout:
    """One table of the report: its section, its size and its cells (merged cells once).

    The one layout of the table: :func:`report_tables` fills it for the web page,
    templates/build_report.py writes it into the .docx template.
    """

    section: str
    rows: int
    columns: int
    places: tuple[Place, ...]
    header_rows: int = 0  # the column headings repeated atop each page the table runs onto


def _proactive_layout() -> Layout:
    """表二: one four-column table, a block per item of 第二十条, every cell centred
    (as the format prints it)."""
    places = [Place(0, 0, RULE_ITEM, right=3), Place(1, 0, ITEM_HEADING)]
    places += [Place(1, c, heading.label) for c, heading in enumerate(RULE_COLUMNS, start=1)]
    for row, kind in enumerate(RuleKind, start=2):
        places.append(Place(row, 0, kind.label))
        places += [
            Place(row, c, figure=f"t2.{kind.value}.{heading.code}")
            for c, heading in enumerate(RULE_COLUMNS, start=1)
        ]
    row = 2 + len(RuleKind)
    for item, group in groupby(PROACTIVE_FIGURES, lambda figure: figure.item):
        figures = list(group)
        places += [
            Place(row, 0, item, right=3),
            Place(row + 1, 0, ITEM_HEADING),
            Place(row + 1, 1, figures[0].heading, right=3),
        ]
        for offset, figure in enumerate(figures, start=2):
            places.append(Place(row + offset, 0, figure.label))
            places.append(Place(row + offset, 1, right=3, figure=f"t2.{figure.code}"))
        row += 2 + len(figures)
    return Layout(SECTIONS[1], row, 4, tuple(places))


def _under_results(row: Row) -> bool:
    """An outcome row or （七）总计: the rows 三、本年度办理结果 heads."""
    return row.group is not None or row.code == TOTAL


def _request_layout() -> Layout:
    """表三: three label columns, then the applicant columns under 申请人情况."""
    header, labels = 3, 3
    kinds, total = REQUEST_COLUMNS[:-1], REQUEST_COLUMNS[-1]
    last = labels + len(REQUEST_COLUMNS) - 1
    places = [
        Place(0, 0, CORNER_NOTE, bottom=header - 1, right=labels - 1),
        Place(0, labels, APPLICANTS_LABEL, right=last),
        Place(1, labels, kinds[0].label, bottom=2),
        Place(1, labels + 1, ORGANISATIONS_LABEL, right=last - 1),
        *(Place(2, c, kind.label) for c, kind in enumerate(kinds[1:], start=labels + 1)),
        Place(1, last, total.label, bottom=2),
    ]
    # 三、本年度办理结果 runs down the first column beside the outcome rows and （七）总计.
    results = [i for i, row in enumerate(REQUEST_ROWS, start=header) if _under_results(row)]
    places.append(Place(results[0], 0, RESULTS_LABEL, bottom=results[-1], label=True))
    sizes = Counter(row.group for row in REQUEST_ROWS if row.group)
    for index, row in enumerate(REQUEST_ROWS, start=header):
        if row.group is not None and sizes[row.group] > 1:
            places.append(Place(index, labels - 1, row.label, label=True))  # 1．属于国家秘密 …
        else:
            left = 1 if _under_results(row) else 0
            places.append(Place(index, left, row.label, right=labels - 1, label=True))
        places += [
            Place(index, c, figure=f"t3.{row.code}.{column.code}")
            for c, column in enumerate(REQUEST_COLUMNS, start=labels)
        ]
    # （三）不予公开 … run down the second column beside their numbered rows.
    rows = {row.code: index for index, row in enumerate(REQUEST_ROWS, start=header)}
    for group, size in sizes.items():
        if size > 1:
            members = [rows[row.code] for row in REQUEST_ROWS if row.group is group]
            places.append(Place(members[0], 1, group.label, bottom=members[-1], label=True))
    return Layout(SECTIONS[2], header + len(REQUEST_ROWS), last + 1, tuple(places), header)


def _appeal_layout() -> Layout:
    """表四: 行政复议 over five columns and two header rows; 行政诉讼 over ten, split in two
    (four rows, no headings repeated on a new page)."""
    width = len(APPEAL_COLUMNS)
    places = []
    for group, kind in enumerate(AppealKind):
        left, right = group * width, group * width + width - 1
        if len(kind.heading) == 1:
            places.append(Place(0, left, kind.heading[0], bottom=1, right=right))
        else:
            places.append(Place(1, left, kind.heading[1], right=right))
        for offset, column in enumerate(APPEAL_COLUMNS):
            places.append(Place(2, left + offset, column.label))
            places.append(Place(3, left + offset, figure=f"t4.{kind.value}.{column.code}"))
    # 行政诉讼 heads the groups with a second level (直接起诉, 复议后起诉).
    litigation = [i for i, kind in enumerate(AppealKind) if len(kind.heading) > 1]
    first = list(AppealKind)[litigation[0]]
    right = (litigation[-1] + 1) * width - 1
    places.append(Place(0, litigation[0] * width, first.heading[0], right=right))
    return Layout(SECTIONS[3], 4, len(AppealKind) * width, tuple(places))


def _fee_layout() -> Layout:
    """六's 信息处理费 (a sentence in the document) as a table of its three figures."""
    places = [Place(0, c, column.label) for c, column in enumerate(FEE_COLUMNS)]
    places += [Place(1, c, figure=f"t6.{column.code}") for c, column in enumerate(FEE_COLUMNS)]
    return Layout(SECTIONS[5], 2, len(FEE_COLUMNS), tuple(places), 1)


LAYOUTS = (_proactive_layout(), _request_layout(), _appeal_layout(), _fee_layout())


@dataclass(frozen=True)
class Cell:
    """A cell of a laid-out table, its figure filled in; ``kind``: heading, label or figure."""

    text: str
    rowspan: int
    colspan: int
    kind: str
    figure: str | None = None


@dataclass(frozen=True)
class FilledTable:
    """A table of the report with its figures: rows of the cells that start in them."""

    section: str
    header_rows: int
    rows: tuple[tuple[Cell, ...], ...]


def _figure_value(context: Mapping[str, Any], path: str) -> str:
    value: Any = context
    for key in path.split("."):
        value = value[key]
    return str(value)


def report_tables(report: AnnualReport) -> tuple[FilledTable, ...]:
    """Tables 二、三、四 and the fees of 六 with the report's figures, merged cells as spans,
    for a page to draw; refuses a report that does not add up."""
    ensure_consistent(report)
    context = report_context(report)
    tables = []
    for layout in LAYOUTS:
        rows: list[list[Cell]] = [[] for _ in range(layout.rows)]
        for place in sorted(layout.places, key=lambda place: (place.top, place.left)):
            bottom = place.top if place.bottom is None else place.bottom
            right = place.left if place.right is None else place.right
            if place.figure is not None:
                text, kind = _figure_value(context, place.figure), "figure"
            else:
                text, kind = place.text, "label" if place.label else "heading"
            span = (bottom - place.top + 1, right - place.left + 1)
            rows[place.top].append(Cell(text, *span, kind, place.figure))
        tables.append(FilledTable(layout.section, layout.header_rows, tuple(map(tuple, rows))))
    return tuple(tables)


CSV_FIELDS = ("agency", "year", "table", "row", "row_label", "column", "column_label", "value")


def report_rows(report: AnnualReport) -> list[dict[str, object]]:
    """Every figure of tables 二、三、四 and the fees of 六, one per row, for upstream aggregation.

    ``table`` is 2, 3, 4 or 6; ``row`` and ``column`` are codes, with their
    labels beside them; an amount in 万元 is text (exact decimal).
    """
    ensure_consistent(report)
    rows: list[dict[str, object]] = []

    def add(table: int, row: str, row_label: str, column: Column, value: object) -> None:
        rows.append(
            {
                "agency": report.agency,
                "year": report.year,
                "table": table,
                "row": row,
                "row_label": row_label,
                "column": column.code,
                "column_label": column.label,
                "value": value,
            }
        )

    proactive = report.proactive
    for kind in RuleKind:
        for column in RULE_COLUMNS:
            add(2, kind.value, kind.label, column, getattr(proactive.rules[kind], column.code))
    for figure in PROACTIVE_FIGURES:
        add(
            2,
            figure.code,
            figure.label,
            Column("value", figure.heading),
            _figure(proactive, figure),
        )
    for row in REQUEST_ROWS:
        label = f"{row.group.label} {row.label}" if _grouped(row) else row.label
        for column in REQUEST_COLUMNS:
            add(3, row.code, label, column, report.requests.cells[row.code][column.code])
    for kind in AppealKind:
        for column in APPEAL_COLUMNS:
            add(4, kind.value, kind.label, column, report.appeals.cells[kind][column.code])
    for column in FEE_COLUMNS:
        add(6, "information_fees", "信息处理费", column, getattr(report.fees, column.code))
    return rows


def _grouped(row: Row) -> bool:
    """An outcome row under a group heading (1．属于国家秘密 under （三）不予公开)."""
    return row.group is not None and row.label != row.group.label


def write_csv(report: AnnualReport, stream: TextIO) -> None:
    """:func:`report_rows` as CSV with a header line, to an open text stream."""
    writer = csv.DictWriter(stream, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(report_rows(report))


def csv_bytes(report: AnnualReport) -> bytes:
    """:func:`write_csv` as the file handed out: UTF-8 with a byte order mark.

    Excel, the clerk's tool, reads a CSV without the mark in the PC's ANSI code
    page (GBK) and garbles the Chinese; with it, Excel and ``utf-8-sig`` readers
    agree. The desk's download and ``gongkai report annual --csv`` both write it.
    """
    stream = io.StringIO()
    write_csv(report, stream)
    return stream.getvalue().encode("utf-8-sig")


def report_to_dict(report: AnnualReport) -> dict[str, object]:
    """The report as JSON-ready data: codes as keys, labels beside them, amounts in 万元 as text."""
    ensure_consistent(report)
    proactive = report.proactive
    return {
        "agency": report.agency,
        "year": report.year,
        "period": {"from": f"{report.year}-01-01", "to": f"{report.year}-12-31"},
        "format": REPORT_FORMAT,
        "proactive": {
            "rules": [
                {
                    "code": kind.value,
                    "label": kind.label,
                    "item": RULE_ITEM,
                    **{col.code: getattr(proactive.rules[kind], col.code) for col in RULE_COLUMNS},
                }
                for kind in RuleKind
            ],
            "figures": [
                {
                    "code": figure.code,
                    "label": figure.label,
                    "item": figure.item,
                    "heading": figure.heading,
                    "value": _figure(proactive, figure),
                }
                for figure in PROACTIVE_FIGURES
            ],
        },
        "requests": {
            "columns": [{"code": c.code, "label": c.label} for c in REQUEST_COLUMNS],
            "rows": [
                {
                    "code": row.code,
                    "label": row.label,
                    "group": row.group.value if row.group else None,
                    "group_label": row.group.label if row.group else None,
                    "cells": dict(report.requests.cells[row.code]),
                }
                for row in REQUEST_ROWS
            ],
        },
        "appeals": {
            "columns": [{"code": c.code, "label": c.label} for c in APPEAL_COLUMNS],
            "rows": [
                {"code": kind.value, "label": kind.label, "cells": dict(report.appeals.cells[kind])}
                for kind in AppealKind
            ],
        },
        "fees": {
            "basis": FEE_MEASURES,
            "unit": "元",
            **{col.code: getattr(report.fees, col.code) for col in FEE_COLUMNS},
        },
        "handling": {
            "on_time": report.handling.on_time,
            "late": report.handling.late,
            "topics": [{"topic": t, "count": n} for t, n in report.handling.topics],
        },
        "narratives": {
            name: {"paragraphs": list(narrative.paragraphs), "drafted": narrative.drafted}
            for name, narrative in (
                ("overview", report.overview),
                ("problems", report.problems),
                ("other_matters", report.other_matters),
            )
        },
    }


def sample_context(year: int = 2026) -> dict[str, Any]:
    """A whole context for the report template, for ``gongkai templates check``."""
    answered = RequestRecord(
        f"{year}-0001",
        ApplicantKind.NATURAL_PERSON,
        date(year, 3, 2),
        date(year, 3, 20),
        Outcome.GRANTED,
        "城市建设",
        True,
    )
    manual = ManualFigures(year, 12, 3, 1, Decimal("1.25"))
    report = build_report(year, [answered], [], [], [], manual, agency="某某市人民政府办公室")
    return report_context(report)
