"""Benchmark the 政府信息公开目录 export: 100,000 published documents, as CSV and as XLSX.

    .venv/bin/python bench/catalog.py                   # 100,000 documents
    .venv/bin/python bench/catalog.py --count 20000 --seed 7

An SQLite register in a temporary data root is filled in bulk (as bench/report.py
does): documents decided 主动公开 over 2024–2026 with their 索引号, one publication
each in the portal and a quarter of them again in the 公报, a 主题分类 on most, and
a validity history (5 % amended, 3 % repealed). Each export is timed from the
register to the file on disk (engine.publication_store: the queries, 有效性, the
file written atomically). The target is under 5 seconds for each format.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.archive import Archive  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.publication import ChangeKind, Channel, IndexPattern  # noqa: E402
from engine.publication_store import CatalogFormat, PublicationDesk  # noqa: E402
from engine.register.models import (  # noqa: E402
    Document,
    IndexNumber,
    Publication,
    ValidityChange,
)
from engine.review import ALL_LEVELS  # noqa: E402

TARGET_SECONDS = 5.0
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


def _publication(
    document_id: int, channel: Channel, day: date, topic: str, now: datetime
) -> dict[str, object]:
    return {"document_id": document_id, "channel": channel.value, "url": "", "published_on": day,
            "topic": topic, "recorded_at": now, "recorded_by": "bench"}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="documents to draw")
    parser.add_argument("--seed", type=int, default=20260326)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "archive"
        settings = Settings(home, f"sqlite:///{home / 'gongkai.db'}", home / "inbox")
        with Archive.open(settings) as archive:
            started = time.perf_counter()
            fill_register(archive, args.count, random.Random(args.seed))
            filled = time.perf_counter()
            print(f"register: {args.count:,} documents, seed {args.seed}")
            print(f"SQLite register filled (bulk inserts): {filled - started:.3f} s")
            desk = PublicationDesk.open(archive.sessions, home, ALL_LEVELS)
            begun = time.perf_counter()
            entries = desk.catalog()
            read = time.perf_counter()
            counts = {
                v: sum(e.validity is v for e in entries) for v in {e.validity for e in entries}
            }
            summary = ", ".join(f"{v.label} {n:,}" for v, n in sorted(counts.items()))
            print(f"catalog read alone ({len(entries):,} entries; {summary}): {read - begun:.3f} s")
            for fmt in CatalogFormat:
                path = Path(folder) / f"catalog.{fmt.value}"
                begun = time.perf_counter()
                written = desk.export_catalog(path, fmt)
                took = time.perf_counter() - begun
                verdict = "within" if took < TARGET_SECONDS else "OVER"
                print(
                    f"register to {fmt.value.upper():4} ({written:,} entries, "
                    f"{path.stat().st_size / 1024 / 1024:.1f} MB): {took:.3f} s "
                    f"({verdict} the {TARGET_SECONDS:.0f} s target)"
                )


if __name__ == "__main__":
    main()
