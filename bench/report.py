"""Benchmark the annual report: 10,000 requests over three years, the middle year rendered.

    .venv/bin/python bench/report.py                    # 10,000 requests, 2025–2027, report 2026
    .venv/bin/python bench/report.py --count 50000 --seed 7
    .venv/bin/python bench/report.py --memory-only      # skip the register

The register is drawn with a fixed seed: applicant kinds and outcomes weighted
as a desk sees them (most requests from natural persons, most answered 予以公开
or 无法提供), receipt spread over the three years, replies 0–60 days later, 3 %
still open; plus 行政复议/行政诉讼 cases, fee notices and rule documents. The
time is from the records in memory to the .docx on disk: build_report (with the
record checks), the consistency check, rendering; the JSON and CSV exports are
timed beside it. The target is under 2 seconds.

Then the same records go into an SQLite register in a temporary data root (bulk
inserts: the requests, a 登记 and a 作出答复 step for each decided one, the fee
steps, the appeals and the rule documents), and the time is from the register
to the kept .docx: engine.report_store's records_for (timed alone too),
build_report and write_report. Table 三 must come out as in memory; 按时答复 is
computed from the clock there, so the drafts may differ. Target: under 2 seconds.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.archive import Archive  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.deadlines import load_calendar  # noqa: E402
from engine.outcomes import ApplicantKind, Outcome  # noqa: E402
from engine.register.models import Appeal, Document, Request, RequestEvent  # noqa: E402
from engine.report import (  # noqa: E402
    AnnualReport,
    AppealKind,
    AppealRecord,
    AppealResult,
    FeeRecord,
    ManualFigures,
    RequestRecord,
    RuleDocument,
    RuleKind,
    build_report,
    check_report,
    render_report,
    report_to_dict,
    write_csv,
)
from engine.report_store import annual_report, figures_path, records_for, write_report  # noqa: E402
from engine.requests import Step  # noqa: E402

TEMPLATE = REPO / "templates" / "report" / "annual.docx"
FIRST_DAY = date(2025, 1, 1)
DAYS = (date(2027, 12, 31) - FIRST_DAY).days + 1
YEAR = 2026  # the middle year: requests carried in from 2025 and out to 2027
TARGET_SECONDS = 2.0
AGENCY = "某区政府"
MANUAL = ManualFigures(YEAR, 128, 35, 2, Decimal("12.50"))
OFFICE = (
    f'agency = "{AGENCY}"\nletter_code = "某政信公开"\n'
    'reconsideration_body = "某市人民政府"\ncourt = "某区人民法院"\n'
)
FIGURES = (
    f"year = {YEAR}\nlicensing = {MANUAL.licensing}\npenalty = {MANUAL.penalty}\n"
    f"coercion = {MANUAL.coercion}\nadministrative_fees = {MANUAL.administrative_fees}\n"
)
TOPICS = ("征地补偿", "房屋征收", "规划许可", "行政处罚", "财政预算", "环境监测", "")

KIND_WEIGHTS = {
    ApplicantKind.NATURAL_PERSON: 80,
    ApplicantKind.COMMERCIAL: 10,
    ApplicantKind.RESEARCH: 1,
    ApplicantKind.PUBLIC_INTEREST: 1,
    ApplicantKind.LEGAL_SERVICE: 5,
    ApplicantKind.OTHER_ORG: 3,
}
OUTCOME_WEIGHTS = {outcome: 2 for outcome in Outcome} | {
    Outcome.GRANTED: 40,
    Outcome.PARTLY_GRANTED: 10,
    Outcome.NOT_HELD: 20,
    Outcome.PETITION_OR_COMPLAINT: 5,
}


def register(
    count: int, rng: random.Random
) -> tuple[list[RequestRecord], list[AppealRecord], list[FeeRecord], list[RuleDocument]]:
    """``count`` requests, and the appeals, fee notices and rule documents around them."""
    kinds, kind_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    outcomes, outcome_weights = list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values())
    requests, appeals, fees = [], [], []
    for index in range(count):
        received = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        number = f"{received.year}-{index:05d}"
        kind = rng.choices(kinds, kind_weights)[0]
        topic = rng.choice(TOPICS)
        decided = received + timedelta(days=rng.randrange(61))
        if rng.random() < 0.03:
            requests.append(RequestRecord(number, kind, received, topic=topic))
            continue
        outcome = rng.choices(outcomes, outcome_weights)[0]
        on_time = rng.random() < 0.96
        requests.append(RequestRecord(number, kind, received, decided, outcome, topic, on_time))
        if rng.random() < 0.02:
            filed = decided + timedelta(days=rng.randrange(1, 60))
            closed = filed + timedelta(days=rng.randrange(30, 180))
            appeals.append(
                AppealRecord(
                    number,
                    rng.choice(list(AppealKind)),
                    filed,
                    rng.choice(list(AppealResult)),
                    closed,
                )
            )
        if rng.random() < 0.01:
            sent = received + timedelta(days=rng.randrange(1, 15))
            amount = rng.choice((100, 300, 700, 2000))
            paid = rng.random() < 0.6
            fees.append(
                FeeRecord(
                    number,
                    sent,
                    amount,
                    sent + timedelta(days=10) if paid else None,
                    amount if paid else 0,
                )
            )
    documents = [
        RuleDocument(
            f"规范性文件{index}",
            RuleKind.REGULATION if index % 10 == 0 else RuleKind.NORMATIVE,
            date(2015, 1, 1) + timedelta(days=rng.randrange(4000)),
            None if rng.random() < 0.8 else date(2027, 12, 31) - timedelta(days=rng.randrange(900)),
        )
        for index in range(300)
    ]
    # A repeal drawn before its issue would be bad data: the report would refuse it.
    documents = [doc for doc in documents if doc.repealed is None or doc.repealed >= doc.issued]
    return requests, appeals, fees, documents


def fill_register(
    archive: Archive,
    requests: list[RequestRecord],
    appeals: list[AppealRecord],
    fees: list[FeeRecord],
    documents: list[RuleDocument],
) -> None:
    """The drawn records as register rows, in bulk: a few statements whatever the count."""
    now = datetime.now(UTC)
    ids = {record.number: index for index, record in enumerate(requests, start=1)}
    events: list[dict[str, object]] = []

    def step(number: str, kind: Step, on: date, detail: dict[str, object]) -> None:
        events.append(
            {"request_id": ids[number], "step": kind.value, "happened_on": on, "at": now,
             "by": "bench", "detail": detail}
        )  # fmt: skip

    for record in requests:
        step(record.number, Step.REGISTERED, record.received, {})
    # Fee steps after 登记 and before 作出答复 in each request's events, as the desk writes them.
    for fee in fees:
        step(fee.request_number, Step.FEE_NOTICE_SENT, fee.notice_sent, {"amount_due": fee.amount})
        if fee.paid_on is not None:
            step(fee.request_number, Step.FEE_PAID, fee.paid_on, {"amount": fee.paid_amount})
    for record in requests:
        if record.outcome is not None and record.decided_on is not None:
            step(record.number, Step.DECIDED, record.decided_on, {"outcome": record.outcome.value})
    with archive.sessions.begin() as session:
        session.execute(
            insert(Request),
            [
                {"id": ids[r.number], "number": r.number, "year": r.received.year,
                 "seq": ids[r.number], "applicant_name": f"申请人{ids[r.number]}",
                 "applicant_kind": r.applicant_kind.value, "channel": "online",
                 "received": r.received, "content": "某项目的批复文件", "form": "any",
                 "topic": r.topic, "status": "decided" if r.outcome else "open",
                 "outcome": r.outcome.value if r.outcome else None, "decided_on": r.decided_on,
                 "registered_at": now, "registered_by": "bench"}
                for r in requests
            ],
        )  # fmt: skip
        session.execute(insert(RequestEvent), events)
        session.execute(
            insert(Appeal),
            [
                {"request_id": ids[a.request_number], "kind": a.kind.value, "filed": a.filed,
                 "result": a.result.value if a.result else None, "closed": a.closed}
                for a in appeals
            ],
        )  # fmt: skip
        session.execute(
            insert(Document),
            [
                {"sha256": f"{index:064x}", "size": 0, "format": "docx",
                 "original_path": f"originals/{index}", "status": "filed", "text": "",
                 "doc_number": doc.reference, "issue_date": doc.issued, "rule_kind": doc.kind.value,
                 "repealed_on": doc.repealed, "ingested_at": now}
                for index, doc in enumerate(documents)
            ],
        )  # fmt: skip


def time_register(
    records: tuple[list[RequestRecord], list[AppealRecord], list[FeeRecord], list[RuleDocument]],
    in_memory: AnnualReport,
) -> None:
    """From an SQLite register to the kept .docx; table 三 must match the in-memory report."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "archive"
        settings = Settings(home, f"sqlite:///{home / 'gongkai.db'}", home / "inbox")
        with Archive.open(settings) as archive:
            started = time.perf_counter()
            fill_register(archive, *records)
            filled = time.perf_counter()
            (home / "office.toml").write_text(OFFICE, encoding="utf-8")
            figures_path(home, YEAR).write_text(FIGURES, encoding="utf-8")
            with archive.sessions() as session:
                records_for(session, YEAR, load_calendar())
            read = time.perf_counter()
            report = annual_report(archive.sessions, home, YEAR)
            built = time.perf_counter()
            kept, digest = write_report(report, home, Path(folder) / "report.docx")
            written = time.perf_counter()
    same = _cells(report) == _cells(in_memory)
    total = written - read
    print(f"SQLite register filled (bulk inserts): {filled - started:.3f} s")
    print(f"records_for alone:                 {read - filled:.3f} s")
    print(f"annual_report (records + build):   {built - read:.3f} s")
    print(f"write_report ({kept.name}, {digest.size / 1024:.0f} KB): {written - built:.3f} s")
    print(
        f"register to .docx:                 {total:.3f} s "
        f"({'within' if total < TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS:.0f} s target); "
        f"table 三 {'as' if same else 'DIFFERENT FROM'} in memory; "
        f"on time {report.handling.on_time:,}, late {report.handling.late:,}"
    )


