"""One file in -> one registered document (or one quarantined file, with its reason).

The pipeline is an ordered list of :class:`Stage` s, each a function
``run(ingest, pipeline) -> None`` over the same :class:`Ingest`:

    checksum -> deduplicate -> extract -> metadata -> classify -> store -> register

Contract of a stage:

* it SHALL only read what earlier stages put on the ``Ingest`` and add its own part;
* it MAY finish the chain early by setting ``ingest.outcome`` (a duplicate is done
  once its arrival is recorded);
* it MAY refuse the file by raising :class:`Rejected` with a reason code: the file
  is then moved to the quarantine with a reason file and an audit event;
* a stage that ``reads_content`` (extract, metadata, classify) and fails in any
  other way but an ``OSError`` has met a file it cannot handle: that file is
  quarantined too, and the pipeline goes on with the next file; any other failure
  (disk, database) is not the file's fault: it propagates and the file stays
  claimed, to be redone.

Nothing is deleted before its original is stored (fsync) and its register row is
committed, and every step can be redone: the store is content-addressed and the
register finds an arrival it already recorded by its ``arrival_key``. So a process
killed at any point leaves a file that the next start finishes or redoes.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine.classify import Classification, TrainedModel, classify
from engine.codes import DocumentStatus
from engine.config import Settings
from engine.extract import Extraction, ExtractionError, extract
from engine.metadata import DocumentMetadata, parse_metadata, with_properties
from engine.register.audit import audit
from engine.register.models import Document, Source
from engine.signoff import record_proposal
from engine.store import CHUNK, Checksum, checksum, process_alive, quarantine, store_original

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
SIDECAR = ".arrival.json"
ORPHAN_SIDECAR_SECONDS = 60.0


class Rejected(Exception):
    """A stage's refusal: the file goes to the quarantine with this reason."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Arrival:
    """A file to ingest and how it came.

    ``consume``: the file was taken from the inbox and is removed once filed (or
    moved to the quarantine); otherwise it is the user's own file (a bulk ingest)
    and is left where it is.
    """

    path: Path
    file_name: str
    source_path: str
    consume: bool
    claim_id: str | None = None

    def arrival_key(self, digest: Checksum) -> str:
        if self.claim_id:
            return f"inbox:{self.claim_id}"
        return f"file:{self.source_path}#{digest.sha256}"


class Status(StrEnum):
    FILED = "filed"
    DUPLICATE = "duplicate"  # same bytes as a filed document: this arrival recorded as a source
    ALREADY_FILED = "already_filed"  # this very arrival was recorded before (a redo)
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class Outcome:
    status: Status
    file_name: str
    document_id: int | None = None
    reason: str | None = None
    message: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "file_name": self.file_name,
            "document_id": self.document_id,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass
