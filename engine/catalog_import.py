"""Bringing an office's existing 政府信息公开目录 into the register (pure).

An office adopting the desk files its archive of older documents; most were
published on the portal long ago and carry a 索引号 there, but the register does
not know it, so they show as 逾期未公开. The catalog it keeps (a spreadsheet, often
exported from the portal) tells the register what was published when:

- :func:`read_catalog` reads its rows from a CSV (UTF-8 with or without a BOM,
  GB18030 as Excel saves it on Chinese Windows, UTF-16 "Unicode text") or an
  .xlsx, the header row found by its column names (:data:`HEADERS`);
- :class:`Matcher` finds each row's document: by 发文字号 compared as the search
  compares them (any brackets, full or half width), else by the exact title,
  blanks aside; a row matching no document or several is reported, never guessed;
- :func:`plan_import` decides each row as ``gongkai publish`` would (only a
  document finally decided 主动公开, not before its 成文日期, not in the future, not
  the same channel and day twice) and which 索引号 it carries: the row's own when
  it fits the office's pattern and is no other document's, the one the document
  already has, else the next number of its publication year. Rows that bring
  their own number are planned (and written) first, so that the numbers given
  afterwards continue after them and none is taken twice.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from openpyxl import Workbook, load_workbook

from engine.metadata import parse_chinese_date
from engine.publication import (
    Channel,
    FinalDecision,
    IndexPattern,
    PublicationError,
    check_publication,
)
from engine.text import normalize_text
from indexer.analysis import doc_number_key

IMPORT_ACTION = "catalog.import"  # the audit log's action for an import that wrote


class CatalogImportError(PublicationError):
    """A catalog file that cannot be read as one: the message says why."""


# --- reading the rows -----------------------------------------------------------------


class Column(StrEnum):
    """The catalog's columns the import reads (the others, 发布机构, 成文日期, 有效性, come
    from the register)."""

    INDEX_NUMBER = "index_number"
    TITLE = "title"
    DOC_NUMBER = "doc_number"
    PUBLISHED_ON = "published_on"
    TOPIC = "topic"
    URL = "url"


# The headers each column is known by: the export's own (engine.publication.
# CATALOG_COLUMNS) first, then what portals and offices' spreadsheets call it.
HEADERS: Mapping[Column, tuple[str, ...]] = {
    Column.INDEX_NUMBER: ("索引号", "索引", "信息索引号"),
    Column.TITLE: ("信息名称", "标题", "名称", "文件名称", "文件标题", "信息标题", "题名"),
    Column.DOC_NUMBER: ("发文字号", "文号", "发文号", "文件编号"),
    Column.PUBLISHED_ON: ("发布日期", "发布时间", "公开日期", "公开时间", "发布日"),
    Column.TOPIC: ("主题分类", "分类", "主题", "信息分类"),
    Column.URL: ("链接", "网址", "链接地址", "访问地址", "url"),
}
_BY_HEADER = {header: column for column, names in HEADERS.items() for header in names}
_HEADER_ROWS = 30  # a title, notes or a blank line or two may stand above the header
_BLANKS = re.compile(r"\s+")
_HEADER_NOISE = re.compile(r"[\s*＊:：]")  # 发布日期： or *信息名称 (a required field)


@dataclass(frozen=True)
class CatalogRow:
    """One row of an office's catalog, as read: ``line`` is its number in the sheet (as
    Excel shows it); ``problems`` the cells that could not be read."""

    line: int
    index_number: str = ""
    title: str = ""
    doc_number: str = ""
    published_on: date | None = None
    topic: str = ""
    url: str = ""
    problems: tuple[str, ...] = ()


def read_catalog(data: bytes, name: str) -> list[CatalogRow]:
    """The rows of a catalog file (``name`` tells .xlsx from .csv), blank rows left out;
    :class:`CatalogImportError` when it is neither or has no header row."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise CatalogImportError(
            f"{name}：旧版 Excel（.xls）文件请另存为 .xlsx 或 .csv (save it as .xlsx or .csv)"
        )
    if suffix in ("xlsx", "xlsm") or data.startswith(b"PK\x03\x04"):
        with closing(_workbook(data, name)) as book:
            sheets = (sheet.iter_rows(values_only=True) for sheet in book.worksheets)
            rows = next(filter(None, map(_rows_under_header, sheets)), None)
    else:
        rows = _rows_under_header(_csv_rows(data))
    if rows is not None:
        return rows
    wanted = "、".join(HEADERS[Column.PUBLISHED_ON][:1] + HEADERS[Column.TITLE][:1])
    raise CatalogImportError(
        f"{name}：找不到表头行，至少需要“{wanted}”或“发文字号”列 (no header row naming "
        "the 发布日期 column and the 信息名称 or 发文字号 column)"
    )


