"""Read filed originals again (重新读取): documents filed without text, or read by older extractors.

A legacy Word 6.0/95 ``.doc``/``.wps`` is filed as ``needs_conversion`` when no
LibreOffice could read it; nothing in the pipeline tries it again. Here the kept
original goes once more through the pipeline's own content stages (extract,
metadata, classify: :data:`engine.pipeline.DEFAULT_STAGES`, those that
``reads_content``), with the extractors as they are now, and the result is filed
over the document in one transaction.

The rules, :func:`verdict`:

* a reading with text, or a new status, replaces the document's text, status,
  pages, warnings and GB/T 9704 fields (a field it does not state keeps the
  register's value: a clerk may have entered it), and where the text or fields
  changed, the classifier's proposal is recorded as ingest records it;
* a document that is ``filed`` never steps back: where the extractor now says
  ``needs_ocr`` its text came from OCR (or a better reader) and stays;
* a reading that gets no text (LibreOffice still missing or failing, a damaged
  original) changes nothing but the warnings, which get the new reason;
* a document whose 公开属性 is decided (``attribute_source == "decision"``, also while
  reopened) gets no new proposal: the decision stands, its text and fields may
  still be updated, and the audit event says so.

Each document a reading changes gets an audit event ``reread`` naming what
changed; the search index takes the document in at its next sync (the audit log
is its change log). A reading that changes nothing leaves no trace.

The watcher runs :class:`ConversionRetry`: a LibreOffice installed or upgraded
while it runs is noticed, and the documents waiting for it are read again.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engine.codes import Attribute, DocumentStatus
from engine.extract import legacy
from engine.metadata import DocumentMetadata
from engine.pipeline import (
    Arrival,
    Ingest,
    Pipeline,
    Rejected,
    apply_metadata,
    document_status,
    read_fields,
)
from engine.register.models import Document
from indexer import IndexLocked

if TYPE_CHECKING:
    from engine.archive import Archive

log = logging.getLogger(__name__)

ACTION = "reread"
# How often the watcher looks for a LibreOffice installed or upgraded since it started.
RETRY_SECONDS = 300.0
# The GB/T 9704 columns; one the new reading does not state keeps its value.
_METADATA_COLUMNS = ("doc_number", "title", "issuer", "issue_date", "doc_kind", "secrecy_level")
# The register's columns a reading may change, as the audit event names them.
READ_COLUMNS = ("status", "text", "pages", "encoding", "warnings", *_METADATA_COLUMNS)
# Those the classifier reads: a change to any of them is worth a new proposal.
_CLASSIFIED = frozenset({"text", *_METADATA_COLUMNS})


class UnknownDocuments(LookupError):
    """Document ids the register does not hold."""

    def __init__(self, ids: Sequence[int]) -> None:
        super().__init__(f"no document with id {', '.join(map(str, ids))}")
        self.ids = tuple(ids)


@dataclass(frozen=True)
class RereadJob:
    """A document to read again and where its original is kept."""

    document_id: int
    file_name: str
    path: Path


class Verdict(StrEnum):
    READ = "read"  # the reading replaces the document's text and status
    KEPT = "kept"  # a filed document's text stands (the extractor now reads less)
    UNREADABLE = "unreadable"  # still no text: only the warnings get the reason


@dataclass(frozen=True)
class RereadOutcome:
    document_id: int
    file_name: str
    verdict: str  # a Verdict, or "deleted" / "missing" (no original to read)
    before: str  # the status before
    status: str  # the status after
    changed: tuple[str, ...]  # the READ_COLUMNS changed (and "proposal")
    proposed: str | None  # the 公开属性 proposed, if a proposal was recorded
    decided: str | None  # the decided 公开属性 left standing, if any
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "document_id": self.document_id,
            "file_name": self.file_name,
            "verdict": self.verdict,
            "before": self.before,
            "status": self.status,
            "changed": list(self.changed),
            "proposed": self.proposed,
            "decided": self.decided,
            "message": self.message,
        }


# --- the rules ------------------------------------------------------------------


def verdict(current: DocumentStatus, read: DocumentStatus, text: str) -> Verdict:
    """What a reading of status ``read`` with ``text`` does to a document now ``current``."""
    if read is DocumentStatus.NEEDS_CONVERSION or (not text and read is current):
        return Verdict.UNREADABLE
    if current is DocumentStatus.FILED and read is not DocumentStatus.FILED:
        return Verdict.KEPT
    return Verdict.READ


def changes(before: Mapping[str, object], after: Mapping[str, object]) -> tuple[str, ...]:
    """The names whose values differ, in the order of ``before``."""
    return tuple(name for name, value in before.items() if after.get(name) != value)


def summary(outcome: RereadOutcome) -> str:
    """One line saying what a reading did, for people (the CLI, the log)."""
    if outcome.verdict == Verdict.UNREADABLE:
        return f"still unreadable: {outcome.message}"
    if outcome.verdict not in (Verdict.READ, Verdict.KEPT):  # deleted, missing: not read
        return outcome.message
    said = [f"{outcome.before} -> {outcome.status}" if outcome.before != outcome.status else ""]
    said.append(f"changed {', '.join(outcome.changed)}" if outcome.changed else "unchanged")
    if outcome.proposed:
        said.append(f"proposed {Attribute(outcome.proposed).label}")
    if outcome.decided:
        said.append(f"公开属性 decided ({Attribute(outcome.decided).label}): the decision stands")
    if outcome.message:
        said.append(outcome.message)
    return "; ".join(part for part in said if part)


# --- which documents --------------------------------------------------------------


def pending(
    archive: Archive,
    document_ids: Iterable[int] | None = None,
    status: DocumentStatus = DocumentStatus.NEEDS_CONVERSION,
) -> list[RereadJob]:
    """The documents to read again, oldest first: those of ``document_ids`` whatever their
    status (:class:`UnknownDocuments` names any the register lacks), else those in
    ``status``."""
    query = select(Document).options(selectinload(Document.sources)).order_by(Document.id)
    wanted = None if document_ids is None else list(dict.fromkeys(document_ids))
    if wanted is None:
        query = query.where(Document.status == status.value)
    else:
        query = query.where(Document.id.in_(wanted))
    home = archive.settings.home
    with archive.sessions() as session:
        jobs = [
            RereadJob(
                document.id,
                document.sources[0].file_name if document.sources else document.sha256,
                home / document.original_path,
            )
            for document in session.scalars(query)
        ]
    missing = sorted(set(wanted or ()) - {job.document_id for job in jobs})
    if missing:
        raise UnknownDocuments(missing)
    return jobs


# --- reading and filing -----------------------------------------------------------


def read_original(pipeline: Pipeline, job: RereadJob) -> Ingest | str:
    """The pipeline's content stages over the kept original: what they read, or why not.

    As in ingest, a stage's refusal or failure is the file's problem (said here, where
    ingest would quarantine it); an OSError is the disk's and propagates.
    """
    ingest = Ingest(Arrival(job.path, job.file_name, str(job.path), consume=False))
    for stage in pipeline.stages:
        if not stage.reads_content:
            continue
        try:
            stage.run(ingest, pipeline)
        except Rejected as refusal:
            return f"{refusal} ({refusal.reason})"
        except OSError:
            raise
        except Exception as error:
            log.exception("stage %s failed on %s", stage.name, job.file_name)
            return f"{stage.name} failed: {type(error).__name__}: {error}"
    return ingest


def _columns(document: Document) -> dict[str, object]:
    return {name: getattr(document, name) for name in READ_COLUMNS}


def _unfiled(job: RereadJob, verdict: str, message: str) -> RereadOutcome:
    return RereadOutcome(job.document_id, job.file_name, verdict, "", "", (), None, None, message)


def file_reading(pipeline: Pipeline, job: RereadJob, reading: Ingest | str) -> RereadOutcome:
    """One transaction: the reading filed over the document by :func:`verdict`, the
    classifier's proposal when the text or fields changed (unless the 公开属性 is
    decided) and the audit event ``reread``. ``reading``: :func:`read_original`'s."""
    with pipeline.sessions.begin() as session:
        document = session.get(Document, job.document_id)
        if document is None:
            return _unfiled(job, "deleted", "no longer in the register")
        before = _columns(document)
        current = DocumentStatus(document.status)
        decided = document.attribute if document.attribute_source == "decision" else None
        found, message = _take(document, current, reading)
        changed = changes(before, _columns(document))
        proposed = None
        if (
            isinstance(reading, Ingest)
            and reading.classification is not None
            and decided is None
            and _CLASSIFIED.intersection(changed)
        ):
            pipeline.propose(session, document, reading.classification)
            proposed = reading.classification.attribute.value
            changed += ("proposal",)
        outcome = RereadOutcome(
            document.id,
            job.file_name,
            found.value,
            current.value,
            document.status,
            changed,
            proposed,
            decided,
            message,
        )
        if changed:  # else nothing to record and nothing for the index to take in
            detail = outcome.to_dict()
            del detail["document_id"], detail["file_name"]
            pipeline.audit(session, ACTION, job.file_name, document.id, **detail)
        return outcome


