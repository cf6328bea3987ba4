"""Benchmark the web desk's pages on an archive of 100,000 documents.

    .venv/bin/python bench/web.py                       # 100,000 documents, 200 searches
    .venv/bin/python bench/web.py --size 20000 --queries 100 --fresh

The archive is drawn as bench/search.py draws its own (paragraphs of
../shared/corpus, a fixed seed) and written straight into a register (bulk
inserts: documents, their file names, a review queue with the classifier's
proposals, and bench/report.py's requests), then indexed in one batch. It is
kept under the temporary directory, keyed by its parameters and the index
format, so a second run starts at once (--fresh builds it again).

The app comes from ``create_app`` behind a TestClient logged in as a reviewer
(who reads withheld documents: those views are audited, as at the desk).
Server time is taken inside the process, from the request reaching the app to
the last byte of its response; for every search it is printed beside the
engine's time for the same query (``archive.search_index().search``, what the
page calls) and the index's alone without facets, so the web layer's overhead
and the facets' cost are visible. Targets: the search page's p95 under 50 ms,
the review and request pages under 100 ms. The first view of each of those two
is printed apart: /requests works out every open request's reply clock then, and
remembers them for the views after (engine.request_store). A route that does
not exist yet (404) is skipped with a note.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.report import fill_register, register  # noqa: E402
from bench.search import AGENCIES, CORPUS, ISSUERS, KINDS, archive, paragraphs  # noqa: E402
from engine.archive import Archive  # noqa: E402
from engine.classify import Classification, classify  # noqa: E402
from engine.codes import Attribute  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.metadata import DocumentMetadata  # noqa: E402
from engine.register.models import AuditEvent, Document, Proposal, Source  # noqa: E402
from engine.search import to_index_document  # noqa: E402
from engine.user_store import add_user  # noqa: E402
from engine.users import Role  # noqa: E402
from engine.web import create_app  # noqa: E402
from engine.web.documents import PAGE_SIZE  # noqa: E402
from indexer import IndexDocument, SearchQuery, open_index  # noqa: E402
from indexer._backend import SCHEMA_VERSION  # noqa: E402
from indexer.analysis import index_terms  # noqa: E402

USER, PASSWORD = "bench-reviewer", "bench password"
SEARCH_TARGET_MS, PAGE_TARGET_MS = 50.0, 100.0
PENDING_SHARE = 0.02  # documents awaiting sign-off, each with a proposal
WORDS = [
    "公开", "工作", "政府信息", "政务公开 制度", "管理 办法", "示范点", "社情民意", "保密审查",
    "听证 专家", '"商业秘密"', '"政府信息公开"', "示范点 OR 听证", "公开 -制度", "年度报告",
]  # fmt: skip


# -- the archive -----------------------------------------------------------------


def build(settings: Settings, size: int, requests: int, seed: int) -> None:
    """Register ``size`` drawn documents (and ``requests`` requests), index them in one batch."""
    started = time.perf_counter()
    docs = archive(size, paragraphs(CORPUS), (1, 8), seed)
    rng = random.Random(seed)
    with Archive.open(settings) as opened:
        fill_register(opened, *register(requests, rng))  # requests first: their rule documents
        with opened.sessions.begin() as session:
            offset = session.scalar(select(func.max(Document.id))) or 0
            pending = {
                i: _classification(docs[i])
                for i in sorted(rng.sample(range(size), int(size * PENDING_SHARE)))
            }
            session.execute(
                insert(Document), [_row(d, offset, pending.get(i)) for i, d in enumerate(docs)]
            )
            session.execute(insert(Source), [_source(d, offset) for d in docs])
            session.execute(
                insert(Proposal), [_proposal(docs[i], offset, c) for i, c in pending.items()]
            )
            add_user(session, USER, Role.REVIEWER, PASSWORD, by="bench")
        registered = time.perf_counter()
        took = registered - started
        print(f"  register: {size:,} documents, {requests:,} requests: {took:.0f} s", flush=True)
        with opened.sessions() as session, open_index(settings.index_dir) as index:
            rows = select(Document).options(selectinload(Document.sources))
            index.add(
                map(to_index_document, session.scalars(rows.execution_options(yield_per=2000)))
            )
            index.set_watermark(str(session.scalar(select(func.max(AuditEvent.id))) or 0))
            index.commit()
        print(f"  index: {time.perf_counter() - registered:.0f} s", flush=True)


def _row(doc: IndexDocument, offset: int, proposal: Classification | None) -> dict[str, object]:
    # A document awaiting sign-off shows the classifier's proposal.
    return {
        "id": offset + doc.doc_id, "sha256": hashlib.sha256(str(doc.doc_id).encode()).hexdigest(),
        "size": len(doc.text.encode()), "format": "txt", "original_path": f"originals/{doc.doc_id}",
        "status": "filed", "text": doc.text, "doc_number": doc.doc_number or None,
        "title": doc.title, "issuer": doc.issuer, "issue_date": doc.issue_date,
        "doc_kind": doc.doc_kind,
        "attribute": proposal.attribute.value if proposal else doc.attribute,
        "reason": (proposal.reason if proposal else doc.reason) or None,
        "attribute_source": "classifier" if proposal else "marking",
        "review_status": "pending" if proposal else None, "ingested_at": doc.ingested_at,
    }  # fmt: skip


def _source(doc: IndexDocument, offset: int) -> dict[str, object]:
    return {
        "document_id": offset + doc.doc_id, "arrival_key": f"bench/{doc.doc_id}",
        "file_name": doc.source_names[0], "source_path": f"/bench/{doc.source_names[0]}",
        "arrived_at": doc.ingested_at,
    }  # fmt: skip


def _classification(doc: IndexDocument) -> Classification:
    metadata = DocumentMetadata(
        doc_number=doc.doc_number or None, title=doc.title, issuer=doc.issuer,
        issue_date=doc.issue_date, doc_kind=doc.doc_kind,
    )  # fmt: skip
    return classify(doc.text, metadata)


def _proposal(doc: IndexDocument, offset: int, found: Classification) -> dict[str, object]:
    return {
        "document_id": offset + doc.doc_id, "at": datetime.now(UTC),
        "attribute": found.attribute.value, "reason": found.reason.value if found.reason else None,
        "basis": found.basis, "confidence": found.confidence, "needs_review": found.needs_review,
        "source": "rules", "details": found.to_dict(),
    }  # fmt: skip


def prepared(size: int, requests: int, seed: int, fresh: bool) -> Settings:
    """The cached archive for these parameters, built first if need be."""
    key = f"gongkai-bench-web-{size}-{requests}-{seed}-v{SCHEMA_VERSION}"
    home = Path(tempfile.gettempdir()) / key / "archive"
    settings = Settings(home, f"sqlite:///{home / 'gongkai.db'}", home / "inbox")
    ready = home.parent / "ready"
    if fresh or not ready.exists():
        shutil.rmtree(home.parent, ignore_errors=True)
        print(f"building the archive in {home.parent} …", flush=True)
        build(settings, size, requests, seed)
        ready.touch()
    else:
        print(f"archive from {home.parent} (--fresh to build it again)")
    return settings


# -- the queries -----------------------------------------------------------------


def searches(count: int, numbers: list[str], seed: int) -> list[dict[str, str]]:
    """``count`` query strings of /search: words, 发文字号, filters and pages, mixed."""
    rng = random.Random(seed)
    found = []
    while len(found) < count:
        params: dict[str, str] = {}
        draw = rng.random()
        if draw < 0.6:
            params["q"] = rng.choice(WORDS)
        elif draw < 0.8:
            number = rng.choice(numbers)
            params["q"] = number.replace("〔", "[").replace("〕", "]") if draw < 0.7 else number
        filters: list[Callable[[], tuple[str, str]]] = [
            lambda: ("year", str(rng.randrange(2005, 2025))),
            lambda: ("attribute", rng.choice(list(Attribute)).value),
            lambda: ("kind", rng.choice(KINDS)),
            lambda: ("issuer", rng.choice(ISSUERS)),
            lambda: ("from", date(rng.randrange(2005, 2024), 1, 1).isoformat()),
        ]
        chosen = rng.choice((0, 0, 1, 1, 2)) if "q" in params else rng.choice((1, 2))
        params.update(pick() for pick in rng.sample(filters, chosen))
        if "year" in params and "from" in params:  # the second half of that year
            params["from"] = f"{params['year']}-07-01"
        if rng.random() < 0.15:
            params["sort"] = "date"
        if rng.random() < 0.15:
            params["page"] = "2"
        found.append(params)
    return found


def search_query(params: dict[str, str]) -> SearchQuery:
    """The query /search runs for these parameters (engine/web/documents.py)."""
    page = int(params.get("page", "1"))
    return SearchQuery(
        text=params.get("q", ""),
        attribute=params.get("attribute"),
        year=int(params["year"]) if "year" in params else None,
        date_from=date.fromisoformat(params["from"]) if "from" in params else None,
        issuer=params.get("issuer"),
        kind=params.get("kind"),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        sort="date" if params.get("sort") == "date" else "relevance",
        facets=True,
    )


# -- timing ----------------------------------------------------------------------


class ServerClock:
    """ASGI middleware: milliseconds from a request reaching the app to its last byte."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last_ms = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last_ms = (time.perf_counter() - started) * 1000

        await self.app(scope, receive, timed_send)


