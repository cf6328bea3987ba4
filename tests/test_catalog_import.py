"""Importing an office's 政府信息公开目录: real CSV and XLSX files built here, documents
filed through the pipeline, the register on both backends, and the command."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from engine import catalog_import_store
from engine.archive import Archive
from engine.catalog_import import (
    CatalogImportError,
    CatalogRow,
    Filed,
    Matcher,
    Outcome,
    PlannedRow,
    read_catalog,
)
from engine.catalog_import_store import import_catalog, plan_catalog_import
from engine.cli import app
from engine.codes import Attribute, Reason
from engine.config import Settings
from engine.publication import Channel, IndexPattern, PublicationError
from engine.publication_store import CatalogFormat, PublicationDesk, catalog_csv
from engine.register.models import AuditEvent, IndexNumber, Publication
from engine.review import ALL_LEVELS, Position
from tests.builders import build_docx
from tests.decisions import decide
from tests.test_publication_store import OFFICE, TODAY

HEADER = [
    "索引号",
    "信息名称",
    "发文字号",
    "发布机构",
    "成文日期",
    "发布日期",
    "主题分类",
    "有效性",
]
PROACTIVE = Position(Attribute.PROACTIVE)

# The office's older documents: 发文字号 (None: it has none), title, 成文日期.
ROADS = ("某政发〔2025〕3号", "某某县农村公路养护办法", date(2025, 1, 6))
FIRE = ("某政办发〔2025〕12号", "关于做好春季防火工作的通知", date(2025, 2, 10))
ALLOWANCE = ("某政发〔2025〕20号", "关于调整城乡低保标准的通知", date(2025, 3, 2))
BUDGET = (None, "某某县2024年财政预算执行情况的公告", date(2025, 3, 4))
FLOODS = ("某政办发〔2025〕31号", "关于做好汛期安全工作的通知", date(2025, 5, 8))
FUNDS = ("某政办发〔2025〕30号", "关于追加资金的请示", date(2025, 4, 1))  # 不予公开
OLDER = [ROADS, FIRE, ALLOWANCE, BUDGET, FLOODS]


def _docx(directory: Path, number: str | None, title: str, issued: date) -> Path:
    """A 公文 as the agency filed it: 版头, 发文字号, 标题, 正文, 署名, 成文日期."""
    lines = ["某某县人民政府文件", *([number] if number else []), title]
    lines += ["各乡镇人民政府，县直各部门：", f"{title}的有关事项如下。", "某某县人民政府"]
    lines.append(f"{issued.year}年{issued.month}月{issued.day}日")
    directory.mkdir(parents=True, exist_ok=True)
    return build_docx(directory / f"{title}.docx", lines)


def _file(
    archive: Archive, directory: Path, documents: Sequence[tuple[str | None, str, date]]
) -> dict[str, int]:
    """The documents filed through the pipeline and decided 主动公开: their ids by title."""
    paths = [_docx(directory, *document) for document in documents]
    ids = [outcome.document_id for outcome in archive.ingest_files(paths)]
    filed = {}
    for (_, title, issued), document_id in zip(documents, ids, strict=True):
        assert document_id is not None
        decide(archive, document_id, PROACTIVE, issued)
        filed[title] = document_id
    return filed


def _desk(archive: Archive) -> PublicationDesk:
    (archive.settings.home / "office.toml").write_text(OFFICE, encoding="utf-8")
    desk = PublicationDesk.open(archive.sessions, archive.settings.home, ALL_LEVELS)
    desk.today = lambda: TODAY
    return desk


@pytest.fixture
def desk(archive: Archive) -> PublicationDesk:
    return _desk(archive)


@pytest.fixture
def filed(archive: Archive, tmp_path: Path) -> dict[str, int]:
    filed = _file(archive, tmp_path / "docs", OLDER)
    [withheld] = (o.document_id for o in archive.ingest_files([_docx(tmp_path / "docs", *FUNDS)]))
    assert withheld is not None
    decide(archive, withheld, Position(Attribute.WITHHELD, Reason.PROCESS_INFO), FUNDS[2])
    return {**filed, FUNDS[1]: withheld}


def _csv(rows: Sequence[Sequence[object]], encoding: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def _xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _books(archive: Archive) -> tuple[int, int, int]:
    """How many audit events, publications and 索引号 the register holds."""
    with archive.sessions() as session:
        return (
            session.scalar(select(func.count(AuditEvent.id))) or 0,
            session.scalar(select(func.count(Publication.id))) or 0,
            session.scalar(select(func.count(IndexNumber.id))) or 0,
        )


def _seen(planned: Sequence[PlannedRow]) -> list[tuple[int, Outcome, int | None, str]]:
    return [(item.row.line, item.outcome, item.document_id, item.index_number) for item in planned]


# --- the round trip ---------------------------------------------------------------------


@pytest.fixture
def source(tmp_path: Path) -> Iterator[Archive]:
    """Another register (SQLite) holding the same documents: where the catalog comes from."""
    home = tmp_path / "source"
    settings = Settings(
        home=home,
        database_url=f"sqlite:///{home / 'gongkai.db'}",
        inbox=home / "inbox",
        settle_seconds=0.2,
        workers=2,
    )
    with Archive.open(settings) as opened:
        yield opened


@pytest.mark.parametrize("fmt", [CatalogFormat.CSV, CatalogFormat.XLSX])
def test_an_exported_catalog_imported_into_a_fresh_register_gives_it_back(
    archive: Archive, desk: PublicationDesk, source: Archive, tmp_path: Path, fmt: CatalogFormat
) -> None:
    origin = _desk(source)
    theirs = _file(source, tmp_path / "docs", OLDER)
    published = [  # not in the order filed; one first in the gazette, one in two channels
        (FLOODS, Channel.PORTAL, date(2025, 5, 12), "防汛"),
        (ROADS, Channel.GAZETTE, date(2025, 1, 20), "交通运输"),
        (ROADS, Channel.PORTAL, date(2025, 1, 21), ""),
        (BUDGET, Channel.PORTAL, date(2025, 3, 5), "财政"),
        (FIRE, Channel.PORTAL, date(2026, 1, 5), ""),  # late, and numbered in 2026
    ]
    for (_, title, _), channel, day, topic in published:
        origin.publish(theirs[title], channel, day, "王芳", topic=topic)
    exported = tmp_path / f"目录.{fmt.value}"
    assert origin.export_catalog(exported, fmt) == 4

    ours = _file(archive, tmp_path / "docs", OLDER)
    assert {d["document_id"] for d in desk.clock(overdue=True)} == set(ours.values())
    report = import_catalog(
        desk, read_catalog(exported.read_bytes(), exported.name), Channel.PORTAL, "王芳"
    )
    assert report.ok and [item.outcome for item in report.rows] == [Outcome.PUBLISHED] * 4
    assert desk.catalog() == origin.catalog()
    assert catalog_csv(desk.catalog()) == catalog_csv(origin.catalog())
    # Only the document the catalog does not hold is still on the clock.
    assert [d["document_id"] for d in desk.clock()] == [ours[ALLOWANCE[1]]]
    assert report.rows[3].status == "逾期公开" and report.rows[0].status == "按时公开"
    # Imported again: every row is refused (the same channel and day twice), nothing added.
    books = _books(archive)
    again = import_catalog(
        desk, read_catalog(exported.read_bytes(), exported.name), Channel.PORTAL, "王芳"
    )
    assert not again.ok and {item.outcome for item in again.rows} == {Outcome.REFUSED}
    assert all("already published" in item.reason for item in again.rows)
    assert _books(archive)[1:] == books[1:]


# --- 索引号 --------------------------------------------------------------------------


def test_numbers_given_later_continue_after_the_imported_ones(
    archive: Archive, desk: PublicationDesk, filed: dict[str, int]
) -> None:
    """A CSV in UTF-8 with a BOM, as Excel saves it, with a portal's own headers; the row
    without a 索引号 comes first but is numbered after those the file brings."""
    rows = [
        ["序号", "标题", "文号", "发布时间", "分类", "索引号"],
        ["1", BUDGET[1], "", "2025/3/5", "财政", ""],
        ["2", ROADS[1], "某政发[2025]3号", "2025年1月21日", "交通运输", "000014349/2025-00007"],
        ["3", FIRE[1], "某政办发（2025）１２号", "2025-02-11 09:30:00", "", "000014349/2025-00003"],
    ]
    data = _csv(rows, "utf-8-sig")
    rows_read = read_catalog(data, "目录.csv")
    report = import_catalog(desk, rows_read, Channel.PORTAL, "王芳", source="目录.csv")
    assert _seen(report.rows) == [
        (2, Outcome.PUBLISHED, filed[BUDGET[1]], "000014349/2025-00008"),
        (3, Outcome.PUBLISHED, filed[ROADS[1]], "000014349/2025-00007"),
        (4, Outcome.PUBLISHED, filed[FIRE[1]], "000014349/2025-00003"),
    ]
    # The next publication of 2025 follows them; 2026 starts its own sequence.
    late = desk.publish(filed[FLOODS[1]], Channel.PORTAL, date(2025, 6, 2), "王芳")
    assert late["index_number"] == "000014349/2025-00009"
    now = desk.publish(filed[ALLOWANCE[1]], Channel.PORTAL, date(2026, 3, 2), "王芳")
    assert now["index_number"] == "000014349/2026-00001"
    entries = {entry.title: entry for entry in desk.catalog()}
    assert (entries[ROADS[1]].published_on, entries[ROADS[1]].topic) == (
        date(2025, 1, 21),
        "交通运输",
    )
    assert entries[FIRE[1]].published_on == date(2025, 2, 11)
    with archive.sessions() as session:
        events = session.execute(
            select(AuditEvent.action, AuditEvent.subject).order_by(AuditEvent.id)
        ).all()
    # Recorded as `gongkai publish` records: audited, those bringing a number first.
    assert [tuple(event) for event in events[-6:]] == [
        ("publication.publish", "000014349/2025-00007"),
        ("publication.publish", "000014349/2025-00003"),
        ("publication.publish", "000014349/2025-00008"),
        ("catalog.import", "目录.csv"),
        ("publication.publish", "000014349/2025-00009"),
        ("publication.publish", "000014349/2026-00001"),
    ]


def test_a_taken_or_foreign_index_number_and_the_rules_refuse_a_row(
    archive: Archive, desk: PublicationDesk, filed: dict[str, int]
) -> None:
    """A CSV in GB18030, as Excel on Chinese Windows saves it; every row refused but one
    says why, and the refusals write nothing."""
    desk.publish(filed[ROADS[1]], Channel.PORTAL, date(2025, 1, 21), "王芳")  # 2025-00001
    rows = [
        HEADER,
        ["000014349/2025-00001", FIRE[1], FIRE[0], "", "", "2025-02-11", "", ""],
        ["000014349/2025-1", ALLOWANCE[1], ALLOWANCE[0], "", "", "2025-03-03", "", ""],
        ["000099999/2025-00002", FLOODS[1], FLOODS[0], "", "", "2025-05-09", "", ""],
        ["000014349/2025-00005", BUDGET[1], "", "", "", "2025-03-05", "", ""],
        ["000014349/2025-00005", FLOODS[1], FLOODS[0], "", "", "2025-05-10", "", ""],
        ["", FUNDS[1], FUNDS[0], "", "", "2025-04-02", "", ""],
        ["000014349/2025-00009", ROADS[1], ROADS[0], "", "", "2025-01-21", "", ""],
        ["", ROADS[1], ROADS[0], "", "", "2025-01-05", "", ""],
        ["", ALLOWANCE[1], ALLOWANCE[0], "", "", "2026-03-21", "", ""],
        ["", FIRE[1], FIRE[0], "", "", "2025-02-30", "", ""],
        ["", "关于某某事项的通知", "某政发〔2019〕1号", "", "", "2019-03-01", "", ""],
    ]
    data = _csv(rows, "gb18030")
    before = _books(archive)
    plan = import_catalog(
        desk, read_catalog(data, "目录.csv"), Channel.PORTAL, "王芳", dry_run=True
    )
    report = import_catalog(desk, read_catalog(data, "目录.csv"), Channel.PORTAL, "王芳")
    # The plan saw every refusal the writing met.
    assert [(i.outcome, i.reason) for i in plan.rows if i.outcome.failed] == [
        (i.outcome, i.reason) for i in report.rows if i.outcome.failed
    ]
    reasons = {item.row.line: (item.outcome, item.reason) for item in report.rows}
    expected = {
        2: (Outcome.REFUSED, "already the number of document"),
        3: (Outcome.REFUSED, "does not fit index_pattern"),
        4: (Outcome.REFUSED, "does not fit index_pattern"),
        5: (Outcome.PUBLISHED, ""),
        6: (Outcome.REFUSED, f"already the number of document {filed[BUDGET[1]]}"),
        7: (Outcome.REFUSED, "不予公开"),
        8: (Outcome.REFUSED, "already published in portal on 2025-01-21"),
        9: (Outcome.REFUSED, "before the document was formed"),
        10: (Outcome.REFUSED, "recorded once it is made"),
        11: (Outcome.REFUSED, "不是可识别的日期"),
        12: (Outcome.UNMATCHED, "no document in the archive matches"),
    }
    for line, (outcome, reason) in expected.items():
        assert reasons[line][0] is outcome and reason in reasons[line][1], (line, reasons[line])
    assert not report.ok
    # Only row 5 was written: one publication, one number, its audit event and the import's.
    events, publications, numbers = _books(archive)
    assert (events, publications, numbers) == (before[0] + 2, before[1] + 1, before[2] + 1)
    with archive.sessions() as session:
        assert session.scalars(select(IndexNumber.number).order_by(IndexNumber.id)).all() == [
            "000014349/2025-00001",
            "000014349/2025-00005",
        ]


def test_publish_takes_a_given_index_number_only_if_it_is_free_and_fits(
    archive: Archive, desk: PublicationDesk, filed: dict[str, int]
) -> None:
    roads, fire, floods = filed[ROADS[1]], filed[FIRE[1]], filed[FLOODS[1]]
    given = desk.publish(
        roads, Channel.PORTAL, date(2025, 1, 21), "王芳", index_number="000014349/2024-00040"
    )
    assert given["index_number"] == "000014349/2024-00040"  # its year is the number's
    for number, message in [
        ("000014349/2024-00040", f"already the number of document {roads}"),
        ("000014349/2024-40", "does not fit index_pattern"),
    ]:
        with pytest.raises(PublicationError, match=message):
            desk.publish(fire, Channel.PORTAL, date(2025, 2, 11), "王芳", index_number=number)
    assert desk.publish(fire, Channel.PORTAL, date(2025, 2, 11), "王芳")["index_number"] == (
        "000014349/2025-00001"
    )
    later = desk.publish(floods, Channel.PORTAL, date(2025, 5, 9), "王芳")
    assert later["index_number"] == "000014349/2025-00002"
    with archive.sessions() as session:
        assert (
            session.scalar(select(func.max(IndexNumber.seq)).where(IndexNumber.year == 2024)) == 40
        )


def test_a_row_the_register_no_longer_allows_is_refused_when_written(
    desk: PublicationDesk, filed: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planned, then another clerk gives its number away before it is written."""
    rows = [HEADER, ["000014349/2025-00005", BUDGET[1], "", "", "", "2025-03-05", "", ""]]
    planned = plan_catalog_import(desk, read_catalog(_csv(rows, "utf-8"), "a.csv"), Channel.PORTAL)
    assert [item.outcome for item in planned] == [Outcome.PUBLISH]
    desk.publish(
        filed[FIRE[1]],
        Channel.PORTAL,
        date(2025, 2, 11),
        "李强",
        index_number="000014349/2025-00005",
    )
    monkeypatch.setattr(catalog_import_store, "plan_catalog_import", lambda *_: planned)
    [item] = import_catalog(desk, [], Channel.PORTAL, "王芳").rows
    assert item.outcome is Outcome.REFUSED
    assert f"already the number of document {filed[FIRE[1]]}" in item.reason
    assert desk.document_view(filed[BUDGET[1]])["publications"] == []


