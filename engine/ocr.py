"""OCR of scans: the text of a scanned PDF or image, read in reading order.

Engine: ``rapidocr_onnxruntime`` 1.4 (Paddle's PP-OCRv4 Chinese models run by
onnxruntime). Its wheel ships the models, so nothing is fetched at run time — an
office machine without internet reads scans as well as any; the newer ``rapidocr``
3.x downloads its models on first use and fails there. It is optional
(``pip install -e ".[ocr]"``): without it a scan is filed as ``needs_ocr`` and waits.

The core, :func:`ocr_pages` and :func:`ocr_document`, turns page images into text:
the recogniser's boxes are grouped into lines by vertical overlap and ordered left
to right; a wide gap inside a line parts two fields (as two blanks do in typed
text, which :mod:`engine.metadata` relies on); lines wrapped at the right margin
are rejoined as the PDF extractor does. A PDF is rendered with pdfium at
:data:`DPI`, and only its pages without a text layer are read by OCR.

The shell, :func:`run_queue`, takes the register's ``needs_ocr`` documents, reads
their originals in :class:`OcrWorkers` processes (OCR is seconds of CPU a page:
never on the filing path) and files each result in one transaction: the text,
the metadata read from it, a classifier proposal, ``fields["ocr"]`` and an audit
event, which makes the search index take the document in.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import multiprocessing
import re
import signal
import statistics
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pypdfium2 as pdfium
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engine.codes import DocumentStatus
from engine.extract import PAGE_NUMBER, pdf
from engine.metadata import DocumentMetadata, parse_metadata
from engine.pipeline import Pipeline, apply_metadata, read_fields
from engine.register.models import Document
from engine.text import CJK, join_wrapped_lines, normalize_text
from indexer import IndexLocked

if TYPE_CHECKING:
    from engine.archive import Archive

log = logging.getLogger(__name__)

ENGINE_PACKAGE = "rapidocr_onnxruntime"
INSTALL_HINT = 'pip install -e ".[ocr]"'
# Pages are rendered as a 200 dpi scan: 14-16 pt CJK glyphs come out 40-45 px high,
# about the 48 px line height the recogniser reads at.
DPI = 200
# No side longer than this (an A4 page at 200 dpi is 2339 px high): an A0 drawing
# would take hundreds of megabytes, and the recogniser shrinks it to 2000 px anyway.
MAX_RENDER_SIDE = 4000
# Formats whose originals ocr_document reads (a .docx of pasted scans does not yet).
OCR_FORMATS = frozenset({"pdf", "png", "jpeg", "tiff", "gif"})
# Two boxes of one line further apart than this many line heights are two fields
# (发文字号 and 签发人, 正文 and 成文日期), written out with two blanks between them.
_FIELD_GAP = 1.5
# A line ending within this many line heights of the page's text edge reaches the
# margin (the PDF extractor's rule, engine.extract.pdf).
_MARGIN_SLACK = 2.0
# Below this mean score a page may be upside down; upright pages of clean and of
# poor scans alike read above 0.9.
_UPRIGHT_CONFIDENCE = 0.8
# Digits the recogniser reads as letters: O for 0, I l | for 1. Only in a run that
# holds a real digit and is no part of a Latin word (H2O and ISO9001 stay as read).
_NUMBER_RUN = re.compile(r"(?<![A-Za-z])[\dOoIl|]*\d[\dOoIl|]*(?![A-Za-z])")
_DIGITS = str.maketrans("OoIl|", "00111")
_CJK_CHAR = re.compile(f"[{CJK}]")


class OcrUnavailable(Exception):
    """The OCR engine is not installed (or cannot load); scans wait as needs_ocr."""


# --- the core: pages -> text ---------------------------------------------------


@dataclass(frozen=True)
class PageText:
    """One page as OCR read it."""

    lines: tuple[tuple[str, bool], ...]  # (text, reaches the right margin), in reading order
    confidence: float | None  # the recogniser's mean score, weighted by characters; None: no text

    @property
    def text(self) -> str:
        return join_wrapped_lines(list(self.lines))


@dataclass(frozen=True)
class _Box:
    left: float
    top: float
    right: float
    bottom: float
    text: str
    score: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


def engine_name() -> str:
    """The engine and its version, as kept with each OCR result: rapidocr_onnxruntime 1.4.4."""
    try:
        return f"{ENGINE_PACKAGE} {version(ENGINE_PACKAGE)}"
    except PackageNotFoundError:
        return ENGINE_PACKAGE


def ocr_available() -> bool:
    """Whether the OCR engine is installed, without importing it (onnxruntime and
    OpenCV are heavy for a process that only files documents)."""
    try:
        return importlib.util.find_spec(ENGINE_PACKAGE) is not None
    except ValueError:  # sys.modules maps it to None: importing it is blocked
        return False


_threads = 0  # threads of this process's engine; 0: onnxruntime's default, one per core


def set_threads(threads: int) -> None:
    """How many threads the engine of this process may use (before its first page)."""
    global _threads
    _threads = threads


@cache
def _engine() -> Any:
    """RapidOCR with its shipped models, loaded once per process."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as error:
        raise OcrUnavailable(
            f"OCR is not installed ({error}); install it: {INSTALL_HINT}"
        ) from error
    return RapidOCR(
        # A page of a scan is upright or wholly turned (see _read_page); the per-line
        # angle classifier turned sound lines of the seeds upside down and lost them.
        use_cls=False,
        # One line at a time: lines of a page's width ran 1.7 times slower batched by
        # six (the default) on a 2-core machine.
        rec_batch_num=1,
        intra_op_num_threads=_threads or -1,
    )


