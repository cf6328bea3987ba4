"""公开: the publication books — the 20-working-day clock, publishing a document, its
有效性, the 政府信息公开目录, 动态调整 suggestions, the compliance report and the 公开指南.

Every step calls the engine as the CLI does (:class:`engine.publication_store.
PublicationDesk`, :class:`engine.adjust_store.AdjustDesk`, :func:`engine.
compliance_store.compliance_report`, :func:`engine.guide_store.issue_guide`). A
document's publication card sits on its page (``/documents/{id}``); the forms there
post here and, under htmx, get the card back in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from engine.adjust import AdjustError, SuggestionStatus
from engine.adjust_store import UnknownSuggestion
from engine.archive import Archive
from engine.catalog_import import read_catalog
from engine.catalog_import_store import import_catalog
from engine.compliance import (
    REPLY_SECTION,
    TITLE,
    ComplianceError,
    ComplianceReport,
    Figure,
    parse_period,
    quarter_of,
    report_csv,
    report_docx,
)
from engine.compliance_store import compliance_report
from engine.guide import REQUIRED_LABELS, missing_fields
from engine.guide_store import GUIDES, issue_guide
from engine.letters import TemplateError
from engine.office import Office, OfficeError, load_office
from engine.publication import ChangeKind, Channel, PublicationError
from engine.publication_store import CatalogFormat
from engine.store import kept_file
from engine.web.common import (
    DOCX,
    NOTICE,
    XLSX,
    ArchiveDep,
    Viewer,
    ViewerDep,
    attachment,
    form_day,
    form_document_id,
    form_value,
    is_htmx,
    page,
    refuse,
)
from engine.web.documents import card_context, document_page

router = APIRouter()

REFUSED = "refused"  # the session key of the documents a batch could not publish, and why
GROUP_ROWS = 20  # of a 发文机关's documents on the clock page, unless it is picked
ITEMS_SHOWN = 50  # of a figure's items on the page; the downloads carry them all
PERIODS_BACK = 8  # quarters offered in the compliance report's picker


def _keeper(viewer: Viewer) -> None:
    """Publishing, validity and 动态调整 are the records staff's; the administrator's role
    manages accounts only (as it signs nothing)."""
    if not viewer.keeps_books:
        raise refuse(f"{viewer.role.label}不办理公开登记 (this role keeps no publication books)")


# --- the dashboard ----------------------------------------------------------------------


def by_issuer(
    views: list[dict[str, object]], limit: int | None
) -> list[tuple[str, list[dict[str, object]], int]]:
    """The clock's views grouped by 发文机关 (they come sorted by it, the earliest due first
    within each): each group's first ``limit`` rows (None: all) and its count."""
    groups = []
    for issuer, rows in groupby(views, lambda view: view["issuer"]):
        listed = list(rows)
        groups.append((str(issuer), listed[:limit] if limit else listed, len(listed)))
    return groups


@router.get("/publication")
def dashboard(
    request: Request, archive: ArchiveDep, viewer: ViewerDep, show: str = "due", issuer: str = ""
) -> Response:
    """What is late and what is due within a week, by 发文机关; ``show=all``: every document
    still to publish; ``issuer``: one 发文机关's, every row (else a group shows its first
    rows: an archive of old documents not yet recorded as published has thousands)."""
    views = archive.publications().clock()
    if issuer:
        views = [view for view in views if view["issuer"] == issuer]
    limit = None if issuer else GROUP_ROWS
    overdue = [view for view in views if view["status"] == "overdue"]
    due_soon = [view for view in views if view["status"] == "due_soon"]
    context = {
        "tab": "clock",
        "show_all": show == "all",
        "issuer": issuer,
        "overdue": by_issuer(overdue, limit),
        "due_soon": by_issuer(due_soon, limit),
        "pending": by_issuer(views, limit) if show == "all" else [],
        "counts": {"overdue": len(overdue), "due_soon": len(due_soon), "all": len(views)},
        "channels": list(Channel),
        "today": date.today().isoformat(),
        "notice": request.session.pop(NOTICE, None),
        "refused": request.session.pop(REFUSED, []),
    }
    return page(request, "publication.html", context, viewer=viewer)