def test_a_document_keeps_its_index_number_and_the_row_saying_otherwise_is_noted(
    desk: PublicationDesk, filed: dict[str, int]
) -> None:
    desk.publish(filed[ROADS[1]], Channel.GAZETTE, date(2025, 1, 20), "王芳")  # 2025-00001
    rows = [HEADER, ["000014349/2025-00004", ROADS[1], ROADS[0], "", "", "2025-01-21", "", ""]]
    report = import_catalog(
        desk, read_catalog(_csv(rows, "utf-8"), "a.csv"), Channel.PORTAL, "王芳"
    )
    [item] = report.rows
    assert (item.outcome, item.index_number) == (Outcome.PUBLISHED, "000014349/2025-00001")
    assert "保留000014349/2025-00001" in item.notes[0] and report.ok
    assert desk.document_view(filed[ROADS[1]])["index_number"] == "000014349/2025-00001"


def test_rows_matching_several_documents_or_another_number_are_not_guessed(
    archive: Archive, desk: PublicationDesk, tmp_path: Path
) -> None:
    # One notice filed twice, a corrected copy beside the original: two documents.
    original = _docx(tmp_path / "a", *FIRE)
    corrected = build_docx(
        tmp_path / "b.docx", [FIRE[0], FIRE[1], "正文（更正）。", "2025年2月10日"]
    )
    copies = [o.document_id for o in archive.ingest_files([original, corrected])]
    _file(archive, tmp_path / "c", [("某政发〔2025〕9号", "关于春季植树的通知", date(2025, 3, 1))])
    rows = [
        HEADER,
        ["", FIRE[1], "", "", "", "2025-02-11", "", ""],
        ["", FIRE[1], FIRE[0], "", "", "2025-02-11", "", ""],
        ["", "关于春季植树的通知", "某政发〔2025〕10号", "", "", "2025-03-02", "", ""],
        ["", "", "", "", "", "2025-03-02", "", ""],
    ]
    plan = plan_catalog_import(desk, read_catalog(_csv(rows, "utf-8"), "a.csv"), Channel.PORTAL)
    assert [item.outcome for item in plan] == [Outcome.UNMATCHED] * 4
    assert f"several documents match: {copies[0]}、{copies[1]}" in plan[0].reason
    assert "several documents match" in plan[1].reason
    assert "carry another 发文字号" in plan[2].reason
    assert "names no title or 发文字号" in plan[3].reason