def ocr_pages(images: Iterable[np.ndarray]) -> list[PageText]:
    """The text of each page image (an H×W×3 BGR array, as OpenCV and pdfium give)."""
    engine = _engine()
    return [_read_page(engine, image) for image in images]


def _read_page(engine: Any, image: np.ndarray) -> PageText:
    """The page as it lies, or turned upside down when that reads better: a sheet fed
    into the scanner the wrong way round reads as nothing, or as noise."""
    read = _recognise(engine, image)
    if read.confidence is not None and read.confidence >= _UPRIGHT_CONFIDENCE:
        return read
    turned = _recognise(engine, np.ascontiguousarray(image[::-1, ::-1]))
    return turned if (turned.confidence or 0.0) > (read.confidence or 0.0) else read


def _recognise(engine: Any, image: np.ndarray) -> PageText:
    found, _ = engine(image)
    boxes = [_box(points, text, score) for points, text, score in found or ()]
    return _page_text([box for box in boxes if box.text])


def _box(points: Sequence[Sequence[float]], text: str, score: float) -> _Box:
    xs = [point[0] for point in points]
    ys = [point[1] for point in points]
    return _Box(min(xs), min(ys), max(xs), max(ys), fix_digits(text.strip()), float(score))


def fix_digits(text: str) -> str:
    """Digits the recogniser read as letters put back (2O07 -> 2007, l5日 -> 15日), where
    the letter stands in a number and not in a Latin word (H2O stays)."""
    return _NUMBER_RUN.sub(lambda run: run.group().translate(_DIGITS), text)


def _page_text(boxes: list[_Box]) -> PageText:
    lines = _lines(boxes)
    if lines:  # a page number alone at the head or foot is no text
        lines = [
            line
            for index, line in enumerate(lines)
            if index not in (0, len(lines) - 1) or not PAGE_NUMBER.fullmatch(_line_text(line))
        ]
    if not lines:
        return PageText((), None)
    edge = max(line[-1].right for line in lines)
    read = tuple(
        (_line_text(line), edge - line[-1].right <= _MARGIN_SLACK * _line_height(line))
        for line in lines
    )
    kept = [box for line in lines for box in line]
    characters = sum(len(box.text) for box in kept)
    confidence = sum(box.score * len(box.text) for box in kept) / characters
    return PageText(read, round(confidence, 4))


def _lines(boxes: list[_Box]) -> list[list[_Box]]:
    """Boxes grouped into lines, top to bottom, each left to right.

    A box joins the line above when they overlap by half the smaller height: a
    skewed scan moves a line's boxes a little up or down, never by half a line.
    """
    lines: list[list[_Box]] = []
    for box in sorted(boxes, key=lambda b: b.top + b.bottom):
        if lines:
            top = min(b.top for b in lines[-1])
            bottom = max(b.bottom for b in lines[-1])
            if min(bottom, box.bottom) - max(top, box.top) >= 0.5 * min(bottom - top, box.height):
                lines[-1].append(box)
                continue
        lines.append([box])
    return [sorted(line, key=lambda b: b.left) for line in lines]


def _line_height(line: list[_Box]) -> float:
    return statistics.median(box.height for box in line)