def _workbook(data: bytes, name: str) -> Workbook:
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise CatalogImportError(f"{name}：不是可读的 .xlsx 文件 ({error})") from None


def _csv_rows(data: bytes) -> list[list[str]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")  # Excel's "Unicode text": tab-separated
    elif data.startswith(b"\xef\xbb\xbf"):
        text = data.decode("utf-8-sig")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="replace")  # Excel on Chinese Windows
    head = text[:4096]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _rows_under_header(sheet: Iterable[Sequence[object]]) -> list[CatalogRow] | None:
    """The rows below the sheet's header row; None if none of its first rows is one."""
    lines = enumerate(sheet, start=1)
    for number, cells in lines:
        columns = _header(cells)
        if columns is not None:
            return [
                _row(line, values, columns) for line, values in lines if any(map(_text, values))
            ]
        if number >= _HEADER_ROWS:
            return None
    return None


def _header(cells: Sequence[object]) -> dict[Column, int] | None:
    """Which cell holds which column, if ``cells`` is a header row: it names the 发布日期
    and the 信息名称 or the 发文字号. A column named twice is read from its first cell."""
    columns: dict[Column, int] = {}
    for position, cell in enumerate(cells):
        key = _HEADER_NOISE.sub("", normalize_text(_text(cell))).lower()
        column = _BY_HEADER.get(key)
        if column is not None:
            columns.setdefault(column, position)
    named = Column.TITLE in columns or Column.DOC_NUMBER in columns
    return columns if named and Column.PUBLISHED_ON in columns else None


def _row(line: int, cells: Sequence[object], columns: Mapping[Column, int]) -> CatalogRow:
    def cell(column: Column) -> object:
        position = columns.get(column)
        return cells[position] if position is not None and position < len(cells) else None

    problems = []
    try:
        published_on = _day(cell(Column.PUBLISHED_ON))
    except ValueError:
        published_on = None
        problems.append(
            f"发布日期“{_text(cell(Column.PUBLISHED_ON))}”不是可识别的日期 "
            "(write it as 2021-03-26, 2021/3/26 or 2021年3月26日)"
        )
    return CatalogRow(
        line,
        index_number=_numbered(cell(Column.INDEX_NUMBER)),
        title=_text(cell(Column.TITLE)),
        doc_number=_numbered(cell(Column.DOC_NUMBER)),
        published_on=published_on,
        topic=_text(cell(Column.TOPIC)),
        url=_text(cell(Column.URL)),
        problems=tuple(problems),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number Excel keeps as 12.0
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _numbered(value: object) -> str:
    """A 索引号 or 发文字号: empty when it holds no digit (无, —, / for "none")."""
    text = _text(value)
    return text if any(char.isdigit() for char in text) else ""


_EXCEL_EPOCH = date(1899, 12, 30)  # serial day 0 of Excel's 1900 date system
_NUMERIC_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)?"  # 发布时间 often has the time
)


