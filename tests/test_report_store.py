"""The annual report from a real register (SQLite and PostgreSQL), through the real desk.

The register below spans 2025–2027; each request's comment says where it lands
in the 2026 report, and the EXPECTED_* tables are those counts written out.
"""

from __future__ import annotations

import csv
import re
import stat
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from sqlalchemy import event, select
from typer.testing import CliRunner

from engine.archive import Archive
from engine.cli import app
from engine.config import Settings
from engine.deadlines import load_calendar
from engine.fees import FeeMethod
from engine.office import FILE_NAME as OFFICE_FILE
from engine.outcomes import Outcome
from engine.register.models import Appeal, AuditEvent, Document, Request, RequestEvent
from engine.report import (
    CORNER_NOTE,
    PROACTIVE_FIGURES,
    REQUEST_COLUMNS,
    REQUEST_ROWS,
    AppealKind,
    ManualFigures,
    ManualFiguresError,
    ReportError,
    RuleKind,
    parse_manual_figures,
)
from engine.report_store import (
    FiguresMissing,
    annual_report,
    figures_example,
    figures_path,
    read_figures,
    records_for,
    save_figures,
)
from engine.request_store import RequestDesk
from engine.requests import Decision, Event, Step, new_request, withheld_parts
from tests.builders import build_docx
from tests.conftest import invoke_json

TODAY = date(2027, 1, 10)
CLERK = "王丽"
OFFICE = (
    'agency = "某某市人民政府办公室"\nletter_code = "某政办信公开"\n'
    'reconsideration_body = "某某市人民政府"\ncourt = "某某市某某区人民法院"\n'
)
FIGURES_2026 = """\
year = 2026
licensing = 120
penalty = 35
coercion = 2
administrative_fees = 12.35
"""

# Table 三 of 2026, row -> column -> count (cells not listed are 0).
EXPECTED_T3 = {
    "new": {"natural_person": 4, "research": 1, "public_interest": 1, "legal_service": 1,
            "other_org": 1, "total": 8},
    "carried_in": {"natural_person": 2, "commercial": 1, "total": 3},
    "granted": {"natural_person": 3, "research": 1, "total": 4},
    "partly_granted": {"legal_service": 1, "total": 1},
    "withheld.state_secret": {"public_interest": 1, "total": 1},
    "withheld.process_info": {"natural_person": 1, "total": 1},
    "unavailable.not_held": {"commercial": 1, "total": 1},
    "other.fee_unpaid": {"natural_person": 1, "total": 1},
    "total": {"natural_person": 5, "commercial": 1, "research": 1, "public_interest": 1,
              "legal_service": 1, "total": 9},
    "carried_out": {"natural_person": 1, "other_org": 1, "total": 2},
}  # fmt: skip
IN_2026 = {
    "2025-0001", "2025-0002", "2025-0004",  # carried in
    "2026-0001", "2026-0002", "2026-0003", "2026-0004", "2026-0005", "2026-0006",
    "2026-0007", "2026-0008",  # received in 2026
}  # fmt: skip


def _add(desk: RequestDesk, received: date, kind: str = "natural_person", topic: str = "") -> str:
    new = new_request(
        applicant=f"申请人{received.isoformat()}",
        applicant_kind=kind,
        channel="online",
        received=received,
        content="某项目的批复文件",
        today=TODAY,
        topic=topic,
    )
    return str(desk.add(new, CLERK)["number"])


def _decide(desk: RequestDesk, number: str, outcome: Outcome, on: date, **extra: object) -> None:
    desk.decide(number, Decision(outcome, on, "李强", **extra))  # type: ignore[arg-type]


def _request_id(archive: Archive, number: str) -> int:
    with archive.sessions() as session:
        found = session.scalar(select(Request.id).where(Request.number == number))
    assert found is not None
    return found


