"""Full-text search of the archive, behind one small interface.

Typical use::

    with open_index(home / "index") as index:      # tantivy unless told otherwise
        index.add(documents)                       # IndexDocument, replaced by doc_id
        index.set_watermark(last_ingested.isoformat())
        index.commit()
        result = index.search(SearchQuery("责任追究 办法", attribute="proactive"))
        result.total, result.hits[0].marked_snippet()   # '…【责任】【追究】【办法】…'

Backends: ``tantivy`` (the default) and ``whoosh`` (Whoosh-Reloaded, pure
Python, much slower). The index can always be rebuilt from the register.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from indexer.api import (
    FACET_TOP,
    Facet,
    FacetCounts,
    Index,
    IndexCorrupt,
    IndexDocument,
    IndexerError,
    IndexLocked,
    IndexOutdated,
    QueryError,
    SearchHit,
    SearchQuery,
    SearchResult,
)

__all__ = [
    "BACKENDS",
    "FACET_TOP",
    "Facet",
    "FacetCounts",
    "Index",
    "IndexCorrupt",
    "IndexDocument",
    "IndexLocked",
    "IndexOutdated",
    "IndexerError",
    "QueryError",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "open_index",
]

# backend name -> (module, class); imported on use, so an installation needs
# only the engine it runs.
BACKENDS = {
    "tantivy": ("indexer.tantivy_backend", "TantivyIndex"),
    "whoosh": ("indexer.whoosh_backend", "WhooshIndex"),
}


def open_index(path: Path, backend: str = "tantivy") -> Index:
    """Open the index at ``path``, creating it if the directory is absent or empty.

    Raises :class:`IndexCorrupt` when ``path`` holds anything else (another
    backend's index, damaged files; :class:`IndexOutdated` for an older format):
    remove it and rebuild.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown index backend {backend!r}; choose one of {sorted(BACKENDS)}")
    module, name = BACKENDS[backend]
    index: Index = getattr(importlib.import_module(module), name)(Path(path))
    return index
