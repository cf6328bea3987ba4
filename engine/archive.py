"""The archive as the shells (CLI, watcher, web desk) see it: one object to open.

It holds the settings, the register's engine and sessions and the pipeline, and
offers the few operations the shells share. The rules live elsewhere.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from engine.adjust_store import AdjustDesk
from engine.classify import load_model
from engine.config import Settings
from engine.correction_store import CorrectionDesk
from engine.pipeline import Arrival, Outcome, Pipeline, claim, new_claim_id
from engine.publication_store import PublicationDesk
from engine.register.audit import audit
from engine.register.db import connect, migrate, session_factory
from engine.register.models import AuditEvent, Document
from engine.request_store import RequestDesk
from engine.search import SearchIndex
from engine.store import sweep_incoming
from engine.watchrules import is_ignored
from indexer import IndexLocked

log = logging.getLogger(__name__)


@dataclass
class Archive:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    pipeline: Pipeline
    _search: SearchIndex | None = None

    @classmethod
    def open(cls, settings: Settings, *, prepare: bool = True) -> Archive:
        """Open the archive; ``prepare``: create its folders, tidy up after a crash and
        bring the register up to date (a worker process skips it: its parent did it)."""
        engine = connect(settings.database_url)
        if prepare:
            settings.ensure_folders()
            for root in (settings.originals, settings.quarantine, settings.generated):
                sweep_incoming(root)
            migrate(engine)
        sessions = session_factory(engine)
        model = load_model(settings.model_path) if settings.model_path.exists() else None
        return cls(settings, engine, sessions, Pipeline(settings, sessions, model=model))

    def close(self) -> None:
        if self._search is not None:
            self._search.close()
        self.engine.dispose()

    def search_index(self) -> SearchIndex:
        """The search index, opened and brought in step with the register on first use."""
        if self._search is None:
            self._search = SearchIndex(
                self.settings.index_dir, self.sessions, self.settings.index_backend
            )
            try:
                self._search.sync()
            except IndexLocked:  # another process (the watcher) writes it and catches up
                log.warning("the search index is being written by another process")
        return self._search

    def requests(self) -> RequestDesk:
        """The request register (依申请公开), with the office's working-day calendar."""
        return RequestDesk.open(self.sessions, self.settings.home)

    def corrections(self) -> CorrectionDesk:
        """更正 / 澄清 / 勘误: correction requests and correcting notices."""
        return CorrectionDesk(self.sessions, self.settings.home)

    def publications(self) -> PublicationDesk:
        """主动公开: publications, the 20-working-day clock, 有效性 and the catalog."""
        settings = self.settings
        return PublicationDesk.open(self.sessions, settings.home, settings.signoff_levels)

    def adjustments(self) -> AdjustDesk:
        """动态调整: suggestions found through the register and the search index."""
        return AdjustDesk(self.sessions, self.search_index(), self.settings.signoff_levels)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def ingest_files(
        self, files: Iterable[Path], on_done: Callable[[Outcome], None] | None = None
    ) -> list[Outcome]:
        """Ingest the user's files in place (a bulk back-fill): they are not moved.

        Large batches are spread over ``settings.workers`` processes.
        """
        arrivals = [
            Arrival(path.resolve(), path.name, str(path.resolve()), consume=False) for path in files
        ]
        if self.settings.workers < 2 or len(arrivals) < 4 * self.settings.workers:
            return _collect(map(self.pipeline.process, arrivals), on_done)
        pool = worker_pool(self.settings)
        try:
            return _collect(pool.map(process_in_worker, arrivals, chunksize=4), on_done)
        finally:  # on Ctrl-C, what was not started stays undone
            pool.shutdown(cancel_futures=True)

    def count_documents(self) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count(Document.id))) or 0


def _collect(
    outcomes: Iterable[Outcome], on_done: Callable[[Outcome], None] | None
) -> list[Outcome]:
    collected = []
    for outcome in outcomes:
        collected.append(outcome)
        if on_done:
            on_done(outcome)
    return collected


def files_under(paths: Iterable[Path], skip: Path | None = None) -> Iterator[Path]:
    """The files to ingest from files and folder trees, in a stable order.

    Temporary, lock and hidden files are passed over, as in the inbox; so is
    ``skip`` (the data root, when a user points at a folder that contains it).
    """
    for path in paths:
        if path.is_file():
            yield path
            continue
        if not path.is_dir():
            raise FileNotFoundError(f"no such file or folder: {path}")
        for folder, dirnames, filenames in os.walk(path):
            base = Path(folder)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and base / d != skip)
            for name in sorted(filenames):
                file = base / name
                if not is_ignored(file, path) and file.is_file():
                    yield file