def _appeal(archive: Archive, number: str, kind: AppealKind, filed: date, **closed: object) -> None:
    request_id = _request_id(archive, number)
    with archive.sessions.begin() as session:
        session.add(Appeal(request_id=request_id, kind=kind.value, filed=filed, **closed))


RULES = {  # file -> (its lines, the mark the clerk gives it, repealed on)
    "regulation.docx": (["某政令〔2026〕1号", "某某市某某管理办法", "2026年3月1日"],
                        RuleKind.REGULATION, None),
    "repealed.docx": (["某政规〔2024〕2号", "关于某某事项的规定", "2024年5月6日"],
                      RuleKind.NORMATIVE, date(2026, 8, 1)),
    "older.docx": (["某政规〔2025〕1号", "关于某某工作的意见", "2025年2月3日"],
                   RuleKind.NORMATIVE, None),
    "late_repeal.docx": (["某政规〔2026〕5号", "关于某某补贴的通知", "2026年10月9日"],
                         RuleKind.NORMATIVE, date(2027, 1, 5)),
    "next_year.docx": (["某政规〔2027〕1号", "关于某某管理的通知", "2027年1月4日"],
                       RuleKind.NORMATIVE, None),
    "not_a_rule.docx": (["某政函〔2026〕9号", "关于某某会议的通知", "2026年4月1日"], None, None),
}  # fmt: skip


def fill_register(archive: Archive, folder: Path) -> RequestDesk:
    """Requests, fee steps, appeals and rules across 2025–2027 (the counts are in EXPECTED_*)."""
    desk = archive.requests()
    desk.today = lambda: TODAY
    granted = Outcome.GRANTED
    # 2025-0001: 2025 in, 2026 granted -> 上年结转 and 予以公开 (自然人)
    n = _add(desk, date(2025, 12, 15), topic="征地补偿")
    _decide(desk, n, granted, date(2026, 1, 8))
    # 2025-0002: 2025 in, 2026 not held -> 上年结转 and 不掌握 (商业企业)
    n = _add(desk, date(2025, 12, 22), "commercial")
    _decide(desk, n, Outcome.NOT_HELD, date(2026, 1, 20))
    # 2025-0003: received and decided in 2025; its 2025 appeal is not 2026's
    old = _add(desk, date(2025, 6, 2))
    _decide(desk, old, granted, date(2025, 6, 20))
    _appeal(archive, old, AppealKind.RECONSIDERATION, date(2025, 7, 1),
            result="upheld", closed=date(2025, 9, 1))  # fmt: skip
    # 2025-0004: fee notice in 2025 (700 yuan), paid in 2026 without an amount -> collected 700
    n = _add(desk, date(2025, 12, 1))
    desk.fee_notice(n, FeeMethod.PER_VOLUME, sent=date(2025, 12, 3), by=CLERK, pages=100)
    desk.record(n, Event(Step.FEE_PAID, date(2026, 1, 5), CLERK))
    _decide(desk, n, granted, date(2026, 1, 8))
    # 2026-0001: granted in the year, then reconsidered and corrected in 2026
    first = _add(desk, date(2026, 3, 2), topic="征地补偿")
    _decide(desk, first, granted, date(2026, 3, 20))
    _appeal(archive, first, AppealKind.RECONSIDERATION, date(2026, 4, 10),
            result="corrected", closed=date(2026, 6, 1))  # fmt: skip
    # 2026-0002: partly granted counts only as 部分公开 (法律服务机构)
    n = _add(desk, date(2026, 4, 1), "legal_service")
    parts = withheld_parts(["第三页中的个人信息=third_party_rights"])
    _decide(desk, n, Outcome.PARTLY_GRANTED, date(2026, 4, 15), withheld_parts=parts)
    # 2026-0003: withheld as process information; a lawsuit filed in 2026, still pending
    n = _add(desk, date(2026, 5, 6))
    _decide(desk, n, Outcome.WITHHELD_PROCESS_INFO, date(2026, 5, 20))
    _appeal(archive, n, AppealKind.LITIGATION_DIRECT, date(2026, 6, 15))
    # 2026-0004: fee notice 200 yuan, paid 200 -> granted (科研机构)
    n = _add(desk, date(2026, 6, 1), "research")
    desk.fee_notice(n, FeeMethod.PER_VOLUME, sent=date(2026, 6, 3), by=CLERK, pages=50)
    desk.record(n, Event(Step.FEE_PAID, date(2026, 6, 10), CLERK, {"amount": 200}))
    _decide(desk, n, granted, date(2026, 6, 20))
    # 2026-0005: fee notice 700 yuan never paid -> other.fee_unpaid
    n = _add(desk, date(2026, 7, 1))
    desk.fee_notice(n, FeeMethod.PER_VOLUME, sent=date(2026, 7, 2), by=CLERK, pages=100)
    _decide(desk, n, Outcome.FEE_UNPAID, date(2026, 8, 5))
    # 2026-0006: state secret, answered late (due in September) (社会公益组织)
    n = _add(desk, date(2026, 9, 1), "public_interest")
    _decide(desk, n, Outcome.WITHHELD_STATE_SECRET, date(2026, 11, 20))
    # 2026-0007: December, still open -> 结转下年度 (其他)
    _add(desk, date(2026, 12, 21), "other_org")
    # 2026-0008: December, answered in January -> 结转下年度, whatever its outcome
    n = _add(desk, date(2026, 12, 28))
    _decide(desk, n, granted, date(2027, 1, 6))
    _appeal(archive, n, AppealKind.RECONSIDERATION, date(2027, 1, 8))
    # 2027-0001: next year's
    _add(desk, date(2027, 1, 4))

    files = [build_docx(folder / name, ["某某市人民政府文件", *lines[:2], "正文。", lines[2]])
             for name, (lines, _kind, _repealed) in RULES.items()]  # fmt: skip
    outcomes = archive.ingest_files(files)
    with archive.sessions.begin() as session:
        for outcome, (_lines, kind, repealed) in zip(outcomes, RULES.values(), strict=True):
            document = session.get(Document, outcome.document_id)
            assert document is not None and document.issue_date is not None
            document.rule_kind = kind.value if kind else None
            document.repealed_on = repealed
    return desk