class Ingest:
    """What the stages know about one file so far."""

    arrival: Arrival
    digest: Checksum | None = None
    extraction: Extraction | None = None
    metadata: DocumentMetadata | None = None
    classification: Classification | None = None
    original_path: Path | None = None
    outcome: Outcome | None = None

    @property
    def checked(self) -> Checksum:
        assert self.digest is not None, "the checksum stage runs first"
        return self.digest

    @property
    def extracted(self) -> Extraction:
        assert self.extraction is not None, "the extract stage runs before this one"
        return self.extraction


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Ingest, Pipeline], None]
    reads_content: bool = False


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Pipeline:
    settings: Settings
    sessions: sessionmaker[Session]
    stages: Sequence[Stage] = ()
    clock: Callable[[], datetime] = _now
    actor: str = SYSTEM_ACTOR
    model: TrainedModel | None = None  # trained on staff decisions: `gongkai classify --train`
    # Claims being filed in this process (the watcher's, the web desk's uploads): a
    # redo of abandoned claims passes over them.
    _held: set[str] = field(default_factory=set, init=False, repr=False)
    # Told of every outcome filed in this process (the watcher's OCR wakes for a scan
    # uploaded at the web desk as for one dropped in the inbox).
    listeners: list[Callable[[Outcome], None]] = field(default_factory=list, init=False)
    _held_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.stages:
            self.stages = DEFAULT_STAGES

    @contextmanager
    def holding(self, claim_id: str) -> Iterator[None]:
        """Mark ``claim_id`` as in hand (before the claim exists) until the block ends."""
        with self._held_lock:
            self._held.add(claim_id)
        try:
            yield
        finally:
            with self._held_lock:
                self._held.discard(claim_id)

    def holds(self, claim_id: str) -> bool:
        with self._held_lock:
            return claim_id in self._held

    def process(self, arrival: Arrival) -> Outcome:
        """Run the stages over one file; the file is filed, recorded or quarantined."""
        outcome = self._run_stages(Ingest(arrival))
        if arrival.consume:  # only now: committed to the register, or safe in the quarantine
            arrival.path.unlink(missing_ok=True)
            if arrival.claim_id:
                (arrival.path.parent / f"{arrival.claim_id}{SIDECAR}").unlink(missing_ok=True)
        for listener in list(self.listeners):
            listener(outcome)
        return outcome

    def _run_stages(self, ingest: Ingest) -> Outcome:
        for stage in self.stages:
            try:
                stage.run(ingest, self)
            except Rejected as refusal:
                return self._quarantine(ingest, refusal.reason, str(refusal))
            except Exception as error:
                if not stage.reads_content or isinstance(error, OSError):
                    raise  # the disk or the register, not the file: keep it claimed, redo
                log.exception("stage %s failed on %s", stage.name, ingest.arrival.file_name)
                message = f"{stage.name} failed: {type(error).__name__}: {error}"
                return self._quarantine(ingest, "unreadable", message)
            if ingest.outcome is not None:
                return ingest.outcome
        raise AssertionError("the register stage always sets the outcome")

    def audit(
        self,
        session: Session,
        action: str,
        subject: str,
        document_id: int | None = None,
        **detail: object,
    ) -> None:
        audit(
            session, self.actor, action, subject, detail, document_id=document_id, at=self.clock()
        )

    def classify(self, text: str, metadata: DocumentMetadata) -> Classification | None:
        """The classifier's proposal for a text (a document with no text yet gets none)."""
        return classify(text, metadata, self.model) if text.strip() else None

    def propose(self, session: Session, document: Document, classification: Classification) -> None:
        """Keep the classifier's proposal for ``document`` with the register's review rules."""
        record_proposal(
            session,
            document,
            classification,
            source="rules+model" if self.model else "rules",
            at=self.clock(),
            required=self.settings.signoff_levels,
        )

    def _quarantine(self, ingest: Ingest, reason: str, message: str) -> Outcome:
        arrival = ingest.arrival
        placed = quarantine(
            self.settings.quarantine,
            arrival.path,
            file_name=arrival.file_name,
            reason=reason,
            message=message,
            move=arrival.consume,
            now=self.clock(),
        )
        log.warning("quarantined %s: %s (%s)", arrival.file_name, reason, message)
        try:
            with self.sessions.begin() as session:
                self.audit(
                    session,
                    "quarantined",
                    arrival.file_name,
                    reason=reason,
                    message=message,
                    source_path=arrival.source_path,
                    quarantined_as=placed.path.name,
                    sha256=ingest.digest.sha256 if ingest.digest else None,
                )
        except Exception:  # the file is safe in the quarantine: a lost log line is no crash
            log.exception("could not record the quarantine of %s", arrival.file_name)
        return Outcome(Status.QUARANTINED, arrival.file_name, reason=reason, message=message)


# --- the stages -------------------------------------------------------------


def compute_checksum(ingest: Ingest, _pipeline: Pipeline) -> None:
    ingest.digest = checksum(ingest.arrival.path)
    if ingest.digest.size == 0:
        raise Rejected("empty", f"{ingest.arrival.file_name} is empty (0 bytes)")


def _record_arrival(ingest: Ingest, pipeline: Pipeline, session: Session, document_id: int) -> None:
    arrival = ingest.arrival
    session.add(
        Source(
            document_id=document_id,
            arrival_key=arrival.arrival_key(ingest.checked),
            file_name=arrival.file_name,
            source_path=arrival.source_path,
            arrived_at=pipeline.clock(),
        )
    )


