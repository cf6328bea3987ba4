"""Benchmark the search backends on synthetic archives built from the corpus.

    .venv/bin/python bench/search.py                       # 10,000 and 100,000 documents
    .venv/bin/python bench/search.py --sizes 10000 --backends tantivy,whoosh

Each archive is made of paragraphs of ../shared/corpus (or $GONGKAI_CORPUS),
drawn with a fixed seed, so a run is reproducible. For every backend and size
it prints indexing speed (documents and characters per second, from
``open_index`` to a finished ``commit``), the index size on disk, and the p50
and p95 latency of ``Index.search`` (snippets included) over a fixed query set:
common words, rare words, phrases, 发文字号 and filters. Whoosh, about thirty
times slower, runs only up to ``--whoosh-max`` documents.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.codes import Attribute, Reason  # noqa: E402
from engine.text import normalize_text  # noqa: E402
from indexer import Index, IndexDocument, SearchQuery, open_index  # noqa: E402
from indexer.analysis import index_terms  # noqa: E402

CORPUS = Path(os.environ.get("GONGKAI_CORPUS", REPO.parent / "shared" / "corpus"))
AGENCIES = ["乌海政办发", "保政办", "兴政发", "科右前旗政发", "二政办发", "察政发", "内政办发"]
ISSUERS = [
    "乌海市人民政府办公厅",
    "保定市人民政府办公厅",
    "科右前旗人民政府",
    "二连浩特市人民政府",
    "乌兰察布市人民政府",
    "内蒙古自治区人民政府办公厅",
    "某县财政局",
    "某县自然资源局",
]
KINDS = ["通知", "请示", "会议纪要", "实施方案", "报告", "批复", "意见", "决定"]
WITHHOLDING = list(Reason)[:7]  # document classification uses the first seven
FIRST_DAY = date(2005, 1, 1)
DAYS = (date(2024, 12, 31) - FIRST_DAY).days


def paragraphs(corpus: Path) -> list[str]:
    """Every paragraph of ten characters or more in the corpus's UTF-8 texts."""
    found = []
    for path in sorted(corpus.rglob("*.txt")):
        if "gb18030" in path.name:
            continue
        text = normalize_text(path.read_text(encoding="utf-8"))
        found += [line.strip() for line in text.splitlines() if len(line.strip()) >= 10]
    return found


def archive(size: int, pool: list[str], per_doc: tuple[int, int], seed: int) -> list[IndexDocument]:
    rng = random.Random(seed)
    serials: dict[tuple[str, int], int] = {}
    docs = []
    for doc_id in range(1, size + 1):
        issued = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        number = ""
        if rng.random() < 0.8:
            agency = rng.choice(AGENCIES)
            serial = serials[agency, issued.year] = serials.get((agency, issued.year), 0) + 1
            number = f"{agency}〔{issued.year}〕{serial}号"
        attribute = rng.choices(list(Attribute), weights=(70, 15, 15))[0]
        topic = rng.choice(pool)
        start = rng.randrange(max(1, len(topic) - 12))
        kind = rng.choice(KINDS)
        docs.append(
            IndexDocument(
                doc_id=doc_id,
                title=f"关于{topic[start : start + 12]}的{kind}",
                doc_number=number,
                issuer=rng.choice(ISSUERS),
                doc_kind=kind,
                issue_date=issued,
                attribute=attribute,
                reason=rng.choice(WITHHOLDING) if attribute is Attribute.WITHHELD else None,
                ingested_at=datetime(2024, 1, 1) + timedelta(minutes=doc_id),
                text="\n".join(rng.choice(pool) for _ in range(rng.randint(*per_doc))),
                source_names=(f"{doc_id}.docx",),
            )
        )
    return docs


def query_set(docs: list[IndexDocument], seed: int) -> dict[str, list[SearchQuery]]:
    """The fixed queries, by kind; 发文字号 are drawn (seeded) from the archive."""
    rng = random.Random(seed)
    numbers = rng.sample([d.doc_number for d in docs if d.doc_number], 4)
    return {
        "common": [SearchQuery(q) for q in ("公开", "工作", "政府信息", "政务公开 制度")],
        "rare": [SearchQuery(q) for q in ("示范点", "社情民意", "保密审查", "听证 专家")],
        "phrase": [
            SearchQuery(q)
            for q in ('"商业秘密"', '"个人隐私"', '"政务公开"', '"政府信息公开"', '"主动公开"')
        ],
        "doc_number": [
            SearchQuery(n.replace("〔", "[").replace("〕", "]") if i % 2 else n)
            for i, n in enumerate(numbers)
        ],
        "filter": [
            SearchQuery("公开", attribute="withheld"),
            SearchQuery("", year=2015),
            SearchQuery("制度", date_from=date(2010, 1, 1), date_to=date(2012, 12, 31)),
            SearchQuery("", issuer="乌海市人民政府办公厅", limit=50),
            SearchQuery("工作", kind="请示", sort="date"),
            SearchQuery("公开 -制度", reason="process_info"),
            SearchQuery("示范点 OR 听证", offset=20),
        ],
    }