def _day(value: object) -> date | None:
    """A cell as a day: an Excel date (or its serial number, in a cell not formatted as
    a date), 2021-03-26, 2021/3/26, 2021.3.26, 2021年3月26日 (a time after it is
    allowed); None when empty. ValueError when it is none of those."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 10000 <= value < 2958466:  # 1927-05-18 to 9999-12-31: not a bare year like 2021
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(value)
    text = normalize_text(_text(value))
    if not text:
        return None
    match = _NUMERIC_DATE.fullmatch(text)
    if match:
        return date(int(match[1]), int(match[2]), int(match[3]))  # ValueError if impossible
    written = parse_chinese_date(text)  # 二〇二一年三月二十六日
    if written is None:
        raise ValueError(text)
    return written


# --- matching rows to documents ----------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    """A document of the register, as the import matches rows to it."""

    id: int
    doc_number: str | None
    title: str | None


def title_key(title: str) -> str:
    """A title as rows are matched by it: normalised (full-width digits and letters as
    half-width), without blanks."""
    return _BLANKS.sub("", normalize_text(title))


class Matcher:
    """Finds a row's document by its 发文字号, else by its title."""

    def __init__(self, documents: Iterable[Filed]) -> None:
        self._by_number: dict[str, list[Filed]] = defaultdict(list)
        self._by_title: dict[str, list[Filed]] = defaultdict(list)
        for document in documents:
            if document.doc_number:
                self._by_number[doc_number_key(document.doc_number)].append(document)
            if document.title:
                self._by_title[title_key(document.title)].append(document)

    def match(self, row: CatalogRow) -> int | str:
        """The id of the one document ``row`` names, or why there is none (a str)."""
        number = doc_number_key(row.doc_number) if row.doc_number else ""
        title = title_key(row.title)
        if not number and not title:
            return "本行没有信息名称或发文字号 (the row names no title or 发文字号)"
        found = self._by_number.get(number, []) if number else []
        if len(found) > 1 and title:  # copies of one 发文字号: the title may tell them apart
            found = [d for d in found if title_key(d.title or "") == title] or found
        if not found and title:
            same_title = self._by_title.get(title, [])
            # A document whose own 发文字号 differs is another one of the same name.
            found = [
                d
                for d in same_title
                if not (number and d.doc_number and doc_number_key(d.doc_number) != number)
            ]
            if not found and same_title:
                others = "、".join(f"{d.id}（{d.doc_number}）" for d in same_title)
                return (
                    f"同名文件{others}的发文字号与本行{row.doc_number}不同 "
                    "(the documents of that title carry another 发文字号)"
                )
        if len(found) == 1:
            return found[0].id
        if found:
            ids = "、".join(str(d.id) for d in found)
            return f"对应多份文件（{ids}），请核对后逐件登记 (several documents match: {ids})"
        named = f"发文字号{row.doc_number}" if number else f"信息名称“{row.title}”"
        return f"档案中没有{named}的文件 (no document in the archive matches)"


# --- the plan --------------------------------------------------------------------------


class Outcome(StrEnum):
    """What becomes of a row."""

    PUBLISH = "publish"  # passes every check: would be recorded (dry run)
    PUBLISHED = "published"  # recorded
    REFUSED = "refused"  # matched, but the rules refuse it
    UNMATCHED = "unmatched"  # no document, or several

    @property
    def label(self) -> str:
        return {
            "publish": "可登记",
            "published": "已登记公开",
            "refused": "不予登记",
            "unmatched": "未找到对应文件",
        }[self.value]

    @property
    def failed(self) -> bool:
        return self in (Outcome.REFUSED, Outcome.UNMATCHED)


@dataclass(frozen=True)
class Filing:
    """A matched document's standing on the publication books: what publishing it checks."""

    issue_date: date | None
    decisions: tuple[FinalDecision, ...]
    publications: tuple[tuple[Channel, date], ...]
    index_number: str | None


@dataclass(frozen=True)
class Given:
    """A 索引号 the register has given."""

    number: str
    year: int
    seq: int
    document_id: int


@dataclass(frozen=True)
class PlannedRow:
    """A row's fate: ``index_number`` is the one the document carries once it is recorded
    (its own, the row's or the next); ``claim`` the row's number when the document takes it;
    ``status`` the clock's verdict once recorded (按时公开 or 逾期公开)."""

    row: CatalogRow
    outcome: Outcome
    document_id: int | None = None
    index_number: str = ""
    claim: str = ""
    reason: str = ""
    notes: tuple[str, ...] = ()
    status: str = ""

    def view(self) -> dict[str, object]:
        """The row as ``--json`` shows it."""
        row = self.row
        return {
            "line": row.line,
            "outcome": self.outcome.value,
            "outcome_label": self.outcome.label,
            "document_id": self.document_id,
            "title": row.title,
            "doc_number": row.doc_number,
            "published_on": row.published_on.isoformat() if row.published_on else None,
            "row_index_number": row.index_number,
            "index_number": self.index_number,
            "topic": row.topic,
            "reason": self.reason,
            "notes": list(self.notes),
            "status": self.status,
        }