def _take(
    document: Document, current: DocumentStatus, reading: Ingest | str
) -> tuple[Verdict, str]:
    """Put the reading on the document as its verdict says; the verdict and what to say."""
    if isinstance(reading, str):
        document.warnings = list(dict.fromkeys([*document.warnings, reading]))
        return Verdict.UNREADABLE, reading
    extraction = reading.extracted
    status = document_status(extraction)
    found = verdict(current, status, extraction.text)
    if found is Verdict.UNREADABLE:
        document.warnings = list(dict.fromkeys([*document.warnings, *extraction.warnings]))
        return found, "; ".join(extraction.warnings) or f"no text read ({status.value})"
    if found is Verdict.KEPT:
        return found, f"its text stands; the extractor now says {status.value}"
    metadata = reading.metadata or DocumentMetadata()
    parsed = metadata.to_dict()
    kept = {name: value for name, value in document.fields.items() if name not in parsed}
    document.text = extraction.text
    document.status = status.value
    document.pages = extraction.pages
    document.encoding = extraction.encoding
    document.warnings = list(extraction.warnings)
    earlier = {name: getattr(document, name) for name in _METADATA_COLUMNS}
    apply_metadata(document, metadata, dict.fromkeys(read_fields(metadata), "text"))
    document.fields = {**kept, **document.fields}  # what else it keeps: an OCR attempt …
    for name, value in earlier.items():  # a clerk may have entered it (rules mark --issued)
        if getattr(document, name) is None:
            setattr(document, name, value)
    return found, ""


