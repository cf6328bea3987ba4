"""The default backend: tantivy (Rust, via tantivy-py).

Text reaches tantivy already segmented: :func:`indexer.analysis.index_terms`
joined by spaces, indexed with tantivy's built-in ``whitespace`` tokenizer, so
positions (for phrases) are those of the term sequence and nothing needs
registering before the index is opened.

Writing: tantivy allows one ``IndexWriter`` per index directory, guarded by a
lock file. This backend takes the writer on the first ``add``/``delete``/
``clear`` and gives it back at ``commit`` or ``close``; threads of one process
share it under a lock. Another process that wants to write meanwhile retries
for :data:`LOCK_TIMEOUT` seconds and then gets :class:`IndexLocked`. Readers are
never blocked: a search sees the last commit (another process's commits
within about a second, when tantivy's reader notices the new ``meta.json``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from multiprocessing import get_context
from pathlib import Path

import tantivy

from indexer import analysis
from indexer._backend import (
    FACET_FIELDS,
    BaseIndex,
    Execution,
    Field,
    Plan,
    RawCounts,
    RawHit,
    corrupt,
    outdated,
    prepare,
    read_marker,
    watermark_of,
    watermark_payload,
    write_marker,
)
from indexer.api import IndexDocument, IndexLocked

LOCK_TIMEOUT = 10.0  # seconds another process may hold the writer before IndexLocked
WRITER_HEAP = 128_000_000
_EXACT = (Field.DOC_NUMBER, Field.KIND, Field.ATTRIBUTE, Field.REASON, Field.ISSUER_NAME)
PARALLEL_FROM = 2000  # documents in one add() worth a helper process
# Distinct values a facet may have and still be counted exactly (a terms
# aggregation keeps this many per segment before merging); the shared code
# cuts the list to what the clerk sees.
MAX_BUCKETS = 10_000
_AGGREGATIONS = {
    facet: {"terms": {"field": field, "size": MAX_BUCKETS, "segment_size": MAX_BUCKETS}}
    for facet, field in FACET_FIELDS.items()
}


@dataclass(frozen=True)
class _Fields:
    """A document analysed for tantivy: plain values, so a helper process can make them."""

    doc_id: int
    text: str
    title: str
    issuer: str
    exact: tuple[tuple[str, str], ...]
    issued: int
    ingested: int
    year: int
    payload: bytes


def _analyse(doc: IndexDocument) -> _Fields:
    prepared = prepare(doc)
    # Each part is analysed once; jieba segments text between line breaks
    # independently, so joining the parts' terms equals analysing the parts
    # joined by line breaks (what whoosh does).
    title, issuer, *rest = (analysis.index_terms(part, normalized=True) for part in prepared.parts)
    exact = (
        (Field.DOC_NUMBER, prepared.doc_number_key),
        (Field.KIND, prepared.kind),
        (Field.ATTRIBUTE, prepared.attribute),
        (Field.REASON, prepared.reason),
        (Field.ISSUER_NAME, prepared.issuer),
    )
    return _Fields(
        doc_id=prepared.doc_id,
        text=" ".join(chain(title, issuer, *rest)),
        title=" ".join(title),
        issuer=" ".join(issuer),
        exact=tuple((field, value) for field, value in exact if value),
        issued=prepared.issued,
        ingested=prepared.ingested,
        year=prepared.year,
        payload=prepared.payload.encode(),
    )


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field(Field.DOC_ID, indexed=True, fast=True)
    for field in (Field.TEXT, Field.TITLE):
        builder.add_text_field(field, tokenizer_name="whitespace", index_option="position")
    builder.add_text_field(Field.ISSUER, tokenizer_name="whitespace", index_option="freq")
    counted = set(FACET_FIELDS.values())
    for field in _EXACT:
        builder.add_text_field(
            field, tokenizer_name="raw", index_option="basic", fast=field in counted
        )
    builder.add_integer_field(Field.ISSUED, indexed=True, fast=True)
    builder.add_integer_field(Field.INGESTED, indexed=True, fast=True)
    builder.add_integer_field(Field.YEAR, indexed=False, fast=True)
    builder.add_bytes_field(Field.PAYLOAD, stored=True)
    builder.add_integer_field(Field.META, indexed=True)
    return builder.build()


class TantivyQueries:
    """:class:`indexer._backend.QueryBuilder` for tantivy."""

    def __init__(self, schema: tantivy.Schema) -> None:
        self._schema = schema

    def term(self, field: Field, value: str) -> tantivy.Query:
        return tantivy.Query.term_query(self._schema, field, value)

    def phrase(self, field: Field, terms: Sequence[str]) -> tantivy.Query:
        return tantivy.Query.phrase_query(self._schema, field, list(terms))

    def int_range(self, field: Field, lower: int, upper: int) -> tantivy.Query:
        return tantivy.Query.range_query(
            self._schema, field, tantivy.FieldType.Integer, lower, upper
        )

    def documents(self) -> tantivy.Query:
        return tantivy.Query.exists_query(Field.DOC_ID)

    def all_of(self, queries: Sequence[tantivy.Query]) -> tantivy.Query:
        return self._boolean(tantivy.Occur.Must, queries)

    def any_of(self, queries: Sequence[tantivy.Query]) -> tantivy.Query:
        return self._boolean(tantivy.Occur.Should, queries)

    def combine(
        self,
        required: tantivy.Query,
        boosts: Sequence[tantivy.Query],
        excluded: Sequence[tantivy.Query],
        filters: Sequence[tantivy.Query],
    ) -> tantivy.Query:
        must, should, must_not = tantivy.Occur.Must, tantivy.Occur.Should, tantivy.Occur.MustNot
        return tantivy.Query.boolean_query(
            [(must, required)]
            + [(should, query) for query in boosts]
            + [(must_not, query) for query in excluded]
            + [(must, tantivy.Query.const_score_query(query, 0.0)) for query in filters]
        )

    def boost(self, query: tantivy.Query, factor: float) -> tantivy.Query:
        return tantivy.Query.boost_query(query, factor)

    @staticmethod
    def _boolean(occur: tantivy.Occur, queries: Sequence[tantivy.Query]) -> tantivy.Query:
        if len(queries) == 1:
            return queries[0]
        return tantivy.Query.boolean_query([(occur, query) for query in queries])


class TantivyIndex(BaseIndex[tantivy.Query]):
    backend = "tantivy"

    def __init__(self, path: Path) -> None:
        schema = _schema()
        try:
            if read_marker(path, self.backend):
                self._index = tantivy.Index.open(str(path))
                # A schema changed without SCHEMA_VERSION: the index would lack
                # fields that searches rely on.
                if self._index.schema != schema:
                    raise outdated(path, "its fields differ from this version's")
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._index = tantivy.Index(schema, path=str(path), reuse=False)
                write_marker(path, self.backend)
        except ValueError as exc:  # tantivy reports unreadable files as ValueError
            raise corrupt(path, exc) from exc
        super().__init__(path, TantivyQueries(schema))
        self._writer: tantivy.IndexWriter | None = None
        self._analyser: ProcessPoolExecutor | None = None

    # -- writing ----------------------------------------------------------

    def add(self, docs: Iterable[IndexDocument]) -> None:
        with self._lock:
            writer = self._acquire_writer()
            for fields in self._analysed(docs):
                writer.delete_documents_by_term(Field.DOC_ID, fields.doc_id)
                writer.add_document(self._record(fields))

    def _analysed(self, docs: Iterable[IndexDocument]) -> Iterator[_Fields]:
        """Each document's analysed fields, in order. Analysis (segmentation) is Python
        work and nearly all of indexing time (tantivy adds a document in ~15 µs): a
        large batch (a rebuild) is analysed by helper processes on every core."""
        docs = iter(docs)
        head = list(islice(docs, PARALLEL_FROM))
        if len(head) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
            yield from map(_analyse, head)
            return
        if self._analyser is None:
            workers = os.cpu_count() or 2  # tantivy's own writing is cheap beside analysis
            self._analyser = ProcessPoolExecutor(workers, mp_context=get_context("spawn"))
        yield from self._analyser.map(_analyse, chain(head, docs), chunksize=256)

    def delete(self, doc_ids: Iterable[int]) -> None:
        with self._lock:
            writer = self._acquire_writer()
            for doc_id in doc_ids:
                writer.delete_documents_by_term(Field.DOC_ID, doc_id)

    def clear(self) -> None:
        with self._lock:
            self._acquire_writer().delete_all_documents()

    def commit(self) -> None:
        with self._lock:
            if self._pending_watermark is not None:
                writer = self._acquire_writer()
                writer.delete_documents_by_term(Field.META, 1)
                record = tantivy.Document()
                record.add_integer(Field.META, 1)
                record.add_bytes(Field.PAYLOAD, watermark_payload(self._pending_watermark).encode())
                writer.add_document(record)
                self._pending_watermark = None
            if self._writer is not None:
                self._writer.commit()
                self._release_writer()
                self._index.reload()

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.rollback()
                self._release_writer()
            self._pending_watermark = None
            if self._analyser is not None:
                self._analyser.shutdown(cancel_futures=True)
                self._analyser = None

    def _acquire_writer(self) -> tantivy.IndexWriter:
        if self._writer is None:
            deadline = time.monotonic() + LOCK_TIMEOUT
            while True:
                try:
                    self._writer = self._index.writer(heap_size=WRITER_HEAP)
                    # A writer killed mid-commit leaves files meta.json never took in;
                    # the next commit would try to create the same names and fail.
                    self._writer.garbage_collect_files()
                    break
                except ValueError as exc:
                    if "LockBusy" not in str(exc):
                        raise
                    if time.monotonic() > deadline:
                        raise IndexLocked(
                            f"{self.path} 正被其他进程写入 / another process is writing "
                            f"to the index and kept its lock for {LOCK_TIMEOUT:.0f} s."
                        ) from exc
                    time.sleep(0.05)
        return self._writer

    def _release_writer(self) -> None:
        assert self._writer is not None
        # Letting merges finish leaves a compact index; dropping the writer
        # frees the lock file for other processes.
        self._writer.wait_merging_threads()
        self._writer = None

    @staticmethod
    def _record(fields: _Fields) -> tantivy.Document:
        record = tantivy.Document()
        record.add_integer(Field.DOC_ID, fields.doc_id)
        record.add_text(Field.TEXT, fields.text)
        record.add_text(Field.TITLE, fields.title)
        record.add_text(Field.ISSUER, fields.issuer)
        for field, value in fields.exact:
            record.add_text(field, value)
        record.add_integer(Field.ISSUED, fields.issued)
        record.add_integer(Field.INGESTED, fields.ingested)
        if fields.year:
            record.add_integer(Field.YEAR, fields.year)
        record.add_bytes(Field.PAYLOAD, fields.payload)
        return record

    # -- reading ----------------------------------------------------------

    @property
    def watermark(self) -> str | None:
        searcher = self._index.searcher()
        hits = searcher.search(tantivy.Query.term_query(self._index.schema, Field.META, 1), 1).hits
        return watermark_of(self._payload(searcher, hits[0][1]) if hits else None)

    def count(self) -> int:
        searcher = self._index.searcher()
        result = searcher.search(tantivy.Query.exists_query(Field.DOC_ID), 1, count=True)
        return int(result.count)  # type: ignore[attr-defined]  # not in tantivy's stub

    def _execute(self, query: tantivy.Query, plan: Plan) -> Execution:
        searcher = self._index.searcher()  # one snapshot for the hits and the counts
        result = searcher.search(
            query,
            plan.limit,
            count=True,
            order_by_field=Field.ISSUED if plan.by_date else None,
            offset=plan.offset,
            order=tantivy.Order.Desc,
        )
        hits = [
            RawHit(self._payload(searcher, address), None if plan.by_date else score)
            for score, address in result.hits
        ]
        counts = self._counts(searcher, query) if plan.facets else {}
        return Execution(result.count, hits, counts)  # type: ignore[attr-defined]

    @staticmethod
    def _counts(searcher: tantivy.Searcher, query: tantivy.Query) -> RawCounts:
        """Every matching document counted per facet value, over the fast fields."""
        found = searcher.aggregate(query, _AGGREGATIONS)
        return {
            facet: {bucket["key"]: bucket["doc_count"] for bucket in found[facet]["buckets"]}
            for facet in _AGGREGATIONS
        }

    @staticmethod
    def _payload(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> str:
        payload = searcher.doc(address).get_first(Field.PAYLOAD)
        assert isinstance(payload, bytes), "every record stores a payload"
        return payload.decode()