def deduplicate(ingest: Ingest, pipeline: Pipeline) -> None:
    """A redone arrival is done; the same bytes under another name add a source."""
    digest = ingest.checked
    name = ingest.arrival.file_name
    with pipeline.sessions.begin() as session:
        key = ingest.arrival.arrival_key(digest)
        known = session.scalar(select(Source.document_id).where(Source.arrival_key == key))
        if known is not None:
            ingest.outcome = Outcome(Status.ALREADY_FILED, name, known, message="filed before")
            return
        document_id = session.scalar(select(Document.id).where(Document.sha256 == digest.sha256))
        if document_id is None:
            return
        _record_arrival(ingest, pipeline, session, document_id)
        pipeline.audit(session, "duplicate", name, document_id, sha256=digest.sha256)
    ingest.outcome = Outcome(
        Status.DUPLICATE, name, document_id, message=f"same content as document {document_id}"
    )


def extract_text(ingest: Ingest, _pipeline: Pipeline) -> None:
    try:
        ingest.extraction = extract(ingest.arrival.path, ingest.arrival.file_name)
    except ExtractionError as error:
        raise Rejected(error.reason, str(error)) from error


def read_metadata(ingest: Ingest, _pipeline: Pipeline) -> None:
    extracted = ingest.extracted
    ingest.metadata = with_properties(parse_metadata(extracted.text), extracted.properties)


def propose_attribute(ingest: Ingest, pipeline: Pipeline) -> None:
    ingest.classification = pipeline.classify(
        ingest.extracted.text, ingest.metadata or DocumentMetadata()
    )


def keep_original(ingest: Ingest, pipeline: Pipeline) -> None:
    ingest.original_path = store_original(
        pipeline.settings.home, ingest.arrival.path, ingest.checked, ingest.extracted.format
    )


def register(ingest: Ingest, pipeline: Pipeline) -> None:
    """One transaction: the document, its arrival and the audit event."""
    digest, extraction = ingest.checked, ingest.extracted
    metadata = ingest.metadata or DocumentMetadata()
    status = document_status(extraction)
    name = ingest.arrival.file_name
    assert ingest.original_path is not None, "the store stage runs before this one"
    try:
        with pipeline.sessions.begin() as session:
            document = Document(
                sha256=digest.sha256,
                size=digest.size,
                format=extraction.format,
                original_path=ingest.original_path.as_posix(),
                status=status.value,
                text=extraction.text,
                pages=extraction.pages,
                encoding=extraction.encoding,
                warnings=list(extraction.warnings),
                ingested_at=pipeline.clock(),
            )
            apply_metadata(document, metadata, dict.fromkeys(read_fields(metadata), "text"))
            session.add(document)
            session.flush()
            _record_arrival(ingest, pipeline, session, document.id)
            if ingest.classification is not None:
                pipeline.propose(session, document, ingest.classification)
            pipeline.audit(
                session,
                "ingested",
                name,
                document.id,
                sha256=digest.sha256,
                format=extraction.format,
                status=status.value,
            )
    except IntegrityError:
        # Another worker filed the same bytes a moment ago: this arrival is a duplicate.
        deduplicate(ingest, pipeline)
        if ingest.outcome is None:
            raise
        return
    # The message says what is still to come (needs_ocr …); a plain filing needs none.
    waiting = "" if status is DocumentStatus.FILED else status.value
    ingest.outcome = Outcome(Status.FILED, name, document.id, message=waiting)


# The PDF extractor's warning naming the pages without a text layer (engine.extract.pdf).
_PAGES_WITHOUT_TEXT = re.compile(r"pages? \d+(?:, \d+)* without a text layer")


def document_status(extraction: Extraction) -> DocumentStatus:
    """The status to file an extraction under: a PDF with some pages without a text
    layer also waits for OCR (of those pages), though it has text already."""
    if extraction.format == "pdf" and any(map(_PAGES_WITHOUT_TEXT.fullmatch, extraction.warnings)):
        return DocumentStatus.NEEDS_OCR
    return extraction.status


