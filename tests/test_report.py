"""政府信息公开工作年度报告: a register with hand-counted numbers, every cell checked.

The register below is small enough to count on paper: each request's comment
says where it lands in the 2026 report, and EXPECTED_T3 is that count written
out. The rendered .docx is then read back cell by cell.
"""

from __future__ import annotations

import csv
import io
import json
import random
import runpy
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import docx
import pytest
from docx.table import Table

from engine.outcomes import ApplicantKind, Outcome
from engine.report import (
    APPEAL_COLUMNS,
    CORNER_NOTE,
    CSV_FIELDS,
    FEE_COLUMNS,
    LAYOUTS,
    PROACTIVE_FIGURES,
    REQUEST_COLUMNS,
    REQUEST_ROWS,
    RULE_COLUMNS,
    SECTIONS,
    AnnualReport,
    AppealKind,
    AppealRecord,
    AppealResult,
    FeeRecord,
    FilledTable,
    ManualFigures,
    ManualFiguresError,
    ReportError,
    ReportInconsistent,
    RequestRecord,
    RequestTable,
    RuleDocument,
    RuleKind,
    build_report,
    check_records,
    check_report,
    csv_bytes,
    figures_form_values,
    figures_from_form,
    parse_manual_figures,
    render_manual_figures,
    render_report,
    report_rows,
    report_tables,
    report_to_dict,
    write_csv,
)

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "templates" / "report" / "annual.docx"
YEAR = 2026

NP, CO, RE = ApplicantKind.NATURAL_PERSON, ApplicantKind.COMMERCIAL, ApplicantKind.RESEARCH
PI, LS, OO = ApplicantKind.PUBLIC_INTEREST, ApplicantKind.LEGAL_SERVICE, ApplicantKind.OTHER_ORG
D = date


def req(
    number: str,
    kind: ApplicantKind,
    received: date,
    decided: date | None = None,
    outcome: Outcome | None = None,
    topic: str = "",
    on_time: bool | None = None,
) -> RequestRecord:
    if decided is not None and on_time is None:
        on_time = True
    return RequestRecord(number, kind, received, decided, outcome, topic, on_time)


REQUESTS = [
    # settled in 2025: not in the 2026 report at all
    req("2025-0090", NP, D(2025, 3, 2), D(2025, 3, 25), Outcome.GRANTED),
    # 上年结转 (received 2025), decided in 2026
    req("2025-0101", NP, D(2025, 11, 20), D(2026, 1, 8), Outcome.GRANTED),
    req("2025-0103", NP, D(2025, 12, 30), D(2026, 1, 15), Outcome.PARTLY_GRANTED),
    req("2025-0104", OO, D(2025, 12, 31), D(2026, 1, 1), Outcome.UNCLEAR_AFTER_CORRECTION),
    # 上年结转 and still open: 结转下年度 as well
    req("2025-0102", CO, D(2025, 12, 28)),
    # 新收, decided in 2026
    req("2026-0001", NP, D(2026, 1, 5), D(2026, 1, 20), Outcome.PARTLY_GRANTED, "征地补偿"),
    req("2026-0002", NP, D(2026, 2, 3), D(2026, 2, 20), Outcome.GRANTED, "征地补偿"),
    req("2026-0003", NP, D(2026, 3, 3), D(2026, 4, 10), Outcome.GRANTED, "房屋征收", False),
    req("2026-0004", RE, D(2026, 3, 10), D(2026, 3, 30), Outcome.WITHHELD_PROCESS_INFO, "规划许可"),
    req("2026-0005", LS, D(2026, 4, 1), D(2026, 4, 21), Outcome.NOT_HELD, "征地补偿"),
    req("2026-0006", OO, D(2026, 5, 6), D(2026, 5, 8), Outcome.DUPLICATE),
    req("2026-0007", CO, D(2026, 6, 1), D(2026, 7, 20), Outcome.FEE_UNPAID),
    req(
        "2026-0008",
        PI,
        D(2026, 7, 1),
        D(2026, 7, 15),
        Outcome.WITHHELD_THIRD_PARTY_RIGHTS,
        "房屋征收",
    ),
    req("2026-0009", CO, D(2026, 8, 3), D(2026, 8, 25), Outcome.GRANTED),
    req("2026-0012", LS, D(2026, 9, 1), D(2026, 9, 29), Outcome.NO_CORRECTION),
    req("2026-0013", NP, D(2026, 12, 31), D(2026, 12, 31), Outcome.PETITION_OR_COMPLAINT),
    # 新收 in December, answered in January 2027 or not at all: 结转下年度
    req("2026-0010", NP, D(2026, 12, 15), D(2027, 1, 10), Outcome.GRANTED),
    req("2026-0011", NP, D(2026, 12, 20)),
    # received in 2027: not in the 2026 report
    req("2027-0001", NP, D(2027, 1, 4)),
]

# Every non-zero cell of table 三 for 2026, counted by hand from the comments above.
EXPECTED_T3: dict[str, dict[str, int]] = {
    "new": {
        "natural_person": 6,
        "commercial": 2,
        "research": 1,
        "public_interest": 1,
        "legal_service": 2,
        "other_org": 1,
        "total": 13,
    },
    "carried_in": {"natural_person": 2, "commercial": 1, "other_org": 1, "total": 4},
    "granted": {"natural_person": 3, "commercial": 1, "total": 4},
    "partly_granted": {"natural_person": 2, "total": 2},
    "withheld.third_party_rights": {"public_interest": 1, "total": 1},
    "withheld.process_info": {"research": 1, "total": 1},
    "unavailable.not_held": {"legal_service": 1, "total": 1},
    "unavailable.unclear_after_correction": {"other_org": 1, "total": 1},
    "not_processed.petition_or_complaint": {"natural_person": 1, "total": 1},
    "not_processed.duplicate": {"other_org": 1, "total": 1},
    "other.no_correction": {"legal_service": 1, "total": 1},
    "other.fee_unpaid": {"commercial": 1, "total": 1},
    "total": {
        "natural_person": 6,
        "commercial": 2,
        "research": 1,
        "public_interest": 1,
        "legal_service": 2,
        "other_org": 2,
        "total": 14,
    },
    "carried_out": {"natural_person": 2, "commercial": 1, "total": 3},
}

