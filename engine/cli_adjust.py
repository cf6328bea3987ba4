"""``gongkai adjust``: the 动态调整 suggestions (条例 第四十四条) and the clerk's decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from engine.adjust import AdjustError, SuggestionStatus
from engine.archive import Archive
from engine.cli_requests import DEFAULT_USER, ByOption, OptionalDay, parse_day
from engine.cliutil import JsonOption, fail, open_archive, out, print_json
from engine.office import OfficeError, load_office

adjust_app = typer.Typer(
    help="动态调整: suggestions to make documents 主动公开 or to re-review withheld ones.",
    no_args_is_help=True,
)

NoteOption = Annotated[str | None, typer.Option("--note", help="Why (required to reject).")]


def _settings(archive: Archive, threshold: int | None, months: int | None) -> tuple[int, int]:
    """The options given, else office.toml's adjust_threshold and adjust_process_months."""
    if threshold is not None and months is not None:
        return threshold, months
    try:
        office = load_office(archive.settings.home)
    except OfficeError as error:
        raise fail(f"{error} (or give --threshold and --process-months)") from error
    return (
        office.adjust_threshold if threshold is None else threshold,
        office.adjust_process_months if months is None else months,
    )


@adjust_app.command("list")
def adjust_list(
    threshold: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Distinct applicants asking for the same information "
            "(default: office.toml's adjust_threshold).",
            show_default=False,
        ),
    ] = None,
    process_months: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Months after which a 过程性 matter is taken as finished "
            "(default: office.toml's adjust_process_months).",
            show_default=False,
        ),
    ] = None,
    today: OptionalDay = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Compute new suggestions, then list the open ones."""
    day = parse_day(today, "--today") if today else date.today()
    with open_archive() as archive:
        threshold, process_months = _settings(archive, threshold, process_months)
        desk = archive.adjustments()
        desk.refresh(day, threshold=threshold, process_months=process_months, by=by)
        rows = desk.list()
    if as_json:
        print_json(rows)
        return
    table = Table("id", "建议", "文件", "标题", "理由")
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["kind_label"]),
            str(row["document_id"]),
            str(row["title"] or ""),
            str(row["reason"]),
        )
    out.print(table)


def _decide(
    suggestion_id: int, status: SuggestionStatus, by: str, note: str | None, as_json: bool
) -> None:
    with open_archive() as archive:
        try:
            row = archive.adjustments().decide(suggestion_id, status, by, note)
        except AdjustError as error:
            raise fail(str(error)) from error
    if as_json:
        print_json(row)
    else:
        out.print(
            f"{row['id']}: {row['status_label']} ({row['kind_label']}, 文件 {row['document_id']})"
        )


@adjust_app.command("accept")
def adjust_accept(
    suggestion_id: int,
    by: ByOption = DEFAULT_USER,
    note: NoteOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accept a suggestion: the decision is reopened (重新审查) and the levels decide again."""
    _decide(suggestion_id, SuggestionStatus.ACCEPTED, by, note, as_json)


@adjust_app.command("reject")
def adjust_reject(
    suggestion_id: int,
    by: ByOption = DEFAULT_USER,
    note: NoteOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a suggestion, saying why (--note); it is not suggested again."""
    _decide(suggestion_id, SuggestionStatus.REJECTED, by, note, as_json)
