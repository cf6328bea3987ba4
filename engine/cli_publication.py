"""``gongkai publish``, ``publication list``, ``validity``, ``catalog export`` and ``catalog
import``: 主动公开.

Publishing a document gives it its 索引号; the clock shows what is due and what
is late (条例第二十六条: 20 working days); the catalog is the 政府信息公开目录.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from engine.catalog_import import read_catalog, summary
from engine.catalog_import_store import ImportReport, import_catalog
from engine.cli_requests import DEFAULT_USER, ByOption, parse_day
from engine.cliutil import JsonOption, fail, open_archive, out, print_json
from engine.office import OfficeError
from engine.publication import ChangeKind, Channel, PublicationError
from engine.publication_store import CatalogFormat, PublicationDesk

publication_app = typer.Typer(
    help="The publication clock (主动公开, 20 working days).", no_args_is_help=True
)
catalog_app = typer.Typer(help="The 政府信息公开目录.", no_args_is_help=True)


@contextmanager
def _desk() -> Iterator[PublicationDesk]:
    with open_archive() as archive:
        try:
            yield archive.publications()
        except (PublicationError, OfficeError) as error:
            raise fail(str(error)) from error


def publish_command(
    doc_id: int,
    channel: Annotated[
        Channel,
        typer.Option(
            help="portal (门户网站), gazette (公报), notice_board (公开栏), press_conference, "
            "new_media, press, reading_room."
        ),
    ],
    day: Annotated[str, typer.Option("--date", help="The day it was published (YYYY-MM-DD).")],
    url: Annotated[str, typer.Option(help="Where it is, for a web channel.")] = "",
    topic: Annotated[str, typer.Option(help="主题分类, as the catalog shows it.")] = "",
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Record that a 主动公开 document was published; prints its 索引号 and whether on time."""
    published_on = parse_day(day, "--date")
    with _desk() as desk:
        view = desk.publish(doc_id, channel, published_on, by, url=url, topic=topic)
    if as_json:
        print_json(view)
        return
    out.print(
        f"{view['index_number']}  document {doc_id} published {view['published_on']} "
        f"({view['channel_label']}): {view['status_label']}, due {view['due']} "
        f"(from {view['clock_basis_label']} {view['clock_start']})",
        highlight=False,
    )
    for warning in view["warnings"]:  # type: ignore[attr-defined]
        out.print(f"  ! {warning}", highlight=False)


@publication_app.command("list")
def publication_list(
    due_within: Annotated[
        int | None, typer.Option(min=0, help="Unpublished, due within N working days.")
    ] = None,
    overdue: Annotated[bool, typer.Option(help="Unpublished past the 20 working days.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The 主动公开 documents not yet published, by 发文机关, the earliest due first."""
    with _desk() as desk:
        views = desk.clock(due_within=due_within, overdue=overdue)
    if as_json:
        print_json(views)
        return
    table = Table("发文机关", "id", "title", "成文日期", "due", "left", "status")
    for view in views:
        colour = {"overdue": "red", "due_soon": "yellow"}.get(str(view["status"]), "default")
        table.add_row(
            str(view["issuer"] or "—"),
            str(view["document_id"]),
            str(view["title"] or ""),
            str(view["issue_date"] or ""),
            str(view["due"]),
            str(view["working_days_left"]),
            f"[{colour}]{view['status_label']}[/]",
        )
    out.print(table)


def validity_command(
    doc_id: int,
    day: Annotated[str, typer.Option("--date", help="The day it takes effect (YYYY-MM-DD).")],
    repealed_by: Annotated[
        int | None, typer.Option(help="The document that repeals it (废止).")
    ] = None,
    amended_by: Annotated[
        int | None, typer.Option(help="The document that amends it (修改).")
    ] = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Record that another document repealed or amended this one (its 有效性)."""
    if (repealed_by is None) == (amended_by is None):
        raise fail("give --repealed-by DOC or --amended-by DOC (one of them)")
    kind, other = (
        (ChangeKind.REPEALED, repealed_by)
        if repealed_by is not None
        else (ChangeKind.AMENDED, amended_by)
    )
    assert other is not None
    on = parse_day(day, "--date")
    with _desk() as desk:
        view = desk.change_validity(doc_id, kind, other, on, by)
    if as_json:
        print_json(view)
    else:
        out.print(
            f"document {doc_id}: {view['kind_label']} by document {other} on {on}; "
            f"有效性 {view['validity_label']}",
            highlight=False,
        )


@catalog_app.command("export")
def catalog_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write.")],
    fmt: Annotated[CatalogFormat, typer.Option("--format", help="csv or xlsx.")],
    year: Annotated[
        int | None, typer.Option(help="Only the documents first published in this year.")
    ] = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Export the 政府信息公开目录 (索引号, 信息名称, 发文字号, 发布机构, dates, 有效性);
    the export is audited: it re-marks the 有效性 of changed documents."""
    with _desk() as desk:
        count = desk.export_catalog(output, fmt, year, by)
    if as_json:
        print_json({"path": str(output), "format": fmt.value, "entries": count})
    else:
        out.print(f"{count} entries written to {output}", highlight=False)


@catalog_app.command("import")
def catalog_import(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="The office's catalog: .xlsx or .csv (UTF-8, GB18030).",
        ),
    ],
    channel: Annotated[Channel, typer.Option(help="Where its documents were published.")] = (
        Channel.PORTAL
    ),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be recorded; write nothing.")
    ] = False,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Record the publications of an existing 政府信息公开目录 (its 发布日期 and 索引号),
    each row matched to its document by 发文字号 or title; exits non-zero if any row is
    refused or matches no document."""
    with _desk() as desk:
        rows = read_catalog(file.read_bytes(), file.name)
        report = import_catalog(desk, rows, channel, by, source=file.name, dry_run=dry_run)
    if as_json:
        print_json(report.view())
    else:
        _print_import(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_import(report: ImportReport) -> None:
    table = Table("行", "结果", "id", "索引号", "发布日期")
    table.add_column("信息名称 / 原因", overflow="fold")  # a reason is read whole
    for item in report.rows:
        row = item.row
        colour = "red" if item.outcome.failed else "default"
        said = item.reason or "\n".join([row.title or row.doc_number, *item.notes])
        table.add_row(
            str(row.line),
            f"[{colour}]{item.outcome.label}[/]",
            str(item.document_id or ""),
            item.index_number,
            str(row.published_on or ""),
            escape(said),
        )
    out.print(table)
    counts = ", ".join(
        f"{count} {outcome}" for outcome, count in summary(report.rows).items() if count
    )
    dry = " (dry run: nothing written)" if report.dry_run else ""
    out.print(f"{report.source}: {counts}{dry}", highlight=False)


def add_publication_commands(app: typer.Typer) -> None:
    """Register the publication commands on the ``gongkai`` app."""
    app.command("publish")(publish_command)
    app.command("validity")(validity_command)
    app.add_typer(publication_app, name="publication")
    app.add_typer(catalog_app, name="catalog")
