"""What every backend shares: the fields, the query compiler, the search flow.

A backend supplies a :class:`QueryBuilder` (a handful of query primitives in
its engine's terms), runs a compiled query (:meth:`BaseIndex._execute`) and
writes documents; everything the clerk sees — how the query syntax maps to
fields, filters, the title boost, paging rules, snippets — is decided here
once, so the backends cannot drift apart.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from engine.codes import Attribute, Reason
from engine.text import normalize_text
from indexer import analysis
from indexer.api import (
    FACET_TOP,
    Facet,
    FacetCounts,
    FacetValue,
    IndexCorrupt,
    IndexDocument,
    IndexOutdated,
    QueryError,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from indexer.query import ParsedQuery, Term, TermKind, parse
from indexer.snippets import Highlighter

# Bump when analysis or fields change: older indexes then open as IndexOutdated
# and are rebuilt from the register.
SCHEMA_VERSION = 2  # 2: fields counted for facets, file names in the payload
MARKER = "gongkai-index.json"
MAX_LIMIT = 1000
TITLE_BOOST = 2.0
DOC_NUMBER_BOOST = 10.0  # the document that bears a 发文字号 before those citing it


class Field(StrEnum):
    DOC_ID = "doc_id"  # int, one document per id
    TEXT = "text"  # Prepared.parts (title … body): terms with positions
    TITLE = "title"  # terms with positions, for the title boost
    ISSUER = "issuer"  # terms (the filter requires all of its words)
    DOC_NUMBER = "doc_number"  # analysis.doc_number_key, exact
    KIND = "kind"  # exact; counted
    ATTRIBUTE = "attribute"  # code, exact; counted
    REASON = "reason"  # code, exact
    # int: issue_date.toordinal() << 32 | doc_id (0 << 32 when undated), so
    # one fast field serves year and date ranges and a stable newest-first sort.
    ISSUED = "issued"
    INGESTED = "ingested"  # int: ingested_at date ordinal
    YEAR = "year"  # int: issue_date.year, absent when undated; counted
    ISSUER_NAME = "issuer_name"  # the 发文机关 whole, exact; counted
    PAYLOAD = "payload"  # stored JSON: what a hit shows, and the text for snippets
    META = "meta"  # present only on the record holding the watermark


LAST_DOC_ID = (1 << 32) - 1
# The field each facet counts; every backend keeps these as per-document values
# (columns) so counting never reads the stored payloads.
FACET_FIELDS = {
    Facet.YEAR: Field.YEAR,
    Facet.ATTRIBUTE: Field.ATTRIBUTE,
    Facet.KIND: Field.KIND,
    Facet.ISSUER: Field.ISSUER_NAME,
}


def issued_key(day: date | None, doc_id: int = 0) -> int:
    return (day.toordinal() << 32 if day else 0) | doc_id


@dataclass(frozen=True)
class Prepared:
    """A document's field values, normalised, before the engine's own analysis."""

    doc_id: int
    title: str
    doc_number: str
    issuer: str
    source_names: str  # one a line
    body: str
    doc_number_key: str
    kind: str
    attribute: str
    reason: str
    issued: int
    ingested: int
    year: int  # 0 when undated
    payload: str

    @property
    def parts(self) -> tuple[str, ...]:
        """What the TEXT field holds, title and issuer first: the words of a
        search are found there, in the 发文字号 and file names as in the body."""
        return self.title, self.issuer, self.doc_number, self.source_names, self.body


def prepare(doc: IndexDocument) -> Prepared:
    if not 0 <= doc.doc_id <= LAST_DOC_ID:
        raise ValueError(f"doc_id out of range: {doc.doc_id}")
    title, issuer, text = (normalize_text(s) for s in (doc.title, doc.issuer, doc.text))
    payload = {
        "doc_id": doc.doc_id,
        "title": title,
        "doc_number": doc.doc_number,
        "issuer": issuer,
        "doc_kind": doc.doc_kind,
        "issue_date": doc.issue_date.isoformat() if doc.issue_date else None,
        "attribute": doc.attribute,
        "reason": doc.reason,
        "file_names": list(doc.source_names),
        "text": text,
    }
    return Prepared(
        doc_id=doc.doc_id,
        title=title,
        doc_number=normalize_text(doc.doc_number),
        issuer=issuer,
        source_names=normalize_text("\n".join(doc.source_names)),
        body=text,
        doc_number_key=analysis.doc_number_key(doc.doc_number),
        kind=normalize_text(doc.doc_kind),
        attribute=doc.attribute or "",
        reason=doc.reason or "",
        issued=issued_key(doc.issue_date, doc.doc_id),
        ingested=doc.ingested_at.date().toordinal(),
        year=doc.issue_date.year if doc.issue_date else 0,
        payload=json.dumps(payload, ensure_ascii=False),
    )


Q = TypeVar("Q")


class QueryBuilder(Protocol[Q]):
    """The query primitives a backend provides in its engine's terms."""

    def term(self, field: Field, value: str) -> Q: ...

    def phrase(self, field: Field, terms: Sequence[str]) -> Q:
        """The terms at consecutive positions (at least two)."""
        ...

    def int_range(self, field: Field, lower: int, upper: int) -> Q:
        """lower <= value <= upper."""
        ...

    def documents(self) -> Q:
        """Every document (not the watermark record)."""
        ...

    def all_of(self, queries: Sequence[Q]) -> Q: ...

    def any_of(self, queries: Sequence[Q]) -> Q: ...

    def combine(
        self, required: Q, boosts: Sequence[Q], excluded: Sequence[Q], filters: Sequence[Q]
    ) -> Q:
        """``required`` and every filter must match, no ``excluded`` may; the
        ``boosts`` (already weighted by :meth:`boost`) only raise the score;
        the filters do not score."""
        ...

    def boost(self, query: Q, factor: float) -> Q: ...


