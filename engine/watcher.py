"""The inbox watcher: takes each dropped file once it is complete, files it, never stops.

A file is taken when its size and mtime have been unchanged for the settle time
and it can be opened. Events (created, moved in, modified) announce files; a
periodic rescan catches what events miss (network shares, a busy moment), so
``--polling`` only changes how quickly a file is noticed, not whether.
Files are processed concurrently by a pool; the atomic claim makes each file's
processing happen exactly once. On stop, the files in hand are finished and
the rest stay in the inbox.

Scans (status needs_ocr) are read by OCR off this path: a thread hands them, one
at a time, to a worker process: at start all that wait, then each scan this
watcher files; it files each text as it arrives. Filing never waits for OCR; on
stop, a scan being read is left for the next start.

Documents waiting for conversion (legacy .doc/.wps) are read again by another
thread, one at a time, whenever a LibreOffice is found that has not tried them:
at start, and after an install or upgrade while running (engine.reread).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from engine.archive import Archive
from engine.codes import DocumentStatus
from engine.ocr import (
    INSTALL_HINT,
    OcrOutcome,
    OcrUnavailable,
    OcrWorkers,
    ocr_available,
    pending,
    run_queue,
)
from engine.pipeline import Arrival, Outcome, claim, new_claim_id, pending_claims
from engine.reread import ConversionRetry
from engine.watchrules import is_ignored

log = logging.getLogger(__name__)

_T = TypeVar("_T")

TICK_SECONDS = 0.2
RESCAN_SECONDS = 5.0
RETRY_CLAIM_SECONDS = 30.0


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    stable_since: float


class _Events(FileSystemEventHandler):
    def __init__(self, notice: Callable[[Path], None], rescan: threading.Event) -> None:
        self._notice = notice
        self._rescan = rescan

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in {"created", "moved", "modified", "closed"}:
            return
        raw = event.dest_path if event.event_type == "moved" else event.src_path
        path = Path(os.fsdecode(raw))
        if event.is_directory:
            self._rescan.set()  # a folder moved in brings files no event announces
        else:
            self._notice(path)


class Watcher:
    def __init__(
        self,
        archive: Archive,
        *,
        polling: bool = False,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.archive = archive
        self.settings = archive.settings
        self.polling = polling
        self.on_outcome = on_outcome
        self._seen: dict[Path, _Seen] = {}
        self._in_hand: set[str] = set()  # inbox paths being taken
        self._claim_attempts: dict[str, float] = {}
        self._lock = threading.Lock()
        self._rescan = threading.Event()
        self._pool = ThreadPoolExecutor(self.settings.workers, thread_name_prefix="ingest")
        self._ocr_wanted = threading.Event()
        self._scans: set[int] = set()  # filed as needs_ocr since the OCR thread last looked
        # One OCR process, leaving a core to filing: a dropped file is filed at once
        # however long the scans before it take to read.
        self._ocr_workers = OcrWorkers(processes=1, threads=max(1, (os.cpu_count() or 1) - 1))

    # -- discovering files ---------------------------------------------------

    def _notice(self, path: Path) -> None:
        inbox = self.settings.inbox
        if is_ignored(path, inbox):
            return
        with self._lock:
            if str(path) not in self._in_hand and path not in self._seen:
                self._seen[path] = _Seen(-1, -1, time.monotonic())

    def _scan_inbox(self) -> None:
        for folder, dirnames, filenames in os.walk(self.settings.inbox):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                self._notice(Path(folder, name))

    # -- taking files ----------------------------------------------------------

    def _settled(self) -> list[Path]:
        """Paths unchanged for the settle time, removed from the watch list."""
        now = time.monotonic()
        ready = []
        with self._lock:
            for path, seen in list(self._seen.items()):
                try:
                    info = path.stat()
                except FileNotFoundError:
                    del self._seen[path]
                    continue
                if (info.st_size, info.st_mtime_ns) != (seen.size, seen.mtime_ns):
                    self._seen[path] = _Seen(info.st_size, info.st_mtime_ns, now)
                elif now - seen.stable_since >= self.settings.settle_seconds and _can_open(path):
                    del self._seen[path]
                    self._in_hand.add(str(path))
                    ready.append(path)
        return ready

    def _take(self, path: Path) -> None:
        claim_id = new_claim_id()
        try:
            # held before the claim exists, so _retry_claims never takes it too
            with self.archive.pipeline.holding(claim_id):
                arrival = claim(self.settings, path, claim_id)
                if arrival is not None:
                    self._file(arrival)
        finally:
            with self._lock:
                self._in_hand.discard(str(path))

    def _file(self, arrival: Arrival) -> None:
        try:
            outcome = self.archive.pipeline.process(arrival)
        except Exception:  # disk or register trouble: the file stays claimed and is retried
            log.exception("could not file %s; it will be retried", arrival.file_name)
            return
        log.info("%s: %s %s", outcome.file_name, outcome.status.value, outcome.message)
        self._guarded(self._sync_index)  # searchable in the same step that filed it
        if self.on_outcome:
            self.on_outcome(outcome)

    def _scan_filed(self, outcome: Outcome) -> None:
        """Wake the OCR thread for a scan filed in this process (here or by an upload)."""
        # A filed outcome's message is the status it was filed under.
        if outcome.message == DocumentStatus.NEEDS_OCR.value and outcome.document_id:
            with self._lock:
                self._scans.add(outcome.document_id)
            self._ocr_wanted.set()

    def _sync_index(self) -> None:
        self.archive.search_index().sync()

    def _retry_claims(self) -> None:
        """Redo claims left by a stopped process, or by a failure of the register."""
        now = time.monotonic()
        pipeline = self.archive.pipeline
        for arrival in pending_claims(self.settings):
            claim_id = arrival.claim_id or ""
            with self._lock:
                if pipeline.holds(claim_id):  # being filed here (an upload of the desk too)
                    continue
                last = self._claim_attempts.get(claim_id)
                if last is not None and now - last < RETRY_CLAIM_SECONDS:
                    continue
                self._claim_attempts[claim_id] = now
            self._submit(self._redo, arrival)

    def _redo(self, arrival: Arrival) -> None:
        with self.archive.pipeline.holding(arrival.claim_id or ""):
            self._file(arrival)

    def _submit(self, task: Callable[..., None], *args: object) -> Future[None]:
        return self._pool.submit(task, *args)

    # -- OCR -------------------------------------------------------------------

    def _read_scans(self, stop: threading.Event) -> None:
        """The OCR thread: all scans waiting at start, then those filed, until stopped.

        Only the filed scans are looked up (by id), not the whole register each time.
        """
        if not ocr_available():
            log.warning("OCR is not installed: scans wait as needs_ocr (%s)", INSTALL_HINT)
            return
        every_waiting = True  # at start, and after a failure: not only the filed ones
        while not stop.is_set():
            with self._lock:
                scans, self._scans = self._scans, set()
            try:
                jobs = pending(self.archive, None if every_waiting else scans)
                every_waiting = False
                run_queue(self.archive, self._ocr_workers, jobs, _log_ocr)
            except OcrUnavailable as error:
                log.warning("%s; scans wait as needs_ocr", error)
                return
            except Exception:  # the register or a share gone away: the scans wait, not lost
                log.exception("OCR of the waiting scans failed; trying again shortly")
                every_waiting = True
            self._ocr_wanted.wait(RETRY_CLAIM_SECONDS if every_waiting else None)
            self._ocr_wanted.clear()

    # -- running ---------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Watch until ``stop`` is set; then finish the files in hand and return."""
        inbox = self.settings.inbox
        inbox.mkdir(parents=True, exist_ok=True)
        observer = PollingObserver(timeout=1.0) if self.polling else Observer()
        observer.schedule(_Events(self._notice, self._rescan), str(inbox), recursive=True)
        observer.start()
        log.info("watching %s", inbox)
        ocr = threading.Thread(target=self._read_scans, args=(stop,), name="ocr", daemon=True)
        ocr.start()
        conversions = threading.Thread(
            target=ConversionRetry(self.archive).run, args=(stop,), name="reread", daemon=True
        )
        conversions.start()
        self.archive.pipeline.listeners.append(self._scan_filed)
        try:
            next_rescan = 0.0
            while not stop.is_set():
                if self._rescan.is_set() or time.monotonic() >= next_rescan:
                    self._rescan.clear()
                    self._guarded(self._scan_inbox)
                    self._guarded(self._retry_claims)
                    self._guarded(self._sync_index)  # changes other processes made
                    next_rescan = time.monotonic() + RESCAN_SECONDS
                for path in self._guarded(self._settled) or ():
                    self._submit(self._take, path)
                stop.wait(TICK_SECONDS)
        finally:
            # Finish the files in hand before the observer goes, so that no event
            # arrives at a stopped observer; what was not started stays in the inbox.
            self._pool.shutdown(wait=True, cancel_futures=True)
            self.archive.pipeline.listeners.remove(self._scan_filed)
            self._ocr_workers.close()  # a scan half read is read again at the next start
            self._ocr_wanted.set()  # wakes the OCR thread to see the stop
            ocr.join()
            conversions.join()  # it stops between documents
            observer.stop()
            observer.join(timeout=5)
            log.info("watcher stopped")

    @staticmethod
    def _guarded(step: Callable[[], _T]) -> _T | None:
        """Run one step of the loop; a passing fault (a share gone away) never ends it."""
        try:
            return step()
        except Exception:
            log.exception("watcher step %s failed; trying again shortly", step.__name__)
            return None


def _log_ocr(outcome: OcrOutcome) -> None:
    log.info("%s: %s %s", outcome.file_name, outcome.status, outcome.message)


def _can_open(path: Path) -> bool:
    """A file still held open for writing elsewhere (Windows shares) cannot be opened."""
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError:
        return False
    return True
