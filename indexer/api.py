"""The public types of the index: what goes in, what a search asks, what comes back.

The pipeline, the CLI and the web desk depend on these and on the :class:`Index`
protocol only; which engine sits behind it (tantivy, whoosh) is chosen once, by
:func:`indexer.open_index`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal, Protocol, runtime_checkable

Sort = Literal["relevance", "date"]


class IndexerError(Exception):
    """Base of the errors this package raises on purpose."""


class QueryError(IndexerError, ValueError):
    """A query the index cannot run; ``str(error)`` is a message for the clerk (中文 / English)."""


class IndexCorrupt(IndexerError):
    """The index directory cannot be read as an index of this backend and version.

    The register is the source of truth: catch this, remove the directory and
    rebuild the index from the register (``gongkai reindex``).
    """


class IndexOutdated(IndexCorrupt):
    """The index was built by an older version of this backend (other fields or
    analysis): nothing is wrong with it, but it must be rebuilt from the register."""


class IndexLocked(IndexerError):
    """Another process holds the index's writer lock and did not release it in time."""


@dataclass(frozen=True)
class IndexDocument:
    """One registered document as the index sees it.

    ``text`` is the extracted text (it is normalised again on the way in, so
    raw text is fine too). ``attribute`` and ``reason`` are the codes of
    :mod:`engine.codes` (公开属性, 不予公开理由), ``None`` while unclassified.
    """

    doc_id: int  # the register's id, 0 <= doc_id < 2**32
    title: str
    doc_number: str  # 发文字号 as written, "" when the document has none
    issuer: str  # 发文机关
    doc_kind: str  # 文种: 通知, 请示, 会议纪要 …
    issue_date: date | None  # 成文日期
    attribute: str | None
    reason: str | None
    ingested_at: datetime
    text: str
    source_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    """A search as the clerk asked it: words plus filters.

    ``text`` uses the clerk's syntax (:mod:`indexer.query`): words, "phrases",
    -exclusion, ``OR``; a 发文字号 is recognised as such. Filters combine with
    AND. ``attribute`` and ``reason`` take a code or its Chinese label.
    ``issuer`` matches a 发文机关 that contains the given words (乌海市 finds
    乌海市人民政府办公厅).
    Date bounds are inclusive. An empty ``text`` lists the filtered documents,
    newest first. ``facets``: count every match per :class:`Facet` as well.
    """

    text: str = ""
    attribute: str | None = None
    reason: str | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    ingested_from: date | None = None
    ingested_to: date | None = None
    issuer: str | None = None
    kind: str | None = None
    doc_number: str | None = None
    limit: int = 20
    offset: int = 0
    sort: Sort = "relevance"
    facets: bool = False


class Facet(StrEnum):
    """What the matches are counted by, beside the page of hits (the clerk's filters)."""

    YEAR = "year"  # of the 成文日期 (int)
    ATTRIBUTE = "attribute"  # 公开属性 code
    KIND = "kind"  # 文种
    ISSUER = "issuer"  # 发文机关 as written


FACET_TOP = 10  # values listed for 文种 and 发文机关, the most frequent
FacetValue = str | int
# Per facet, (value, number of matching documents): years newest first, the
# others most frequent first; documents without the value are not counted.
FacetCounts = Mapping[Facet, tuple[tuple[FacetValue, int], ...]]


@dataclass(frozen=True)
class SearchHit:
    """One matching document.

    ``snippet`` is plain text from the document (whitespace collapsed, ``…``
    where it was cut); ``highlights`` are the ``(start, end)`` character ranges
    of the matched words inside it. ``score`` is ``None`` when the results are
    sorted by date. ``file_names`` are the document's ``source_names``.
    """

    doc_id: int
    title: str
    doc_number: str
    issuer: str
    doc_kind: str
    issue_date: date | None
    attribute: str | None
    reason: str | None
    score: float | None
    snippet: str
    highlights: tuple[tuple[int, int], ...] = ()
    file_names: tuple[str, ...] = ()

    def marked_snippet(self, open_mark: str = "【", close_mark: str = "】") -> str:
        """The snippet with each matched word wrapped, 【like this】 by default."""
        return _wrap(self.snippet, self.highlights, str, open_mark, close_mark)

    def snippet_html(self) -> str:
        """The snippet as escaped HTML with matched words in ``<mark>``."""
        return _wrap(self.snippet, self.highlights, html.escape, "<mark>", "</mark>")


def _wrap(
    text: str,
    ranges: Iterable[tuple[int, int]],
    escape: Callable[[str], str],
    open_mark: str,
    close_mark: str,
) -> str:
    parts: list[str] = []
    position = 0
    for start, end in ranges:
        parts += [escape(text[position:start]), open_mark, escape(text[start:end]), close_mark]
        position = end
    parts.append(escape(text[position:]))
    return "".join(parts)


@dataclass(frozen=True)
class SearchResult:
    """One page of hits and the number of all matching documents; with
    ``SearchQuery.facets``, every :class:`Facet` counted over all of them."""

    total: int
    hits: tuple[SearchHit, ...]
    facets: FacetCounts = field(default_factory=dict)


@runtime_checkable
class Index(Protocol):
    """A full-text index of the register's documents.

    Contract, for every backend:

    * ``add`` SHALL replace any document with the same ``doc_id``; ``delete``
      of an unknown id is not an error. Changes, ``clear`` and the watermark
      become visible to searches and to other processes only at ``commit``,
      all at once; ``close`` discards what was not committed.
    * ``search`` SHALL raise :class:`QueryError` (and nothing else) for a query
      it cannot run, with a message the clerk can read. Asked for facets, it
      SHALL count exactly the documents that match (for kind and issuer, the
      :data:`FACET_TOP` most frequent values only).
    * Opening a directory that is not a readable index of this backend SHALL
      raise :class:`IndexCorrupt` (:class:`IndexOutdated` when it is one of an
      older version); a writer lock held elsewhere for too long
      SHALL raise :class:`IndexLocked`.
    * All methods MAY be called from several threads of one process.
    """

    @property
    def watermark(self) -> str | None:
        """The caller's marker saved with the last commit (e.g. the register's
        highest ingested_at), ``None`` if never set; it survives restarts."""
        ...

    def set_watermark(self, value: str) -> None:
        """Save ``value`` as the watermark at the next ``commit``."""
        ...

    def add(self, docs: Iterable[IndexDocument]) -> None: ...

    def delete(self, doc_ids: Iterable[int]) -> None: ...

    def clear(self) -> None:
        """Remove every document and the watermark (at the next ``commit``)."""
        ...

    def commit(self) -> None: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def count(self) -> int:
        """The number of committed documents."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Index: ...

    def __exit__(self, *exc_info: object) -> None: ...