@dataclass(frozen=True)
class Plan:
    """A validated search: the parsed text, the filters and the paging."""

    parsed: ParsedQuery
    by_date: bool
    offset: int
    limit: int
    facets: bool
    codes: dict[Field, str]  # exact-match filters
    issuer: tuple[str, ...]  # words the issuer must contain
    issued: tuple[int, int] | None
    ingested: tuple[int, int] | None


_ALL_DAYS = (date.min, date.max)


def plan(query: SearchQuery) -> Plan:
    """Check a query and parse it; raise :class:`QueryError` with a message for the clerk."""
    if not 1 <= query.limit <= MAX_LIMIT:
        raise QueryError(f"每页条数应在 1 至 {MAX_LIMIT} 之间 / limit must be 1 to {MAX_LIMIT}.")
    if query.offset < 0:
        raise QueryError("起始位置不能为负 / offset must not be negative.")
    if query.sort not in ("relevance", "date"):
        raise QueryError(f"未知的排序方式 {query.sort!r} / sort must be 'relevance' or 'date'.")
    codes = {
        field: value
        for field, value in (
            (Field.ATTRIBUTE, _code(query.attribute, Attribute, "公开属性 / attribute")),
            (Field.REASON, _code(query.reason, Reason, "不予公开理由 / reason")),
            (Field.KIND, normalize_text(query.kind) if query.kind else None),
            (Field.DOC_NUMBER, analysis.doc_number_key(query.doc_number or "")),
        )
        if value
    }
    issuer = tuple(analysis.query_terms(query.issuer)) if query.issuer else ()
    if query.issuer and not issuer:
        raise QueryError("发文机关条件中没有可检索的字 / the issuer filter has no words.")
    if query.year is not None and not date.min.year <= query.year <= date.max.year:
        raise QueryError(f"年份无效：{query.year} / not a year.")
    issued = _date_range(
        "成文日期 / issue date",
        (query.date_from, query.date_to),
        (date(query.year, 1, 1), date(query.year, 12, 31)) if query.year else _ALL_DAYS,
    )
    ingested = _date_range("入库日期 / ingest date", (query.ingested_from, query.ingested_to))
    parsed = parse(query.text)
    has_filters = bool(codes or issuer or issued or ingested)
    if parsed.is_empty and not has_filters:
        raise QueryError(
            "请输入检索词或选择筛选条件 / Enter words to search for, or choose a filter."
        )
    return Plan(
        parsed=parsed,
        by_date=query.sort == "date" or not parsed.groups,
        offset=query.offset,
        limit=query.limit,
        facets=query.facets,
        codes=codes,
        issuer=issuer,
        issued=issued and (issued_key(issued[0]), issued_key(issued[1], LAST_DOC_ID)),
        ingested=ingested and (ingested[0].toordinal(), ingested[1].toordinal()),
    )


