"""检索 and the document page: search with filters, a document, its original file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from engine.archive import Archive, document_detail
from engine.codes import Attribute
from engine.publication import ChangeKind, Channel, PublicationError
from engine.register.audit import audit
from engine.signoff import load_state
from engine.store import kept_file
from engine.web.common import (
    NOTICE,
    ArchiveDep,
    Viewer,
    ViewerDep,
    form_day,
    page,
    refuse,
    reveal_text,
    shown_hit,
)
from indexer import QueryError, SearchQuery

router = APIRouter()

PAGE_SIZE = 20


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
    errors: dict[str, str] = {}  # beside the date fields
    query = SearchQuery(
        text=q.strip(),
        attribute=attribute.value if attribute else None,
        year=year,
        date_from=form_day(date_from, "from", errors),
        date_to=form_day(date_to, "to", errors),
        issuer=issuer.strip() or None,
        kind=kind.strip() or None,
        limit=PAGE_SIZE,
        offset=(page_number - 1) * PAGE_SIZE,
        sort="date" if sort == "date" else "relevance",
        facets=True,
    )
    error = None
    found: dict[str, object] = {"total": 0, "hits": [], "offset": 0, "facets": {}}
    if not errors:
        try:
            found = archive.search_index().search(query)
        except QueryError as problem:
            error = str(problem)
    hits = [shown_hit(hit, viewer) for hit in found["hits"]]  # type: ignore[attr-defined]
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
        "facets": found["facets"],
        "page_number": page_number,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "error": error,
        "errors": errors,
    }
    return page(request, "search.html", context, viewer=viewer, status=400 if errors else 200)


def _detail(session: Session, archive: Archive, doc_id: int) -> dict[str, object]:
    view = document_detail(session, archive.settings.home, doc_id)
    if view is None:
        raise refuse(f"没有编号为 {doc_id} 的文件 (no such document)", 404)
    return view


def card_context(
    archive: Archive,
    doc_id: int,
    *,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> dict[str, object]:
    """What the publication card on a document's page draws."""
    try:
        books = archive.publications().document_view(doc_id)
    except PublicationError as error:
        raise refuse(str(error), 404) from None
    return {
        "books": books,
        "channels": list(Channel),
        "change_kinds": list(ChangeKind),
        "books_form": {
            "channel": Channel.PORTAL.value,
            "published_on": date.today().isoformat(),
            "url": "",
            "topic": "",
            "kind": ChangeKind.REPEALED.value,
            "by_document": "",
            "effective_on": "",
            **(form or {}),
        },
        "books_errors": dict(errors or {}),
        "books_notice": notice,
    }


def document_page(
    request: Request,
    archive: Archive,
    viewer: Viewer,
    doc_id: int,
    card: Mapping[str, object],
    *,
    status: int = 200,
) -> Response:
    """The document page with its publication ``card`` (:func:`card_context`)."""
    with archive.sessions.begin() as session:
        view = _detail(session, archive, doc_id)
        readable = reveal_text(session, viewer, view)
        state = load_state(session, doc_id, archive.settings.signoff_levels)
    if not readable:
        view = {**view, "text": None}
    context = {"doc": view, "readable": readable, "state": state, **card}
    return page(request, "document.html", context, viewer=viewer, status=status)


@router.get("/documents/{doc_id}")
def document(request: Request, archive: ArchiveDep, viewer: ViewerDep, doc_id: int) -> Response:
    """Metadata, the text (withheld: cleared roles only, each view audited), the
    classification and its review history, and its publication card."""
    notice = request.session.pop(NOTICE, None)
    return document_page(
        request, archive, viewer, doc_id, card_context(archive, doc_id, notice=notice)
    )


@router.get("/documents/{doc_id}/original")
def original(archive: ArchiveDep, viewer: ViewerDep, doc_id: int) -> Response:
    """The original file as it arrived, under the name the clerk gave it."""
    with archive.sessions.begin() as session:
        view = _detail(session, archive, doc_id)
        if not viewer.may_read(view["attribute"]):  # type: ignore[arg-type]
            raise refuse("不予公开文件的原件仅限授权角色下载 (not cleared for withheld files)")
        path = kept_file(archive.settings.originals, str(view["original"]))
        if path is None:
            raise refuse("原件不在档案库中 (the original is not in the archive)", 404)
        if view["attribute"] == Attribute.WITHHELD.value:
            audit(session, viewer.name, "view.download", path.name, {}, document_id=doc_id)
    names: list[str] = view["file_names"]  # type: ignore[assignment]
    return FileResponse(path, filename=names[0] if names else path.name)
