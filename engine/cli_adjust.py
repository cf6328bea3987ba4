"""``gongkai adjust``: the 动态调整 suggestions (条例 第四十四条) and the clerk's decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from engine.adjust import DEFAULT_PROCESS_MONTHS, DEFAULT_THRESHOLD, AdjustError, SuggestionStatus
from engine.adjust_store import AdjustDesk
from engine.archive import Archive
from engine.cli_requests import DEFAULT_USER, ByOption, OptionalDay, parse_day
from engine.cliutil import JsonOption, fail, open_archive, out, print_json

adjust_app = typer.Typer(
    help="动态调整: suggestions to make documents 主动公开 or to re-review withheld ones.",
    no_args_is_help=True,
)

NoteOption = Annotated[str | None, typer.Option("--note", help="Why (required to reject).")]


def _desk(archive: Archive) -> AdjustDesk:
    return AdjustDesk(archive.sessions, archive.search_index(), archive.settings.signoff_levels)


@adjust_app.command("list")
def adjust_list(
    threshold: Annotated[
        int, typer.Option(min=1, help="Distinct applicants asking for the same information.")
    ] = DEFAULT_THRESHOLD,
    process_months: Annotated[
        int, typer.Option(min=1, help="Months after which a 过程性 matter is taken as finished.")
    ] = DEFAULT_PROCESS_MONTHS,
    today: OptionalDay = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Compute new suggestions, then list the open ones."""
    day = parse_day(today, "--today") if today else date.today()
    with open_archive() as archive:
        desk = _desk(archive)
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
            row = _desk(archive).decide(suggestion_id, status, by, note)
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
    """Accept a suggestion: the document goes back to the review queue (the levels decide)."""
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