def _line_text(line: list[_Box]) -> str:
    height = _line_height(line)
    text = line[0].text
    for before, box in pairwise(line):
        if box.left - before.right > _FIELD_GAP * height:
            text += "  "
        elif not (_CJK_CHAR.match(before.text[-1]) or _CJK_CHAR.match(box.text[0])):
            text += " "  # two Latin words or numbers the recogniser boxed apart
        text += box.text
    return text


# --- documents ---------------------------------------------------------------


@dataclass(frozen=True)
class OcrResult:
    """A document's text with the pages OCR read."""

    text: str  # normalised; OCR pages and text-layer pages in page order
    pages: int
    ocr_pages: tuple[int, ...]  # the pages read by OCR, numbered from 1
    page_confidence: tuple[float | None, ...]  # of each OCR page; None: no text found on it
    engine: str

    @property
    def confidence(self) -> float | None:
        """The mean of the OCR pages' confidences; None when OCR found no text."""
        found = [c for c in self.page_confidence if c is not None]
        return round(statistics.fmean(found), 4) if found else None

    @property
    def warnings(self) -> tuple[str, ...]:
        empty = [
            str(n) for n, c in zip(self.ocr_pages, self.page_confidence, strict=True) if c is None
        ]
        if not empty:
            return ()
        return (f"OCR found no text on page{'s' * (len(empty) > 1)} {', '.join(empty)}",)

    def summary(self) -> dict[str, object]:
        """What ``fields["ocr"]`` keeps: which pages were read, how surely, by what."""
        return {
            "engine": self.engine,
            "dpi": DPI,
            "confidence": self.confidence,
            "pages": [
                {"page": n, "confidence": c}
                for n, c in zip(self.ocr_pages, self.page_confidence, strict=True)
            ],
        }


# A page of a document: its text layer (str) or an image for OCR.
_Page = str | np.ndarray


def ocr_document(path: Path, format: str) -> OcrResult:
    """Read the original at ``path`` (a ``format`` of :data:`OCR_FORMATS`): OCR of the
    pages without a text layer, merged in page order with the text of the others.

    Raises :class:`OcrUnavailable` without the engine, ValueError for a format OCR
    does not read; a damaged file raises what its reader raises.
    """
    if format not in OCR_FORMATS:
        raise ValueError(f"OCR does not read {format} files")
    _engine()  # before any page is read: a missing engine is told at once
    pages = _pdf_pages(path.read_bytes()) if format == "pdf" else _image_pages(path)
    chunks: list[tuple[str, bool]] = []
    numbers: list[int] = []
    confidences: list[float | None] = []
    count = 0
    for count, page in enumerate(pages, 1):
        if isinstance(page, str):  # may run on: join_wrapped_lines looks at how it ends
            chunks.append((page.strip(), True))
            continue
        (read,) = ocr_pages([page])
        numbers.append(count)
        confidences.append(read.confidence)
        chunks.append((read.text, bool(read.lines) and read.lines[-1][1]))
    return OcrResult(
        normalize_text(_join_pages(chunks)),
        count,
        tuple(numbers),
        tuple(confidences),
        engine_name(),
    )


def _join_pages(pages: list[tuple[str, bool]]) -> str:
    """Pages (text, last line reaches the margin) parted by a blank line, but for a
    sentence running on over the page break: splitting it would cut words for search."""
    text = ""
    reaches_margin = False
    for page, page_reaches_margin in pages:
        if not page:
            reaches_margin = False  # a sentence does not run on across a page without text
            continue
        last_line, first_line = text.rsplit("\n", 1)[-1], page.split("\n", 1)[0]
        if text and "\n" not in join_wrapped_lines(
            [(last_line, reaches_margin), (first_line, False)]
        ):
            text += page
        else:
            text += f"\n\n{page}" if text else page
        reaches_margin = page_reaches_margin
    return text


def _pdf_pages(data: bytes) -> Iterator[_Page]:
    """Each page's text layer, read by the PDF extractor, or its rendering for OCR.

    A page counts as without text just as the extractor says (a scan stamped with a
    page number is still a scan). pdfium is not thread-safe: every call holds the
    extractor's lock, released while a page is being read by OCR.
    """
    with pdf._PDFIUM:
        document = pdfium.PdfDocument(data)
        count = len(document)
    try:
        for index in range(count):
            with pdf._PDFIUM:
                single = pdfium.PdfDocument.new()
                single.import_pages(document, [index])
                buffer = io.BytesIO()
                single.save(buffer)
                single.close()
            layer = pdf.extract(buffer.getvalue())
            if layer.status is DocumentStatus.FILED:
                yield layer.text
                continue
            with pdf._PDFIUM:
                page = document[index]
                scale = min(DPI / 72, MAX_RENDER_SIDE / max(page.get_size()))
                bitmap = page.render(scale=scale)
                image = np.array(bitmap.to_numpy())  # a copy: the bitmap's memory is freed below
                bitmap.close()
                page.close()
            yield image
    finally:
        with pdf._PDFIUM:
            document.close()