# --- the dry run ------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_plans_what_the_import_then_does(
    archive: Archive, desk: PublicationDesk, filed: dict[str, int]
) -> None:
    """An .xlsx as a portal exports it: a title line above the header, Excel dates."""
    rows: list[list[object]] = [
        ["某某县人民政府政府信息公开目录"],
        [],
        ["信息名称", "发文字号", "公开日期", "主题分类"],
        [ROADS[1], ROADS[0], datetime(2025, 1, 21), "交通运输"],
        [],
        [BUDGET[1], None, date(2025, 3, 5), None],
        [FUNDS[1], FUNDS[0], datetime(2025, 4, 2), None],
    ]
    rows_read = read_catalog(_xlsx(rows), "目录.xlsx")
    before = _books(archive)
    plan = import_catalog(desk, rows_read, Channel.PORTAL, "王芳", dry_run=True)
    assert _books(archive) == before
    assert plan.dry_run and not plan.ok
    assert _seen(plan.rows) == [
        (4, Outcome.PUBLISH, filed[ROADS[1]], "000014349/2025-00001"),
        (6, Outcome.PUBLISH, filed[BUDGET[1]], "000014349/2025-00002"),
        (7, Outcome.REFUSED, filed[FUNDS[1]], ""),
    ]
    assert plan.view()["counts"] == {"publish": 2, "published": 0, "refused": 1, "unmatched": 0}
    done = import_catalog(desk, rows_read, Channel.PORTAL, "王芳")
    assert [(i.document_id, i.index_number) for i in done.rows if i.outcome.failed] == [
        (filed[FUNDS[1]], "")
    ]
    assert [(i.document_id, i.index_number) for i in done.rows if not i.outcome.failed] == [
        (i.document_id, i.index_number) for i in plan.rows if not i.outcome.failed
    ]
    assert _books(archive) == (before[0] + 3, before[1] + 2, before[2] + 2)


