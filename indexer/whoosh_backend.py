"""The pure-Python backend: Whoosh-Reloaded (the maintained fork of whoosh).

Many times slower than tantivy at indexing and searching (see
bench/search.py); kept as the second engine behind the same protocol, for
installations that would rather not ship tantivy's wheel (the analysis still
needs rjieba's). The text fields use
:class:`JiebaTokenizer`, which hands whoosh the terms of
:func:`indexer.analysis.index_terms`, so both backends see the same terms.

Writing: changes are collected in memory and written at ``commit``, when
whoosh's ``WRITELOCK`` is taken and released again; another process
committing at the same moment waits up to :data:`LOCK_TIMEOUT` seconds, then
gets :class:`IndexLocked`. (Whoosh cannot replace a document added earlier in
the same writer, which is why nothing reaches the writer before ``commit``.)
"""

from __future__ import annotations

import pickle
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import fields, index, query, sorting, writing
from whoosh.analysis import Token, Tokenizer
from whoosh.index import LockError

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
    prepare,
    read_marker,
    watermark_of,
    watermark_payload,
    write_marker,
)
from indexer.api import IndexCorrupt, IndexDocument, IndexLocked

LOCK_TIMEOUT = 10.0
_META = "1"
# What whoosh raises when it reads a damaged file (it opens segments lazily).
_DAMAGE = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError)