def prepare_home(home: Path) -> None:
    (home / OFFICE_FILE).write_text(OFFICE, encoding="utf-8")
    figures_path(home, 2026).write_text(FIGURES_2026, encoding="utf-8")


def test_the_register_counts_as_hand_counted(archive: Archive, tmp_path: Path) -> None:
    home = archive.settings.home
    fill_register(archive, tmp_path)
    prepare_home(home)
    with archive.sessions() as session:
        records = records_for(session, 2026, load_calendar())
    assert {r.number for r in records.requests} == IN_2026
    report = annual_report(archive.sessions, home, 2026)

    assert report.agency == "某某市人民政府办公室"
    for row in REQUEST_ROWS:
        for column in REQUEST_COLUMNS:
            expected = EXPECTED_T3.get(row.code, {}).get(column.code, 0)
            assert report.requests.cell(row.code, column.code) == expected, (row, column)
    assert report.requests.numbers["carried_in"]["natural_person"] == ("2025-0001", "2025-0004")
    assert report.requests.numbers["carried_out"]["natural_person"] == ("2026-0008",)
    four = {kind.value: {k: v for k, v in cells.items() if v} for kind, cells in
            report.appeals.cells.items()}  # fmt: skip
    assert four == {
        "reconsideration": {"corrected": 1, "total": 1},
        "litigation_direct": {"pending": 1, "total": 1},
        "litigation_after_reconsideration": {},
    }
    fees = report.fees
    # notices sent in 2026: 200 + 700; paid in 2026: 200 and the 2025 notice's 700
    assert (fees.notices, fees.notice_amount, fees.collected) == (2, 900, 900)
    rules = report.proactive.rules
    regulation, normative = rules[RuleKind.REGULATION], rules[RuleKind.NORMATIVE]
    assert (regulation.issued, regulation.repealed, regulation.in_force) == (1, 0, 1)
    assert (normative.issued, normative.repealed, normative.in_force) == (1, 1, 2)
    assert (report.proactive.licensing, str(report.proactive.administrative_fees)) == (120, "12.35")
    # The fee wait stops the clock (2026-0005 is on time); 2026-0006 was answered late.
    assert (report.handling.on_time, report.handling.late) == (8, 1)
    assert report.handling.topics[0] == ("征地补偿", 1)

    # What 2026 carried out, 2027 carries in.
    with archive.sessions() as session:
        next_year = records_for(session, 2027, load_calendar())
    carried = {r.number for r in next_year.requests if r.received.year < 2027}
    assert carried == {"2026-0007", "2026-0008"}