# --- reading files and matching (pure) --------------------------------------------------


def test_the_header_row_and_dates_are_found_whatever_the_spreadsheet() -> None:
    rows = [
        ["附件：", "", ""],
        [" 标 题 ", "文号", "发布日期：", "链接"],
        ["甲", "某政发〔2025〕1号", "2021年3月26日", "http://x.gov.cn/1"],
        ["", "", "", ""],
        ["乙", "", "二〇二一年三月二十七日", ""],
        ["丙", "", "２０２１．３．２８", ""],
        ["丁", "无", "", ""],
    ]
    utf16 = "\r\n".join("\t".join(row) for row in rows).encode("utf-16")
    for data, name in ((_csv(rows, "gb18030"), "a.csv"), (utf16, "a.txt"), (_xlsx(rows), "a.xlsx")):
        read = read_catalog(data, name)
        assert [(r.line, r.title, r.published_on) for r in read] == [
            (3, "甲", date(2021, 3, 26)),
            (5, "乙", date(2021, 3, 27)),
            (6, "丙", date(2021, 3, 28)),
            (7, "丁", None),
        ], name
        assert (read[0].doc_number, read[0].url) == ("某政发〔2025〕1号", "http://x.gov.cn/1")
        assert read[3].doc_number == ""  # 无: none
    # An Excel serial number in a cell not formatted as a date is still a date.
    [serial] = read_catalog(_xlsx([["标题", "发布时间"], ["甲", 44281]]), "a.xlsx")
    assert serial.published_on == date(2021, 3, 26)
    [year] = read_catalog(_xlsx([["标题", "发布时间"], ["甲", 2021]]), "a.xlsx")
    assert year.published_on is None and "不是可识别的日期" in year.problems[0]
    for data, name, message in [
        (_csv([["名称甲", "日期"], ["甲", "2021-03-26"]], "utf-8"), "a.csv", "找不到表头行"),
        (b"\xd0\xcf\x11\xe0" + bytes(100), "a.xls", "另存为"),
        (b"PK\x03\x04broken", "a.xlsx", "不是可读的"),
    ]:
        with pytest.raises(CatalogImportError, match=message):
            read_catalog(data, name)


