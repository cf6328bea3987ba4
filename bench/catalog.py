"""Benchmark the 政府信息公开目录 export (100,000 published documents, as CSV and as XLSX)
and the 考核 compliance report (a year of 10,000 documents and 10,000 requests).

    .venv/bin/python bench/catalog.py                   # both, at the issue's sizes
    .venv/bin/python bench/catalog.py --count 20000 --seed 7 --only catalog
    .venv/bin/python bench/catalog.py --year-count 5000 --only compliance

The catalog: an SQLite register in a temporary data root is filled in bulk (as
bench/report.py does): documents decided 主动公开 over 2024–2026 with their
索引号, one publication each in the portal and a quarter of them again in the
公报, a 主题分类 on most, and a validity history (5 % amended, 3 % repealed).
Each export is timed from the register to the file on disk
(engine.publication_store: the queries, 有效性, the file written atomically). The
target is under 5 seconds for each format.

The compliance report: another register holds the year 2026's documents, each
signed by the three levels (a tenth overridden at the approver) — 70 % 主动公开,
most published within 20 working days, some late, some never, 8 % of the
published repealed or amended later, a catalog export each month but December — and its
requests with their 登记, 作出答复 and, for some, 延期 and 补正 events. The report
of 2026 is timed from the register to the report object
(engine.compliance_store.compliance_report) and on to the .docx bytes. The
target is under 2 seconds. On the same register the 公开 page's clock is timed, as
it stands and as if nothing had been recorded as published (an archive of old
documents before the clerk has recorded their publications).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.archive import Archive  # noqa: E402
from engine.codes import Attribute, Reason  # noqa: E402
from engine.compliance import ALL, parse_period, report_docx  # noqa: E402
from engine.compliance_store import compliance_report  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.publication import ChangeKind, Channel, IndexPattern  # noqa: E402
from engine.publication_store import EXPORT_ACTION, CatalogFormat, PublicationDesk  # noqa: E402
from engine.register.models import (  # noqa: E402
    AuditEvent,
    Document,
    IndexNumber,
    Publication,
    Request,
    RequestEvent,
    SignOff,
    ValidityChange,
)
from engine.requests import Step  # noqa: E402
from engine.review import ALL_LEVELS, Action, Level  # noqa: E402

TARGET_SECONDS = 5.0
COMPLIANCE_TARGET_SECONDS = 2.0
CLOCK_TARGET_MS = 100  # the 公开 page, as the other pages of bench/web.py
CLOCK_RUNS = 6
YEAR = 2026
FIRST_DAY = date(2024, 1, 1)
DAYS = (date(2026, 10, 31) - FIRST_DAY).days
PATTERN = IndexPattern("{org_code}/{year}-{seq:05d}")
ORG_CODE = "000014349"
ISSUERS = (
    "某某县人民政府",
    "某某县人民政府办公室",
    "某某县财政局",
    "某某县交通运输局",
    "某某县教育局",
)
TOPICS = ("交通运输", "财政", "教育", "社会保障", "城乡建设", "")


def fill_register(archive: Archive, count: int, rng: random.Random) -> None:
    """``count`` published 主动公开 documents and their history, in a few bulk statements."""
    now = datetime.now(UTC)
    issued = sorted(FIRST_DAY + timedelta(days=rng.randrange(DAYS)) for _ in range(count))
    documents, numbers, publications, changes = [], [], [], []
    seqs: dict[int, int] = {}
    for index, day in enumerate(issued, start=1):
        published = day + timedelta(days=rng.randrange(1, 40))
        seq = seqs[published.year] = seqs.get(published.year, 0) + 1
        documents.append(
            {"id": index, "sha256": f"{index:064x}", "size": 0, "format": "docx",
             "original_path": f"originals/{index}", "status": "filed", "text": "",
             "doc_number": f"某政发〔{day.year}〕{index}号", "title": f"关于第{index}项工作的通知",
             "issuer": rng.choice(ISSUERS), "issue_date": day, "attribute": "proactive",
             "attribute_source": "decision", "review_status": "final", "ingested_at": now}
        )  # fmt: skip
        numbers.append(
            {"document_id": index, "number": PATTERN.format(ORG_CODE, published.year, seq),
             "year": published.year, "seq": seq, "assigned_on": published}
        )  # fmt: skip
        topic = rng.choice(TOPICS)
        publications.append(_publication(index, Channel.PORTAL, published, topic, now))
        if rng.random() < 0.25:
            later = published + timedelta(days=rng.randrange(1, 30))
            publications.append(_publication(index, Channel.GAZETTE, later, topic, now))
        if index > 1 and rng.random() < 0.08:
            kind = ChangeKind.AMENDED if rng.random() < 0.6 else ChangeKind.REPEALED
            changes.append(
                {"document_id": rng.randrange(1, index), "kind": kind.value,
                 "by_document_id": index, "effective_on": day, "recorded_at": now,
                 "recorded_by": "bench"}
            )  # fmt: skip
    with archive.sessions.begin() as session:
        session.execute(insert(Document), documents)
        session.execute(insert(IndexNumber), numbers)
        session.execute(insert(Publication), publications)
        session.execute(insert(ValidityChange), changes)


def fill_year(archive: Archive, count: int, rng: random.Random) -> None:
    """A year of ``count`` documents through review and publication, and ``count`` requests."""
    now = datetime.now(UTC)
    first = date(YEAR, 1, 1)
    documents, signoffs, numbers, publications, changes = [], [], [], [], []
    seq = 0
    for index in range(1, count + 1):
        issued = first + timedelta(days=rng.randrange(365))
        draw = rng.random()
        attribute, reason = (
            (Attribute.PROACTIVE, None)
            if draw < 0.7
            else (Attribute.ON_REQUEST, None)
            if draw < 0.9
            else (Attribute.WITHHELD, Reason.PROCESS_INFO)
        )
        documents.append(
            {"id": index, "sha256": f"{index:064x}", "size": 0, "format": "docx",
             "original_path": f"originals/{index}", "status": "filed", "text": "",
             "doc_number": f"某政发〔{YEAR}〕{index}号", "title": f"关于第{index}项工作的通知",
             "issuer": rng.choice(ISSUERS), "issue_date": issued, "attribute": attribute.value,
             "attribute_source": "decision", "review_status": "final", "ingested_at": now}
        )  # fmt: skip
        overridden = rng.random() < 0.1
        other = Attribute.PROACTIVE if attribute is Attribute.ON_REQUEST else Attribute.ON_REQUEST
        for offset, level in enumerate(Level, start=rng.randrange(4)):
            # A tenth drafted otherwise and overridden at the approver.
            drafted = overridden and level is not Level.APPROVER
            action = Action.OVERRIDE if overridden and level is Level.APPROVER else Action.CONFIRM
            signed = _morning(issued + timedelta(days=offset))
            signoffs.append(
                {"document_id": index, "at": signed, "by": "bench", "level": level.value,
                 "action": action.value,
                 "attribute": other.value if drafted else attribute.value,
                 "reason": None if drafted else reason and reason.value,
                 "note": "经审查" if action is Action.OVERRIDE else None}
            )  # fmt: skip
        if attribute is not Attribute.PROACTIVE or rng.random() < 0.05:
            continue  # not to be published, or never published
        published = issued + timedelta(days=rng.randrange(1, 35))  # some after 20 working days
        seq += 1
        numbers.append(
            {"document_id": index, "number": PATTERN.format(ORG_CODE, published.year, seq),
             "year": published.year, "seq": seq, "assigned_on": published}
        )  # fmt: skip
        publications.append(_publication(index, Channel.PORTAL, published, "", now))
        if rng.random() < 0.08:
            effective = published + timedelta(days=rng.randrange(1, 120))
            recorded = _morning(effective + timedelta(days=rng.randrange(5)))
            changes.append(
                {"document_id": index, "kind": rng.choice(list(ChangeKind)).value,
                 "by_document_id": rng.randrange(1, count + 1), "effective_on": effective,
                 "recorded_at": recorded, "recorded_by": "bench"}
            )  # fmt: skip
    exports = [
        {"at": _morning(date(YEAR, month, 25)), "actor": "bench", "action": EXPORT_ACTION,
         "subject": "xlsx", "detail": {"format": "xlsx", "year": None, "entries": 0}}
        for month in range(1, 12)
    ]  # fmt: skip
    requests, events = _requests(count, rng, now)
    with archive.sessions.begin() as session:
        for model, rows in (
            (Document, documents),
            (SignOff, signoffs),
            (IndexNumber, numbers),
            (Publication, publications),
            (ValidityChange, changes),
            (AuditEvent, exports),
            (Request, requests),
            (RequestEvent, events),
        ):
            session.execute(insert(model), rows)


def _morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)  # 10:00 in Beijing


def _requests(
    count: int, rng: random.Random, now: datetime
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """``count`` requests received in the year (and its last weeks before), their events."""
    requests, events = [], []

    def step(request_id: int, kind: Step, on: date, detail: dict[str, object]) -> None:
        events.append(
            {"request_id": request_id, "step": kind.value, "happened_on": on, "at": now,
             "by": "bench", "detail": detail}
        )  # fmt: skip

    for index in range(1, count + 1):
        received = date(YEAR, 1, 1) + timedelta(days=rng.randrange(-30, 365))
        step(index, Step.REGISTERED, received, {})
        draw = rng.random()
        if draw < 0.03:  # 补正: the clock restarts when the correction comes
            step(index, Step.CORRECTION_REQUESTED, received + timedelta(days=3), {})
            step(index, Step.CORRECTION_RECEIVED, received + timedelta(days=10), {})
        elif draw < 0.08:
            detail = {"working_days": 20, "approver": "李强"}
            step(index, Step.EXTENDED, received + timedelta(days=14), detail)
        # Most answered within the 20 working days, some late, 3 % still open.
        days = rng.randrange(28) if rng.random() < 0.9 else rng.randrange(28, 50)
        decided = received + timedelta(days=days) if rng.random() > 0.03 else None
        if decided is not None:
            step(index, Step.DECIDED, decided, {"outcome": "granted"})
        requests.append(
            {"id": index, "number": f"{received.year}-{index:05d}", "year": received.year,
             "seq": index, "applicant_name": f"申请人{index}", "applicant_kind": "natural_person",
             "channel": "online", "received": received, "content": "某项目的批复文件",
             "form": "any", "topic": "", "status": "decided" if decided else "open",
             "outcome": "granted" if decided else None, "decided_on": decided,
             "registered_at": now, "registered_by": "bench"}
        )  # fmt: skip
    return requests, events


def _publication(
    document_id: int, channel: Channel, day: date, topic: str, now: datetime
) -> dict[str, object]:
    return {"document_id": document_id, "channel": channel.value, "url": "", "published_on": day,
            "topic": topic, "recorded_at": now, "recorded_by": "bench"}  # fmt: skip


@contextmanager
def filled(
    home: Path, fill: Callable[[Archive, int, random.Random], None], count: int, seed: int
) -> Iterator[tuple[Archive, Path]]:
    """An SQLite register under ``home`` filled in bulk by ``fill``, the time it took said."""
    settings = Settings(home, f"sqlite:///{home / 'gongkai.db'}", home / "inbox")
    with Archive.open(settings) as archive:
        started = time.perf_counter()
        fill(archive, count, random.Random(seed))
        print(f"SQLite register filled (bulk inserts): {time.perf_counter() - started:.3f} s")
        yield archive, home


def time_catalog(folder: Path, count: int, seed: int) -> None:
    """The catalog of ``count`` documents, read and exported in each format."""
    print(f"register: {count:,} documents, seed {seed}")
    with filled(folder / "archive", fill_register, count, seed) as (archive, home):
        desk = PublicationDesk.open(archive.sessions, home, ALL_LEVELS)
        begun = time.perf_counter()
        entries = desk.catalog()
        read = time.perf_counter()
        counts = {v: sum(e.validity is v for e in entries) for v in {e.validity for e in entries}}
        summary = ", ".join(f"{v.label} {n:,}" for v, n in sorted(counts.items()))
        print(f"catalog read alone ({len(entries):,} entries; {summary}): {read - begun:.3f} s")
        for fmt in CatalogFormat:
            path = folder / f"catalog.{fmt.value}"
            begun = time.perf_counter()
            written = desk.export_catalog(path, fmt, by="bench")
            took = time.perf_counter() - begun
            print(
                f"register to {fmt.value.upper():4} ({written:,} entries, "
                f"{path.stat().st_size / 1024 / 1024:.1f} MB): {took:.3f} s "
                f"({_verdict(took, TARGET_SECONDS)})"
            )


def time_compliance(folder: Path, count: int, seed: int) -> None:
    """The report of the year: ``count`` documents and ``count`` requests."""
    print(f"register: {count:,} documents and {count:,} requests of {YEAR}, seed {seed}")
    with filled(folder / "compliance", fill_year, count, seed) as (archive, home):
        begun = time.perf_counter()
        report = compliance_report(
            archive.sessions, home, parse_period(str(YEAR)), ALL_LEVELS, date(YEAR + 1, 1, 20)
        )
        built = time.perf_counter()
        data = report_docx(report)
        rendered = time.perf_counter()
        time_clock(archive, home)
    for section in report.sections:
        totals = ", ".join(f"{f.label} {f.count:,}" for f in section.figures if f.group == ALL)
        print(f"  {section.title}: {totals}")
    print(f"register to report:             {built - begun:.3f} s")
    print(f"report to .docx ({len(data) / 1024:.0f} KB):       {rendered - built:.3f} s")
    took = rendered - begun
    print(
        f"register to .docx:              {took:.3f} s "
        f"({_verdict(took, COMPLIANCE_TARGET_SECONDS)})"
    )


def time_clock(archive: Archive, home: Path) -> None:
    """The 公开 page's work (the clock of every unpublished 主动公开 document, with a desk
    opened as each page opens one): as the year's register stands, then as if nothing had
    been recorded as published. The first run of each is cold (statements compiled)."""
    for case in ("as filled", "nothing published"):
        if case == "nothing published":
            with archive.sessions.begin() as session:
                session.execute(delete(Publication))
        times = []
        for _ in range(CLOCK_RUNS):
            begun = time.perf_counter()
            desk = PublicationDesk.open(archive.sessions, home, ALL_LEVELS)
            desk.today = lambda: date(YEAR, 12, 20)
            views = desk.clock()
            times.append((time.perf_counter() - begun) * 1000)
        late = sum(view["status"] == "overdue" for view in views)
        warm = statistics.median(times[1:])
        verdict = "within" if warm < CLOCK_TARGET_MS else "OVER"
        print(
            f"publication clock, {case} ({len(views):,} unpublished, {late:,} late): "
            f"median {warm:.0f} ms, first {times[0]:.0f} ms "
            f"({verdict} the {CLOCK_TARGET_MS} ms page target)"
        )


def _verdict(took: float, target: float) -> str:
    return f"{'within' if took < target else 'OVER'} the {target:.0f} s target"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="catalog documents to draw")
    parser.add_argument(
        "--year-count", type=int, default=10_000, help="the report's documents and requests"
    )
    parser.add_argument("--seed", type=int, default=20260326)
    parser.add_argument("--only", choices=("catalog", "compliance"), help="time one of the two")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        if args.only != "compliance":
            time_catalog(Path(folder), args.count, args.seed)
        if args.only != "catalog":
            time_compliance(Path(folder), args.year_count, args.seed)


if __name__ == "__main__":
    main()
