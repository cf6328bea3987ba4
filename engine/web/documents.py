"""检索 and the document page: search with filters, a document, its original file."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from engine.archive import document_detail
from engine.codes import Attribute
from engine.register.audit import audit
from engine.signoff import load_state
from engine.store import kept_file
from engine.web.common import ArchiveDep, Viewer, ViewerDep, page, refuse
from indexer import QueryError, SearchQuery

router = APIRouter()

PAGE_SIZE = 20


def _day(value: str | None, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise refuse(f"{what}：{value} 不是日期 (YYYY-MM-DD)", 400) from None


@router.get("/search")
def search(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    q: str = "",
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    issuer: str = "",
    kind: str = "",
    attribute: Annotated[Attribute | None, Query()] = None,
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
    sort: str = "relevance",
    page_number: Annotated[int, Query(alias="page", ge=1, le=500)] = 1,
) -> Response:
    """Ranked results with the matched words in <mark>; filters narrow them."""
    query = SearchQuery(
        text=q.strip(),
        attribute=attribute.value if attribute else None,
        year=year,
        date_from=_day(date_from, "起始日期"),
        date_to=_day(date_to, "截止日期"),
        issuer=issuer.strip() or None,
        kind=kind.strip() or None,
        limit=PAGE_SIZE,
        offset=(page_number - 1) * PAGE_SIZE,
        sort="date" if sort == "date" else "relevance",
    )
    error = None
    found: dict[str, object] = {"total": 0, "hits": [], "offset": 0}
    try:
        found = archive.search_index().search(query)
    except QueryError as problem:
        error = str(problem)
    hits = [_shown(hit, viewer) for hit in found["hits"]]  # type: ignore[attr-defined]
    total = int(found["total"])  # type: ignore[call-overload]
    context = {
        "q": q,
        "filters": {
            "year": year or "",
            "issuer": issuer,
            "kind": kind,
            "attribute": attribute.value if attribute else "",
            "from": date_from,
            "to": date_to,
            "sort": sort,
        },
        "hits": hits,
        "total": total,
        "facets": found.get("facets", {}),
        "page_number": page_number,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "error": error,
    }
    return page(request, "search.html", context, viewer=viewer)


def _shown(hit: dict[str, object], viewer: Viewer) -> dict[str, object]:
    """A withheld document's words stay hidden from roles not cleared to read them."""
    if viewer.may_read(hit["attribute"]):  # type: ignore[arg-type]
        return hit
    return {**hit, "snippet_html": "", "hidden": True}


@router.get("/documents/{doc_id}")
def document(request: Request, archive: ArchiveDep, viewer: ViewerDep, doc_id: int) -> Response:
    """Metadata, the text (withheld: cleared roles only, each view audited), the
    classification and its review history."""
    with archive.sessions.begin() as session:
        view = document_detail(session, archive.settings.home, doc_id)
        if view is None:
            raise refuse(f"没有编号为 {doc_id} 的文件 (no such document)", 404)
        readable = viewer.may_read(view["attribute"])  # type: ignore[arg-type]
        if readable and view["attribute"] == Attribute.WITHHELD.value:
            audit(
                session,
                viewer.name,
                "view.text",
                str(view["title"] or doc_id),
                {},
                document_id=doc_id,
            )
        state = load_state(session, doc_id, archive.settings.signoff_levels)
    if not readable:
        view = {**view, "text": None}
    return page(
        request,
        "document.html",
        {"doc": view, "readable": readable, "state": state},
        viewer=viewer,
    )


@router.get("/documents/{doc_id}/original")
def original(archive: ArchiveDep, viewer: ViewerDep, doc_id: int) -> Response:
    """The original file as it arrived, under the name the clerk gave it."""
    with archive.sessions.begin() as session:
        view = document_detail(session, archive.settings.home, doc_id)
        if view is None:
            raise refuse(f"没有编号为 {doc_id} 的文件 (no such document)", 404)
        if not viewer.may_read(view["attribute"]):  # type: ignore[arg-type]
            raise refuse("不予公开文件的原件仅限授权角色下载 (not cleared for withheld files)")
        path = kept_file(archive.settings.originals, str(view["original"]))
        if path is None:
            raise refuse("原件不在档案库中 (the original is not in the archive)", 404)
        if view["attribute"] == Attribute.WITHHELD.value:
            audit(session, viewer.name, "view.download", path.name, {}, document_id=doc_id)
    names: list[str] = view["file_names"]  # type: ignore[assignment]
    return FileResponse(path, filename=names[0] if names else path.name)