def test_the_register_is_read_in_a_few_queries(archive: Archive, tmp_path: Path) -> None:
    fill_register(archive, tmp_path)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(archive.engine, "before_cursor_execute", count)
    try:
        with archive.sessions() as session:
            records_for(session, 2026, load_calendar())
    finally:
        event.remove(archive.engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 4, selects  # events, requests, appeals, rule documents


def test_every_row_the_report_cannot_read_is_named_at_once(
    archive: Archive, tmp_path: Path
) -> None:
    fill_register(archive, tmp_path)
    undated = archive.ingest_files([build_docx(tmp_path / "undated.docx", ["某某办法", "正文。"])])
    with archive.sessions.begin() as session:
        document = session.get(Document, undated[0].document_id)
        assert document is not None and document.issue_date is None
        document.rule_kind = RuleKind.NORMATIVE.value
        request_id = session.scalar(select(Request.id).where(Request.number == "2026-0007"))
        session.add(
            RequestEvent(request_id=request_id, step=Step.FEE_PAID.value,
                         happened_on=date(2026, 12, 22), at=datetime.now(UTC), by=CLERK)
        )  # fmt: skip
        late = session.scalar(select(Request).where(Request.number == "2026-0008"))
        assert late is not None
        late.applicant_kind = "citizen"
    with archive.sessions() as session, pytest.raises(ReportError) as refused:
        records_for(session, 2026, load_calendar())
    message = str(refused.value)
    assert set(refused.value.records) == {"2026-0007", "2026-0008", f"文档{document.id}"}
    assert "缴费 on 2026-12-22 without a 收费通知" in message
    assert "unknown applicant kind 'citizen'" in message
    assert f"document {document.id} is marked as a rule but its 成文日期 is unknown" in message


def test_the_figures_file_to_fill_in() -> None:
    example = figures_example(2026)
    with pytest.raises(ManualFiguresError, match="missing administrative_fees, coercion"):
        parse_manual_figures(example, "report-2026.toml")  # unfilled is not zero
    codes = "|".join(figure.code for figure in PROACTIVE_FIGURES)
    filled = re.sub(rf"^# ({codes}) = ", r"\1 = ", example, flags=re.MULTILINE)
    figures = parse_manual_figures(filled, "report-2026.toml")
    assert (figures.year, figures.licensing, str(figures.administrative_fees)) == (2026, 0, "0.00")
    uncommented = re.sub(r"^# (\[text\]|\w+ = )", r"\1", example, flags=re.MULTILINE)
    assert parse_manual_figures(uncommented, "x").overview == "…"  # the text keys are right


def test_a_missing_figures_file_says_what_to_write_and_where(tmp_path: Path) -> None:
    path = tmp_path / "report-2026.toml"
    with pytest.raises(FiguresMissing) as missing:
        read_figures(path, 2026)
    message = str(missing.value)
    assert f"{path} not found" in message and "gongkai report figures --year 2026" in message
    for key in ("year = 2026", *(figure.code for figure in PROACTIVE_FIGURES), "overview"):
        assert key in message


def _saved_events(archive: Archive) -> list[AuditEvent]:
    with archive.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == "report.figures")
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_saving_figures_writes_the_file_keeps_the_one_it_replaces_and_audits(
    sqlite_settings: Settings,
) -> None:
    home = sqlite_settings.home
    path = figures_path(home, 2026)
    hand_edited = FIGURES_2026 + "# 王丽 1月5日核对过\n"
    first = ManualFigures(2026, 17, 5, 0, Decimal("3.50"), overview='第一段 "引号"。\n第二段。')
    with Archive.open(sqlite_settings) as archive:
        path.write_text(hand_edited, encoding="utf-8")
        path.chmod(0o640)
        saved = save_figures(archive.sessions, home, first, "王丽")
        assert saved.path == path and read_figures(path, 2026) == first
        kept = home / "generated" / "reports" / "2026" / "figures-v1.toml"
        assert saved.kept == kept.relative_to(home)
        assert kept.read_text(encoding="utf-8") == hand_edited  # comments and all
        assert not kept.stat().st_mode & stat.S_IWUSR  # kept read-only, like the reports
        assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the clerk's file keeps its mode

        again = save_figures(archive.sessions, home, first, "王丽")
        assert again.kept is None  # the same figures: nothing to keep
        second = ManualFigures(2026, 18, 5, 0, Decimal("3.5000"))
        assert save_figures(archive.sessions, home, second, "李强").kept is not None
        assert read_figures(path, 2026) == second  # the overview left out: the draft again
        versions = sorted(p.name for p in kept.parent.iterdir())
        assert versions == ["figures-v1.toml", "figures-v2.toml"]
        assert read_figures(kept.parent / "figures-v2.toml", 2026) == first
        assert [p.name for p in home.glob(".report-2026.toml.*")] == []  # no temporary left

        events = _saved_events(archive)
    assert [(e.actor, e.subject) for e in events] == [("王丽", "2026")] * 2 + [("李强", "2026")]
    assert events[0].detail == {
        "path": "report-2026.toml",
        "kept": "generated/reports/2026/figures-v1.toml",
        "licensing": 17,
        "penalty": 5,
        "coercion": 0,
        "administrative_fees": "3.50",
        "texts": ["overview"],
    }
    assert events[2].detail["administrative_fees"] == "3.5000"