def document_view(document: Document) -> dict[str, object]:
    """A document as plain data (the CLI's --json and the web desk's JSON)."""
    return {
        "id": document.id,
        "file_names": list(dict.fromkeys(s.file_name for s in document.sources)),
        "sha256": document.sha256,
        "size": document.size,
        "format": document.format,
        "status": document.status,
        "doc_number": document.doc_number,
        "title": document.title,
        "issuer": document.issuer,
        "issue_date": document.issue_date.isoformat() if document.issue_date else None,
        "doc_kind": document.doc_kind,
        "attribute": document.attribute,
        "reason": document.reason,
        "attribute_source": document.attribute_source,
        "ingested_at": document.ingested_at.isoformat(timespec="seconds"),
        "metadata": document.fields,
    }


def list_documents(
    session: Session,
    *,
    limit: int = 50,
    offset: int = 0,
    attribute: str | None = None,
    status: str | None = None,
) -> list[Document]:
    """Documents newest first, with their sources loaded."""
    query = select(Document).options(selectinload(Document.sources))
    if attribute:
        query = query.where(Document.attribute == attribute)
    if status:
        query = query.where(Document.status == status)
    query = query.order_by(Document.ingested_at.desc(), Document.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def document_history(session: Session, document_id: int) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.document_id == document_id)
    return list(session.scalars(query.order_by(AuditEvent.at, AuditEvent.id)))


def document_detail(session: Session, home: Path, doc_id: int) -> dict[str, object] | None:
    """One document as ``gongkai show`` and the web desk show it: metadata, the files it
    arrived as, where its original is kept, its history, warnings and text."""
    document = session.get(Document, doc_id, options=[selectinload(Document.sources)])
    if document is None:
        return None
    view = document_view(document)
    view["sources"] = [
        {
            "file_name": s.file_name,
            "source_path": s.source_path,
            "arrived_at": s.arrived_at.isoformat(timespec="seconds"),
        }
        for s in document.sources
    ]
    view["original"] = str(home / document.original_path)
    view["history"] = [
        {
            "at": e.at.isoformat(timespec="seconds"),
            "actor": e.actor,
            "action": e.action,
            "detail": e.detail,
        }
        for e in document_history(session, doc_id)
    ]
    view["warnings"] = document.warnings
    view["text"] = document.text
    return view


def filed_today(session: Session, today: date | None = None, limit: int = 200) -> list[Document]:
    """The documents filed since midnight (local time), newest first, with their sources."""
    since = datetime.combine(today or date.today(), time()).astimezone(UTC)
    query = (
        select(Document)
        .options(selectinload(Document.sources))
        .where(Document.ingested_at >= since)
        .order_by(Document.ingested_at.desc(), Document.id.desc())
    )
    return list(session.scalars(query.limit(limit)))


def file_upload(archive: Archive, staged: Path, by: str) -> Outcome:
    """File an upload of the web desk (:func:`engine.pipeline.stage_upload`) as a dropped file.

    Claimed, then the pipeline files it or quarantines it with its reason; the
    upload is audited under ``by`` and the index brought in step. Disk or register
    trouble raises, and the claimed file waits for the watcher's retry, as a
    dropped one does.
    """
    claim_id = new_claim_id()
    with archive.pipeline.holding(claim_id):  # the watcher's redo of claims leaves it be
        arrival = claim(archive.settings, staged, claim_id)
        staged.parent.rmdir()  # the upload's own folder, empty once claimed
        if arrival is None:
            raise FileNotFoundError(f"the upload {staged.name} is gone")
        outcome = archive.pipeline.process(arrival)
    with archive.sessions.begin() as session:
        audit(
            session,
            by,
            "upload",
            outcome.file_name,
            {"status": outcome.status.value, "reason": outcome.reason, "message": outcome.message},
            document_id=outcome.document_id,
        )
    try:
        archive.search_index().sync()
    except IndexLocked:  # the process that writes the index takes it in at its next sync
        log.warning("the search index is busy; %s is indexed at its next sync", outcome.file_name)
    return outcome


# --- worker processes ---------------------------------------------------------
# Extraction, metadata and classification are CPU-bound Python: a second core helps
# only from a second process. Each worker opens its own archive; files are claimed
# and their outcomes collected by the parent.

_worker_archive: Archive | None = None


def _start_worker(settings: Settings) -> None:
    global _worker_archive
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent finishes what is in hand
    _worker_archive = Archive.open(settings, prepare=False)


def process_in_worker(arrival: Arrival) -> Outcome:
    """Run the pipeline over one file in a worker process of :func:`worker_pool`."""
    assert _worker_archive is not None, "started by worker_pool"
    return _worker_archive.pipeline.process(arrival)


def worker_pool(settings: Settings) -> ProcessPoolExecutor:
    """Processes that file documents; spawned, so no thread or lock is inherited."""
    return ProcessPoolExecutor(
        settings.workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(settings,),
    )