APPEALS = [
    AppealRecord(
        "2026-0003", AppealKind.RECONSIDERATION, D(2026, 5, 1), AppealResult.UPHELD, D(2026, 6, 20)
    ),
    AppealRecord(
        "2026-0004",
        AppealKind.RECONSIDERATION,
        D(2026, 4, 15),
        AppealResult.CORRECTED,
        D(2026, 6, 1),
    ),
    # decided in January 2027: on 31 December it was 尚未审结
    AppealRecord(
        "2026-0008",
        AppealKind.RECONSIDERATION,
        D(2026, 11, 20),
        AppealResult.UPHELD,
        D(2027, 1, 15),
    ),
    AppealRecord("2025-0101", AppealKind.LITIGATION_DIRECT, D(2026, 2, 1)),
    AppealRecord(
        "2026-0005", AppealKind.LITIGATION_DIRECT, D(2026, 6, 1), AppealResult.OTHER, D(2026, 10, 1)
    ),
    AppealRecord(
        "2026-0004",
        AppealKind.LITIGATION_AFTER_RECONSIDERATION,
        D(2026, 7, 1),
        AppealResult.UPHELD,
        D(2026, 12, 31),
    ),
    # filed in 2025: counted in the 2025 report, not here
    AppealRecord(
        "2025-0090",
        AppealKind.RECONSIDERATION,
        D(2025, 5, 1),
        AppealResult.CORRECTED,
        D(2026, 1, 20),
    ),
]
EXPECTED_T4 = {
    AppealKind.RECONSIDERATION: {"upheld": 1, "corrected": 1, "other": 0, "pending": 1, "total": 3},
    AppealKind.LITIGATION_DIRECT: {
        "upheld": 0,
        "corrected": 0,
        "other": 1,
        "pending": 1,
        "total": 2,
    },
    AppealKind.LITIGATION_AFTER_RECONSIDERATION: {
        "upheld": 1,
        "corrected": 0,
        "other": 0,
        "pending": 0,
        "total": 1,
    },
}

FEES = [
    FeeRecord("2026-0007", D(2026, 6, 20), 1200),  # never paid
    FeeRecord("2026-0009", D(2026, 8, 10), 300, D(2026, 8, 20), 300),
    FeeRecord("2025-0103", D(2025, 12, 31), 500, D(2026, 1, 5), 500),  # sent 2025, paid 2026
    FeeRecord("2026-0010", D(2026, 12, 28), 200, D(2027, 1, 4), 200),  # sent 2026, paid 2027
]

DOCUMENTS = [
    RuleDocument("府令第1号", RuleKind.REGULATION, D(2019, 6, 1)),
    RuleDocument("府令第7号", RuleKind.REGULATION, D(2026, 3, 1)),
    RuleDocument("府令第0号", RuleKind.REGULATION, D(2018, 1, 1), D(2026, 9, 1)),
    RuleDocument("府规〔2024〕1号", RuleKind.NORMATIVE, D(2024, 2, 1)),
    RuleDocument("府规〔2026〕2号", RuleKind.NORMATIVE, D(2026, 5, 1)),
    RuleDocument("府规〔2026〕3号", RuleKind.NORMATIVE, D(2026, 6, 1), D(2026, 11, 1)),
    RuleDocument("府规〔2022〕4号", RuleKind.NORMATIVE, D(2022, 1, 1), D(2027, 3, 1)),
    RuleDocument("府规〔2027〕1号", RuleKind.NORMATIVE, D(2027, 2, 1)),
    RuleDocument("府规〔2020〕5号", RuleKind.NORMATIVE, D(2020, 1, 1), D(2025, 6, 1)),
]

FIGURES_TOML = """\
year = 2026
licensing = 128
penalty = 35
coercion = 2
administrative_fees = 12.5
"""


def manual(**changes: object) -> ManualFigures:
    return replace(parse_manual_figures(FIGURES_TOML, "figures.toml"), **changes)


def report_for(
    requests: list[RequestRecord] = REQUESTS,
    appeals: list[AppealRecord] = APPEALS,
    fees: list[FeeRecord] = FEES,
    documents: list[RuleDocument] = DOCUMENTS,
    figures: ManualFigures | None = None,
    year: int = YEAR,
) -> AnnualReport:
    figures = figures or manual(year=year)
    return build_report(year, requests, appeals, fees, documents, figures, agency="某区民政局")


@pytest.fixture(scope="module")
def report() -> AnnualReport:
    return report_for()


# --- table 三 -------------------------------------------------------------------


def test_every_cell_of_table_three(report: AnnualReport) -> None:
    for row in REQUEST_ROWS:
        for column in REQUEST_COLUMNS:
            expected = EXPECTED_T3.get(row.code, {}).get(column.code, 0)
            assert report.requests.cell(row.code, column.code) == expected, (row, column)


def test_table_three_rows_are_the_national_format_in_order() -> None:
    labels = [row.label for row in REQUEST_ROWS]
    assert labels[:4] == [
        "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量",
        "（一）予以公开",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ]
    assert labels[-2:] == ["（七）总计", "四、结转下年度继续办理"]
    assert labels[4] == "1．属于国家秘密" and labels[11] == "8．属于行政查询事项"
    assert len(REQUEST_ROWS) == 2 + 21 + 2
    assert [c.label for c in REQUEST_COLUMNS] == [
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    ]


def test_the_requests_behind_the_cells(report: AnnualReport) -> None:
    numbers = report.requests.numbers
    assert numbers["carried_in"]["natural_person"] == ("2025-0101", "2025-0103")
    assert numbers["carried_out"]["natural_person"] == ("2026-0010", "2026-0011")
    assert numbers["carried_out"]["commercial"] == ("2025-0102",)
    assert numbers["partly_granted"]["natural_person"] == ("2025-0103", "2026-0001")


def test_year_boundaries_from_both_sides() -> None:
    straddling = [
        req("A", NP, D(2025, 12, 31), D(2026, 1, 5), Outcome.GRANTED),  # 2025 → 2026
        req("B", CO, D(2026, 12, 31)),  # received on the last day, open
        req("C", RE, D(2026, 12, 1), D(2026, 12, 31), Outcome.NOT_HELD),  # decided on the last day
    ]
    by_year = {
        year: report_for(straddling, [], [], [], year=year).requests for year in (2025, 2026, 2027)
    }
    assert by_year[2025].cell("new", "natural_person") == 1
    assert by_year[2025].cell("carried_out", "natural_person") == 1
    assert by_year[2025].cell("total", "total") == 0
    assert by_year[2026].cell("carried_in", "natural_person") == 1  # 上年结转
    assert by_year[2026].cell("granted", "natural_person") == 1
    assert by_year[2026].cell("new", "natural_person") == 0
    assert by_year[2026].cell("carried_out", "commercial") == 1  # 结转下年度
    assert by_year[2026].cell("unavailable.not_held", "research") == 1
    assert by_year[2026].cell("carried_out", "research") == 0
    assert by_year[2027].cell("carried_in", "commercial") == 1
    assert by_year[2027].cell("carried_in", "total") == 1