def test_rows_are_matched_by_doc_number_in_any_brackets_else_by_title() -> None:
    matcher = Matcher(
        [
            Filed(1, "乌海政办发〔2007〕55号", "乌海市人民政府办公厅关于做好政务公开工作的通知"),
            Filed(2, None, "关于 2024 年财政预算执行情况的公告"),
            Filed(3, "某政发〔2025〕9号", "关于春季植树的通知"),
        ]
    )
    for number in (
        "乌海政办发[2007]55号",
        "乌海政办发【2007】第55号",
        "乌海政办发（２００７）55号",
    ):
        assert matcher.match(CatalogRow(2, doc_number=number, title="标题另写")) == 1
    assert matcher.match(CatalogRow(2, title="关于2024年财政预算执行情况的公告")) == 2
    assert matcher.match(CatalogRow(2, title="关于２０２４年财政预算执行情况的公告")) == 2
    # An unknown 发文字号 falls back to the title, unless that document has another one.
    assert (
        matcher.match(
            CatalogRow(2, doc_number="某财发〔2025〕1号", title="关于2024年财政预算执行情况的公告")
        )
        == 2
    )
    assert isinstance(
        matcher.match(CatalogRow(2, doc_number="某政发〔2025〕8号", title="关于春季植树的通知")),
        str,
    )
    assert isinstance(matcher.match(CatalogRow(2, title="关于春季植树")), str)  # exact title only