@router.post("/publication/publish")
def publish_batch(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    document: Annotated[list[int] | None, Form()] = None,
    channel: Annotated[str, Form()] = "",
    published_on: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
) -> Response:
    """Record that the documents ticked on the clock were published together (a portal
    column updated, a 公报 issue out): each gets its 索引号; one refused does not stop
    the others, and the page says which and why."""
    _keeper(viewer)
    errors: dict[str, str] = {}
    chosen = form_value(channel, "channel", Channel, "请选择公开渠道", errors)
    day = form_day(published_on, "published_on", errors)
    if chosen is None or day is None or not document:
        problem = "；".join(errors.values()) or "请勾选文件并填写公开渠道和发布日期"
        raise refuse(problem, 400)
    desk = archive.publications()
    published, refused = [], []
    for doc_id in dict.fromkeys(document or ()):  # a document listed twice on the page is one
        try:
            view = desk.publish(doc_id, chosen, day, viewer.name, topic=topic)
        except (PublicationError, OfficeError) as error:
            refused.append(f"文件 {doc_id}：{error}")
        else:
            published.append(str(view["index_number"]))
    if published:
        request.session[NOTICE] = (
            f"已登记公开 {len(published)} 件（{chosen.label} {day}）：{'、'.join(published)}"
        )
    request.session[REFUSED] = refused
    return RedirectResponse("/publication", status_code=303)


# --- a document's card: publish, validity ----------------------------------------------


def _card_answer(
    request: Request,
    archive: Archive,
    viewer: Viewer,
    doc_id: int,
    form: Mapping[str, str],
    errors: Mapping[str, str],
    notice: str | None,
) -> Response:
    """After a post: the card in place (htmx), the document page with the form's messages,
    or after success the document page by redirect."""
    if is_htmx(request):
        context = card_context(archive, doc_id, form=form, errors=errors, notice=notice)
        status = 400 if errors else 200
        return page(request, "publication_card.html", context, viewer=viewer, status=status)
    if errors:
        extra = card_context(archive, doc_id, form=form, errors=errors)
        return document_page(request, archive, viewer, doc_id, extra, status=400)
    request.session[NOTICE] = notice
    return RedirectResponse(f"/documents/{doc_id}#publication", status_code=303)


@router.post("/documents/{doc_id}/publish")
def publish(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    doc_id: int,
    channel: Annotated[str, Form()] = "",
    published_on: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
) -> Response:
    """Record a publication; the first gives the document its 索引号."""
    _keeper(viewer)
    form = {"channel": channel, "published_on": published_on, "url": url, "topic": topic}
    errors: dict[str, str] = {}
    chosen = form_value(channel, "channel", Channel, "请选择公开渠道", errors)
    day = form_day(published_on, "published_on", errors)
    if chosen is None:
        errors.setdefault("channel", "请选择公开渠道")
    if day is None:
        errors.setdefault("published_on", "请填写发布日期")
    notice = None
    if not errors:
        assert chosen is not None and day is not None
        try:
            view = archive.publications().publish(
                doc_id, chosen, day, viewer.name, url=url, topic=topic
            )
        except (PublicationError, OfficeError) as error:
            errors["publish"] = str(error)
        else:
            notice = (
                f"已登记公开：{view['index_number']}，{view['channel_label']} "
                f"{view['published_on']}（{view['status_label']}，期限 {view['due']}）"
            )
    return _card_answer(request, archive, viewer, doc_id, form, errors, notice)


@router.post("/documents/{doc_id}/validity")
def change_validity(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    doc_id: int,
    kind: Annotated[str, Form()] = "",
    by_document: Annotated[str, Form()] = "",
    effective_on: Annotated[str, Form()] = "",
) -> Response:
    """Record that another document repealed (废止) or amended (修改) this one."""
    _keeper(viewer)
    form = {"kind": kind, "by_document": by_document, "effective_on": effective_on}
    errors: dict[str, str] = {}
    chosen = form_value(kind, "kind", ChangeKind, "请选择废止或修改", errors)
    other = form_document_id(by_document, "by_document", errors)
    day = form_day(effective_on, "effective_on", errors)
    for field, value, message in (
        ("kind", chosen, "请选择废止或修改"),
        ("by_document", other, "请填写废止或修改它的文件编号"),
        ("effective_on", day, "请填写生效日期"),
    ):
        if value is None:
            errors.setdefault(field, message)
    notice = None
    if not errors:
        assert chosen is not None and other is not None and day is not None
        try:
            view = archive.publications().change_validity(doc_id, chosen, other, day, viewer.name)
        except PublicationError as error:
            errors["validity"] = str(error)
        else:
            notice = f"已登记{view['kind_label']}（{day}），现为{view['validity_label']}"
    return _card_answer(request, archive, viewer, doc_id, form, errors, notice)


# --- the catalog ------------------------------------------------------------------------


@router.get("/publication/catalog")
def catalog(request: Request, archive: ArchiveDep, viewer: ViewerDep) -> Response:
    """The 政府信息公开目录: how many entries each year, and its downloads."""
    counts = archive.publications().catalog_counts()
    context = {
        "tab": "catalog",
        "counts": counts,
        "total": sum(counts.values()),
        "channels": list(Channel),
    }
    return page(request, "publication_catalog.html", context, viewer=viewer)