def _code(value: str | None, codes: type[Attribute] | type[Reason], what: str) -> str | None:
    """A filter value as a code; the Chinese label is accepted too."""
    if not value:
        return None
    for code in codes:
        if value in (code.value, code.label):
            return code.value
    known = "、".join(code.value for code in codes)
    raise QueryError(f"未知的{what}：{value}（可用：{known}）")


def _date_range(
    what: str, bounds: tuple[date | None, date | None], within: tuple[date, date] = _ALL_DAYS
) -> tuple[date, date] | None:
    lower = max(bounds[0] or date.min, within[0])
    upper = min(bounds[1] or date.max, within[1])
    if (lower, upper) == _ALL_DAYS:
        return None
    if lower > upper:
        raise QueryError(f"{what}：起始日期晚于截止日期 / the start date is after the end date.")
    return lower, upper


def compile_plan(plan: Plan, builder: QueryBuilder[Q]) -> Q:
    """The engine query for a plan: words in the full text, the title boosted."""
    b = builder
    required = [b.any_of([_match(b, term) for term in group]) for group in plan.parsed.groups]
    boosts = [
        b.boost(b.any_of([_title_match(b, term) for term in group]), TITLE_BOOST)
        for group in plan.parsed.groups
    ]
    boosts += [
        b.boost(b.term(Field.DOC_NUMBER, term.key), DOC_NUMBER_BOOST)
        for term in plan.parsed.positive_terms
        if term.kind is TermKind.DOC_NUMBER
    ]
    excluded = [_match(b, term, as_phrase=True) for term in plan.parsed.excluded]
    filters = [b.term(field, value) for field, value in plan.codes.items()]
    if plan.issuer:
        # All words rather than the phrase: as exact for names of agencies, and
        # a phrase of common words (人民 政府) costs a position check per document.
        filters.append(b.all_of([b.term(Field.ISSUER, word) for word in plan.issuer]))
    if plan.issued:
        filters.append(b.int_range(Field.ISSUED, *plan.issued))
    if plan.ingested:
        filters.append(b.int_range(Field.INGESTED, *plan.ingested))
    return b.combine(b.all_of(required) if required else b.documents(), boosts, excluded, filters)


def _match(b: QueryBuilder[Q], term: Term, *, as_phrase: bool = False) -> Q:
    if term.kind is TermKind.DOC_NUMBER:
        return b.any_of(
            [b.term(Field.DOC_NUMBER, term.key), _sequence(b, Field.TEXT, term.sequence)]
        )
    if term.kind is TermKind.PHRASE or as_phrase:
        return _phrase(b, Field.TEXT, term)
    return b.all_of([b.term(Field.TEXT, word) for word in term.words])


def _title_match(b: QueryBuilder[Q], term: Term) -> Q:
    if term.kind is TermKind.WORD:
        return b.all_of([b.term(Field.TITLE, word) for word in term.words])
    return _phrase(b, Field.TITLE, term)


def _phrase(b: QueryBuilder[Q], field: Field, term: Term) -> Q:
    # A phrase that is one word is that word: a plain term also finds it where
    # it was indexed as part of a longer word.
    if len(term.words) == 1:
        return b.term(field, term.words[0])
    return _sequence(b, field, term.sequence)


def _sequence(b: QueryBuilder[Q], field: Field, terms: Sequence[str]) -> Q:
    return b.term(field, terms[0]) if len(terms) == 1 else b.phrase(field, terms)


@dataclass(frozen=True)
class RawHit:
    payload: str
    score: float | None


RawCounts = Mapping[Facet, Mapping[FacetValue, int]]  # every value a backend counted


@dataclass(frozen=True)
class Execution:
    """What a backend found: the number of matches, one page, the counts if asked."""

    total: int
    hits: list[RawHit]
    counts: RawCounts


def ordered_facets(counts: RawCounts) -> FacetCounts:
    """The counts as the clerk reads them, decided here so the backends agree:
    years newest first, the rest most frequent first (ties by value), kinds and
    issuers cut to the top :data:`FACET_TOP`; empty values are not facets."""
    ordered: dict[Facet, tuple[tuple[FacetValue, int], ...]] = {}
    for facet in Facet:
        found = [(value, n) for value, n in counts.get(facet, {}).items() if value not in ("", 0)]
        if facet is Facet.YEAR:
            ordered[facet] = tuple(sorted(found, key=lambda item: item[0], reverse=True))
            continue
        found.sort(key=lambda item: (-item[1], str(item[0])))
        ordered[facet] = tuple(found[:FACET_TOP] if facet in (Facet.KIND, Facet.ISSUER) else found)
    return ordered