@pytest.mark.parametrize(
    ("pattern", "number", "expected"),
    [
        ("{org_code}/{year}-{seq:05d}", "000014349/2025-00007", (2025, 7)),
        ("{org_code}/{year}-{seq:05d}", " 000014349/2025-00007 ", (2025, 7)),
        ("{org_code}/{year}-{seq:05d}", "000014349/2025-7", None),  # not as format writes it
        ("{org_code}/{year}-{seq:05d}", "000099999/2025-00007", None),  # another office's
        ("{org_code}/{year}-{seq:05d}", "000014349/2025-00000", None),
        ("{org_code}/{year}-{seq:05d}", "000014349-2025-00007", None),
        ("GK-{year}-{seq:04d}", "GK-2025-0012", (2025, 12)),
        ("{org_code}-{year}{seq:06d}-{year}", "000014349-2025000003-2025", (2025, 3)),
        ("{org_code}-{year}{seq:06d}-{year}", "000014349-2025000003-2024", None),
        ("{org_code}.{year}.{seq}", "000014349.2025.123", (2025, 123)),
    ],
)
def test_an_index_number_parsed_back_to_its_year_and_sequence(
    pattern: str, number: str, expected: tuple[int, int] | None
) -> None:
    index = IndexPattern(pattern)
    assert index.parse(number, "000014349") == expected
    if expected is not None:
        assert index.format("000014349", *expected) == number.strip()
        assert index.claim(number, "000014349") == expected
    else:
        with pytest.raises(PublicationError, match="不符合本机关的编排规则"):
            index.claim(number, "000014349")
    assert IndexPattern("{org_code}/{year}-{seq:05d}").parse("x/y/2025-00001") == (2025, 1)