@router.get("/publication/catalog/download")
def catalog_download(
    archive: ArchiveDep,
    viewer: ViewerDep,
    fmt: Annotated[CatalogFormat, Query(alias="format")] = CatalogFormat.XLSX,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Response:
    """The catalog (or one year of it) as CSV or XLSX, for the portal; audited."""
    data, _count = archive.publications().catalog_file(fmt, year, viewer.name)
    name = f"政府信息公开目录{f'（{year}年）' if year else ''}.{fmt.value}"
    media = XLSX if fmt is CatalogFormat.XLSX else "text/csv; charset=utf-8"
    return Response(data, media_type=media, headers=attachment(name))


@router.post("/publication/catalog/import")
def catalog_import(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    upload: Annotated[UploadFile, File()],
    channel: Annotated[str, Form()] = Channel.PORTAL.value,
    preview: Annotated[bool, Form()] = False,
) -> Response:
    """An office's existing catalog (.xlsx/.csv): each row matched by 发文字号 or title and
    recorded as published with its own 索引号 (``gongkai catalog import``); ``preview``
    plans it and writes nothing."""
    _keeper(viewer)
    chosen = form_value(channel, "channel", Channel, "", {})
    if chosen is None:
        raise refuse("请选择公开渠道 (choose a channel)", 400)
    name = upload.filename or "catalog"
    try:
        rows = read_catalog(upload.file.read(), name)
        report = import_catalog(
            archive.publications(), rows, chosen, viewer.name, source=name, dry_run=preview
        )
    except (PublicationError, OfficeError) as error:  # CatalogImportError among them
        raise refuse(f"{name}：{error}", 400) from None
    context = {"tab": "catalog", "report": report.view(), "channel": chosen}
    return page(request, "publication_import.html", context, viewer=viewer)


# --- 动态调整 ----------------------------------------------------------------------------


@router.get("/publication/adjust")
def suggestions(
    request: Request, archive: ArchiveDep, viewer: ViewerDep, status: str = "open"
) -> Response:
    """The 动态调整 suggestions (default: those awaiting a decision), oldest first."""
    chosen = None if status == "all" else form_value(status, "status", SuggestionStatus, "", {})
    rows = archive.adjustments().list(chosen)
    context = {
        "tab": "adjust",
        "rows": rows,
        "status": chosen.value if chosen else "all",
        "statuses": list(SuggestionStatus),
        "notice": request.session.pop(NOTICE, None),
        "settings": _office_settings(archive),
    }
    return page(request, "publication_adjust.html", context, viewer=viewer)


def _office_settings(archive: Archive) -> Office | None:
    try:
        return load_office(archive.settings.home)
    except OfficeError:
        return None


@router.post("/publication/adjust/refresh")
def refresh_suggestions(request: Request, archive: ArchiveDep, viewer: ViewerDep) -> Response:
    """Look for new suggestions: repeated requests, lapsed 保密期限, finished 过程性 matters."""
    _keeper(viewer)
    office = _office_settings(archive)
    if office is None:
        raise refuse("请先填写 office.toml（机关信息）", 409)
    added = archive.adjustments().refresh(
        date.today(),
        threshold=office.adjust_threshold,
        process_months=office.adjust_process_months,
        by=viewer.name,
    )
    request.session[NOTICE] = f"新增 {len(added)} 条建议" if added else "没有新的建议"
    return RedirectResponse("/publication/adjust", status_code=303)


@router.post("/publication/adjust/{suggestion_id}")
def decide_suggestion(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    suggestion_id: int,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Accept (the document goes back to review) or reject (with a note) a suggestion."""
    _keeper(viewer)
    chosen = form_value(decision, "decision", SuggestionStatus, "", {})
    if chosen not in (SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED):
        raise refuse("请选择采纳或不采纳 (accept or reject)", 400)
    try:
        view = archive.adjustments().decide(suggestion_id, chosen, viewer.name, note)
    except UnknownSuggestion as error:
        raise refuse(str(error), 404) from None
    except AdjustError as error:
        raise refuse(str(error), 409) from None
    what = "已采纳，文件已退回审核" if chosen is SuggestionStatus.ACCEPTED else "已不采纳"
    request.session[NOTICE] = f"建议 {suggestion_id}（{view['title'] or ''}）{what}"
    return RedirectResponse("/publication/adjust", status_code=303)


# --- the compliance report --------------------------------------------------------------


def _periods(today: date) -> list[tuple[str, str]]:
    """The picker's periods: this year's and last year's quarters, months, years."""
    quarters, quarter = [], quarter_of(today)
    for _ in range(PERIODS_BACK):
        quarters.append((quarter.code, quarter.label))
        quarter = quarter_of(quarter.first - timedelta(days=1))
    months = []
    year, month = today.year, today.month
    for _ in range(12):
        period = parse_period(f"{year}-{month:02d}")
        months.append((period.code, period.label))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    years = [(str(y), f"{y}年") for y in (today.year, today.year - 1)]
    return quarters + months + years


def _group(figure: Figure) -> str:
    return figure.group


def _compliance(archive: Archive, period: str) -> ComplianceReport:
    today = date.today()
    chosen = parse_period(period) if period else quarter_of(today)
    settings = archive.settings
    return compliance_report(
        archive.sessions, settings.home, chosen, settings.signoff_levels, today
    )


@router.get("/publication/compliance")
def compliance(
    request: Request, archive: ArchiveDep, viewer: ViewerDep, period: str = ""
) -> Response:
    """The compliance report for 考核: each figure with the documents and requests behind it."""
    report, error = None, None
    try:
        report = _compliance(archive, period)
    except ComplianceError as problem:
        error = str(problem)
    context = {
        "tab": "compliance",
        "report": report,
        "sections": [
            (section, [(group, list(rows)) for group, rows in groupby(section.figures, _group)])
            for section in (report.sections if report else ())
        ],
        "error": error,
        "period": report.period.code if report else period,
        "periods": _periods(date.today()),
        "requests_section": REPLY_SECTION,
        "items_shown": ITEMS_SHOWN,
        "title": TITLE,
    }
    return page(
        request, "publication_compliance.html", context, viewer=viewer, status=400 if error else 200
    )


@router.get("/publication/compliance/download")
def compliance_download(
    archive: ArchiveDep,
    viewer: ViewerDep,
    period: str = "",
    fmt: Annotated[str, Query(alias="format", pattern="^(docx|csv)$")] = "docx",
) -> Response:
    """The report as .docx (to print for 考核) or CSV (every item)."""
    try:
        report = _compliance(archive, period)
    except ComplianceError as error:
        raise refuse(str(error), 400) from None
    name = f"{TITLE}（{report.period.label}）.{fmt}"
    if fmt == "csv":
        return Response(
            report_csv(report), media_type="text/csv; charset=utf-8", headers=attachment(name)
        )
    return Response(report_docx(report), media_type=DOCX, headers=attachment(name))


# --- the 公开指南 -------------------------------------------------------------------------


@router.get("/publication/guide")
def guide(request: Request, archive: ArchiveDep, viewer: ViewerDep) -> Response:
    """The guide's versions kept so far, and what office.toml still lacks for one."""
    home = archive.settings.home
    office, problem = None, None
    try:
        office = load_office(home)
    except OfficeError as error:
        problem = str(error)
    kept = sorted(
        (home / GUIDES).glob("guide-v*.docx"),
        key=lambda path: int(path.stem.removeprefix("guide-v") or 0),
        reverse=True,
    )
    context = {
        "tab": "guide",
        "office": office,
        "problem": problem,
        "missing": missing_fields(office) if office else [],
        "field_labels": REQUIRED_LABELS,
        "kept": [(path.name, date.fromtimestamp(path.stat().st_mtime)) for path in kept],
        "notice": request.session.pop(NOTICE, None),
    }
    return page(request, "publication_guide.html", context, viewer=viewer)


@router.post("/publication/guide")
def make_guide(request: Request, archive: ArchiveDep, viewer: ViewerDep) -> Response:
    """Print the guide from office.toml as today's version; then the page offers it."""
    _keeper(viewer)
    try:
        relative, _digest = issue_guide(
            archive.sessions, archive.settings.home, date.today(), viewer.name
        )
    except (OfficeError, TemplateError) as error:
        raise refuse(f"公开指南无法生成：{error}", 409) from None
    request.session[NOTICE] = f"已生成公开指南 {relative.name}"
    return RedirectResponse("/publication/guide", status_code=303)


@router.get("/publication/guide/{name}")
def guide_file(archive: ArchiveDep, viewer: ViewerDep, name: str) -> Response:
    """A kept version of the guide."""
    path = kept_file(archive.settings.home / GUIDES, name)
    if path is None or path.suffix != ".docx":
        raise refuse("没有这个版本的公开指南 (no such guide)", 404)
    office = _office_settings(archive)
    agency = office.agency if office else ""
    return FileResponse(
        path, media_type=DOCX, filename=f"{agency}政府信息公开指南（{path.stem}）.docx"
    )