def test_figures_that_break_the_files_rules_are_not_written(sqlite_settings: Settings) -> None:
    home = sqlite_settings.home
    with Archive.open(sqlite_settings) as archive:
        for bad in (
            ManualFigures(2026, -1, 0, 0, Decimal("0.00")),
            ManualFigures(2026, 1, 0, 0, Decimal("0.12345")),
            ManualFigures(2026, 1, 0, 0, Decimal("1.00"), problems=" \n "),
        ):
            with pytest.raises(ManualFiguresError):
                save_figures(archive.sessions, home, bad, "王丽")
        assert not figures_path(home, 2026).exists()
        assert _saved_events(archive) == []


# --- the command line ----------------------------------------------------------------


def _table_three(path: Path) -> dict[str, list[str]]:
    """Table 三 of a rendered report, found by its corner note: row label -> its number cells."""
    document = docx.Document(str(path))
    table = next(t for t in document.tables if t.cell(0, 0).text == CORNER_NOTE)
    labels = {row.label for row in REQUEST_ROWS}
    width = len(REQUEST_COLUMNS)
    return {
        cells[-width - 1]: cells[-width:]
        for cells in ([cell.text for cell in row.cells] for row in table.rows)
        if cells[-width - 1] in labels
    }


def test_the_cli_writes_the_report_and_keeps_a_copy(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    home = sqlite_settings.home
    with Archive.open(sqlite_settings) as archive:
        fill_register(archive, tmp_path)
    (home / OFFICE_FILE).write_text(OFFICE, encoding="utf-8")

    missing = cli.invoke(app, ["report", "annual", "--year", "2026", "--json"])
    assert missing.exit_code == 1 and missing.stdout == ""
    assert "gongkai report figures --year 2026" in missing.output and "# [text]" in missing.output
    written = invoke_json(cli, "report", "figures", "--year", "2026")
    assert written == {"year": 2026, "path": str(figures_path(home, 2026))}
    again = cli.invoke(app, ["report", "figures", "--year", "2026"])
    assert again.exit_code == 1 and "never overwritten" in again.output
    output, table = tmp_path / "out" / "报告.docx", tmp_path / "out" / "report.csv"
    unfilled = cli.invoke(app, ["report", "annual", "--year", "2026", "-o", str(output)])
    assert unfilled.exit_code == 1 and "missing administrative_fees" in unfilled.output
    figures_path(home, 2026).write_text(FIGURES_2026, encoding="utf-8")

    data = invoke_json(
        cli, "report", "annual", "--year", "2026", "-o", str(output), "--csv", str(table)
    )
    rows = {row["code"]: row["cells"] for row in data["requests"]["rows"]}
    assert rows["carried_in"]["total"] == 3 and rows["carried_out"]["total"] == 2
    assert data["fees"]["collected"] == 900
    kept = home / data["files"]["kept"]
    assert data["files"]["kept"] == "generated/reports/2026/annual-v1.docx"
    assert kept.read_bytes() == output.read_bytes()
    assert not kept.stat().st_mode & stat.S_IWUSR  # written once, read-only

    three = _table_three(output)
    assert three["二、上年结转政府信息公开申请数量"] == ["2", "1", "0", "0", "0", "0", "3"]
    assert three["（一）予以公开"] == ["3", "0", "1", "0", "0", "0", "4"]
    assert three["四、结转下年度继续办理"] == ["1", "0", "0", "0", "0", "1", "2"]
    assert table.read_bytes().startswith(b"\xef\xbb\xbfagency,")  # Excel reads it as UTF-8
    with table.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    figures = {(r["table"], r["row"], r["column"]): r["value"] for r in rows}
    assert {r["agency"] for r in rows} == {"某某市人民政府办公室"}
    assert (
        figures[("3", "new", "total")] == "8"
        and figures[("6", "information_fees", "notices")] == "2"
    )

    text = cli.invoke(app, ["report", "annual", "--year", "2026", "-o", str(output)])
    assert text.exit_code == 0, text.output
    assert "annual-v2.docx" in text.output and "drafts" in text.output
    only_data = invoke_json(cli, "report", "annual", "--year", "2026")
    assert only_data["files"] == {}
    assert sorted(p.name for p in kept.parent.iterdir()) == ["annual-v1.docx", "annual-v2.docx"]
    with Archive.open(sqlite_settings) as archive, archive.sessions() as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.annual"))
        noted = [(event.subject, event.detail["path"], event.detail["sha256"]) for event in audit]
    assert noted[0] == ("2026", data["files"]["kept"], data["files"]["sha256"]) and len(noted) == 2


def test_the_cli_refuses_a_bad_record_and_writes_nothing(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    home = sqlite_settings.home
    with Archive.open(sqlite_settings) as archive:
        fill_register(archive, tmp_path)
        _appeal(archive, "2026-0002", AppealKind.LITIGATION_DIRECT, date(2026, 3, 1))
    prepare_home(home)
    output, table = tmp_path / "x.docx", tmp_path / "x.csv"
    refused = cli.invoke(
        app, ["report", "annual", "--year", "2026", "-o", str(output), "--csv", str(table)]
    )
    assert refused.exit_code == 1
    assert (
        "2026-0002" in refused.output and "filed before the request was received" in refused.output
    )
    assert not output.exists() and not table.exists()
    assert not (home / "generated" / "reports").exists()
    nothing = cli.invoke(app, ["report", "annual", "--year", "2026"])
    assert nothing.exit_code == 1 and "-o FILE.docx, --csv FILE and/or --json" in nothing.output
