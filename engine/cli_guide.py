"""``gongkai guide``: the 政府信息公开指南 from office.toml (条例第十二条), kept and copied out
(:func:`engine.guide_store.issue_guide`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.cli_requests import DEFAULT_USER, ByOption, day_or_today
from engine.cliutil import JsonOption, fail, open_archive, out, print_json
from engine.guide_store import issue_guide
from engine.letters import TemplateError
from engine.office import OfficeError


def guide_command(
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="Write the guide here (.docx); a copy is kept in generated/guide/.",
        ),
    ],
    guide_date: Annotated[
        str | None, typer.Option("--date", help="The guide's date, YYYY-MM-DD (default: today).")
    ] = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Write the 政府信息公开指南 from office.toml: the office, how to apply, fees, remedies."""
    day = day_or_today(guide_date, "--date")
    with open_archive() as archive:
        home = archive.settings.home
        try:
            relative, digest = issue_guide(archive.sessions, home, day, by)
        except (OfficeError, TemplateError) as error:
            raise fail(str(error)) from error
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes((home / relative).read_bytes())
    view = {
        "output": str(output),
        "kept": relative.as_posix(),
        "sha256": digest.sha256,
        "date": day.isoformat(),
    }
    if as_json:
        print_json(view)
    else:
        out.print(f"公开指南 ({view['date']}) -> {output} (kept: {view['kept']})", highlight=False)