# --- the command ------------------------------------------------------------------------


@pytest.fixture
def filed_for_cli(sqlite_settings: Settings, tmp_path: Path) -> dict[str, int]:
    with Archive.open(sqlite_settings) as archive:
        (sqlite_settings.home / "office.toml").write_text(OFFICE, encoding="utf-8")
        return _file(archive, tmp_path / "docs", OLDER)


def test_the_catalog_import_command(
    cli: CliRunner, filed_for_cli: dict[str, int], tmp_path: Path
) -> None:
    good = tmp_path / "目录.xlsx"
    good.write_bytes(
        _xlsx(
            [
                HEADER,
                ["000014349/2025-00002", ROADS[1], ROADS[0], "", "", "2025-01-21", "交通", ""],
                ["", BUDGET[1], "", "", "", "2025-03-05", "", ""],
            ]
        )
    )
    dry = cli.invoke(app, ["catalog", "import", str(good), "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    plan = json.loads(dry.stdout)
    assert (plan["dry_run"], plan["counts"]["publish"]) == (True, 2)
    assert [row["index_number"] for row in plan["rows"]] == [
        "000014349/2025-00002",
        "000014349/2025-00003",
    ]
    shown = cli.invoke(
        app, ["catalog", "import", str(good), "--channel", "gazette", "--by", "王芳"]
    )
    assert shown.exit_code == 0, shown.output
    assert "已登记公开" in shown.stdout and "2 published" in shown.stdout
    [event] = json.loads(cli.invoke(app, ["audit", "--action", "catalog", "--json"]).stdout)
    assert (event["actor"], event["subject"], event["detail"]["channel"]) == (
        "王芳",
        "目录.xlsx",
        "gazette",
    )
    again = cli.invoke(app, ["catalog", "import", str(good), "--channel", "gazette", "--json"])
    assert again.exit_code == 1, again.output  # every row refused: recorded already
    assert json.loads(again.stdout)["counts"]["refused"] == 2
    shown = cli.invoke(app, ["catalog", "import", str(good), "--channel", "gazette", "--dry-run"])
    assert shown.exit_code == 1 and "2 refused (dry run: nothing written)" in shown.stdout
    old = tmp_path / "目录.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    refused = cli.invoke(app, ["catalog", "import", str(old)])
    assert refused.exit_code == 1 and ".xlsx" in refused.output