def read_fields(metadata: DocumentMetadata) -> list[str]:
    """The GB/T 9704 fields the text stated."""
    return [
        name for name, value in metadata.to_dict().items() if value is not None and name != "unread"
    ]


def apply_metadata(
    document: Document, metadata: DocumentMetadata, source: Mapping[str, str]
) -> None:
    """Set the register's metadata columns and ``fields`` (the full parse) from ``metadata``.

    ``source``: where each field read was read from (``text`` of the file, ``ocr``),
    kept as ``fields["source"]``.
    """
    document.doc_number = metadata.doc_number
    document.title = metadata.title
    document.issuer = metadata.issuer
    document.issue_date = metadata.issue_date
    document.doc_kind = metadata.doc_kind
    document.secrecy_level = metadata.secrecy_level
    document.fields = {**metadata.to_dict(), "source": dict(source)}


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("checksum", compute_checksum),
    Stage("deduplicate", deduplicate),
    Stage("extract", extract_text, reads_content=True),
    Stage("metadata", read_metadata, reads_content=True),
    Stage("classify", propose_attribute, reads_content=True),
    Stage("store", keep_original),
    Stage("register", register),
)


# --- taking files from the inbox --------------------------------------------


def new_claim_id() -> str:
    """A claim's id names the claiming process, so that a sidecar left half-written by a
    killed process is known for an orphan without reading it."""
    return f"{uuid.uuid4().hex}-{os.getpid()}"


