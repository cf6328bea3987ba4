"""The 考核 compliance report: the period parser, and every figure and every listed id
tied out against a real register (both backends) with records across the period's
boundaries; the .csv and .docx written and opened back, and the command."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from engine.archive import Archive
from engine.cli import app
from engine.codes import Attribute, Reason
from engine.compliance import (
    ALL,
    MADE_FINAL,
    OPEN_OVERDUE,
    OVERRIDDEN,
    PUBLICATION_LABELS,
    PUBLICATION_SECTION,
    REMARK_OVERDUE,
    REMARKED_LATE,
    REMARKED_ON_TIME,
    REMARKING_LABELS,
    REMARKING_SECTION,
    REOPENED,
    REPLY_LATE,
    REPLY_ON_TIME,
    REPLY_SECTION,
    REPLY_UNKNOWN,
    REVIEW_SECTION,
    SIGNED,
    ComplianceError,
    ComplianceReport,
    PeriodKind,
    parse_period,
    report_data,
)
from engine.compliance_store import compliance_report, write_report
from engine.outcomes import Outcome
from engine.publication import ChangeKind, Channel
from engine.publication_store import CatalogFormat, PublicationDesk
from engine.register.models import AuditEvent, Document, ValidityChange
from engine.request_store import RequestDesk
from engine.requests import Decision, new_request
from engine.review import ALL_LEVELS, Action, Level, Position
from engine.review import SignOff as Signature
from engine.signoff import sign
from tests.conftest import invoke_json

OFFICE = """
agency = "某某县人民政府办公室"
letter_code = "某政办信公开"
reconsideration_body = "某某市人民政府"
court = "某某县人民法院"
org_code = "000014349"
"""
TODAY = date(2026, 5, 10)
COUNTY, EDUCATION = "某某县人民政府", "某某县教育局"
ON_TIME, LATE, OVERDUE, PENDING = PUBLICATION_LABELS


# --- the period -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "first", "last", "label"),
    [
        ("2026Q3", PeriodKind.QUARTER, date(2026, 7, 1), date(2026, 9, 30), "2026年第三季度"),
        ("2026q1", PeriodKind.QUARTER, date(2026, 1, 1), date(2026, 3, 31), "2026年第一季度"),
        ("2026-09", PeriodKind.MONTH, date(2026, 9, 1), date(2026, 9, 30), "2026年9月"),
        ("2028-2", PeriodKind.MONTH, date(2028, 2, 1), date(2028, 2, 29), "2028年2月"),
        (" 2026 ", PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31), "2026年"),
    ],
)
def test_periods_are_read(text: str, kind: PeriodKind, first: date, last: date, label: str) -> None:
    period = parse_period(text)
    assert (period.kind, period.first, period.last, period.label) == (kind, first, last, label)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2026Q5", "Q1 to Q4"),
        ("2026Q0", "Q1 to Q4"),
        ("2026-13", "01 to 12"),
        ("2026-00", "01 to 12"),
        ("26Q1", "write a year"),
        ("2026/09", "write a year"),
        ("", "write a year"),
    ],
)
def test_bad_periods_are_refused_clearly(text: str, says: str) -> None:
    with pytest.raises(ComplianceError, match=says):
        parse_period(text)


# --- the register ---------------------------------------------------------------------


def _file(archive: Archive, title: str, issued: date, issuer: str = COUNTY) -> int:
    with archive.sessions.begin() as session:
        document = Document(
            sha256=f"{abs(hash(title)):064x}"[-64:],
            size=0,
            format="docx",
            original_path=f"originals/{title}",
            status="filed",
            text="",
            title=title,
            doc_number=f"某政发〔2026〕{abs(hash(title)) % 100}号",
            issuer=issuer,
            issue_date=issued,
            ingested_at=datetime.now(UTC),
        )
        session.add(document)
        session.flush()
        return document.id


def _sign(archive: Archive, document_id: int, level: Level, position: Position, day: date) -> None:
    at = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # noon in Beijing
    signature = Signature(level, "李强", at, Action.OVERRIDE, position, "经审查")
    with archive.sessions.begin() as session:
        document = session.get(Document, document_id)
        assert document is not None
        sign(session, document, signature, ALL_LEVELS)


PROACTIVE = Position(Attribute.PROACTIVE)


def _proactive(archive: Archive, title: str, issued: date, issuer: str = COUNTY) -> int:
    document_id = _file(archive, title, issued, issuer)
    _sign(archive, document_id, Level.APPROVER, PROACTIVE, issued)
    return document_id


def _request(desk: RequestDesk, received: date, decided: date | None = None) -> str:
    new = new_request(
        applicant=f"申请人{received}",
        applicant_kind="natural_person",
        channel="online",
        received=received,
        content="某项目的批复文件",
        today=TODAY,
    )
    number = str(desk.add(new, "王芳")["number"])
    if decided is not None:
        desk.decide(number, Decision(Outcome.GRANTED, decided, "李强"))
    return number


@pytest.fixture
def register(archive: Archive) -> dict[str, object]:
    """Q1 2026 and its neighbours: ids by name. Issued 2026-02-10 -> due 2026-03-16."""
    (archive.settings.home / "office.toml").write_text(OFFICE, encoding="utf-8")
    publications = PublicationDesk.open(archive.sessions, archive.settings.home, ALL_LEVELS)
    publications.today = lambda: TODAY
    requests = RequestDesk.open(archive.sessions, archive.settings.home)
    requests.today = lambda: TODAY
    feb = date(2026, 2, 10)
    ids: dict[str, object] = {
        "on_time": _proactive(archive, "按时公开", feb),
        "late": _proactive(archive, "逾期公开", feb, EDUCATION),
        "never": _proactive(archive, "未公开", feb, EDUCATION),
        "after": _proactive(archive, "期后公开", feb),
        "april": _proactive(archive, "四月到期", date(2026, 3, 20)),  # due in April
        "last_year": _proactive(archive, "上年到期", date(2025, 12, 1)),  # due in 2025
    }
    withheld = _file(archive, "依申请公开", feb)
    _sign(archive, withheld, Level.APPROVER, Position(Attribute.ON_REQUEST), feb)
    ids["withheld"] = withheld
    drafted = _file(archive, "仅拟定意见", feb)  # not final: the other levels have not signed
    _sign(archive, drafted, Level.DRAFTER, PROACTIVE, date(2026, 3, 5))
    ids["drafted"] = drafted
    # Proactive in Q1 but changed to 不予公开 after the period: it counts as it stood then.
    changed = _proactive(archive, "期后变更", feb)
    _sign(
        archive,
        changed,
        Level.APPROVER,
        Position(Attribute.WITHHELD, Reason.PROCESS_INFO),
        date(2026, 4, 20),
    )
    ids["changed"] = changed
    publications.publish(ids["on_time"], Channel.PORTAL, date(2026, 3, 16), "王芳")  # type: ignore[arg-type]
    publications.publish(ids["late"], Channel.PORTAL, date(2026, 3, 17), "王芳")  # type: ignore[arg-type]
    publications.publish(ids["after"], Channel.GAZETTE, date(2026, 4, 15), "王芳")  # type: ignore[arg-type]
    publications.publish(ids["last_year"], Channel.PORTAL, date(2026, 1, 5), "王芳")  # type: ignore[arg-type]
    ids.update(
        r_on_time=_request(requests, date(2026, 1, 5), date(2026, 1, 20)),
        r_late=_request(requests, date(2025, 12, 1), date(2026, 1, 20)),
        r_open_overdue=_request(requests, date(2026, 2, 2)),
        r_answered_after=_request(requests, date(2026, 2, 2), date(2026, 4, 20)),
        r_open_young=_request(requests, date(2026, 3, 25)),
        r_last_year=_request(requests, date(2025, 11, 3), date(2025, 11, 20)),
        r_next_quarter=_request(requests, date(2026, 4, 2), date(2026, 4, 3)),
    )
    return ids


def _report(archive: Archive, period: str, today: date = TODAY) -> ComplianceReport:
    return compliance_report(
        archive.sessions, archive.settings.home, parse_period(period), ALL_LEVELS, today
    )


def _refs(report: ComplianceReport, section: str, group: str, label: str) -> list[str]:
    found = next(s for s in report.sections if s.title == section).figure(group, label)
    return [item.ref for item in found.items]


def test_every_figure_and_id_ties_out_with_the_register(
    archive: Archive, register: dict[str, object]
) -> None:
    ids = {key: str(value) for key, value in register.items()}
    report = _report(archive, "2026Q1")
    assert report.cutoff.day == date(2026, 3, 31) and report.cutoff.over

    def pub(group: str, label: str) -> list[str]:
        return _refs(report, PUBLICATION_SECTION, group, label)

    assert [pub(COUNTY, label) for label in PUBLICATION_LABELS] == [
        [ids["on_time"]],
        [],
        sorted([ids["after"], ids["changed"]], key=int),
        [],
    ]
    assert [pub(EDUCATION, label) for label in PUBLICATION_LABELS] == [
        [],
        [ids["late"]],
        [ids["never"]],
        [],
    ]
    assert [sorted(pub(ALL, label), key=int) for label in PUBLICATION_LABELS] == [
        [ids["on_time"]],
        [ids["late"]],
        sorted([ids["never"], ids["after"], ids["changed"]], key=int),
        [],
    ]
    section = next(s for s in report.sections if s.title == PUBLICATION_SECTION)
    assert {(f.group, f.label): f.items[0].due for f in section.figures if f.items} == {
        key: date(2026, 3, 16) for key in ((f.group, f.label) for f in section.figures if f.items)
    }
    assert section.figure(COUNTY, ON_TIME).items[0].day == date(2026, 3, 16)

    def reply(label: str) -> list[str]:
        return _refs(report, REPLY_SECTION, ALL, label)

    assert reply(REPLY_ON_TIME) == [ids["r_on_time"]]
    assert reply(REPLY_LATE) == [ids["r_late"]]
    assert reply(REPLY_UNKNOWN) == []
    assert reply(OPEN_OVERDUE) == sorted([ids["r_open_overdue"], ids["r_answered_after"]])

    def review(group: str, label: str) -> list[str]:
        return _refs(report, REVIEW_SECTION, group, label)

    q1_approved = sorted(
        [ids[k] for k in ("on_time", "late", "never", "after", "april", "withheld", "changed")],
        key=int,
    )
    assert sorted(review(Level.APPROVER.label, SIGNED), key=int) == q1_approved
    assert review(Level.DRAFTER.label, SIGNED) == [ids["drafted"]]
    assert review(Level.REVIEWER.label, SIGNED) == []
    assert sorted(review(ALL, SIGNED), key=int) == sorted([*q1_approved, ids["drafted"]], key=int)
    assert sorted(review(ALL, OVERRIDDEN), key=int) == sorted(
        [*q1_approved, ids["drafted"]], key=int
    )
    assert sorted(review(ALL, MADE_FINAL), key=int) == q1_approved

    # The next quarter, still running on 2026-05-10.
    q2 = _report(archive, "2026Q2")
    assert q2.cutoff.day == TODAY and not q2.cutoff.over
    assert _refs(q2, PUBLICATION_SECTION, ALL, PENDING) == []
    assert _refs(q2, PUBLICATION_SECTION, ALL, OVERDUE) == [ids["april"]]  # never published
    assert _refs(q2, REPLY_SECTION, ALL, REPLY_ON_TIME) == [ids["r_next_quarter"]]
    assert _refs(q2, REPLY_SECTION, ALL, REPLY_LATE) == [ids["r_answered_after"]]
    assert _refs(q2, REPLY_SECTION, ALL, OPEN_OVERDUE) == sorted(
        [ids["r_open_overdue"], ids["r_open_young"]]
    )
    assert _refs(q2, REVIEW_SECTION, ALL, MADE_FINAL) == [ids["changed"]]
    assert _refs(q2, REVIEW_SECTION, ALL, SIGNED) == [ids["changed"]]


# --- re-marking 有效性 in the catalog --------------------------------------------------


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)  # 10:00 in Beijing


def _backdate(archive: Archive, column: object, day: date) -> None:
    """Move the latest export event or validity change (``column``: its time) to ``day``:
    the desk records them at the moment they are made."""
    table = column.class_  # type: ignore[attr-defined]
    with archive.sessions.begin() as session:
        latest = session.scalars(select(table).order_by(table.id.desc()).limit(1)).one()
        setattr(latest, column.key, _at(day))  # type: ignore[attr-defined]


def test_the_catalog_is_re_marked_within_twenty_working_days(
    archive: Archive, tmp_path: Path
) -> None:
    """Repeals on 2026-02-10 are due 2026-03-16 (春节); the exports are dated by hand."""
    (archive.settings.home / "office.toml").write_text(OFFICE, encoding="utf-8")
    desk = PublicationDesk.open(archive.sessions, archive.settings.home, ALL_LEVELS)
    desk.today = lambda: TODAY
    jan = date(2026, 1, 5)
    repealer = _file(archive, "关于废止部分文件的决定", jan)
    last_year = _proactive(archive, "上年编号", date(2025, 11, 20))
    desk.publish(last_year, Channel.PORTAL, date(2025, 12, 1), "王芳")  # 索引号 of 2025
    docs = {name: _proactive(archive, name, jan) for name in ("本年编号", "补录修改", "预先废止")}
    this_year, recorded_late, ahead = docs.values()
    for document_id in docs.values():
        desk.publish(document_id, Channel.PORTAL, date(2026, 1, 8), "王芳")
    unpublished = _proactive(archive, "未公开", jan)  # no 索引号: not in the catalog
    changes = [
        (last_year, ChangeKind.REPEALED, date(2026, 2, 10), date(2026, 2, 10)),  # due 3-16
        (this_year, ChangeKind.REPEALED, date(2026, 2, 10), date(2026, 2, 10)),  # due 3-16
        (unpublished, ChangeKind.REPEALED, date(2026, 2, 10), date(2026, 2, 10)),
        (recorded_late, ChangeKind.AMENDED, date(2026, 2, 12), date(2026, 3, 18)),  # due 3-18
        (ahead, ChangeKind.REPEALED, date(2026, 3, 25), date(2026, 3, 10)),  # due 4-23 (清明)
    ]
    for document_id, kind, effective, recorded in changes:
        desk.change_validity(document_id, kind, repealer, effective, "王芳")
        _backdate(archive, ValidityChange.recorded_at, recorded)
    exports = [
        (None, date(2026, 2, 9)),  # before any change was recorded
        (2025, date(2026, 3, 16)),  # holds last_year only: on its due day
        (2026, date(2026, 3, 17)),  # this_year a day late; before recorded_late was recorded
        (None, date(2026, 4, 2)),  # after Q1: recorded_late late, ahead (now in effect) on time
    ]
    for year, day in exports:
        data, count = desk.catalog_file(CatalogFormat.CSV, year, "王芳")
        assert count == (1 if year == 2025 else 3 if year == 2026 else 4) and data
        _backdate(archive, AuditEvent.at, day)

    def figures(report: ComplianceReport, kind: ChangeKind) -> list[list[str]]:
        return [_refs(report, REMARKING_SECTION, kind.label, label) for label in REMARKING_LABELS]

    q1 = _report(archive, "2026Q1")
    assert figures(q1, ChangeKind.REPEALED) == [[str(last_year)], [str(this_year)], []]
    assert figures(q1, ChangeKind.AMENDED) == [[], [], [str(recorded_late)]]
    assert _refs(q1, REMARKING_SECTION, ALL, REMARK_OVERDUE) == [str(recorded_late)]
    section = next(s for s in q1.sections if s.title == REMARKING_SECTION)
    [on_time] = section.figure(ALL, REMARKED_ON_TIME).items
    assert (on_time.day, on_time.due) == (date(2026, 3, 16), date(2026, 3, 16))
    assert on_time.note == f"2026-02-10被文件{repealer}废止"
    [late] = section.figure(ALL, REMARKED_LATE).items
    assert (late.ref, late.day, late.due) == (str(this_year), date(2026, 3, 17), date(2026, 3, 16))
    [overdue] = section.figure(ALL, REMARK_OVERDUE).items
    assert (overdue.day, overdue.due) == (None, date(2026, 3, 18))

    # On the due day itself, while Q1 runs, this_year is not yet overdue: not listed.
    on_due_day = _report(archive, "2026Q1", date(2026, 3, 16))
    assert [_refs(on_due_day, REMARKING_SECTION, ALL, label) for label in REMARKING_LABELS] == [
        [str(last_year)],
        [],
        [],
    ]
    q2 = _report(archive, "2026Q2")
    assert figures(q2, ChangeKind.REPEALED) == [[str(ahead)], [], []]
    assert _remarked_items(q2, REMARKED_ON_TIME) == [(str(ahead), date(2026, 4, 2))]
    year = _report(archive, "2026")
    assert _remarked_items(year, REMARKED_LATE) == [
        (str(this_year), date(2026, 3, 17)),
        (str(recorded_late), date(2026, 4, 2)),
    ]

    write_report(q1, tmp_path / "考核.docx")
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "考核.docx")).paragraphs)
    assert REMARKING_SECTION in text and f"被文件{repealer}修改" in text
    write_report(q1, tmp_path / "考核.csv")
    rows = list(csv.reader((tmp_path / "考核.csv").read_text("utf-8-sig").splitlines()))
    assert rows[-2][:4] == [REMARKING_SECTION, ALL, REMARK_OVERDUE, "1"]
    assert rows[-1][4:8] == [str(recorded_late), overdue.name, "", "2026-03-18"]
    assert report_data(q1)["sections"][3]["figures"][-1]["count"] == 1  # type: ignore[index]


def test_a_reopened_decision_stays_in_force_and_is_no_signature(
    archive: Archive, tmp_path: Path
) -> None:
    """重新审查 of a published 主动公开 document: it keeps its place in the figures and the
    catalog while the levels review it again; the reopen is listed apart from 签批."""
    (archive.settings.home / "office.toml").write_text(OFFICE, encoding="utf-8")
    desk = PublicationDesk.open(archive.sessions, archive.settings.home, ALL_LEVELS)
    desk.today = lambda: TODAY
    document_id = _proactive(archive, "重新审查", date(2026, 2, 10))  # due 2026-03-16
    desk.publish(document_id, Channel.PORTAL, date(2026, 3, 2), "王芳")
    reopen = Signature(
        Level.DRAFTER, "王芳", _at(date(2026, 3, 20)), Action.REOPEN, PROACTIVE, "复查"
    )
    with archive.sessions.begin() as session:
        document = session.get(Document, document_id)
        assert document is not None
        sign(session, document, reopen, ALL_LEVELS)
        assert document.review_status == "pending"
    report = _report(archive, "2026Q1")
    ref = str(document_id)
    assert _refs(report, PUBLICATION_SECTION, ALL, ON_TIME) == [ref]
    assert _refs(report, REVIEW_SECTION, ALL, SIGNED) == [ref]  # the approver's, on 2-10
    assert _refs(report, REVIEW_SECTION, Level.DRAFTER.label, SIGNED) == []
    assert _refs(report, REVIEW_SECTION, ALL, MADE_FINAL) == [ref]
    section = next(s for s in report.sections if s.title == REVIEW_SECTION)
    [item] = section.figure(ALL, REOPENED).items
    assert (item.ref, item.day, item.note) == (ref, date(2026, 3, 20), "王芳（拟定意见，重新审查）")
    assert [entry.title for entry in desk.catalog()] == ["重新审查"]
    write_report(report, tmp_path / "考核.docx")
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "考核.docx")).paragraphs)
    assert f"{ALL} · {REOPENED}（1）" in text


def _remarked_items(report: ComplianceReport, label: str) -> list[tuple[str, date | None]]:
    section = next(s for s in report.sections if s.title == REMARKING_SECTION)
    return [(item.ref, item.day) for item in section.figure(ALL, label).items]


def test_a_period_not_begun_is_refused(archive: Archive) -> None:
    with pytest.raises(ComplianceError, match="begins on 2026-07-01"):
        _report(archive, "2026Q3")


def test_csv_and_docx_carry_the_same_numbers(
    archive: Archive, register: dict[str, object], tmp_path: Path
) -> None:
    report = _report(archive, "2026-03")
    data = report_data(report)
    counts = {
        (section["title"], figure["group"], figure["label"]): figure["count"]
        for section in data["sections"]  # type: ignore[attr-defined]
        for figure in section["figures"]
    }
    assert counts[(PUBLICATION_SECTION, ALL, OVERDUE)] == 3
    assert counts[(REPLY_SECTION, ALL, OPEN_OVERDUE)] == 2
    assert counts[(REVIEW_SECTION, ALL, SIGNED)] == 2  # March: the drafter, "april"

    write_report(report, tmp_path / "考核.csv")
    raw = (tmp_path / "考核.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    from_csv = {(r[0], r[1], r[2]): int(r[3]) for r in rows[1:] if r[3]}
    assert from_csv == counts
    listed = [r[4] for r in rows[1:] if r[:3] == [PUBLICATION_SECTION, ALL, OVERDUE] and r[4]]
    assert sorted(listed, key=int) == sorted(
        (str(register[k]) for k in ("never", "after", "changed")), key=int
    )

    write_report(report, tmp_path / "考核.docx")
    document = docx.Document(str(tmp_path / "考核.docx"))
    assert "2026年3月" in document.paragraphs[0].text
    from_docx = {
        (title, row.cells[0].text, row.cells[1].text): int(row.cells[2].text)
        for title, table in zip(
            (PUBLICATION_SECTION, REPLY_SECTION, REVIEW_SECTION, REMARKING_SECTION),
            document.tables,
            strict=True,
        )
        for row in table.rows[1:]
    }
    assert from_docx == counts
    text = "\n".join(p.text for p in document.paragraphs)
    assert all(str(register[k]) in text for k in ("r_open_overdue", "r_answered_after"))

    with pytest.raises(ComplianceError, match=r"\.docx or \.csv"):
        write_report(report, tmp_path / "考核.xlsx")
    assert not (tmp_path / "考核.xlsx").exists()


def test_the_command(cli: CliRunner, tmp_path: Path) -> None:
    data = invoke_json(cli, "compliance", "--period", "2025Q4")
    assert data["period"]["label"] == "2025年第四季度" and data["complete"] is True
    assert [s["title"] for s in data["sections"]] == [
        PUBLICATION_SECTION,
        REPLY_SECTION,
        REVIEW_SECTION,
        REMARKING_SECTION,
    ]
    shown = cli.invoke(app, ["compliance", "--period", "2025-12"])
    assert shown.exit_code == 0 and "2025年12月" in shown.output
    bad = cli.invoke(app, ["compliance", "--period", "2026Q5"])
    assert bad.exit_code == 1 and "Q1 to Q4" in bad.output
    written = cli.invoke(app, ["compliance", "--period", "2025", "-o", str(tmp_path / "x.docx")])
    assert written.exit_code == 0, written.output
    assert docx.Document(str(tmp_path / "x.docx")).tables