def reread(
    archive: Archive,
    jobs: Sequence[RereadJob],
    *,
    threads: int = 1,
    on_done: Callable[[RereadOutcome], None] | None = None,
    stopped: Callable[[], bool] = lambda: False,
) -> list[RereadOutcome]:
    """Read the originals of ``jobs`` again (``threads`` at once: a LibreOffice
    conversion is seconds in another process) and file each reading as it comes, in
    order; then bring the search index in step. ``stopped``: asked between documents.

    An original missing from the store is reported (verdict ``missing``), not filed.
    """
    outcomes: list[RereadOutcome] = []
    for job, reading in _readings(archive.pipeline, jobs, threads, stopped):
        if isinstance(reading, OSError):
            outcome = _unfiled(job, "missing", f"the original cannot be read: {reading}")
        else:
            outcome = file_reading(archive.pipeline, job, reading)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    if outcomes:
        try:
            archive.search_index().sync()
        except IndexLocked:  # the process that writes the index takes them in at its next sync
            log.info("the search index is busy; the documents read again are indexed later")
    return outcomes


def _readings(
    pipeline: Pipeline, jobs: Sequence[RereadJob], threads: int, stopped: Callable[[], bool]
) -> Iterator[tuple[RereadJob, Ingest | str | OSError]]:
    """Each job with its reading (or the disk's error), in order, until ``stopped``."""

    def read(job: RereadJob) -> tuple[RereadJob, Ingest | str | OSError | None]:
        if stopped():
            return job, None
        try:
            return job, read_original(pipeline, job)
        except OSError as error:
            return job, error

    with ThreadPoolExecutor(max(1, threads), thread_name_prefix="reread") as pool:
        for job, reading in pool.map(read, jobs):
            if reading is None:
                pool.shutdown(cancel_futures=True)
                return
            yield job, reading


# --- the watcher's retry of documents waiting for conversion ------------------------


def converter() -> str | None:
    """The LibreOffice that would convert now, as its real path and modification time
    (an upgrade changes them); None without one."""
    found = legacy.find_soffice()
    if found is None:
        return None
    real = os.path.realpath(found)
    try:
        return f"{real}@{os.stat(real).st_mtime_ns}"
    except OSError:
        return None


class ConversionRetry:
    """Reads the ``needs_conversion`` documents again whenever a LibreOffice is there that
    has not tried them yet: at start, after an install or an upgrade, and documents filed
    while it timed out or failed. One document at a time, so incoming files keep the
    other LibreOffice slot (:data:`engine.extract.legacy.SOFFICE_CONCURRENCY`)."""

    def __init__(self, archive: Archive, interval: float = RETRY_SECONDS) -> None:
        self.archive = archive
        self.interval = interval
        self._tried: dict[int, str] = {}  # document id -> the converter that tried it

    def run(self, stop: threading.Event) -> None:
        """Look now, then every ``interval``, until ``stop``; a failure waits for the next look."""
        while not stop.is_set():
            try:
                self.once(stop)
            except Exception:  # the register or the store gone away: the documents wait
                log.exception("reading the documents waiting for conversion failed")
            stop.wait(self.interval)

    def once(self, stop: threading.Event | None = None) -> list[RereadOutcome]:
        """Read again the waiting documents the present LibreOffice has not tried."""
        found = converter()
        if found is None:
            return []
        jobs = [job for job in pending(self.archive) if self._tried.get(job.document_id) != found]
        if not jobs:
            return []
        log.info("LibreOffice found: reading %d documents waiting for conversion", len(jobs))
        outcomes = reread(
            self.archive, jobs, stopped=stop.is_set if stop else lambda: False, on_done=_log
        )
        self._tried.update((outcome.document_id, found) for outcome in outcomes)
        return outcomes


def _log(outcome: RereadOutcome) -> None:
    log.info("%s: reread, %s", outcome.file_name, summary(outcome))