@dataclass(frozen=True)
class Run:
    backend: str
    size: int
    seconds: float
    chars: int
    megabytes: float
    latencies: dict[str, list[float]]  # query kind -> milliseconds

    @property
    def docs_per_second(self) -> float:
        return self.size / self.seconds

    def percentile(self, p: int, kind: str | None = None) -> float:
        values = sorted(v for k, vs in self.latencies.items() if kind in (None, k) for v in vs)
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def directory_megabytes(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def measure(
    backend: str, docs: list[IndexDocument], queries: dict[str, list[SearchQuery]], repeat: int
) -> Run:
    with tempfile.TemporaryDirectory(prefix=f"bench-{backend}-") as tmp:
        path = Path(tmp) / "index"
        start = time.perf_counter()
        with open_index(path, backend) as index:
            index.add(docs)
            index.commit()
            seconds = time.perf_counter() - start
            assert index.count() == len(docs)
            latencies = {kind: timings(index, group, repeat) for kind, group in queries.items()}
        chars = sum(len(doc.text) for doc in docs)
        return Run(backend, len(docs), seconds, chars, directory_megabytes(path), latencies)


def timings(index: Index, queries: list[SearchQuery], repeat: int) -> list[float]:
    """Milliseconds per search, ``repeat`` times each query after one warm-up."""
    results = []
    for query in queries:
        index.search(query)  # warm the caches once
        for _ in range(repeat):
            start = time.perf_counter()
            index.search(query)
            results.append((time.perf_counter() - start) * 1000)
    return results


def report(runs: list[Run]) -> None:
    by_key = {(run.backend, run.size): run for run in runs}
    print()
    print(
        f"{'backend':8} {'docs':>8} {'index s':>8} {'docs/s':>8} {'kchars/s':>9} "
        f"{'MB':>7} {'p50 ms':>8} {'p95 ms':>8}"
    )
    for run in runs:
        print(
            f"{run.backend:8} {run.size:>8,} {run.seconds:>8.1f} {run.docs_per_second:>8,.0f} "
            f"{run.chars / run.seconds / 1000:>9,.0f} {run.megabytes:>7.1f} "
            f"{run.percentile(50):>8.2f} {run.percentile(95):>8.2f}"
        )
        base = by_key.get(("tantivy", run.size))
        if run.backend != "tantivy" and base:
            print(
                f"{'  ratio':8} {'':>8} {run.seconds / base.seconds:>7.1f}x "
                f"{'':>8} {'':>9} {run.megabytes / base.megabytes:>6.1f}x "
                f"{run.percentile(50) / base.percentile(50):>7.0f}x "
                f"{run.percentile(95) / base.percentile(95):>7.0f}x"
            )
    print()
    kinds = list(runs[0].latencies)
    print(f"{'p50 / p95 ms':18}" + "".join(f"{kind:>18}" for kind in kinds))
    for run in runs:
        cells = "".join(
            f"{run.percentile(50, k):>9.2f}/{run.percentile(95, k):<8.2f}" for k in kinds
        )
        print(f"{run.backend + ' ' + format(run.size, ','):18}{cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="archive sizes, comma-separated")
    parser.add_argument("--backends", default="tantivy,whoosh")
    parser.add_argument("--whoosh-max", type=int, default=10_000, help="largest size for whoosh")
    parser.add_argument("--paragraphs", default="1-8", help="paragraphs per document, MIN-MAX")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query")
    parser.add_argument("--seed", type=int, default=20240506)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found at {CORPUS} (set GONGKAI_CORPUS)")
    low, high = (int(n) for n in args.paragraphs.split("-"))
    pool = paragraphs(CORPUS)
    index_terms("预热")  # load jieba's dictionary (once per process) before any clock starts
    print(f"{len(pool)} paragraphs from {CORPUS}; {low}-{high} per document; seed {args.seed}")
    runs = []
    for size in (int(s) for s in args.sizes.split(",")):
        docs = archive(size, pool, (low, high), args.seed)
        queries = query_set(docs, args.seed)
        print(f"{size:,} documents, {sum(len(d.text) for d in docs) / size:.0f} characters each")
        for backend in args.backends.split(","):
            if backend == "whoosh" and size > args.whoosh_max:
                print(f"  whoosh skipped above --whoosh-max {args.whoosh_max:,}")
                continue
            runs.append(measure(backend, docs, queries, args.repeat))
            run = runs[-1]
            print(
                f"  {backend}: {run.docs_per_second:,.0f} docs/s, p95 {run.percentile(95):.2f} ms"
            )
    report(runs)


if __name__ == "__main__":
    main()