def claim(settings: Settings, path: Path, claim_id: str | None = None) -> Arrival | None:
    """Take ``path`` out of the inbox for processing; None if someone else took it.

    One atomic rename into the hidden claims folder, so each file is processed
    exactly once however many workers see it. The sidecar written first keeps the
    name and place it arrived under, for a redo after a crash.
    """
    claims = settings.claims
    claims.mkdir(parents=True, exist_ok=True)
    claim_id = claim_id or new_claim_id()
    sidecar = claims / f"{claim_id}{SIDECAR}"
    sidecar.write_text(
        json.dumps(
            {"file_name": path.name, "source_path": str(path), "pid": os.getpid()},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    claimed = claims / f"{claim_id}{path.suffix[:16]}"
    try:
        os.rename(path, claimed)
    except FileNotFoundError:
        sidecar.unlink()
        return None
    return Arrival(claimed, path.name, str(path), consume=True, claim_id=claim_id)


def pending_claims(settings: Settings) -> list[Arrival]:
    """Files claimed by a process that stopped before filing them: to be redone."""
    claims = settings.claims
    if not claims.is_dir():
        return []
    arrivals: list[Arrival] = []
    sidecars = {p.name.removesuffix(SIDECAR): p for p in claims.glob(f"*{SIDECAR}")}
    for path in sorted(claims.iterdir()):
        if path.name.endswith(SIDECAR) or path.name.startswith("."):
            continue
        claim_id = path.name.split(".", 1)[0]
        sidecar = sidecars.pop(claim_id, None)
        info = _read_sidecar(sidecar) if sidecar else {}
        if not path.exists():  # finished while we looked
            continue
        arrivals.append(
            Arrival(
                path,
                str(info.get("file_name", path.name)),
                str(info.get("source_path", path)),
                consume=True,
                claim_id=claim_id,
            )
        )
    for orphan in sidecars.values():  # a crash between the sidecar and the rename
        if _abandoned(orphan):
            orphan.unlink(missing_ok=True)
    return arrivals


def _read_sidecar(sidecar: Path) -> dict[str, object]:
    """The sidecar's content; empty if it is gone (its claim just finished) or unreadable."""
    try:
        info = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _abandoned(sidecar: Path) -> bool:
    """A sidecar with no claimed file whose writer is gone (not a claim in the making)."""
    try:
        age = time.time() - sidecar.stat().st_mtime
    except OSError:
        return False
    _, _, named = sidecar.name.removesuffix(SIDECAR).rpartition("-")
    pid = int(named) if named.isdigit() else _read_sidecar(sidecar).get("pid")
    return age > ORPHAN_SIDECAR_SECONDS or (isinstance(pid, int) and not process_alive(pid))


# --- files uploaded at the web desk -------------------------------------------

UPLOADS = ".gongkai-uploads"  # hidden inside the inbox: the watcher passes it over
RECEIVING = ".receiving"  # an upload still coming in, beside the name it will have
MAX_NAME_BYTES = 180  # room under the file system's 255 for the quarantine's prefix and suffix
# Control and format characters, line and paragraph separators: nothing a name shows.
_UNPRINTED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class UploadTooLarge(ValueError):
    """An uploaded file over the desk's limit: nothing of it is kept."""


def upload_name(name: str) -> str:
    """The name an uploaded file is filed under: the clerk's own, without its path.

    A browser may send a whole path (``C:\\公文\\a.docx``) or a hostile one
    (``../../x``): only the last part is kept, without control characters or
    leading dots, and short enough for the file system (its extension kept).
    """
    last = re.split(r"[\\/]", name)[-1]
    kept = "".join(ch for ch in last if unicodedata.category(ch) not in _UNPRINTED)
    kept = kept.strip().lstrip(".").strip() or "upload"
    stem, dot, extension = kept.rpartition(".")
    if not dot or len(extension.encode()) > 16:
        stem, extension = kept, ""
    suffix = f".{extension}" if extension else ""
    room = MAX_NAME_BYTES - len(suffix.encode())
    while len(stem.encode()) > room:
        stem = stem[:-1]
    return f"{stem.rstrip()}{suffix}"


def stage_upload(settings: Settings, source: BinaryIO, name: str, limit: int) -> Path:
    """Keep an uploaded file in the inbox's hidden upload folder under :func:`upload_name`.

    Each upload has a folder of its own, so two files of one name never meet;
    :func:`claim` then takes it from there as it takes a dropped file. Raises
    :class:`UploadTooLarge`, keeping nothing, when it is over ``limit`` bytes.
    """
    folder = settings.inbox / UPLOADS / new_claim_id()  # named after this process
    folder.mkdir(parents=True)
    target = folder / upload_name(name)
    receiving = folder / RECEIVING  # only a whole file takes its name
    written = 0
    try:
        with receiving.open("xb") as staged:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise UploadTooLarge(
                        f"文件过大：{target.name} 超过单个文件 {size_text(limit)} 的上限 "
                        "(over the upload limit)"
                    )
                staged.write(chunk)
        receiving.rename(target)
    except BaseException:
        receiving.unlink(missing_ok=True)
        folder.rmdir()
        raise
    return target


def discard_upload(staged: Path) -> None:
    """Remove a staged upload that is not to be filed (a file of its batch was refused)."""
    staged.unlink(missing_ok=True)
    staged.parent.rmdir()


def requeue_uploads(settings: Settings) -> list[Path]:
    """Hand the inbox the uploads a stopped desk received but did not file; their paths there.

    An upload's folder names the process that received it, and only that process
    files it: once it is gone, the watcher takes the file from the inbox as if
    dropped there. A file cut off while it was being received is not the
    clerk's document (they still have it) and is removed.
    """
    root = settings.inbox / UPLOADS
    if not root.is_dir():
        return []
    moved = []
    for folder in root.iterdir():
        _, _, pid = folder.name.rpartition("-")
        if not pid.isdigit() or process_alive(int(pid)):
            continue
        (folder / RECEIVING).unlink(missing_ok=True)
        for staged in folder.iterdir():
            target = settings.inbox / staged.name
            while target.exists():  # never over a file waiting in the inbox
                target = target.with_name(f"{uuid.uuid4().hex[:6]}-{staged.name}")
            staged.rename(target)
            moved.append(target)
        folder.rmdir()
    return moved


def size_text(limit: int) -> str:
    """A size limit as clerks read it: 50 MB, 900 KB."""
    return f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{max(1, round(limit / 1024))} KB"