class JiebaTokenizer(Tokenizer):
    """Whoosh tokenizer over :func:`indexer.analysis.index_terms` (positions only)."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, term in enumerate(analysis.index_terms(value)):
            token.text = term
            token.stopped = False
            token.boost = 1.0
            if positions:
                token.pos = start_pos + position
            yield token


def _schema() -> fields.Schema:
    def text(phrase: bool = True) -> fields.TEXT:
        return fields.TEXT(analyzer=JiebaTokenizer(), phrase=phrase)

    return fields.Schema(
        **{
            Field.DOC_ID: fields.ID(unique=True),
            Field.TEXT: text(),
            Field.TITLE: text(),
            Field.ISSUER: text(phrase=False),
            Field.DOC_NUMBER: fields.ID,
            # sortable: a column, which facets read (without one whoosh
            # un-inverts the field's postings at every search)
            Field.KIND: fields.ID(sortable=True),
            Field.ATTRIBUTE: fields.ID(sortable=True),
            Field.ISSUER_NAME: fields.ID(sortable=True),
            Field.REASON: fields.ID,
            # signed (the default): whoosh's unsigned 64-bit ranges match too much
            Field.ISSUED: fields.NUMERIC(int, bits=64, sortable=True),
            Field.INGESTED: fields.NUMERIC(int, bits=64),
            Field.YEAR: fields.NUMERIC(int, signed=False, sortable=True, default=0),  # 0: undated
            Field.PAYLOAD: fields.STORED,
            Field.META: fields.ID,
        }
    )


class WhooshQueries:
    """:class:`indexer._backend.QueryBuilder` for whoosh."""

    def term(self, field: Field, value: str) -> query.Query:
        return query.Term(field, value)

    def phrase(self, field: Field, terms: Sequence[str]) -> query.Query:
        return query.Phrase(field, list(terms))

    def int_range(self, field: Field, lower: int, upper: int) -> query.Query:
        return query.NumericRange(field, lower, upper)

    def documents(self) -> query.Query:
        return query.AndNot(query.Every(), query.Term(Field.META, _META))

    def all_of(self, queries: Sequence[query.Query]) -> query.Query:
        return queries[0] if len(queries) == 1 else query.And(list(queries))

    def any_of(self, queries: Sequence[query.Query]) -> query.Query:
        return queries[0] if len(queries) == 1 else query.Or(list(queries))

    def combine(
        self,
        required: query.Query,
        boosts: Sequence[query.Query],
        excluded: Sequence[query.Query],
        filters: Sequence[query.Query],
    ) -> query.Query:
        unscored = [query.ConstantScoreQuery(q, 0.0) for q in filters]
        combined = self.all_of([required, *unscored])
        if boosts:
            combined = query.AndMaybe(combined, self.any_of(boosts))
        if excluded:
            combined = query.AndNot(combined, self.any_of(excluded))
        return combined

    def boost(self, q: query.Query, factor: float) -> query.Query:
        return q.with_boost(factor)


class WhooshIndex(BaseIndex[query.Query]):
    backend = "whoosh"

    def __init__(self, path: Path) -> None:
        try:
            if read_marker(path, self.backend):
                self._index = index.open_dir(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._index = index.create_in(str(path), _schema())
                write_marker(path, self.backend)
        except IndexCorrupt:
            raise
        except Exception as exc:  # whoosh fails on damaged files in many ways
            raise corrupt(path, exc) from exc
        super().__init__(path, WhooshQueries())
        # doc_id -> fields to write, or None to delete; applied at commit.
        self._pending: dict[int, dict[str, Any] | None] = {}
        self._clear = False

    # -- writing ----------------------------------------------------------

    def add(self, docs: Iterable[IndexDocument]) -> None:
        with self._lock:
            self._pending.update((doc.doc_id, self._fields(doc)) for doc in docs)

    def delete(self, doc_ids: Iterable[int]) -> None:
        with self._lock:
            self._pending.update((doc_id, None) for doc_id in doc_ids)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self._clear = True

    def commit(self) -> None:
        with self._lock:
            if not (self._pending or self._clear or self._pending_watermark is not None):
                return
            try:
                writer = self._index.writer(timeout=LOCK_TIMEOUT)
            except LockError as exc:
                raise IndexLocked(
                    f"{self.path} 正被其他进程写入 / another process is writing to the "
                    f"index and kept its lock for {LOCK_TIMEOUT:.0f} s."
                ) from exc
            try:
                self._write(writer)
            except BaseException:
                writer.cancel()
                raise
            # CLEAR drops every older segment: what this commit writes is all that is left.
            writer.commit(mergetype=writing.CLEAR if self._clear else None)
            self._reset()

    def _write(self, writer: Any) -> None:
        for doc_id, values in self._pending.items():
            if not self._clear:
                writer.delete_by_term(Field.DOC_ID, str(doc_id))
            if values is not None:
                writer.add_document(**values)
        if self._pending_watermark is not None:
            writer.delete_by_term(Field.META, _META)
            writer.add_document(
                **{Field.META: _META, Field.PAYLOAD: watermark_payload(self._pending_watermark)}
            )

    def close(self) -> None:
        with self._lock:
            self._reset()

    def _reset(self) -> None:
        self._pending.clear()
        self._clear = False
        self._pending_watermark = None

    @staticmethod
    def _fields(doc: IndexDocument) -> dict[str, Any]:
        prepared = prepare(doc)
        values: dict[str, Any] = {
            Field.DOC_ID: str(prepared.doc_id),
            Field.TEXT: "\n".join(prepared.parts),
            Field.TITLE: prepared.title,
            Field.ISSUER: prepared.issuer,
            Field.ISSUER_NAME: prepared.issuer,
            Field.DOC_NUMBER: prepared.doc_number_key,
            Field.KIND: prepared.kind,
            Field.ATTRIBUTE: prepared.attribute,
            Field.REASON: prepared.reason,
            Field.ISSUED: prepared.issued,
            Field.INGESTED: prepared.ingested,
            Field.YEAR: prepared.year or "",  # absent when undated
            Field.PAYLOAD: prepared.payload,
        }
        return {name: value for name, value in values.items() if value != ""}

    # -- reading ----------------------------------------------------------

    @contextmanager
    def _searcher(self) -> Iterator[Any]:
        try:
            with self._index.searcher() as searcher:
                yield searcher
        except _DAMAGE as exc:
            raise corrupt(self.path, exc) from exc

    @property
    def watermark(self) -> str | None:
        with self._searcher() as searcher:
            found = searcher.document(**{Field.META: _META})
        return watermark_of(found[Field.PAYLOAD] if found else None)

    def count(self) -> int:
        with self._searcher() as searcher:
            has_watermark = searcher.document(**{Field.META: _META}) is not None
            return int(searcher.doc_count()) - has_watermark

    def _execute(self, q: query.Query, plan: Plan) -> Execution:
        by_date, offset = plan.by_date, plan.offset
        with self._searcher() as searcher:
            results = searcher.search(
                q,
                limit=offset + plan.limit,
                sortedby=Field.ISSUED if by_date else None,
                reverse=by_date,
            )
            page = [
                RawHit(hit[Field.PAYLOAD], None if by_date else hit.score)
                for hit in results[offset : offset + plan.limit]
            ]
            counts = self._counts(searcher, q) if plan.facets else {}
            return Execution(len(results), page, counts)

    @staticmethod
    def _counts(searcher: Any, q: query.Query) -> RawCounts:
        """Every matching document counted per facet value. A pass of its own:
        the ranked search above may skip low-scoring blocks of documents."""
        facets = {facet: sorting.FieldFacet(field) for facet, field in FACET_FIELDS.items()}
        found = searcher.search(
            q, limit=None, scored=False, groupedby=facets, maptype=sorting.Count
        )
        return {facet: found.groups(facet) for facet in facets}