def milliseconds(run: Callable[[SearchQuery], object], query: SearchQuery) -> float:
    started = time.perf_counter()
    run(query)
    return (time.perf_counter() - started) * 1000


def percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94]


def line(what: str, values: list[float], target: float | None = None) -> None:
    p50, p95 = percentiles(values)
    verdict = ""
    if target is not None:
        verdict = f"  {'within' if p95 < target else 'OVER'} the {target:.0f} ms target"
    print(f"  {what:44} {len(values):>5} {p50:>8.1f} {p95:>8.1f}{verdict}")


def pages(client: TestClient, clock: ServerClock, paths: list[str]) -> Iterator[float]:
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        yield clock.last_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="documents in the archive")
    parser.add_argument("--requests", type=int, default=10_000, help="requests in the register")
    parser.add_argument("--queries", type=int, default=200, help="searches timed")
    parser.add_argument("--documents", type=int, default=100, help="document pages timed")
    parser.add_argument("--repeat", type=int, default=20, help="times /review and /requests")
    parser.add_argument("--seed", type=int, default=20240506)
    parser.add_argument("--fresh", action="store_true", help="build the archive again")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found at {CORPUS} (set GONGKAI_CORPUS)")
    index_terms("预热")  # load the dictionary before any clock starts
    settings = prepared(args.size, args.requests, args.seed, args.fresh)

    clock = ServerClock(create_app(settings))
    with TestClient(clock, follow_redirects=False) as client:
        login = client.post("/login", data={"username": USER, "password": PASSWORD})
        assert login.status_code == 303, login.text
        desk: Archive = clock.app.state.archive
        search_index = desk.search_index()
        with desk.sessions() as session:
            numbers = session.scalars(
                select(Document.doc_number).where(Document.doc_number.is_not(None)).limit(5000)
            ).all()
            ids = list(session.scalars(select(Document.id)))
        print(f"{len(ids):,} documents, {search_index.index.count():,} indexed")
        # 发文字号 as drawn (the rule documents' references are not numbers)
        drawn = [n for n in numbers if n.startswith(tuple(AGENCIES))]
        queries = searches(args.queries, drawn, args.seed)
        for params in queries[:20]:  # warm the caches and the templates
            client.get("/search", params=params)
        page_ms, engine_ms, index_ms, totals = [], [], [], []
        for params in queries:
            query = search_query(params)
            index_ms.append(milliseconds(search_index.index.search, replace(query, facets=False)))
            engine_ms.append(milliseconds(search_index.search, query))
            response = client.get("/search", params=params)
            assert response.status_code == 200, response.text
            page_ms.append(clock.last_ms)
            totals.append(search_index.index.search(query).total)
        rng = random.Random(args.seed)
        documents = [f"/documents/{n}" for n in rng.sample(ids, args.documents)]
        list(pages(client, clock, documents[:5]))  # warm-up
        found_pages = {"documents": list(pages(client, clock, documents))}
        skipped, first_ms = [], {}
        for path in ("/review", "/requests"):
            if client.get(path).status_code == 404:
                skipped.append(path)
                continue
            first_ms[path] = clock.last_ms  # the process's first view: its caches are cold
            found_pages[path] = list(pages(client, clock, [path] * args.repeat))

    large = sum(1 for total in totals if total > 10_000)
    median = statistics.median(totals)
    print(f"\n{args.queries} searches: {median:,.0f} matches (median), {large} over 10,000")
    print(f"  {'':44} {'n':>5} {'p50 ms':>8} {'p95 ms':>8}")
    line("index.search, no facets", index_ms)
    line("engine: search_index().search (with facets)", engine_ms)
    line("/search page, server time", page_ms, SEARCH_TARGET_MS)
    overhead = [page - engine for page, engine in zip(page_ms, engine_ms, strict=True)]
    line("  web layer (page − engine, per query)", overhead)
    line("/documents/{id}, server time", found_pages["documents"], PAGE_TARGET_MS)
    for path in ("/review", "/requests"):
        if path in found_pages:
            line(f"{path}, server time", found_pages[path], PAGE_TARGET_MS)
            print(f"  {'  its first view (not counted above)':44} {1:>5} {first_ms[path]:>8.1f}")
    for path in skipped:
        print(f"  {path}: not served yet (404), skipped")


if __name__ == "__main__":
    main()
