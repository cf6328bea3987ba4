"""The ``gongkai`` command: a thin shell over the archive (design.md "CLI contract").

Every command that shows data takes ``--json`` and then prints one JSON value to
stdout; errors go to stderr with a non-zero exit.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from engine.archive import Archive, document_detail, document_view, files_under, list_documents
from engine.cli_adjust import adjust_app
from engine.cli_compliance import compliance_command
from engine.cli_corrections import correction_app
from engine.cli_guide import guide_command
from engine.cli_ocr import ocr_command, read_filed_scans
from engine.cli_publication import add_publication_commands
from engine.cli_report import report_app
from engine.cli_requests import request_app, templates_app
from engine.cli_reread import reread_command
from engine.cli_review import classify_command, review_app
from engine.cli_rules import rules_app
from engine.cli_users import audit_command, user_app
from engine.cliutil import JsonOption, err, fail, file_progress, open_archive, out, print_json
from engine.codes import Attribute, Reason
from engine.config import load_settings
from engine.office import FILE_NAME as OFFICE_FILE
from engine.office import write_example
from engine.pipeline import Outcome, Status
from indexer import IndexLocked, QueryError, SearchQuery

app = typer.Typer(
    help="gongkai — the records desk for 政府信息公开.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(review_app, name="review")
app.add_typer(request_app, name="request")
app.add_typer(correction_app, name="correction")
app.add_typer(templates_app, name="templates")
app.add_typer(rules_app, name="rules")
app.add_typer(report_app, name="report")
app.add_typer(user_app, name="user")
app.add_typer(adjust_app, name="adjust")
app.command("audit")(audit_command)
app.command("guide")(guide_command)
app.command("compliance")(compliance_command)
app.command("classify")(classify_command)
app.command("ocr")(ocr_command)
app.command("reread")(reread_command)
add_publication_commands(app)


@app.command()
def init(as_json: JsonOption = False) -> None:
    """Create the data root, the register, the inbox and office.toml (fill it in for letters)."""
    with open_archive() as archive:
        settings = archive.settings
        write_example(settings.home)
        info = {
            "home": str(settings.home),
            "inbox": str(settings.inbox),
            "database": archive.engine.url.render_as_string(hide_password=True),
            "documents": archive.count_documents(),
            "office": str(settings.home / OFFICE_FILE),
        }
    if as_json:
        print_json(info)
    else:
        for key, value in info.items():
            out.print(f"{key:>10}: {value}", highlight=False)


def _outcome_line(outcome: Outcome) -> str:
    colour = {"filed": "green", "duplicate": "yellow", "quarantined": "red"}.get(
        outcome.status.value, "dim"
    )
    target = f" -> document {outcome.document_id}" if outcome.document_id else ""
    return f"[{colour}]{outcome.status.value:>13}[/] {outcome.file_name}{target} {outcome.message}"


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to file, in place.")],
    as_json: JsonOption = False,
) -> None:
    """File existing documents (a bulk back-fill); the files are left where they are."""
    with open_archive() as archive:
        try:
            files = list(files_under(paths, skip=archive.settings.home))
        except FileNotFoundError as error:
            raise fail(str(error)) from error
        search_index = archive.search_index()  # in step before, so the count below is ours
        progress = file_progress("filing", quiet=as_json)
        with progress:
            task = progress.add_task("", total=len(files))

            def advance(outcome: Outcome) -> None:
                progress.update(task, advance=1, description=outcome.file_name)
                if not as_json and outcome.status is not Status.FILED:
                    progress.console.print(_outcome_line(outcome), highlight=False)

            outcomes = archive.ingest_files(files, advance)
        try:
            indexed: int | None = search_index.sync().indexed
        except IndexLocked:
            indexed = None
            err.print("the search index is busy (the watcher?); it takes these in at its next sync")
        scans = read_filed_scans(archive, outcomes, as_json)  # OCR, when installed
    counts = {status.value: 0 for status in Status}
    for outcome in outcomes:
        counts[outcome.status.value] += 1
    if as_json:
        files_done = [o.to_dict() for o in outcomes]
        print_json({"counts": counts, "indexed": indexed, "files": files_done, "ocr": scans})
    else:
        out.print(", ".join(f"{n} {status}" for status, n in counts.items() if n), highlight=False)


@app.command()
def watch(
    inbox: Annotated[
        Path | None, typer.Option(help="The drop folder (default: the data root's inbox).")
    ] = None,
    polling: Annotated[
        bool, typer.Option("--polling", help="Poll instead of inotify (network shares).")
    ] = False,
) -> None:
    """Watch the inbox and file every document dropped into it, until Ctrl-C."""
    from engine.watcher import Watcher  # watchdog's observers are only needed here

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    settings = load_settings().with_inbox(inbox)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with Archive.open(settings) as archive:
        archive.search_index()  # checked against the register, rebuilt if need be
        err.print(f"watching {settings.inbox} (Ctrl-C to stop)", highlight=False)
        watcher = Watcher(
            archive,
            polling=polling,
            on_outcome=lambda o: out.print(_outcome_line(o), highlight=False),
        )
        watcher.run(stop)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    no_watch: Annotated[
        bool, typer.Option("--no-watch", help="Serve the desk only; another process watches.")
    ] = False,
) -> None:
    """The web desk on http://HOST:PORT, with the inbox watcher, until Ctrl-C."""
    import uvicorn

    from engine.web import create_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    application = create_app(load_settings(), watch=not no_watch, address=f"http://{host}:{port}")
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command("list")
def list_command(
    attribute: Annotated[
        Attribute | None, typer.Option(help="Only this 公开属性.", case_sensitive=False)
    ] = None,
    status: Annotated[str | None, typer.Option(help="filed, needs_ocr …")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonOption = False,
) -> None:
    """Documents in the register, newest first."""
    with open_archive() as archive, archive.sessions() as session:
        documents = list_documents(
            session,
            limit=limit,
            offset=offset,
            attribute=attribute.value if attribute else None,
            status=status,
        )
        views = [document_view(d) for d in documents]
    if as_json:
        print_json(views)
        return
    table = Table("id", "发文字号", "标题", "成文日期", "公开属性", "文件")
    for view in views:
        attr = view["attribute"]
        table.add_row(
            str(view["id"]),
            str(view["doc_number"] or ""),
            str(view["title"] or ""),
            str(view["issue_date"] or ""),
            Attribute(attr).label if isinstance(attr, str) else "",
            "、".join(view["file_names"]),  # type: ignore[arg-type]
        )
    out.print(table)


@app.command()
def show(
    doc_id: Annotated[int, typer.Argument(help="The document's id.")],
    as_json: JsonOption = False,
    text: Annotated[bool, typer.Option("--text", help="Print the full text too.")] = False,
) -> None:
    """A document: metadata, the files it arrived as, and its history."""
    with open_archive() as archive, archive.sessions() as session:
        view = document_detail(session, archive.settings.home, doc_id)
    if view is None:
        raise fail(f"no document with id {doc_id}")
    if as_json:
        print_json(view)
        return
    labels = {
        "doc_number": "发文字号",
        "title": "标题",
        "issuer": "发文机关",
        "issue_date": "成文日期",
        "doc_kind": "文种",
        "attribute": "公开属性",
        "status": "状态",
        "format": "格式",
        "original": "原件",
    }
    out.print(f"[bold]document {doc_id}[/]")
    for key, label in labels.items():
        out.print(f"  {label}: {view[key] or '—'}", highlight=False)
    for source in view["sources"]:  # type: ignore[attr-defined]
        out.print(f"  来源: {source['file_name']} ({source['arrived_at']})", highlight=False)
    for event in view["history"]:  # type: ignore[attr-defined]
        out.print(f"  {event['at']} {event['actor']} {event['action']}", highlight=False)
    if text:
        out.print(str(view["text"]), highlight=False)


def main() -> None:
    app()


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help='Words, "phrases", -exclusions, OR; or a 发文字号.')
    ] = "",
    attribute: Annotated[Attribute | None, typer.Option(help="公开属性.")] = None,
    reason: Annotated[Reason | None, typer.Option(help="不予公开 reason code.")] = None,
    year: Annotated[int | None, typer.Option(help="Year of the 成文日期.")] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="成文日期 from YYYY-MM-DD.")
    ] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="成文日期 to YYYY-MM-DD.")] = None,
    issuer: Annotated[str | None, typer.Option(help="发文机关 (words of it).")] = None,
    kind: Annotated[str | None, typer.Option(help="文种: 通知, 请示 …")] = None,
    doc_number: Annotated[str | None, typer.Option(help="发文字号, any brackets.")] = None,
    sort: Annotated[str, typer.Option(help="relevance or date.")] = "relevance",
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonOption = False,
) -> None:
    """Full-text search of the archive."""
    try:
        request = SearchQuery(
            text=query,
            attribute=attribute.value if attribute else None,
            reason=reason.value if reason else None,
            year=year,
            date_from=date.fromisoformat(date_from) if date_from else None,
            date_to=date.fromisoformat(date_to) if date_to else None,
            issuer=issuer,
            kind=kind,
            doc_number=doc_number,
            limit=limit,
            offset=offset,
            sort="date" if sort == "date" else "relevance",
        )
    except ValueError as error:
        raise fail(f"bad search: {error}") from error
    with open_archive() as archive:
        try:
            found = archive.search_index().search(request)
        except QueryError as error:
            raise fail(str(error)) from error
    if as_json:
        print_json(found)
        return
    hits = found["hits"]
    out.print(f"{found['total']} documents", highlight=False)
    for hit in hits:  # type: ignore[attr-defined]
        label = Attribute(hit["attribute"]).label if hit["attribute"] else ""
        head = f"[bold]{hit['id']}[/] {hit['title'] or '、'.join(hit['file_names'])}"
        out.print(f"{head}  {hit['doc_number'] or ''} {hit['issue_date'] or ''} {label}")
        out.print(f"    {hit['snippet']}", highlight=False)


@app.command()
def reindex() -> None:
    """Rebuild the search index from the register."""
    with open_archive() as archive:
        progress = Progress(
            TextColumn("[bold]indexing"), BarColumn(), MofNCompleteColumn(), console=err
        )
        with progress:
            task = progress.add_task("", total=None)
            report = archive.search_index().rebuild(
                lambda done, total: progress.update(task, completed=done, total=total)
            )
    out.print(f"indexed {report.indexed} documents", highlight=False)
