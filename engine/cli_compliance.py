"""``gongkai compliance``: the 考核 report of a month, a quarter or a year.

Each figure is printed with the documents and requests behind it, so that the
clerk can show the examiner where every number comes from.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from engine.cliutil import JsonOption, fail, open_archive, out, print_json
from engine.compliance import ComplianceError, parse_period, quarter_of, report_data
from engine.compliance_store import compliance_report, write_report


def compliance_command(
    period: Annotated[
        str | None,
        typer.Option(
            help="2026Q3 (a quarter), 2026-09 (a month) or 2026 (a year); default: this quarter."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write FILE.docx or FILE.csv.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The compliance report for 考核: publication, replies and reviews, with their items."""
    today = date.today()
    try:
        chosen = parse_period(period) if period is not None else quarter_of(today)
        with open_archive() as archive:
            report = compliance_report(
                archive.sessions,
                archive.settings.home,
                chosen,
                archive.settings.signoff_levels,
                today,
            )
        if output is not None:
            write_report(report, output)
    except ComplianceError as error:
        raise fail(str(error)) from error
    if as_json:
        print_json(report_data(report))
        return
    if output is not None:
        out.print(f"wrote {output}", highlight=False)
        return
    state = "" if report.cutoff.over else "（期间未结束）"
    out.print(
        f"政府信息公开工作考核情况 {report.period.label} "
        f"{report.period.first}—{report.period.last}，截至{report.cutoff.day}{state}",
        highlight=False,
    )
    for section in report.sections:
        table = Table("分组", "项目", "数量", "明细", title=section.title)
        for figure in section.figures:
            table.add_row(
                figure.group,
                figure.label,
                str(figure.count),
                "、".join(item.ref for item in figure.items),
            )
        out.print(table)
