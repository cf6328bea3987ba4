"""``gongkai reread``: read filed originals again with the extractors as they are now.

By default the documents waiting for conversion (legacy Word 6.0/95 .doc/.wps filed
while LibreOffice was missing or failed); given ids, those documents, say after a
fixed extractor. The watcher does the former by itself (engine.reread.ConversionRetry).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from rich.markup import escape

from engine.cliutil import JsonOption, fail, file_progress, open_archive, out, print_json
from engine.codes import DocumentStatus
from engine.reread import RereadOutcome, UnknownDocuments, Verdict, pending, reread, summary

_COLOURS = {Verdict.READ: "green", Verdict.KEPT: "cyan", Verdict.UNREADABLE: "yellow"}


def reread_command(
    doc_ids: Annotated[
        list[int] | None, typer.Argument(help="Documents to read again (default: by --status).")
    ] = None,
    status: Annotated[
        DocumentStatus | None,
        typer.Option(help="Read again every document in this status (default needs_conversion)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Read filed originals again (重新读取); each one read is filed with its text and fields,
    classified unless its 公开属性 is decided, audited and searchable."""
    if doc_ids and status is not None:
        raise fail("give document ids or --status, not both")
    status = status or DocumentStatus.NEEDS_CONVERSION
    with open_archive() as archive:
        try:
            jobs = pending(archive, doc_ids or None, status)
        except UnknownDocuments as error:
            raise fail(str(error)) from error
        progress = file_progress("reading", quiet=as_json)
        with progress:
            task = progress.add_task("", total=len(jobs))

            def advance(outcome: RereadOutcome) -> None:
                progress.update(task, advance=1, description=outcome.file_name)
                if not as_json:
                    colour = _COLOURS.get(outcome.verdict, "red")  # deleted, missing
                    said = escape(f"{outcome.document_id} {outcome.file_name}: {summary(outcome)}")
                    line = f"[{colour}]{outcome.verdict:>10}[/] {said}"
                    progress.console.print(line, highlight=False)

            outcomes = reread(archive, jobs, threads=archive.settings.workers, on_done=advance)
    counts = Counter(outcome.verdict for outcome in outcomes)
    if as_json:
        print_json({"counts": dict(counts), "documents": [o.to_dict() for o in outcomes]})
    elif not outcomes:
        out.print(f"no documents to read again: none is {status.value}", highlight=False)
    else:
        out.print(", ".join(f"{n} {verdict}" for verdict, n in counts.items()), highlight=False)
