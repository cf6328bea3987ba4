"""``gongkai report``: 政府信息公开工作年度报告 from the register (条例第四十九、五十条)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from engine.archive import Archive
from engine.cli_requests import DEFAULT_USER, ByOption
from engine.cliutil import JsonOption, fail, open_archive, out, print_json
from engine.letters import TemplateError
from engine.office import OfficeError
from engine.report import (
    CARRIED_IN,
    CARRIED_OUT,
    NEW,
    TOTAL,
    ManualFiguresError,
    ReportError,
    csv_bytes,
    report_to_dict,
)
from engine.report_store import (
    annual_report,
    figures_path,
    issue_report,
    write_figures_example,
)

report_app = typer.Typer(
    help="The annual report (政府信息公开工作年度报告, 国办公开办函〔2021〕30号).",
    no_args_is_help=True,
)

YearOption = Annotated[int, typer.Option(min=2008, help="The year reported on (1月1日–12月31日).")]


@contextmanager
def _archive() -> Iterator[Archive]:
    """The archive; a report refused, a bad figures file or office.toml exit 1 with the reason."""
    with open_archive() as archive:
        try:
            yield archive
        except (ReportError, ManualFiguresError, OfficeError, TemplateError) as error:
            raise fail(str(error)) from error


@report_app.command("annual")
def report_annual(
    year: YearOption,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Write the report here (.docx); a copy is kept in generated/reports/<year>/.",
        ),
    ] = None,
    figures: Annotated[
        Path | None,
        typer.Option(help="The clerk's figures (default: $GONGKAI_HOME/report-<year>.toml)."),
    ] = None,
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Also write every figure as CSV, one per row (UTF-8 with a BOM, for Excel).",
        ),
    ] = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Compute the year's report from the register; write it as .docx, CSV and/or JSON.

    With --json the report's data is printed (and the .docx still written when -o
    is given); --json alone only prints it and keeps nothing. Records that cannot
    be counted, or tables that do not add up, refuse the report (exit 1) and
    name each request or document at fault; nothing is written then.
    """
    if output is None and csv_file is None and not as_json:
        raise fail("say what to produce: -o FILE.docx, --csv FILE and/or --json")
    with _archive() as archive:
        home = archive.settings.home
        report = annual_report(archive.sessions, home, year, figures)
        files: dict[str, object] = {}
        if output is not None:
            relative, digest = issue_report(archive.sessions, report, home, by, output)
            files.update(docx=str(output), kept=relative.as_posix(), sha256=digest.sha256)
        if csv_file is not None:
            csv_file.parent.mkdir(parents=True, exist_ok=True)
            csv_file.write_bytes(csv_bytes(report))
            files["csv"] = str(csv_file)
    if as_json:
        print_json({**report_to_dict(report), "files": files})
        return
    cells = report.requests.cells
    out.print(
        f"{year}年度报告（{report.agency}）：本年新收 {cells[NEW][TOTAL]}，"
        f"上年结转 {cells[CARRIED_IN][TOTAL]}，办结 {cells[TOTAL][TOTAL]}，"
        f"结转下年度 {cells[CARRIED_OUT][TOTAL]}",
        markup=False,
        highlight=False,
    )
    for name, path in files.items():
        out.print(f"  {name}: {path}", markup=False, highlight=False)
    drafted = [
        section
        for section, narrative in (
            ("一", report.overview),
            ("五", report.problems),
            ("六", report.other_matters),
        )
        if narrative.drafted
    ]
    if drafted:
        out.print(
            f"  sections {'、'.join(drafted)} are the desk's drafts: write your own under [text] "
            f"in {figures or figures_path(home, year)}",
            markup=False,
            highlight=False,
        )


@report_app.command("figures")
def report_figures(year: YearOption, as_json: JsonOption = False) -> None:
    """Write $GONGKAI_HOME/report-<year>.toml for the clerk to fill in (never overwritten)."""
    with open_archive() as archive:
        home = archive.settings.home
    try:
        path = write_figures_example(home, year)
    except FileExistsError:
        raise fail(
            f"{figures_path(home, year)} exists: edit it (it is never overwritten)"
        ) from None
    if as_json:
        print_json({"year": year, "path": str(path)})
    else:
        out.print(
            f"wrote {path}: fill in every figure, then run `gongkai report annual`",
            markup=False,
            highlight=False,
        )