def plan_import(
    rows: Sequence[CatalogRow],
    matcher: Matcher,
    filings: Mapping[int, Filing],
    given: Iterable[Given],
    pattern: IndexPattern,
    org_code: str,
    channel: Channel,
    today: date,
) -> list[PlannedRow]:
    """Each row's fate, in the file's order; :func:`write_order` is the order to record them.

    ``filings``: the matched documents' standing; ``given``: every 索引号 the register
    has given. The whole file is planned as if each row passing were recorded before
    the next, so two rows cannot take one number or one channel and day.
    """
    holders = {entry.number: entry.document_id for entry in given}
    seqs = {(entry.year, entry.seq): entry.document_id for entry in given}
    last: dict[int, int] = defaultdict(int)
    for year, seq in seqs:
        last[year] = max(last[year], seq)
    numbered = {document: f.index_number for document, f in filings.items() if f.index_number}
    published = {document: list(f.publications) for document, f in filings.items()}

    def plan(row: CatalogRow) -> PlannedRow:
        found = matcher.match(row)
        if isinstance(found, str):
            return PlannedRow(row, Outcome.UNMATCHED, reason=found)
        refused = PlannedRow(row, Outcome.REFUSED, found)
        if row.problems:
            return replace(refused, reason="；".join(row.problems))
        if row.published_on is None:
            return replace(refused, reason="本行没有发布日期 (the row gives no 发布日期)")
        filing = filings[found]
        try:
            check_publication(
                filing.issue_date,
                filing.decisions,
                channel,
                row.published_on,
                published[found],
                today,
            )
            number, claim, notes = number_for(row, found, numbered.get(found))
        except PublicationError as error:
            return replace(refused, reason=str(error))
        published[found].append((channel, row.published_on))
        numbered[found] = number
        return PlannedRow(row, Outcome.PUBLISH, found, number, claim, notes=notes)

    def number_for(
        row: CatalogRow, document: int, own: str | None
    ) -> tuple[str, str, tuple[str, ...]]:
        """The document's 索引号 once recorded, the row's number it claims, notes."""
        if own is not None:
            if row.index_number and row.index_number != own:
                return own, "", (
                    f"本行索引号{row.index_number}与该文件已有的索引号{own}不同，保留{own} "
                    f"(the document keeps its 索引号 {own})",
                )  # fmt: skip
            return own, "", ()
        assert row.published_on is not None
        if row.index_number:
            year, seq = pattern.claim(row.index_number, org_code)
            holder = holders.get(row.index_number, seqs.get((year, seq)))
            if holder is not None:
                raise PublicationError(
                    f"索引号{row.index_number}已编给文件{holder} "
                    f"(already the number of document {holder})"
                )
            number = claim = row.index_number
        else:
            year = row.published_on.year
            seq = last[year] + 1
            number, claim = pattern.format(org_code, year, seq), ""
        holders[number], seqs[year, seq] = document, document
        last[year] = max(last[year], seq)
        return number, claim, ()

    planned = [plan(row) for row in write_order(rows)]
    return sorted(planned, key=lambda item: item.row.line)


def write_order(rows: Iterable[CatalogRow]) -> list[CatalogRow]:
    """The rows that bring their own 索引号 first, then the others, each in the file's
    order: the next numbers are given after every number the file brings."""
    return sorted(rows, key=lambda row: (not row.index_number, row.line))


def summary(planned: Sequence[PlannedRow]) -> dict[str, int]:
    """How many rows had each outcome."""
    counts = dict.fromkeys((outcome.value for outcome in Outcome), 0)
    for item in planned:
        counts[item.outcome.value] += 1
    return counts
