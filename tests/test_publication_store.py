"""Publications, 索引号, validity and the catalog in a real register (both backends), and
the commands: files written and opened back cell by cell."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from engine.archive import Archive
from engine.cli import app
from engine.codes import Attribute, Reason
from engine.config import Settings
from engine.publication import ChangeKind, Channel, FinalDecision, PublicationError
from engine.publication_store import (
    EXPORT_ACTION,
    CatalogFormat,
    PublicationDesk,
    final_decisions,
)
from engine.register.models import AuditEvent, Document, IndexNumber, Publication
from engine.report import RuleKind
from engine.report_store import records_for
from engine.review import ALL_LEVELS, Action, Level, Position
from engine.review import SignOff as Signature
from engine.signoff import sign
from tests.conftest import invoke_json
from tests.decisions import decide

OFFICE = """
agency = "某某县人民政府办公室"
letter_code = "某政办信公开"
reconsideration_body = "某某市人民政府"
court = "某某县人民法院"
org_code = "000014349"
"""
TODAY = date(2026, 3, 20)


def _file(archive: Archive, title: str, issued: date | None, **extra: object) -> int:
    """A filed document, as the pipeline leaves it (metadata columns), without the file."""
    with archive.sessions.begin() as session:
        document = Document(
            sha256=f"{abs(hash(title)):064x}"[-64:],
            size=0,
            format="docx",
            original_path=f"originals/{title}",
            status="filed",
            text="",
            title=title,
            issuer=extra.pop("issuer", "某某县人民政府"),
            issue_date=issued,
            ingested_at=datetime.now(UTC),
            **extra,
        )
        session.add(document)
        session.flush()
        return document.id


def _proactive(archive: Archive, title: str, issued: date | None, **extra: object) -> int:
    document_id = _file(archive, title, issued, **extra)
    decide(archive, document_id, Position(Attribute.PROACTIVE), issued or date(2026, 3, 2))
    return document_id


@pytest.fixture
def desk(archive: Archive) -> PublicationDesk:
    (archive.settings.home / "office.toml").write_text(OFFICE, encoding="utf-8")
    desk = PublicationDesk.open(archive.sessions, archive.settings.home, ALL_LEVELS)
    desk.today = lambda: TODAY
    return desk


def test_publishing_gives_the_index_number_once_and_says_if_on_time(
    archive: Archive, desk: PublicationDesk
) -> None:
    first = _proactive(archive, "关于做好春季防火工作的通知", date(2026, 2, 10))
    second = _proactive(archive, "关于印发某某县农村公路养护办法的通知", date(2026, 2, 10))
    a = desk.publish(first, Channel.PORTAL, date(2026, 3, 16), "王芳", url="http://x.gov.cn/1")
    b = desk.publish(second, Channel.PORTAL, date(2026, 3, 16), "王芳")
    assert (a["index_number"], b["index_number"]) == (
        "000014349/2026-00001",
        "000014349/2026-00002",
    )
    assert (a["due"], a["status"], a["on_time"]) == ("2026-03-16", "on_time", True)
    # The same document in another channel keeps its number and its first day.
    again = desk.publish(first, Channel.GAZETTE, date(2026, 3, 18), "王芳")
    assert (again["index_number"], again["first_published_on"]) == (a["index_number"], "2026-03-16")
    late = _proactive(archive, "关于调整城乡低保标准的通知", date(2026, 2, 10))
    view = desk.publish(late, Channel.NOTICE_BOARD, date(2026, 3, 17), "王芳")
    assert (view["index_number"], view["status"], view["on_time"]) == (
        "000014349/2026-00003",
        "late",
        False,
    )
    with archive.sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "publication.publish")
        ).all()
        assert [(e.document_id, e.subject) for e in events] == [
            (first, "000014349/2026-00001"),
            (second, "000014349/2026-00002"),
            (first, "000014349/2026-00001"),
            (late, "000014349/2026-00003"),
        ]


def test_a_refused_publication_writes_nothing_and_takes_no_number(
    archive: Archive, desk: PublicationDesk
) -> None:
    done = _proactive(archive, "关于做好春季防火工作的通知", date(2026, 2, 10))
    withheld = _file(archive, "关于追加资金的请示", date(2026, 2, 10))
    decide(archive, withheld, Position(Attribute.WITHHELD, Reason.PROCESS_INFO), TODAY)
    pending = _file(archive, "关于某事项的报告", date(2026, 2, 10))  # never signed
    desk.publish(done, Channel.PORTAL, date(2026, 3, 2), "王芳")
    refusals = [
        (withheld, Channel.PORTAL, date(2026, 3, 3), "不予公开"),
        (pending, Channel.PORTAL, date(2026, 3, 3), "尚未签批确定"),
        (done, Channel.PORTAL, date(2026, 3, 2), "already published"),
        (done, Channel.GAZETTE, date(2026, 2, 9), "before the document was formed"),
        (done, Channel.GAZETTE, date(2026, 3, 21), "recorded once it is made"),
        (9999, Channel.PORTAL, date(2026, 3, 3), "no document 9999"),
    ]
    for document_id, channel, day, message in refusals:
        with pytest.raises(PublicationError, match=message):
            desk.publish(document_id, channel, day, "王芳")
    with archive.sessions() as session:
        assert session.scalar(select(func.count(Publication.id))) == 1
        assert session.scalars(select(IndexNumber.number)).all() == ["000014349/2026-00001"]
    # The next document takes the next number: nothing was taken by the refusals …
    nxt = _proactive(archive, "关于调整城乡低保标准的通知", date(2026, 2, 10))
    assert desk.publish(nxt, Channel.PORTAL, date(2026, 3, 3), "王芳")["index_number"] == (
        "000014349/2026-00002"
    )
    # … and a number once given stays given, even if the pattern changes.
    (archive.settings.home / "office.toml").write_text(
        OFFICE + 'index_pattern = "GK-{year}-{seq:04d}"\n', encoding="utf-8"
    )
    third = _proactive(archive, "关于印发某某县农村公路养护办法的通知", date(2026, 2, 10))
    assert desk.publish(third, Channel.PORTAL, date(2026, 3, 4), "王芳")["index_number"] == (
        "GK-2026-0003"
    )
    (archive.settings.home / "office.toml").write_text(
        OFFICE + 'index_pattern = "{org_code}/{year}-{no}"\n', encoding="utf-8"
    )
    with pytest.raises(PublicationError, match=r"unknown placeholder \{no\}"):
        desk.publish(third, Channel.GAZETTE, date(2026, 3, 4), "王芳")


def test_the_clock_shows_what_is_due_and_what_is_late_by_issuer(
    archive: Archive, desk: PublicationDesk
) -> None:
    overdue = _proactive(archive, "甲", date(2026, 2, 10), issuer="某某县财政局")  # due 3-16
    soon = _proactive(archive, "乙", date(2026, 2, 26), issuer="某某县人民政府")  # due 3-26
    later = _proactive(archive, "丙", date(2026, 3, 16), issuer="某某县财政局")  # due 4-13
    changed = _file(archive, "丁", date(2025, 6, 3))
    decide(archive, changed, Position(Attribute.WITHHELD, Reason.PROCESS_INFO), date(2025, 6, 5))
    decide(archive, changed, Position(Attribute.PROACTIVE), date(2026, 3, 9))  # due 4-7
    published = _proactive(archive, "戊", date(2026, 2, 10))
    desk.publish(published, Channel.PORTAL, date(2026, 3, 2), "王芳")

    views = desk.clock()
    assert [(v["issuer"], v["document_id"], v["status"]) for v in views] == [
        ("某某县人民政府", soon, "due_soon"),
        ("某某县人民政府", changed, "pending"),
        ("某某县财政局", overdue, "overdue"),
        ("某某县财政局", later, "pending"),
    ]
    assert next(v for v in views if v["document_id"] == changed)["clock_basis"] == "changed"
    assert [v["document_id"] for v in desk.clock(overdue=True)] == [overdue]
    assert [v["document_id"] for v in desk.clock(due_within=5)] == [soon]
    assert {v["document_id"] for v in desk.clock(due_within=5, overdue=True)} == {soon, overdue}


def test_each_decision_is_final_on_the_day_of_the_signature_that_completed_it(
    archive: Archive,
) -> None:
    """A history with an override below the top level and a reopen: each decision is
    found, on its own day (the replay skips the signatures that complete nothing)."""
    document_id = _file(archive, "关于某事项的请示", date(2026, 3, 2))
    on_request, withheld = (
        Position(Attribute.ON_REQUEST),
        Position(Attribute.WITHHELD, Reason.PROCESS_INFO),
    )
    history = [
        (Level.DRAFTER, Action.OVERRIDE, on_request, 2),
        (Level.REVIEWER, Action.OVERRIDE, Position(Attribute.PROACTIVE), 3),
        (Level.APPROVER, Action.CONFIRM, Position(Attribute.PROACTIVE), 4),  # final
        (Level.DRAFTER, Action.REOPEN, withheld, 9),
        (Level.DRAFTER, Action.CONFIRM, withheld, 10),
        (Level.REVIEWER, Action.CONFIRM, withheld, 11),
        (Level.APPROVER, Action.CONFIRM, withheld, 12),  # final
    ]
    for level, action, position, day in history:
        at = datetime(2026, 3, day, 4, tzinfo=UTC)
        with archive.sessions.begin() as session:
            document = session.get(Document, document_id)
            assert document is not None
            sign(
                session,
                document,
                Signature(level, "李强", at, action, position, "经审查"),
                ALL_LEVELS,
            )
    with archive.sessions() as session:
        found = final_decisions(session, [document_id], ALL_LEVELS)
    assert found == {
        document_id: [
            FinalDecision(date(2026, 3, 4), Attribute.PROACTIVE),
            FinalDecision(date(2026, 3, 12), Attribute.WITHHELD),
        ]
    }


def _catalog_register(archive: Archive, desk: PublicationDesk) -> list[int]:
    """Three published documents: one amended, one repealed (a 规范性文件), one in force."""
    rules = _proactive(
        archive, "某某县农村公路养护办法", date(2026, 1, 6), doc_number="某政发〔2026〕1号"
    )
    notice = _proactive(archive, "关于做好春季防火工作的通知", date(2026, 2, 10))
    amending = _proactive(
        archive,
        "关于修改某某县农村公路养护办法的决定",
        date(2026, 3, 2),
        doc_number="某政发〔2026〕5号",
    )
    repealing = _proactive(archive, "关于废止春季防火通知的通知", date(2026, 3, 5))
    desk.publish(rules, Channel.PORTAL, date(2026, 1, 8), "王芳", topic="交通运输")
    desk.publish(rules, Channel.GAZETTE, date(2026, 1, 20), "王芳", topic="政府公报")
    desk.publish(notice, Channel.PORTAL, date(2026, 2, 11), "王芳")
    desk.publish(amending, Channel.PORTAL, date(2026, 3, 3), "王芳", topic="交通运输")
    with archive.sessions.begin() as session:
        document = session.get(Document, notice)
        assert document is not None
        document.rule_kind = RuleKind.NORMATIVE.value
    desk.change_validity(rules, ChangeKind.AMENDED, amending, date(2026, 3, 2), "王芳")
    desk.change_validity(notice, ChangeKind.REPEALED, repealing, date(2026, 3, 5), "王芳")
    return [rules, notice, amending, repealing]


def test_validity_history_feeds_the_catalog_and_the_annual_report(
    archive: Archive, desk: PublicationDesk
) -> None:
    rules, notice, amending, repealing = _catalog_register(archive, desk)
    entries = desk.catalog()
    seen = [(e.index_number, e.title, e.validity.label, e.topic, e.published_on) for e in entries]
    assert seen == [
        ("000014349/2026-00001", "某某县农村公路养护办法", "已修改", "交通运输", date(2026, 1, 8)),
        ("000014349/2026-00002", "关于做好春季防火工作的通知", "已废止", "", date(2026, 2, 11)),
        ("000014349/2026-00003", "关于修改某某县农村公路养护办法的决定", "现行有效", "交通运输",
         date(2026, 3, 3)),
    ]  # fmt: skip
    assert repealing not in {e.index_number for e in entries}  # not published: not in the 目录
    # The repeal is the register's repealed_on too: table 二 counts it.
    with archive.sessions() as session:
        assert session.get(Document, notice).repealed_on == date(2026, 3, 5)  # type: ignore[union-attr]
        records = records_for(session, 2026, desk.calendar)
        [rule] = records.rule_documents
        assert (rule.kind, rule.repealed) == (RuleKind.NORMATIVE, date(2026, 3, 5))
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.document_id.in_([rules, notice]))
        ).all()
        assert "validity.amended" in actions and "validity.repealed" in actions
    with pytest.raises(PublicationError, match="was repealed on 2026-03-05"):
        desk.change_validity(notice, ChangeKind.REPEALED, amending, date(2026, 3, 9), "王芳")
    assert [e.index_number for e in desk.catalog(2027)] == []


def test_the_catalog_as_csv_and_xlsx_opened_back(
    archive: Archive, desk: PublicationDesk, tmp_path: Path
) -> None:
    _catalog_register(archive, desk)
    header = [
        "索引号",
        "信息名称",
        "发文字号",
        "发布机构",
        "成文日期",
        "发布日期",
        "主题分类",
        "有效性",
    ]
    assert desk.export_catalog(tmp_path / "目录.csv", CatalogFormat.CSV) == 3
    raw = (tmp_path / "目录.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == header
    assert rows[1] == [
        "000014349/2026-00001", "某某县农村公路养护办法", "某政发〔2026〕1号", "某某县人民政府",
        "2026-01-06", "2026-01-08", "交通运输", "已修改",
    ]  # fmt: skip
    assert rows[2][2] == "" and rows[2][7] == "已废止" and len(rows) == 4

    assert desk.export_catalog(tmp_path / "目录.xlsx", CatalogFormat.XLSX, 2026) == 3
    sheet = load_workbook(tmp_path / "目录.xlsx").active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == header
    assert values[3] == [
        "000014349/2026-00003", "关于修改某某县农村公路养护办法的决定", "某政发〔2026〕5号",
        "某某县人民政府", datetime(2026, 3, 2), datetime(2026, 3, 3), "交通运输", "现行有效",
    ]  # fmt: skip
    for cell in ("E2", "F2", "E4", "F4"):  # openpyxl's first row and the streamed ones
        assert sheet[cell].is_date and sheet[cell].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["B"].width == 60 and sheet.freeze_panes == "A2"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def _exports(archive: Archive) -> list[tuple[str, str, dict[str, object]]]:
    with archive.sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == EXPORT_ACTION).order_by(AuditEvent.id)
        )
        return [(e.actor, e.subject, e.detail) for e in events]


def test_every_catalog_export_is_audited(
    archive: Archive, desk: PublicationDesk, tmp_path: Path
) -> None:
    _catalog_register(archive, desk)
    data, count = desk.catalog_file(CatalogFormat.CSV, None, "王芳")
    assert count == 3 and data.startswith(
        b"\xef\xbb\xbf\xe7\xb4\xa2\xe5\xbc\x95\xe5\x8f\xb7"
    )  # 索引号
    xlsx, none = desk.catalog_file(CatalogFormat.XLSX, 2027, "李强")
    assert none == 0 and xlsx.startswith(b"PK")
    assert desk.export_catalog(tmp_path / "目录.csv", CatalogFormat.CSV, 2026, "张伟") == 3
    assert (tmp_path / "目录.csv").read_bytes() == data  # the same file as the download
    assert _exports(archive) == [
        ("王芳", "csv", {"format": "csv", "year": None, "entries": 3}),
        ("李强", "xlsx", {"format": "xlsx", "year": 2027, "entries": 0}),
        ("张伟", "csv", {"format": "csv", "year": 2026, "entries": 3}),
    ]
    # A file that cannot be written is no export: nothing is audited.
    (tmp_path / "文件夹.csv").mkdir()
    with pytest.raises(OSError):
        desk.export_catalog(tmp_path / "文件夹.csv", CatalogFormat.CSV, by="张伟")
    assert len(_exports(archive)) == 3


# --- the commands --------------------------------------------------------------------


@pytest.fixture
def filed(sqlite_settings: Settings) -> dict[str, int]:
    with Archive.open(sqlite_settings) as archive:
        (sqlite_settings.home / "office.toml").write_text(OFFICE, encoding="utf-8")
        return {
            "notice": _proactive(archive, "关于做好春季防火工作的通知", date(2025, 9, 26)),
            "rules": _proactive(archive, "某某县农村公路养护办法", date(2025, 10, 9)),
            "withheld": _file(archive, "关于追加资金的请示", date(2025, 9, 26)),
        }


def test_the_publish_command_and_its_refusals(cli: CliRunner, filed: dict[str, int]) -> None:
    notice = str(filed["notice"])
    view = invoke_json(cli, "publish", notice, "--channel", "portal", "--date", "2025-10-30")
    assert (view["index_number"], view["due"], view["status"]) == (
        "000014349/2025-00001",
        "2025-10-30",
        "on_time",
    )
    shown = cli.invoke(app, ["publish", notice, "--channel", "gazette", "--date", "2025-10-31"])
    assert shown.exit_code == 0 and "000014349/2025-00001" in shown.stdout
    assert "按时公开" in shown.stdout  # the first publication decides
    for args, message in [
        ([notice, "--channel", "portal", "--date", "2025-10-30"], "already published"),
        ([notice, "--channel", "press", "--date", "2025-09-25"], "before the document was"),
        ([str(filed["withheld"]), "--channel", "portal", "--date", "2025-10-30"], "尚未签批确定"),
        ([notice, "--channel", "radio", "--date", "2025-10-30"], "radio"),
        ([notice, "--channel", "portal", "--date", "2025-02-30"], "不是有效日期"),
    ]:
        result = cli.invoke(app, ["publish", *args])
        assert result.exit_code != 0 and message in result.output, result.output
    late = invoke_json(
        cli, "publish", str(filed["rules"]), "--channel", "portal", "--date", "2025-11-07"
    )
    assert (late["index_number"], late["status"], late["on_time"]) == (
        "000014349/2025-00002",
        "late",
        False,
    )


def test_list_validity_and_catalog_commands(
    cli: CliRunner, filed: dict[str, int], tmp_path: Path
) -> None:
    overdue = invoke_json(cli, "publication", "list", "--overdue")
    assert {v["document_id"] for v in overdue} == {filed["notice"], filed["rules"]}
    assert invoke_json(cli, "publication", "list", "--due-within", "3") == []
    invoke_json(cli, "publish", str(filed["notice"]), "--channel", "portal", "--date", "2025-10-20")
    invoke_json(cli, "publish", str(filed["rules"]), "--channel", "portal", "--date", "2025-10-20")
    view = invoke_json(
        cli, "validity", str(filed["notice"]), "--repealed-by", str(filed["rules"]),
        "--date", "2025-10-09",
    )  # fmt: skip
    assert (view["validity"], view["validity_label"]) == ("repealed", "已废止")
    both = cli.invoke(
        app, ["validity", "1", "--repealed-by", "2", "--amended-by", "2", "--date", "2025-10-09"]
    )
    assert both.exit_code != 0 and "one of them" in both.output
    exported = invoke_json(
        cli,
        "catalog",
        "export",
        "--format",
        "xlsx",
        "-o",
        str(tmp_path / "c.xlsx"),
        "--year",
        "2025",
        "--by",
        "王芳",
    )
    assert exported["entries"] == 2
    [event] = invoke_json(cli, "audit", "--action", "catalog")
    assert (event["actor"], event["subject"], event["detail"]) == (
        "王芳",
        "xlsx",
        {"format": "xlsx", "year": 2025, "entries": 2},
    )
    sheet = load_workbook(tmp_path / "c.xlsx").active
    assert sheet is not None
    assert [c.value for c in sheet["H"]] == ["有效性", "已废止", "现行有效"]
    bad = cli.invoke(app, ["catalog", "export", "--format", "pdf", "-o", str(tmp_path / "c.pdf")])
    assert bad.exit_code != 0 and not (tmp_path / "c.pdf").exists()
