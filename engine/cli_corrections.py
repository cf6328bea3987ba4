"""``gongkai correction``: 更正申请 (第四十一条), 澄清 and 勘误, from registration to letter."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from engine.cli_requests import (
    DEFAULT_USER,
    ByOption,
    OptionalDay,
    day_or_today,
    deliver_letter,
    parse_day,
    show_view,
)
from engine.cliutil import JsonOption, fail, open_archive, out, print_json
from engine.correction_store import CorrectionDesk
from engine.corrections import (
    CorrectionDecision,
    CorrectionError,
    CorrectionKind,
    CorrectionOutcome,
    CorrectionStatus,
    erratum_items,
    new_correction,
)
from engine.letters import TemplateError
from engine.office import OfficeError

correction_app = typer.Typer(
    help="Corrections: 更正申请 (第四十一条), 澄清虚假或不完整信息, 勘误 of a published document.",
    no_args_is_help=True,
)


@contextmanager
def _desk() -> Iterator[CorrectionDesk]:
    with open_archive() as archive:
        try:
            yield archive.corrections()
        except (CorrectionError, OfficeError, TemplateError) as error:
            raise fail(str(error)) from error


def _summary(view: dict[str, object]) -> str:
    text = f"{view['number']}  {view['kind_label']}  {view['status_label']}  {view['received']}"
    if view["outcome"]:
        text += f"  {view['outcome_label']}（{view['decided_on']}）"
    return text


@correction_app.command("add")
def correction_add(
    kind: Annotated[CorrectionKind, typer.Option(help="record, clarification or erratum.")],
    applicant: Annotated[str, typer.Option(help="record: the applicant's name.")] = "",
    applicant_kind: Annotated[
        str,
        typer.Option(
            help="record: natural_person, commercial, research, public_interest, "
            "legal_service, other_org."
        ),
    ] = "",
    received: Annotated[
        str | None,
        typer.Option(
            help="record: the day it was received (required); otherwise the day the "
            "information or error was found (default: today). YYYY-MM-DD."
        ),
    ] = None,
    content: Annotated[
        str, typer.Option(help="record: the record and the correction asked; erratum: a note.")
    ] = "",
    contact: Annotated[str, typer.Option(help="record: address, telephone, e-mail.")] = "",
    subject: Annotated[
        str, typer.Option(help="clarification: the false or incomplete information.")
    ] = "",
    facts: Annotated[str, typer.Option(help="clarification: the accurate information.")] = "",
    document: Annotated[
        int | None, typer.Option(help="erratum: the archived original's document id.")
    ] = None,
    corrected_document: Annotated[
        int | None, typer.Option(help="erratum: the archived corrected version's id.")
    ] = None,
    error: Annotated[
        list[str] | None,
        typer.Option("--error", help="erratum: WHERE|WRONG|RIGHT, once per error."),
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(help="erratum: the day the original was published (default: its 成文日期)."),
    ] = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Register a 更正申请, a 澄清 or a 勘误; prints its number."""
    day = parse_day(received, "--received") if received else None
    published_on = parse_day(published, "--published") if published else None
    with _desk() as desk:
        new = new_correction(
            kind=kind.value,
            today=desk.today(),
            received=day,
            applicant=applicant,
            applicant_kind=applicant_kind,
            contact=contact,
            content=content,
            subject=subject,
            facts=facts,
            document_id=document,
            corrected_document_id=corrected_document,
            errors=erratum_items(error or []),
            published=published_on,
        )
        view = desk.add(new, by)
    show_view(view, as_json, _summary)


@correction_app.command("list")
def correction_list(
    kind: Annotated[CorrectionKind | None, typer.Option(help="Only this kind.")] = None,
    status: Annotated[
        CorrectionStatus | None, typer.Option(help="open, decided or issued.")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Corrections numbered in this year.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 200,
    as_json: JsonOption = False,
) -> None:
    """The correction register, newest first."""
    with _desk() as desk:
        views = desk.list(kind=kind, status=status, year=year, limit=limit)
    if as_json:
        print_json(views)
        return
    table = Table("number", "kind", "received", "status", "about", "outcome")
    for view in views:
        table.add_row(
            str(view["number"]),
            str(view["kind_label"]),
            str(view["received"]),
            str(view["status_label"]),
            str(view["about"]),
            str(view["outcome_label"] or ""),
        )
    out.print(table)


@correction_app.command("show")
def correction_show(number: str, as_json: JsonOption = False) -> None:
    """A correction with its documents, decision, letters and history."""
    with _desk() as desk:
        view = desk.show(number)
    if as_json:
        print_json(view)
        return
    out.print(_summary(view), highlight=False)
    if view["applicant"]:
        out.print(f"  {view['applicant']}（{view['applicant_kind']}）：{view['content']}")
    if view["subject"]:
        out.print(f"  澄清：{view['subject']}\n  事实：{view['facts']}")
    for role, key in (("原文", "document"), ("更正后", "corrected_document")):
        document = view[key]
        if isinstance(document, dict):
            out.print(
                f"  {role} #{document['id']}《{document['title']}》{document['doc_number'] or ''}"
            )
    for item in view["errors"]:  # type: ignore[attr-defined]
        out.print(f"  {item['where']}：“{item['wrong']}” → “{item['right']}”")
    for letter in view["letters"]:  # type: ignore[attr-defined]
        out.print(f"  {letter['letter_number']} v{letter['version']}  {letter['path']}")


@correction_app.command("decide")
def correction_decide(
    number: str,
    outcome: Annotated[
        CorrectionOutcome,
        typer.Option(help="corrected, transferred, told_to_apply or not_substantiated."),
    ],
    by: ByOption = DEFAULT_USER,
    on: OptionalDay = None,
    reason_text: Annotated[
        str, typer.Option(help="The reason in words (required for not_substantiated).")
    ] = "",
    competent_agency: Annotated[
        str, typer.Option(help="transferred / told_to_apply: the agency that may correct it.")
    ] = "",
    competent_contact: Annotated[str, typer.Option(help="Its address or telephone.")] = "",
    as_json: JsonOption = False,
) -> None:
    """答复 a 更正申请 (第四十一条): corrected, transferred, told to apply there, or not."""
    decision = CorrectionDecision(
        outcome,
        day_or_today(on, "--on"),
        by,
        reason_text=reason_text.strip(),
        competent_agency=competent_agency.strip(),
        competent_contact=competent_contact.strip(),
    )
    with _desk() as desk:
        view = desk.decide(number, decision)
    show_view(view, as_json, _summary)


@correction_app.command("letter")
def correction_letter(
    number: str,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to put a copy (.docx).")],
    letter_date: Annotated[
        str | None, typer.Option("--date", help="The letter's date (default: today).")
    ] = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Print the reply, the 澄清说明 or the 勘误说明 as .docx (kept in the archive)."""
    day = day_or_today(letter_date, "--date")
    with _desk() as desk:
        letter = desk.letter(number, by=by, letter_date=day)
        deliver_letter(desk.home, letter, number, output, as_json)