def corrupt(path: Path, detail: object) -> IndexCorrupt:
    return IndexCorrupt(
        f"{path}：索引无法读取，请重建 / the index cannot be read ({detail}); "
        "rebuild it from the register."
    )


def outdated(path: Path, detail: object) -> IndexOutdated:
    return IndexOutdated(
        f"{path}：索引由旧版本建立，需重建 / the index has an older format ({detail}); "
        "rebuild it from the register."
    )


def read_marker(path: Path, backend: str) -> bool:
    """Whether ``path`` holds an index of ``backend`` (False: empty or absent).

    Raise :class:`IndexOutdated` for one of an older version, :class:`IndexCorrupt`
    for anything else in the directory.
    """
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        return False
    try:
        found = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise corrupt(path, f"no readable {MARKER}: not a search index") from exc
    expected = {"backend": backend, "version": SCHEMA_VERSION}
    if isinstance(found, dict) and found.get("backend") == backend and found != expected:
        raise outdated(path, f"version {found.get('version')}, expected {SCHEMA_VERSION}")
    if found != expected:
        raise corrupt(path, f"an index of another format: {found}, expected {expected}")
    return True


def write_marker(path: Path, backend: str) -> None:
    temporary = path / f"{MARKER}.tmp"
    temporary.write_text(json.dumps({"backend": backend, "version": SCHEMA_VERSION}))
    temporary.replace(path / MARKER)


def watermark_payload(value: str) -> str:
    return json.dumps({"watermark": value}, ensure_ascii=False)


def watermark_of(payload: str | None) -> str | None:
    return None if payload is None else json.loads(payload)["watermark"]


class BaseIndex(ABC, Generic[Q]):
    """The shared half of a backend: the search flow and the thread lock."""

    backend: ClassVar[str]

    def __init__(self, path: Path, builder: QueryBuilder[Q]) -> None:
        self.path = path
        self._builder = builder
        # One writer per index: the lock serialises this process's threads;
        # other processes are kept out by the engine's own lock file.
        self._lock = threading.RLock()
        self._pending_watermark: str | None = None

    def search(self, query: SearchQuery) -> SearchResult:
        the_plan = plan(query)
        found = self._execute(compile_plan(the_plan, self._builder), the_plan)
        highlighter = _highlighter(the_plan.parsed)
        return SearchResult(
            found.total,
            tuple(_hit(raw, highlighter) for raw in found.hits),
            ordered_facets(found.counts) if the_plan.facets else {},
        )

    def set_watermark(self, value: str) -> None:
        with self._lock:
            self._pending_watermark = value

    @abstractmethod
    def _execute(self, query: Q, plan: Plan) -> Execution:
        """Run ``query``: the number of matches and the plan's page of hits, best
        first or (``plan.by_date``) newest first; with ``plan.facets``, the
        matches counted per value of each :data:`FACET_FIELDS` field."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _highlighter(parsed: ParsedQuery) -> Highlighter:
    # A 发文字号 is marked whole; its pieces (乌海, 号) would mark half the text.
    numbers = [t for t in parsed.positive_terms if t.kind is TermKind.DOC_NUMBER]
    words = [t for t in parsed.positive_terms if t.kind is not TermKind.DOC_NUMBER]
    return Highlighter(
        (word for term in words for word in term.words),
        (analysis.doc_number_pattern(term.key) for term in numbers),
    )


def _hit(raw: RawHit, highlighter: Highlighter) -> SearchHit:
    fields: dict[str, Any] = json.loads(raw.payload)
    snippet = highlighter.snippet(fields["text"])
    issue_date = fields["issue_date"]
    return SearchHit(
        doc_id=fields["doc_id"],
        title=fields["title"],
        doc_number=fields["doc_number"],
        issuer=fields["issuer"],
        doc_kind=fields["doc_kind"],
        issue_date=date.fromisoformat(issue_date) if issue_date else None,
        attribute=fields["attribute"],
        reason=fields["reason"],
        score=raw.score,
        snippet=snippet.text,
        highlights=snippet.highlights,
        file_names=tuple(fields["file_names"]),
    )
