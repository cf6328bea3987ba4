"""The search index kept in step with the register (the register is the source of truth).

The audit log is the register's change log: every change to a document (filed, a
new file name, a review decision) is an audit event. The index stores the id of
the last event it has taken in (its watermark), so catching up is re-adding the
documents named by the events since; a missing, corrupt, outdated or miscounted
index is rebuilt from the register, never the other way round.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from engine.register.models import AuditEvent, Document
from indexer import (
    Index,
    IndexCorrupt,
    IndexDocument,
    IndexOutdated,
    SearchQuery,
    open_index,
)

log = logging.getLogger(__name__)

BATCH = 500


def to_index_document(document: Document) -> IndexDocument:
    return IndexDocument(
        doc_id=document.id,
        title=document.title or "",
        doc_number=document.doc_number or "",
        issuer=document.issuer or "",
        doc_kind=document.doc_kind or "",
        issue_date=document.issue_date,
        attribute=document.attribute,
        reason=document.reason,
        ingested_at=document.ingested_at,
        text=document.text,
        source_names=tuple(dict.fromkeys(s.file_name for s in document.sources)),
    )


@dataclass(frozen=True)
class SyncReport:
    rebuilt: bool
    indexed: int  # documents (re)added
    watermark: int


def _last_event(session: Session) -> int:
    return session.scalar(select(func.max(AuditEvent.id))) or 0


def _documents(session: Session, ids: Iterable[int] | None = None) -> Iterator[Document]:
    query = select(Document).options(selectinload(Document.sources)).order_by(Document.id)
    if ids is not None:
        query = query.where(Document.id.in_(list(ids)))
    yield from session.scalars(query.execution_options(yield_per=BATCH))


class SearchIndex:
    """The archive's index and the one writer that keeps it in step (thread-safe)."""

    def __init__(self, path: Path, sessions: sessionmaker[Session], backend: str) -> None:
        self.path = path
        self.backend = backend
        self._sessions = sessions
        self._lock = threading.Lock()
        self.index = self._open()

    def _open(self) -> Index:
        try:
            return open_index(self.path, self.backend)
        except IndexOutdated as error:
            # Sound but of an older format (an upgrade): nothing in it worth keeping.
            log.warning("%s; rebuilding it from the register", error)
            shutil.rmtree(self.path)
            return open_index(self.path, self.backend)
        except IndexCorrupt as error:
            # Derived data: set the damaged index aside (for a look) and start afresh.
            aside = self.path.with_name(f"{self.path.name}.corrupt-{datetime.now():%Y%m%d%H%M%S}")
            log.warning("the search index is damaged (%s); rebuilding, old one at %s", error, aside)
            shutil.move(self.path, aside)
            return open_index(self.path, self.backend)

    def close(self) -> None:
        self.index.close()

    def sync(self, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Take in what the register changed since the watermark; rebuild if in doubt."""
        with self._lock, self._sessions() as session:
            mark = self.index.watermark
            last = _last_event(session)
            if mark is None or not mark.isdigit() or int(mark) > last:
                return self._rebuild(session, last, progress)
            registered = session.scalar(select(func.count(Document.id))) or 0
            if int(mark) == last:  # nothing new: a count check is all it takes
                if self.index.count() == registered:
                    return SyncReport(False, 0, last)
                return self._rebuild(session, last, progress)
            changed = set(
                session.scalars(
                    select(AuditEvent.document_id).where(
                        AuditEvent.id > int(mark), AuditEvent.document_id.is_not(None)
                    )
                )
            )
            documents = list(_documents(session, changed)) if changed else []
            self.index.delete(changed - {d.id for d in documents})
            self.index.add(map(to_index_document, documents))
            self.index.set_watermark(str(last))
            self.index.commit()
            if self.index.count() != registered:
                log.warning("index holds %s documents, register %s: rebuilding",
                            self.index.count(), registered)  # fmt: skip
                return self._rebuild(session, last, progress)
            return SyncReport(False, len(documents), last)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        with self._lock, self._sessions() as session:
            return self._rebuild(session, _last_event(session), progress)

    def _rebuild(
        self, session: Session, last: int, progress: Callable[[int, int], None] | None
    ) -> SyncReport:
        total = session.scalar(select(func.count(Document.id))) or 0
        self.index.clear()
        done = 0
        batch: list[IndexDocument] = []
        for document in _documents(session):
            batch.append(to_index_document(document))
            if len(batch) == BATCH:
                self.index.add(batch)
                done += len(batch)
                batch = []
                if progress:
                    progress(done, total)
        self.index.add(batch)
        done += len(batch)
        self.index.set_watermark(str(last))
        self.index.commit()
        if progress:
            progress(done, total)
        return SyncReport(True, done, last)

    def search(self, query: SearchQuery) -> dict[str, object]:
        """Hits as plain data, each with the file names it arrived under (kept in the
        index, which a new name reaches as any change does: no register query per
        search); ``facets``: name -> [value, count] pairs, empty unless asked for."""
        result = self.index.search(query)
        return {
            "total": result.total,
            "offset": query.offset,
            "hits": [
                {
                    "id": hit.doc_id,
                    "title": hit.title,
                    "doc_number": hit.doc_number,
                    "issuer": hit.issuer,
                    "doc_kind": hit.doc_kind,
                    "issue_date": hit.issue_date.isoformat() if hit.issue_date else None,
                    "file_names": list(hit.file_names),
                    "attribute": hit.attribute,
                    "reason": hit.reason,
                    "score": hit.score,
                    "snippet": hit.marked_snippet(),
                    "snippet_html": hit.snippet_html(),  # escaped; only <mark> is markup
                }
                for hit in result.hits
            ],
            "facets": {
                str(facet): [[value, count] for value, count in counts]
                for facet, counts in result.facets.items()
            },
        }
