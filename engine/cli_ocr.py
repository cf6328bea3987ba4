"""``gongkai ocr``: read the scans waiting for OCR (status needs_ocr), with a progress bar.

``gongkai ingest`` reads the scans it filed the same way, after filing them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from engine.archive import Archive
from engine.cliutil import JsonOption, err, fail, open_archive, out, print_json
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
from engine.pipeline import Outcome


def ocr_command(as_json: JsonOption = False) -> None:
    """Read the scans waiting for OCR; each is filed with its text, searchable at once."""
    with open_archive() as archive:
        if not ocr_available():
            raise fail(_not_installed(len(pending(archive))))
        try:
            outcomes = read_scans(archive, None, as_json=as_json)
        except OcrUnavailable as error:  # installed but broken (onnxruntime cannot load)
            raise fail(f"{error}; the scans wait as needs_ocr") from error
    counts = {status.value: 0 for status in (DocumentStatus.FILED, DocumentStatus.NEEDS_OCR)}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    if as_json:
        print_json({"counts": counts, "documents": [o.to_dict() for o in outcomes]})
    elif not outcomes:
        out.print("no scans wait for OCR", highlight=False)
    else:
        out.print(", ".join(f"{n} {status}" for status, n in counts.items() if n), highlight=False)


def read_filed_scans(
    archive: Archive, outcomes: Iterable[Outcome], as_json: bool
) -> list[dict[str, object]]:
    """After ``gongkai ingest``: OCR of the scans it filed, as plain data; without the
    engine they wait as needs_ocr and the user is told how to add it."""
    filed = [  # a filed outcome's message is the status it was filed under
        o.document_id
        for o in outcomes
        if o.document_id is not None and o.message == DocumentStatus.NEEDS_OCR.value
    ]
    if not filed:
        return []
    if not ocr_available():
        waiting = len(pending(archive, filed))
        if waiting:
            err.print(_not_installed(waiting), highlight=False, markup=False)
        return []
    try:
        read = read_scans(archive, filed, as_json=as_json)
    except OcrUnavailable as error:
        err.print(f"{error}; the scans wait as needs_ocr", highlight=False, markup=False)
        return []
    return [outcome.to_dict() for outcome in read]


def read_scans(
    archive: Archive, document_ids: list[int] | None, *, as_json: bool
) -> list[OcrOutcome]:
    """OCR of the waiting scans (of ``document_ids`` only, if given), a bar on stderr
    counting pages; in several processes when there are several scans."""
    jobs = pending(archive, document_ids)
    if not jobs:
        return []
    processes = min(archive.settings.workers, len(jobs))
    threads = max(1, (os.cpu_count() or 1) // processes)
    progress = Progress(
        TextColumn("[bold]OCR"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("pages"),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=as_json,
    )
    with progress, OcrWorkers(processes, threads) as workers:
        task = progress.add_task("", total=sum(job.pages for job in jobs))
        pages = {job.document_id: job.pages for job in jobs}

        def advance(outcome: OcrOutcome) -> None:
            progress.update(task, advance=pages[outcome.document_id], description=outcome.file_name)
            if not as_json:
                colour = "green" if outcome.status == DocumentStatus.FILED.value else "yellow"
                line = f"[{colour}]{outcome.status:>9}[/] {outcome.file_name} {outcome.message}"
                progress.console.print(line, highlight=False)

        return run_queue(archive, workers, jobs, advance)


def _not_installed(waiting: int) -> str:
    return f"OCR is not installed: add it with {INSTALL_HINT} ({waiting} waiting as needs_ocr)"