def test_a_partly_granted_request_counts_once_as_partly_granted(report: AnnualReport) -> None:
    withheld = [o.value for o in Outcome if o.group.value == "withheld"]
    assert report.requests.cell("partly_granted", "natural_person") == 2
    assert sum(report.requests.cell(row, "natural_person") for row in withheld) == 0
    counted = [
        n for row in REQUEST_ROWS[2:-2] for n in report.requests.numbers[row.code]["natural_person"]
    ]
    assert len(counted) == len(set(counted)) == 6


def register(seed: int, count: int) -> list[RequestRecord]:
    """``count`` random requests over 2025–2027, some still open."""
    rng = random.Random(seed)
    drawn = []
    for i in range(count):
        received = D(2025, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        decided = received + timedelta(days=rng.randrange(0, 60))
        if rng.random() < 0.05 or decided > D(2027, 12, 31):
            drawn.append(req(f"R{i}", rng.choice(list(ApplicantKind)), received))
        else:
            outcome = rng.choice(list(Outcome))
            drawn.append(req(f"R{i}", rng.choice(list(ApplicantKind)), received, decided, outcome))
    return drawn


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_registers_add_up_and_carry_from_year_to_year(seed: int) -> None:
    requests = register(seed, 600)
    reports = {y: report_for(requests, [], [], [], year=y) for y in (2025, 2026, 2027)}
    for year, built in reports.items():
        assert check_report(built) == []
        # The counting rules said another way, by calendar year, as a second opinion.
        for kind in ApplicantKind:
            mine = [r for r in requests if r.applicant_kind is kind]
            open_at_end = [
                r
                for r in mine
                if r.received.year <= year and (r.decided_on or D(9999, 1, 1)).year > year
            ]
            assert built.requests.cell("carried_out", kind.value) == len(open_at_end)
            assert built.requests.cell("new", kind.value) == sum(
                r.received.year == year for r in mine
            )
            for outcome in Outcome:
                decided = sum(
                    r.outcome is outcome and r.decided_on is not None and r.decided_on.year == year
                    for r in mine
                )
                assert built.requests.cell(outcome.value, kind.value) == decided
    for column in REQUEST_COLUMNS:
        assert reports[2025].requests.cell("carried_out", column.code) == reports[
            2026
        ].requests.cell("carried_in", column.code)


# --- the arithmetic and the refusals ------------------------------------------


def test_the_identities_of_the_format_hold(report: AnnualReport) -> None:
    cells = report.requests.cells
    for column in REQUEST_COLUMNS:
        c = column.code
        assert (
            cells["new"][c] + cells["carried_in"][c] == cells["total"][c] + cells["carried_out"][c]
        )
        assert cells["total"][c] == sum(cells[o.value][c] for o in Outcome)
    for row in REQUEST_ROWS:
        assert cells[row.code]["total"] == sum(cells[row.code][k.value] for k in ApplicantKind)
    assert check_report(report) == []


BAD_REQUESTS = [
    (req("2026-0002", CO, D(2026, 5, 1)), "2026-0002", "listed 2 times"),
    (RequestRecord("X-1", NP, D(2026, 2, 1), None, Outcome.GRANTED), "X-1", "without the day"),
    (RequestRecord("X-2", NP, D(2026, 2, 1), D(2026, 2, 9)), "X-2", "without an outcome"),
    (
        req("X-3", NP, D(2026, 3, 1), D(2026, 2, 1), Outcome.GRANTED),
        "X-3",
        "before it was received",
    ),
    # decided in the year but received after it: the same fault, seen from the year
    (
        req("X-4", NP, D(2027, 1, 2), D(2026, 12, 30), Outcome.GRANTED),
        "X-4",
        "before it was received",
    ),
    (RequestRecord("X-5", NP, D(2026, 2, 1), on_time=True), "X-5", "open, yet"),
    (req("", NP, D(2026, 2, 1)), "(no number)", "without a number"),
]


@pytest.mark.parametrize(("bad", "record", "message"), BAD_REQUESTS)
def test_a_bad_request_refuses_the_report_and_is_named(
    bad: RequestRecord, record: str, message: str
) -> None:
    with pytest.raises(ReportError) as refused:
        report_for([*REQUESTS, bad])
    assert refused.value.records == (record,)
    assert message in str(refused.value) and record in str(refused.value)


def test_every_bad_record_is_named_at_once() -> None:
    bad = [
        RequestRecord("X-1", NP, D(2026, 2, 1), None, Outcome.GRANTED),
        RequestRecord("X-2", NP, D(2026, 2, 1), D(2026, 2, 9)),
    ]
    appeal = AppealRecord(
        "2026-0001", AppealKind.RECONSIDERATION, D(2026, 3, 1), AppealResult.UPHELD
    )
    with pytest.raises(ReportError) as refused:
        report_for([*REQUESTS, *bad], [*APPEALS, appeal])
    assert set(refused.value.records) == {"X-1", "X-2", "2026-0001"}


BAD_OTHERS = [
    (
        AppealRecord("2026-0001", AppealKind.RECONSIDERATION, D(2026, 3, 1), AppealResult.UPHELD),
        "closed without the day it closed",
    ),
    (
        AppealRecord("2026-0001", AppealKind.RECONSIDERATION, D(2026, 3, 1), None, D(2026, 4, 1)),
        "closed without its result",
    ),
    (
        AppealRecord(
            "2026-0001",
            AppealKind.LITIGATION_DIRECT,
            D(2026, 3, 1),
            AppealResult.OTHER,
            D(2026, 2, 1),
        ),
        "before it was filed",
    ),
    (
        AppealRecord("2026-0001", AppealKind.LITIGATION_DIRECT, D(2026, 1, 2)),
        "filed before the request was received",
    ),
    (FeeRecord("2026-0001", D(2026, 1, 10), 0), "a notice asks for money"),
    (FeeRecord("2026-0001", D(2026, 1, 10), 100, D(2026, 1, 20), 150), "paid 150 yuan of 100"),
    (FeeRecord("2026-0001", D(2026, 1, 10), 100, D(2026, 1, 20), 0), "both its day and its amount"),
    (FeeRecord("2026-0001", D(2026, 1, 10), 100, None, 100), "both its day and its amount"),
    (FeeRecord("2026-0001", D(2026, 1, 10), 100, D(2026, 1, 9), 100), "before the notice was sent"),
    (FeeRecord("2026-0001", D(2026, 1, 2), 100), "sent before the request was received"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_OTHERS)
def test_a_bad_appeal_or_fee_is_named_by_its_request(
    bad: AppealRecord | FeeRecord, message: str
) -> None:
    appeals = [*APPEALS, bad] if isinstance(bad, AppealRecord) else APPEALS
    fees = [*FEES, bad] if isinstance(bad, FeeRecord) else FEES
    problems = check_records(REQUESTS, appeals, fees, DOCUMENTS)
    assert [p.record for p in problems] == ["2026-0001"]
    assert message in problems[0].message


def test_bad_rule_documents_are_named() -> None:
    bad = [
        RuleDocument("府规〔2026〕9号", RuleKind.NORMATIVE, D(2026, 5, 1), D(2026, 4, 1)),
        RuleDocument("府规〔2024〕1号", RuleKind.NORMATIVE, D(2024, 2, 1)),
    ]
    with pytest.raises(ReportError) as refused:
        report_for(documents=[*DOCUMENTS, *bad])
    assert set(refused.value.records) == {"府规〔2026〕9号", "府规〔2024〕1号"}


def test_the_clerks_file_of_another_year_is_refused() -> None:
    with pytest.raises(ReportError, match="the file is for 2025, the report for 2026"):
        build_report(YEAR, REQUESTS, APPEALS, FEES, DOCUMENTS, manual(year=2025))


def _tampered(
    report: AnnualReport, cells: dict[str, dict[str, int]], numbers: dict
) -> AnnualReport:
    table = RequestTable(
        MappingProxyType({r: MappingProxyType(c) for r, c in cells.items()}),
        MappingProxyType({r: MappingProxyType(n) for r, n in numbers.items()}),
    )
    return replace(report, requests=table)


def _copies(report: AnnualReport) -> tuple[dict[str, dict[str, int]], dict]:
    cells = {row: dict(columns) for row, columns in report.requests.cells.items()}
    numbers = {row: dict(columns) for row, columns in report.requests.numbers.items()}
    return cells, numbers


def test_a_request_lost_between_the_sides_is_named(report: AnnualReport, tmp_path: Path) -> None:
    cells, numbers = _copies(report)
    # 2026-0002 (予以公开, 自然人) drops out of 三 with every total kept in step.
    numbers["granted"]["natural_person"] = ("2025-0101", "2026-0003")
    for row, column in [
        ("granted", "natural_person"),
        ("granted", "total"),
        ("total", "natural_person"),
        ("total", "total"),
    ]:
        cells[row][column] -= 1
    broken = _tampered(report, cells, numbers)
    problems = check_report(broken)
    assert "2026-0002" in [p.record for p in problems]
    assert any("一 + 二 = 8 but 三（七）+ 四 = 7" in p.message for p in problems)
    output = tmp_path / "report.docx"
    with pytest.raises(ReportInconsistent) as refused:
        render_report(broken, TEMPLATE, output)
    assert "2026-0002" in refused.value.records
    assert not output.exists()
    for export in (report_to_dict, report_rows):
        with pytest.raises(ReportInconsistent):
            export(broken)


def test_a_request_counted_twice_is_named(report: AnnualReport) -> None:
    cells, numbers = _copies(report)
    numbers["carried_out"]["natural_person"] += ("2026-0002",)
    cells["carried_out"]["natural_person"] += 1
    cells["carried_out"]["total"] += 1
    problems = check_report(_tampered(report, cells, numbers))
    assert any(
        p.record == "2026-0002" and "counted 2 times in 三 and 四" in p.message for p in problems
    )


def test_totals_that_do_not_add_up_are_named_by_cell(report: AnnualReport) -> None:
    cells, numbers = _copies(report)
    cells["new"]["total"] += 1
    cells["total"]["research"] += 1
    records = [p.record for p in check_report(_tampered(report, cells, numbers))]
    assert "表三 一、本年新收政府信息公开申请数量" in records
    assert "表三 （七）总计 / 科研机构" in records
    cells, numbers = _copies(report)
    cells["granted"]["commercial"] += 1
    records = [p.record for p in check_report(_tampered(report, cells, numbers))]
    assert "表三 （一）予以公开 / 商业企业" in records

    appeals = {kind: dict(columns) for kind, columns in report.appeals.cells.items()}
    appeals[AppealKind.LITIGATION_DIRECT]["total"] = 5
    broken = replace(report, appeals=replace(report.appeals, cells=MappingProxyType(appeals)))
    assert [p.record for p in check_report(broken)] == ["表四 行政诉讼（未经复议直接起诉）"]


# --- tables 二 and 四, fees, narratives ---------------------------------------------


def test_table_four_counts_cases_filed_in_the_year_by_result_at_year_end(
    report: AnnualReport,
) -> None:
    for kind in AppealKind:
        for column in APPEAL_COLUMNS:
            assert report.appeals.cell(kind, column.code) == EXPECTED_T4[kind][column.code]


def test_table_two(report: AnnualReport) -> None:
    rules = report.proactive.rules
    assert (rules[RuleKind.REGULATION].issued, rules[RuleKind.REGULATION].repealed) == (1, 1)
    assert rules[RuleKind.REGULATION].in_force == 2
    assert (rules[RuleKind.NORMATIVE].issued, rules[RuleKind.NORMATIVE].repealed) == (2, 1)
    assert rules[RuleKind.NORMATIVE].in_force == 3
    assert (report.proactive.licensing, report.proactive.penalty) == (128, 35)
    assert report.proactive.coercion == 2
    assert str(report.proactive.administrative_fees) == "12.50"


def test_fees_sent_and_collected_in_the_year(report: AnnualReport) -> None:
    assert (report.fees.notices, report.fees.notice_amount, report.fees.collected) == (3, 1700, 800)


def test_the_drafts_are_written_from_the_data(report: AnnualReport) -> None:
    overview = "".join(report.overview.paragraphs)
    assert report.overview.drafted and report.problems.drafted and report.other_matters.drafted
    for phrase in [
        "本年新收政府信息公开申请13件",
        "上年结转4件",
        "本年办结14件，其中予以公开4件、部分公开2件、不予公开2件、无法提供2件、不予处理2件、其他处理2件",
        "在法定期限内答复13件，逾期答复1件",
        "结转下年度继续办理3件",
        "征地补偿（3件）、房屋征收（2件）、规划许可（1件）",
        "本年制发规章1件、行政规范性文件2件",
        "现行有效规章2件、行政规范性文件3件",
        "本年作出行政许可决定128件、行政处罚决定35件、行政强制决定2件",
        "被申请行政复议3件、被提起行政诉讼3件，其中结果纠正1件",
    ]:
        assert phrase in overview, phrase
    problems = "".join(report.problems.paragraphs)
    assert "一是答复时效仍需提高，本年有1件申请未在法定期限内答复" in problems
    assert "二是答复质量仍需提升，本年行政复议、行政诉讼中结果纠正1件" in problems
    assert report.handling.topics == (("征地补偿", 3), ("房屋征收", 2), ("规划许可", 1))


def test_an_empty_year_has_zeros_and_says_so() -> None:
    empty = report_for([], [], [], [])
    assert all(v == 0 for row in empty.requests.cells.values() for v in row.values())
    overview = "".join(empty.overview.paragraphs)
    assert "本年新收政府信息公开申请0件" in overview and "本年未办结申请" in overview
    assert "未发生因政府信息公开工作引起的行政复议、行政诉讼案件" in overview
    assert check_report(empty) == []


def test_the_clerks_text_replaces_the_draft() -> None:
    figures = parse_manual_figures(
        FIGURES_TOML + '[text]\noverview = """\n第一段。\n\n第二段。\n"""\n', "figures.toml"
    )
    built = report_for(figures=figures)
    assert built.overview.paragraphs == ("第一段。", "第二段。")
    assert not built.overview.drafted
    assert built.problems.drafted


# --- the clerk's figures file ----------------------------------------------------


def test_the_figures_file_is_read_exactly() -> None:
    figures = parse_manual_figures(
        FIGURES_TOML.replace("12.5", "3.1416") + '[text]\nproblems = "问题。"\n', "f.toml"
    )
    assert figures.administrative_fees == Decimal("3.1416")
    assert str(figures.administrative_fees) == "3.1416"
    assert figures.problems == "问题。" and figures.overview is None
    whole = parse_manual_figures(FIGURES_TOML.replace("12.5", "0"), "f.toml")
    assert str(whole.administrative_fees) == "0.00"


BAD_FIGURES = [
    (FIGURES_TOML + "permits = 3\n", "unknown key permits"),
    (FIGURES_TOML.replace("penalty = 35\n", ""), "missing penalty"),
    (
        FIGURES_TOML.replace("coercion = 2", "coercion = -1"),
        "coercion: 不能为负数 (must not be negative, got -1)",
    ),
    (
        FIGURES_TOML.replace("licensing = 128", 'licensing = "128"'),
        "licensing: 应填整数，如 12 ('128' is not",
    ),
    (
        FIGURES_TOML.replace("licensing = 128", "licensing = true"),
        "licensing: 应填整数，如 12 (True is not",
    ),
    (
        FIGURES_TOML.replace("licensing = 128", "licensing = 1.5"),
        "licensing: 应填整数，如 12 (1.5 is",
    ),
    (FIGURES_TOML.replace("12.5", "1.23456"), "administrative_fees: 最多保留 4 位小数"),
    (FIGURES_TOML.replace("12.5", "-2"), "administrative_fees: 不能为负数 (must be a non-negative"),
    (
        FIGURES_TOML.replace("12.5", '"12.5"'),
        "administrative_fees: 应填金额（万元），如 3.5 ('12.5' is not an amount",
    ),
    (FIGURES_TOML.replace("year = 2026", "year = 2026-01-01"), "year:"),
    (FIGURES_TOML + "[text]\nsummary = 'x'\n", "[text]: unknown key summary"),
    (FIGURES_TOML + "[text]\noverview = ' '\n", "[text] overview: empty"),
    (FIGURES_TOML + "[text]\noverview = 3\n", "[text] overview: a text in quotes"),
    (FIGURES_TOML + "text = 'x'\n", "[text] must be a table"),
    ("year = \n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FIGURES)
def test_a_bad_figures_file_names_the_file_and_key(text: str, message: str) -> None:
    with pytest.raises(ManualFiguresError) as refused:
        parse_manual_figures(text, "年报数据.toml")
    assert str(refused.value).startswith("年报数据.toml")
    assert message in str(refused.value)


# --- the figures file written from the desk's form -------------------------------

HOSTILE_TEXTS = [
    "第一段。\n第二段，含“引号”和'单引号'。",
    'a "quoted" word, """three""" and \'\'\'three\'\'\' quotes"',
    "C:\\path\\to\\file \\n is not a newline\\",
    "ends with a backslash \\\nand a tab\there",
    "\nstarts with a newline, ends with two\n\n",
    "a CR\rand CRLF\r\nand NUL\x00 and DEL\x7f and \x1b[31m",
    "全角：１２３，Emoji 🎉，\u2028 line separator",
    "[text]\noverview = 'not a key'\n# not a comment",
]


@pytest.mark.parametrize(
    "figures",
    [
        ManualFigures(2026, 0, 0, 0, Decimal("0.00")),
        ManualFigures(2026, 128, 35, 2, Decimal("12.50")),
        ManualFigures(2027, 1, 2, 3, Decimal("3.1416"), overview="一段。"),
        *(
            ManualFigures(2026, 7, 8, 9, Decimal("100.00"), text, text[::-1], text + "。")
            for text in HOSTILE_TEXTS
        ),
    ],
)
def test_the_figures_file_written_reads_back_as_the_same_figures(figures: ManualFigures) -> None:
    text = render_manual_figures(figures)
    again = parse_manual_figures(text, "report.toml")
    assert again == figures
    assert str(again.administrative_fees) == str(figures.administrative_fees)  # places kept
    assert render_manual_figures(again) == text


@pytest.mark.parametrize("seed", range(20))
def test_random_texts_survive_the_figures_file(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = "\"'\\\n\r\t\x00\x01\x1f\x7f #=[]{}中文，。“”" + "abc"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) + "字" for _ in "123"]
    figures = ManualFigures(2026, rng.randint(0, 10**6), 0, 1, Decimal("0.0001"), *texts)
    assert parse_manual_figures(render_manual_figures(figures), "r.toml") == figures


def test_the_figures_file_names_each_figures_place_in_table_two() -> None:
    text = render_manual_figures(ManualFigures(2026, 17, 5, 0, Decimal("3.50")))
    assert "[text]" not in text  # no text of the clerk's: every section keeps its draft
    for figure in PROACTIVE_FIGURES:
        assert f"# 表二 {figure.item} {figure.label}：{figure.heading}" in text
    assert "licensing = 17\n" in text and "administrative_fees = 3.50\n" in text


TYPED = {
    "licensing": "17",
    "penalty": " ５ ",  # full-width, as a Chinese input method types it
    "coercion": "0",
    "administrative_fees": "3.5",
    "overview": "第一段。\r\n\r\n第二段。\r\n",
    "problems": "  \r\n ",
    "csrf_token": "ignored",
}


def test_the_form_gives_the_figures_and_keeps_the_drafts_of_empty_texts() -> None:
    figures = figures_from_form(2026, TYPED)
    assert figures == ManualFigures(2026, 17, 5, 0, Decimal("3.50"), "第一段。\n\n第二段。")
    assert str(figures.administrative_fees) == "3.50"
    assert (figures.problems, figures.other_matters) == (None, None)
    assert figures_from_form(2026, figures_form_values(figures)) == figures
    assert figures_form_values(None) == dict.fromkeys(
        ["licensing", "penalty", "coercion", "administrative_fees", *TEXTS], ""
    )


TEXTS = ("overview", "problems", "other_matters")
BAD_TYPED = [
    ({"licensing": ""}, "licensing", "必填：没有的请填 0"),
    ({"penalty": "-3"}, "penalty", "不能为负数"),
    ({"coercion": "1.5"}, "coercion", "应填整数"),
    ({"coercion": "三"}, "coercion", "应填数字"),
    ({"licensing": "12件"}, "licensing", "应填数字"),
    ({"administrative_fees": "1.23456"}, "administrative_fees", "最多保留 4 位小数"),
    ({"administrative_fees": "-0.5"}, "administrative_fees", "不能为负数"),
    ({"administrative_fees": "3,5"}, "administrative_fees", "应填数字"),
    ({"administrative_fees": "nan"}, "administrative_fees", "应填数字"),
    ({"administrative_fees": "1e3"}, "administrative_fees", "应填数字"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_TYPED)
def test_bad_typed_figures_are_refused_beside_their_field(
    change: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(ManualFiguresError) as refused:
        figures_from_form(2026, {**TYPED, **change})
    assert list(refused.value.fields) == [field]
    assert refused.value.fields[field].startswith(message)


def test_every_bad_field_is_named_at_once_and_a_missing_one_is_never_zero() -> None:
    with pytest.raises(ManualFiguresError) as refused:
        figures_from_form(2026, {"licensing": "-1", "coercion": "x"})
    assert set(refused.value.fields) == {"licensing", "penalty", "coercion", "administrative_fees"}
    assert refused.value.fields["penalty"] == "必填：没有的请填 0 (required: write 0 for none)"
    assert "行政许可：不能为负数" in str(refused.value) and "行政强制：应填数字" in str(
        refused.value
    )


def test_a_negative_zero_fee_is_zero() -> None:
    figures = figures_from_form(2026, {**TYPED, "administrative_fees": "-0.00"})
    assert str(figures.administrative_fees) == "0.00"


# --- exports -----------------------------------------------------------------------


def test_csv_export_has_every_figure_with_codes_and_labels(report: AnnualReport) -> None:
    stream = io.StringIO()
    write_csv(report, stream)
    stream.seek(0)
    rows = list(csv.DictReader(stream))
    assert tuple(rows[0]) == CSV_FIELDS
    assert len(rows) == 2 * 3 + len(PROACTIVE_FIGURES) + len(REQUEST_ROWS) * 7 + 3 * 5 + 3
    cell = {(r["table"], r["row"], r["column"]): r for r in rows}
    granted = cell[("3", "granted", "natural_person")]
    assert (granted["value"], granted["row_label"], granted["column_label"]) == (
        "3",
        "（一）予以公开",
        "自然人",
    )
    secret = cell[("3", "withheld.state_secret", "total")]
    assert secret["row_label"] == "（三）不予公开 1．属于国家秘密"
    assert cell[("3", "carried_out", "total")]["value"] == "3"
    assert cell[("4", "reconsideration", "pending")]["value"] == "1"
    assert cell[("2", "administrative_fees", "value")]["value"] == "12.50"
    assert cell[("2", "normative", "in_force")]["value"] == "3"
    assert cell[("6", "information_fees", "collected")]["value"] == "800"
    assert {r["agency"] for r in rows} == {"某区民政局"} and {r["year"] for r in rows} == {"2026"}


def test_the_csv_handed_out_carries_a_bom_for_excel(report: AnnualReport) -> None:
    data = csv_bytes(report)
    assert data.startswith(b"\xef\xbb\xbfagency,year,table,")
    stream = io.StringIO()
    write_csv(report, stream)
    assert data.decode("utf-8-sig") == stream.getvalue()
    assert "（一）予以公开" in data.decode("utf-8-sig")


def test_json_export(report: AnnualReport) -> None:
    data = json.loads(json.dumps(report_to_dict(report), ensure_ascii=False))
    assert (data["year"], data["agency"]) == (2026, "某区民政局")
    rows = data["requests"]["rows"]
    assert [r["code"] for r in rows] == [row.code for row in REQUEST_ROWS]
    by_code = {r["code"]: r for r in rows}
    for code, expected in EXPECTED_T3.items():
        assert {k: v for k, v in by_code[code]["cells"].items() if v} == expected
    assert by_code["withheld.process_info"]["group_label"] == "（三）不予公开"
    appeals = {r["code"]: r["cells"] for r in data["appeals"]["rows"]}
    assert appeals == {kind.value: EXPECTED_T4[kind] for kind in AppealKind}
    figures = {f["code"]: f["value"] for f in data["proactive"]["figures"]}
    assert figures == {
        "licensing": 128,
        "penalty": 35,
        "coercion": 2,
        "administrative_fees": "12.50",
    }
    assert data["fees"]["notice_amount"] == 1700
    assert data["narratives"]["overview"]["drafted"] is True


# --- the rendered .docx ----------------------------------------------------------------


def distinct_report() -> AnnualReport:
    """A report whose every number cell of tables 二、三、四 differs from every other.

    A docxtpl tag put in the wrong cell then shows as a wrong number: with the
    hand-counted register most cells are 0 and a swap of two zeros passes.
    Outcome row i, applicant column j holds 7i + j + 1 requests (never a multiple
    of 7); 上年结转 are multiples of 14 and 结转下年度 start at 200, so neither
    meets a cell or a total.
    """
    requests = []
    carried_in = (14, 28, 56, 70, 98, 112)
    for i, outcome in enumerate(Outcome):
        for j, kind in enumerate(ApplicantKind):
            for n in range(7 * i + j + 1):
                from_last_year = outcome is Outcome.OTHER and n < carried_in[j]
                received = D(2025, 12, 1) if from_last_year else D(2026, 3, 1)
                number = f"{outcome}-{kind}-{n}"
                requests.append(req(number, kind, received, D(2026, 6, 1), outcome))
    for j, kind in enumerate(ApplicantKind):
        requests += [req(f"open-{kind}-{n}", kind, D(2026, 12, 1)) for n in range(200 + 20 * j)]
    appeals = [
        AppealRecord("x", kind, D(2026, 2, 1), result, None if result is None else D(2026, 9, 1))
        for kind, counts in zip(
            AppealKind, ((1, 2, 3, 4), (5, 6, 7, 8), (9, 11, 12, 13)), strict=True
        )
        for result, count in zip((*AppealResult, None), counts, strict=True)
        for _ in range(count)
    ]
    documents = [
        RuleDocument(f"{kind}-{what}-{n}", kind, issued, repealed)
        for kind, (made, repealed_count, older) in zip(
            RuleKind, ((1, 2, 2), (4, 5, 2)), strict=True
        )
        for what, count, issued, repealed in (
            ("made", made, D(2026, 2, 1), None),
            ("repealed", repealed_count, D(2020, 1, 1), D(2026, 5, 1)),
            ("older", older, D(2021, 1, 1), None),
        )
        for n in range(count)
    ]
    figures = manual(licensing=7, penalty=8, coercion=9, administrative_fees=Decimal("10.5000"))
    built = build_report(YEAR, requests, appeals, [], documents, figures, agency="某区民政局")
    three = [v for row in built.requests.cells.values() for v in row.values()]
    four = [v for row in built.appeals.cells.values() for v in row.values()]
    assert len(set(three)) == len(three) and len(set(four)) == len(four)
    return built


@pytest.fixture(scope="module")
def distinct() -> AnnualReport:
    return distinct_report()


def _build_template(path: Path) -> Path:
    script = runpy.run_path(str(REPO / "templates" / "build_report.py"), run_name="build_report")
    return script["build"](path)


@pytest.fixture(scope="module", params=["shipped", "rebuilt"])
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped template, and the one build_report.py writes now: both must be right."""
    if request.param == "shipped":
        return TEMPLATE
    return _build_template(tmp_path_factory.mktemp("template") / "annual.docx")


@pytest.fixture(scope="module")
def rendered(
    template: Path, distinct: AnnualReport, tmp_path_factory: pytest.TempPathFactory
) -> docx.document.Document:
    output = tmp_path_factory.mktemp("rendered") / "report.docx"
    return docx.Document(str(render_report(distinct, template, output)))


def _texts(table: Table) -> list[list[str]]:
    """Each row's text by grid column; a merged cell repeats in every column it spans."""
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_every_number_cell_of_table_three_in_the_docx(
    rendered: docx.document.Document, distinct: AnnualReport
) -> None:
    texts = _texts(rendered.tables[1])
    assert len(texts) == 3 + len(REQUEST_ROWS) and len(texts[0]) == 3 + 7
    for r, row in enumerate(REQUEST_ROWS, start=3):
        for c, column in enumerate(REQUEST_COLUMNS, start=3):
            expected = distinct.requests.cell(row.code, column.code)
            assert texts[r][c] == str(expected), (row.code, column.code)
        assert texts[r][2] == row.label  # the row's own label, in the last label column


def test_the_hand_counted_report_in_the_docx(report: AnnualReport, tmp_path: Path) -> None:
    document = docx.Document(str(render_report(report, TEMPLATE, tmp_path / "report.docx")))
    three, four = _texts(document.tables[1]), _texts(document.tables[2])
    for r, row in enumerate(REQUEST_ROWS, start=3):
        for c, column in enumerate(REQUEST_COLUMNS, start=3):
            expected = EXPECTED_T3.get(row.code, {}).get(column.code, 0)
            assert three[r][c] == str(expected), (row.code, column.code)
    for g, kind in enumerate(AppealKind):
        for c, column in enumerate(APPEAL_COLUMNS):
            assert four[3][5 * g + c] == str(EXPECTED_T4[kind][column.code])


def test_every_number_cell_of_table_four_in_the_docx(
    rendered: docx.document.Document, distinct: AnnualReport
) -> None:
    texts = _texts(rendered.tables[2])
    assert len(texts) == 4 and len(texts[0]) == 15
    for g, kind in enumerate(AppealKind):
        for c, column in enumerate(APPEAL_COLUMNS):
            assert texts[2][5 * g + c] == column.label
            assert texts[3][5 * g + c] == str(distinct.appeals.cell(kind, column.code))
    assert texts[3][0] == "1" and texts[3][14] == "45"


def test_table_two_in_the_docx(rendered: docx.document.Document) -> None:
    texts = _texts(rendered.tables[0])
    assert texts[0] == ["第二十条第（一）项"] * 4
    assert texts[1] == ["信息内容", *(c.label for c in RULE_COLUMNS)]
    assert texts[2] == ["规章", "1", "2", "3"]
    assert texts[3] == ["行政规范性文件", "4", "5", "6"]
    assert texts[4] == ["第二十条第（五）项"] * 4
    assert texts[5] == ["信息内容", "本年处理决定数量", "本年处理决定数量", "本年处理决定数量"]
    assert texts[6] == ["行政许可", "7", "7", "7"]
    assert texts[7] == ["第二十条第（六）项"] * 4
    assert texts[9] == ["行政处罚", "8", "8", "8"]
    assert texts[10] == ["行政强制", "9", "9", "9"]
    assert texts[11] == ["第二十条第（八）项"] * 4
    assert texts[12][1] == "本年收费金额（单位：万元）"
    assert texts[13] == ["行政事业性收费", "10.5000", "10.5000", "10.5000"]
    assert len(texts) == 14


def test_the_header_cells_are_merged_as_in_the_format(rendered: docx.document.Document) -> None:
    three, four = rendered.tables[1], rendered.tables[2]

    def same(table: Table, a: tuple[int, int], b: tuple[int, int]) -> bool:
        return table.cell(*a)._tc is table.cell(*b)._tc

    assert three.cell(0, 0).text == CORNER_NOTE and same(three, (0, 0), (2, 2))
    assert three.cell(0, 3).text == "申请人情况" and same(three, (0, 3), (0, 9))
    assert three.cell(1, 4).text == "法人或其他组织" and same(three, (1, 4), (1, 8))
    assert not same(three, (1, 4), (2, 4)) and three.cell(2, 4).text == "商业企业"
    assert three.cell(1, 3).text == "自然人" and same(three, (1, 3), (2, 3))
    assert three.cell(1, 9).text == "总计" and same(three, (1, 9), (2, 9))
    assert three.cell(5, 0).text == "三、本年度办理结果" and same(three, (5, 0), (26, 0))
    assert same(three, (3, 0), (3, 2)) and same(three, (27, 0), (27, 2))
    assert three.cell(7, 1).text == "（三）不予公开" and same(three, (7, 1), (14, 1))
    assert three.cell(15, 1).text == "（四）无法提供" and same(three, (15, 1), (17, 1))
    assert three.cell(23, 1).text == "（六）其他处理" and same(three, (23, 1), (25, 1))
    assert same(three, (5, 1), (5, 2)) and same(three, (26, 1), (26, 2))
    assert not same(three, (7, 1), (15, 1)) and not same(three, (7, 2), (8, 2))

    assert four.cell(0, 0).text == "行政复议" and same(four, (0, 0), (1, 4))
    assert four.cell(0, 5).text == "行政诉讼" and same(four, (0, 5), (0, 14))
    assert four.cell(1, 5).text == "未经复议直接起诉" and same(four, (1, 5), (1, 9))
    assert four.cell(1, 10).text == "复议后起诉" and same(four, (1, 10), (1, 14))
    assert not same(four, (1, 9), (1, 10)) and not same(four, (2, 0), (2, 1))


def test_the_docx_text(rendered: docx.document.Document, distinct: AnnualReport) -> None:
    paragraphs = [p.text for p in rendered.paragraphs]
    assert paragraphs[0] == "某区民政局2026年政府信息公开工作年度报告"
    assert "本报告所列数据的统计期限自2026年1月1日起至2026年12月31日止。" in paragraphs
    drafts = [*distinct.overview.paragraphs, *distinct.problems.paragraphs]
    drafts += distinct.other_matters.paragraphs
    assert len(drafts) == 7 and all(draft in paragraphs for draft in drafts)
    assert any("发出收费通知0件，总金额0元；实际收取信息处理费0元" in p for p in paragraphs)
    headings = [p.text for p in rendered.paragraphs if p.style.name == "Report Heading"]
    assert headings == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    everything = "\n".join(paragraphs) + "".join(
        cell.text for table in rendered.tables for row in table.rows for cell in row.cells
    )
    assert "{{" not in everything and "{%" not in everything


def test_the_page_is_gb_t_9704(rendered: docx.document.Document) -> None:
    section = rendered.sections[0]
    mm = [
        round(x.mm)
        for x in (
            section.page_width,
            section.page_height,
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ]
    assert mm == [210, 297, 37, 35, 28, 26]


def test_clerk_text_is_escaped_in_the_docx(tmp_path: Path) -> None:
    figures = manual(overview="甲 & 乙 <丙>")
    built = report_for(figures=figures)
    document = docx.Document(str(render_report(built, TEMPLATE, tmp_path / "r.docx")))
    assert "甲 & 乙 <丙>" in [p.text for p in document.paragraphs]


def _grid(table: FilledTable, columns: int) -> list[list[str]]:
    """A laid-out table's text by grid row and column, a merged cell in every place it covers."""
    grid: list[list[str | None]] = [[None] * columns for _ in table.rows]
    for top, row in enumerate(table.rows):
        for cell in row:
            left = grid[top].index(None)  # the first place no cell above reaches down to
            for down in range(cell.rowspan):
                for across in range(cell.colspan):
                    assert grid[top + down][left + across] is None, "two cells in one place"
                    grid[top + down][left + across] = cell.text
    assert all(None not in row for row in grid), "a place no cell covers"
    return grid  # type: ignore[return-value]


def test_the_tables_laid_out_for_a_page_are_the_documents(
    rendered: docx.document.Document, distinct: AnnualReport
) -> None:
    """Tables 二、三、四 of report_tables, cell by cell and merge by merge, as in the .docx."""
    laid_out = report_tables(distinct)
    assert [table.section for table in laid_out] == [SECTIONS[i] for i in (1, 2, 3, 5)]
    assert len(rendered.tables) == 3  # the fees of 六 are a sentence in the document
    for table, layout, in_docx in zip(laid_out, LAYOUTS, rendered.tables, strict=False):
        assert _grid(table, layout.columns) == _texts(in_docx)
    fees = _grid(laid_out[3], 3)
    assert fees == [[column.label for column in FEE_COLUMNS], ["0", "0", "0"]]
    figures = [cell for table in laid_out for row in table.rows for cell in row if cell.figure]
    rules = len(RuleKind) * len(RULE_COLUMNS) + len(PROACTIVE_FIGURES)
    three = len(REQUEST_ROWS) * len(REQUEST_COLUMNS)
    assert len(figures) == rules + three + len(AppealKind) * len(APPEAL_COLUMNS) + 3
    assert {cell.kind for table in laid_out for row in table.rows for cell in row} == {
        "heading",
        "label",
        "figure",
    }


def test_the_docx_aligns_each_cell_as_its_layout_says(rendered: docx.document.Document) -> None:
    """The layout the page draws is the document's: row labels left, the rest centred."""
    for layout, in_docx in zip(LAYOUTS, rendered.tables, strict=False):
        grid = [row.cells for row in in_docx.rows]
        for place in layout.places:
            style = grid[place.top][place.left].paragraphs[0].style
            assert style is not None
            expected = "Report Table Label" if place.label else "Report Table"
            assert style.name == expected, (layout.section, place)
    labels = {place.text for layout in LAYOUTS for place in layout.places if place.label}
    assert REQUEST_ROWS[0].label in labels and "（三）不予公开" in labels  # 表三's: left
    assert not labels & {kind.label for kind in RuleKind}  # 表二's centred, as the format has


def test_report_tables_refuses_a_report_that_does_not_add_up(report: AnnualReport) -> None:
    cells, numbers = _copies(report)
    cells["granted"]["total"] += 1
    with pytest.raises(ReportInconsistent):
        report_tables(_tampered(report, cells, numbers))