def _cells(report: AnnualReport) -> dict[str, dict[str, int]]:
    return {row: dict(cells) for row, cells in report.requests.cells.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="requests to draw")
    parser.add_argument("--seed", type=int, default=20260131)
    parser.add_argument("--memory-only", action="store_true", help="skip the register")
    args = parser.parse_args()

    records = register(args.count, random.Random(args.seed))
    requests, appeals, fees, documents = records
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.docx"
        started = time.perf_counter()
        report = build_report(YEAR, requests, appeals, fees, documents, MANUAL, agency=AGENCY)
        built = time.perf_counter()
        problems = check_report(report)
        checked = time.perf_counter()
        render_report(report, TEMPLATE, output)
        rendered = time.perf_counter()
        size = output.stat().st_size
    json.dumps(report_to_dict(report), ensure_ascii=False)
    write_csv(report, io.StringIO())
    exported = time.perf_counter()

    cells = report.requests.cells
    total = rendered - started
    print(
        f"register: {len(requests):,} requests {FIRST_DAY.year}–{FIRST_DAY.year + 2}, "
        f"{len(appeals)} appeals, {len(fees)} fee notices, {len(documents)} rule documents, "
        f"seed {args.seed}"
    )
    print(
        f"report {YEAR}: 新收 {cells['new']['total']:,}, "
        f"上年结转 {cells['carried_in']['total']:,}, "
        f"办结 {cells['total']['total']:,}, 结转下年度 {cells['carried_out']['total']:,}; "
        f"problems: {len(problems)}"
    )
    print(f"build_report (with record checks): {built - started:.3f} s")
    print(f"check_report:                      {checked - built:.3f} s")
    print(f"render .docx ({size / 1024:.0f} KB):             {rendered - checked:.3f} s")
    print(
        f"records to .docx:                  {total:.3f} s "
        f"({'within' if total < TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS:.0f} s target)"
    )
    print(f"JSON + CSV exports:                {exported - rendered:.3f} s")
    if not args.memory_only:
        time_register(records, report)


if __name__ == "__main__":
    main()