def _image_pages(path: Path) -> Iterator[_Page]:
    """The pages of an image, upright, as BGR arrays."""
    from PIL import Image, ImageOps, ImageSequence  # Pillow comes with the OCR engine

    with Image.open(path) as image:
        # A TIFF holds a page a frame; the frames of a GIF are an animation, not pages.
        frames = ImageSequence.Iterator(image) if image.format == "TIFF" else [image]
        for frame in frames:
            upright = ImageOps.exif_transpose(frame).convert("RGB")  # a phone photo's rotation
            yield np.asarray(upright)[:, :, ::-1]


# --- the shell: the register's needs_ocr queue --------------------------------


@dataclass(frozen=True)
class OcrJob:
    """A document waiting for OCR and where its original is."""

    document_id: int
    file_name: str
    path: Path
    format: str
    pages: int


@dataclass(frozen=True)
class OcrOutcome:
    document_id: int
    file_name: str
    status: str  # the document's status after: filed, or needs_ocr when nothing was read
    pages: tuple[int, ...]  # the pages OCR read
    confidence: float | None
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "document_id": self.document_id,
            "file_name": self.file_name,
            "status": self.status,
            "pages": list(self.pages),
            "confidence": self.confidence,
            "message": self.message,
        }


def pending(archive: Archive, document_ids: Iterable[int] | None = None) -> list[OcrJob]:
    """The needs_ocr documents this engine has not tried yet, oldest first.

    A document OCR read nothing from, or failed on, keeps its status and the attempt
    in ``fields["ocr"]``: it is tried again only by another version of the engine.
    """
    query = (
        select(Document)
        .options(selectinload(Document.sources))
        .where(Document.status == DocumentStatus.NEEDS_OCR.value)
        .where(Document.format.in_(OCR_FORMATS))
        .order_by(Document.id)
    )
    if document_ids is not None:
        query = query.where(Document.id.in_(list(document_ids)))
    engine = engine_name()
    with archive.sessions() as session:
        return [
            OcrJob(
                document.id,
                document.sources[0].file_name if document.sources else document.sha256,
                archive.settings.home / document.original_path,
                document.format,
                document.pages or 1,
            )
            for document in session.scalars(query)
            if _attempt(document).get("engine") != engine
        ]


def _attempt(document: Document) -> dict[str, Any]:
    attempt = document.fields.get("ocr")
    return attempt if isinstance(attempt, dict) else {}


def run_queue(
    archive: Archive,
    workers: OcrWorkers,
    jobs: Sequence[OcrJob],
    on_done: Callable[[OcrOutcome], None] | None = None,
) -> list[OcrOutcome]:
    """OCR the documents of ``jobs`` (see :func:`pending`) in ``workers``; each is
    filed as its text arrives, and the search index takes it in at once.

    Raises :class:`OcrUnavailable` when the engine is not installed.
    """
    outcomes = []
    for job, result in workers.read(jobs):
        outcome = file_result(archive.pipeline, job, result)
        try:
            archive.search_index().sync()
        except IndexLocked:  # the watcher writes the index; it takes this in at its next sync
            log.info("the search index is busy; document %s is indexed later", job.document_id)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes


def file_result(pipeline: Pipeline, job: OcrJob, result: OcrResult | str) -> OcrOutcome:
    """One transaction: the document's text, status, metadata (each field marked as read
    from the ``text`` layer or by ``ocr``), a classifier proposal, ``fields["ocr"]`` and
    an audit event naming the document, so that the search index re-adds it.

    ``result``: what OCR read, or why it failed.
    """
    with pipeline.sessions.begin() as session:
        document = session.get(Document, job.document_id)
        if document is None or document.status != DocumentStatus.NEEDS_OCR.value:
            status = document.status if document else "deleted"
            return OcrOutcome(job.document_id, job.file_name, status, (), None, "read before")
        if isinstance(result, str):
            document.fields = {**document.fields, "ocr": {"engine": engine_name(), "error": result}}
            document.warnings = [*document.warnings, f"OCR failed: {result}"]
            pipeline.audit(session, "ocr_failed", job.file_name, document.id, error=result)
            return OcrOutcome(
                document.id, job.file_name, document.status, (), None, f"OCR failed: {result}"
            )
        if result.text:
            earlier = DocumentMetadata.from_dict(document.fields)
            metadata = parse_metadata(result.text)
            source = {
                name: "text" if getattr(earlier, name) == getattr(metadata, name) else "ocr"
                for name in read_fields(metadata)
            }
            apply_metadata(document, metadata, source)
            document.text = result.text
            document.status = DocumentStatus.FILED.value
            classification = pipeline.classify(result.text, metadata)
            if classification is not None:
                pipeline.propose(session, document, classification)
        document.fields = {**document.fields, "ocr": result.summary()}
        document.warnings = list(dict.fromkeys([*document.warnings, *result.warnings]))
        pipeline.audit(
            session,
            "ocr",
            job.file_name,
            document.id,
            engine=result.engine,
            pages=list(result.ocr_pages),
            confidence=result.confidence,
            status=document.status,
        )
        status = document.status
    read = len(result.ocr_pages)
    message = (
        f"OCR of {read} page{'s' * (read != 1)}, confidence {result.confidence:.2f}"
        if result.confidence is not None
        else "OCR found no text"
    )
    return OcrOutcome(
        job.document_id, job.file_name, status, result.ocr_pages, result.confidence, message
    )


# --- worker processes ------------------------------------------------------------


class OcrWorkers:
    """Processes that read documents by OCR, started on first use.

    Spawned, so no thread or lock is inherited, and kept apart from the process
    that files documents: the engine's seconds of CPU a page never hold up filing,
    and a crash in a native library (pdfium, onnxruntime) on a hostile file costs
    only that document. :meth:`close` stops a document being read at once: it is
    filed by nobody and read again at the next run.
    """

    def __init__(self, processes: int = 1, threads: int = 0) -> None:
        self.processes = processes
        self.threads = threads  # the engine's threads in each process; 0: one per core
        self._executor: ProcessPoolExecutor | None = None
        self._closed = threading.Event()
        self._lock = threading.Lock()

    def __enter__(self) -> OcrWorkers:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _start(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self.threads,),
                )
            return self._executor

    def read(self, jobs: Sequence[OcrJob]) -> Iterator[tuple[OcrJob, OcrResult | str]]:
        """Each job with what OCR read, or why it failed, as they finish; no more once
        closed. Raises :class:`OcrUnavailable` when the engine is not installed.

        When a process dies (a crash in native code on a hostile file, the OOM killer)
        the documents in hand are read again in new processes; one in hand at a second
        death is given up, so a document that kills the engine cannot stop the queue.
        """
        queue = deque(jobs)
        running: dict[Future[tuple[OcrJob, OcrResult | str]], OcrJob] = {}
        deaths: Counter[int] = Counter()
        while (queue or running) and not self._closed.is_set():
            while queue and len(running) < self.processes:
                job = queue.popleft()
                try:
                    running[self._start().submit(_read_job, job)] = job
                except RuntimeError:  # closed by another thread meanwhile
                    return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            lost = []
            for future in done:
                job = running.pop(future)
                try:
                    yield future.result()
                except (BrokenProcessPool, CancelledError):
                    lost.append(job)
            if not lost:
                continue
            if self._closed.is_set():
                return
            lost += running.values()  # in the same dead pool
            running.clear()
            self._restart()
            for job in lost:
                deaths[job.document_id] += 1
                if deaths[job.document_id] < 2:
                    queue.appendleft(job)
                else:
                    log.error("the OCR process died twice reading %s", job.file_name)
                    yield job, "the OCR process died reading it"

    def _restart(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None

    def close(self) -> None:
        """Stop the processes, also in the middle of a document."""
        self._closed.set()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        # ProcessPoolExecutor has no public way to stop a running task (Python 3.14
        # adds terminate_workers): end its processes, then let it wind down.
        for process in list(executor._processes.values()):
            process.terminate()
        executor.shutdown(wait=True, cancel_futures=True)


def _start_worker(threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent decides what stops
    set_threads(threads)


def _read_job(job: OcrJob) -> tuple[OcrJob, OcrResult | str]:
    """In a worker: what OCR reads in the job's original, or why it cannot."""
    try:
        return job, ocr_document(job.path, job.format)
    except OcrUnavailable:
        raise
    except Exception as error:  # a damaged original: recorded with the document
        log.exception("OCR of %s failed", job.path)
        return job, f"{type(error).__name__}: {error}"
