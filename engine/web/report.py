"""年报: the annual report's tables as a page, its consistency errors, .docx and CSV.

The page draws the tables :func:`engine.report.report_tables` lays out from the
report ``gongkai report annual`` computes; the downloads are the engine's own
.docx (kept as a version and audited, as ``-o`` does) and CSV. The figures the
register does not hold (表二's 行政许可 … and the texts that replace the drafts)
are typed into a form here and saved as the clerk's figures file
(:func:`engine.report_store.save_figures`); while the year has none, the
report page shows that form.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from engine.fees import FEE_MEASURES
from engine.letters import TemplateError
from engine.office import OfficeError
from engine.report import (
    PROACTIVE_FIGURES,
    SECTIONS,
    TEXT_SECTIONS,
    TITLE,
    AnnualReport,
    ManualFiguresError,
    ReportError,
    csv_bytes,
    figures_form_values,
    figures_from_form,
    report_tables,
)
from engine.report_store import (
    FiguresMissing,
    annual_report,
    figures_path,
    issue_report,
    read_figures,
    save_figures,
)
from engine.web.common import DOCX, ArchiveDep, Viewer, ViewerDep, attachment, page, refuse

router = APIRouter()

FIRST_YEAR = 2008  # the 条例 took effect on 1 May 2008: the first year reported on
LAST_YEAR = 2100

Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR)]


def _report(archive: ArchiveDep, year: int) -> AnnualReport:
    """The year's report, or the error page saying why there is none (for a download)."""
    try:
        return annual_report(archive.sessions, archive.settings.home, year)
    except FiguresMissing as error:
        raise refuse(
            f"尚未填写{year}年表二中登记簿不掌握的数据（行政许可、行政处罚、行政强制、"
            f"行政事业性收费），请先在年报页面填写 (/report/{year})",
            409,
        ) from error
    except (ReportError, ManualFiguresError, OfficeError) as error:
        raise refuse(f"{year}年度报告无法生成：{error}", 409) from error


@router.get("/report")
def report_default(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
) -> Response:
    """The year picked (the picker's GET), else last year: reports are made in January."""
    if year is not None:
        return RedirectResponse(f"/report/{year}", status_code=303)
    return report_page(request, archive, viewer, date.today().year - 1)


def _form(year: int, values: dict[str, str], errors: dict[str, str]) -> dict[str, object]:
    """What the figures form draws: its fields, their values as typed, each field's problem."""
    return {
        "year": year,
        "values": values,
        "errors": errors,
        "figure_fields": PROACTIVE_FIGURES,
        "text_fields": TEXT_SECTIONS,
    }


@router.get("/report/{year}")
def report_page(
    request: Request, archive: ArchiveDep, viewer: ViewerDep, year: Year, saved: bool = False
) -> Response:
    """Tables 二、三、四 and the fees of 六 in the national format; what is wrong, if anything;
    the figures form while the year has no figures file."""
    context: dict[str, object] = {
        **_form(year, figures_form_values(None), {}),
        "years": range(date.today().year, FIRST_YEAR - 1, -1),
        "report": None,
        "tables": (),
        "problems": (),
        "error": None,
        "missing": False,
        "figures_error": False,
        "saved": saved,
        "sections": SECTIONS,
        "fee_measures": FEE_MEASURES,
    }
    try:
        report = annual_report(archive.sessions, archive.settings.home, year)
        context.update(report=report, tables=report_tables(report))
    except FiguresMissing:
        context.update(missing=True)  # not an error: the page asks for them
    except ReportError as error:
        context.update(problems=error.problems, error=str(error).splitlines()[0])
    except ManualFiguresError as error:
        context.update(error=str(error), figures_error=True)
    except OfficeError as error:
        context.update(error=str(error))
    status = 409 if context["error"] else 200
    return page(request, "report.html", context, viewer=viewer, status=status)


@router.get("/report/{year}/docx")
def report_docx(archive: ArchiveDep, viewer: ViewerDep, year: Year) -> Response:
    """The report as .docx from the office's template, kept as the year's next version."""
    report = _report(archive, year)
    home = archive.settings.home
    try:
        relative, _digest = issue_report(archive.sessions, report, home, viewer.name)
    except TemplateError as error:
        raise refuse(f"年度报告模板有误：{error}", 409) from error
    name = f"{report.agency}{year}年{TITLE}.docx"
    return FileResponse(home / relative, media_type=DOCX, filename=name)


@router.get("/report/{year}/csv")
def report_csv(archive: ArchiveDep, viewer: ViewerDep, year: Year) -> Response:
    """Every figure, one a row, for upstream aggregation (UTF-8 with a BOM: Excel opens it)."""
    report = _report(archive, year)
    return Response(
        csv_bytes(report),
        media_type="text/csv; charset=utf-8",
        headers=attachment(f"{report.agency}{year}年{TITLE}.csv"),
    )


# --- the figures the register does not hold ------------------------------------------


def _figures_page(
    request: Request,
    viewer: Viewer,
    year: int,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    context = {**_form(year, values, errors), "problem": problem}
    return page(request, "report_figures.html", context, viewer=viewer, status=status)


async def typed_fields(request: Request) -> dict[str, str]:
    """The form's fields as typed (the engine picks the ones it knows)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.get("/report/{year}/figures")
def figures_form(request: Request, archive: ArchiveDep, viewer: ViewerDep, year: Year) -> Response:
    """The figures form, filled with the year's figures file if it has one that reads."""
    problem = None
    try:
        figures = read_figures(figures_path(archive.settings.home, year), year)
    except FiguresMissing:
        figures = None
    except ManualFiguresError as error:  # hand-edited and broken: saving replaces it (kept)
        figures, problem = None, str(error)
    return _figures_page(request, viewer, year, figures_form_values(figures), {}, problem=problem)


@router.post("/report/{year}/figures")
def save_figures_form(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    year: Year,
    typed: Annotated[dict[str, str], Depends(typed_fields)],
) -> Response:
    """Save the typed figures as the year's figures file (audited); then the report."""
    try:
        figures = figures_from_form(year, typed)
        save_figures(archive.sessions, archive.settings.home, figures, viewer.name)
    except ManualFiguresError as error:
        values = {**figures_form_values(None), **typed}
        problem = None if error.fields else str(error)
        return _figures_page(
            request, viewer, year, values, error.fields, problem=problem, status=400
        )
    return RedirectResponse(f"/report/{year}?saved=1", status_code=303)
