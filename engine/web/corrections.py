"""更正: 更正申请 (第四十一条), 澄清 and 勘误 — the register, a correction with its original
and corrected documents side by side, its decision and its letters.

Every step is a :class:`engine.correction_store.CorrectionDesk` call, as ``gongkai
correction`` makes it; a refusal's :attr:`CorrectionError.fields` put each message
beside the field at fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel

from engine.archive import Archive, document_detail
from engine.corrections import (
    CorrectionDecision,
    CorrectionError,
    CorrectionKind,
    CorrectionOutcome,
    CorrectionStatus,
    ErratumItem,
    erratum_items,
    new_correction,
)
from engine.letters import TemplateError
from engine.office import OfficeError
from engine.outcomes import ApplicantKind
from engine.store import kept_file
from engine.web.common import (
    DOCX,
    NOTICE,
    ArchiveDep,
    Viewer,
    ViewerDep,
    form_day,
    form_document_id,
    form_value,
    page,
    refuse,
    reveal_text,
)
from engine.web.review import Span, highlight

router = APIRouter()

DECISION_FIELDS = ("outcome", "decided_on", "reason_text", "competent_agency", "competent_contact")
_Choice = TypeVar("_Choice", bound=StrEnum)

ENUMS = {
    "CorrectionKind": CorrectionKind,
    "CorrectionStatus": CorrectionStatus,
    "CorrectionOutcome": CorrectionOutcome,
    "ApplicantKind": ApplicantKind,
}


class NewCorrectionForm(BaseModel):
    """The registration form as typed: every field text, checked by the engine."""

    kind: str = "record"
    received: str = ""
    applicant: str = ""
    applicant_kind: str = ""
    contact: str = ""
    content: str = ""
    subject: str = ""
    facts: str = ""
    document: str = ""
    corrected_document: str = ""
    errors: str = ""  # one WHERE|WRONG|RIGHT a line
    published: str = ""


# --- reading form input -------------------------------------------------------------------


def _filter(enum: type[_Choice], value: str, what: str) -> _Choice | None:
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        raise refuse(f"没有这种{what}：{value}", 400) from None


def _merge(errors: dict[str, str], error: CorrectionError, general: str) -> None:
    """The engine's messages beside their fields; the first message on a field stays."""
    for field, message in (error.fields or {general: str(error)}).items():
        errors.setdefault(field, message)


# --- marking an erratum (pure) -------------------------------------------------------------


def erratum_spans(text: str, items: Iterable[ErratumItem], side: str) -> list[Span]:
    """Every place in ``text`` where a listed error stands (``side`` "wrong": the original)
    or its correction stands (``side`` "right": the corrected version)."""
    spans = []
    for item in items:
        words = item.wrong if side == "wrong" else item.right
        title = f"{item.where}：“{item.wrong}”更正为“{item.right}”"
        start = text.find(words)
        while start >= 0:
            spans.append(Span(start, start + len(words), side, title))
            start = text.find(words, start + len(words))
    return spans


# --- pages ---------------------------------------------------------------------------------


@router.get("/corrections")
def corrections(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    kind: str = "",
    status: str = "",
    year: str = "",
) -> Response:
    """The correction register, newest first; narrowed by kind, status and year."""
    errors: dict[str, str] = {}
    number = form_value(year, "year", int, f"{year} 不是年份", errors)
    if errors:
        raise refuse(errors["year"], 400)
    views = archive.corrections().list(
        kind=_filter(CorrectionKind, kind, "更正种类"),
        status=_filter(CorrectionStatus, status, "办理状态"),
        year=number,
    )
    filters = {"kind": kind, "status": status, "year": year}
    return page(
        request, "corrections.html", {"views": views, "filters": filters, **ENUMS}, viewer=viewer
    )


@router.get("/corrections/new")
def new_form(request: Request, viewer: ViewerDep, kind: str = "record") -> Response:
    """The registration form (one per kind of correction)."""
    values = NewCorrectionForm(kind=kind, received=date.today().isoformat()).model_dump()
    return _new_page(request, viewer, values, {})


@router.post("/corrections")
def register(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    form: Annotated[NewCorrectionForm, Form()],
) -> Response:
    """Register a 更正申请, 澄清 or 勘误 under the year's next number."""
    values = form.model_dump()
    errors: dict[str, str] = {}
    received = form_day(values["received"], "received", errors)
    published = form_day(values["published"], "published", errors)
    original = form_document_id(values["document"], "document", errors)
    corrected = form_document_id(values["corrected_document"], "corrected_document", errors)
    items: tuple[ErratumItem, ...] = ()
    try:
        items = erratum_items([line for line in values["errors"].splitlines() if line.strip()])
    except CorrectionError as error:
        _merge(errors, error, "errors")
    desk = archive.corrections()
    try:
        new = new_correction(
            kind=values["kind"],
            today=desk.today(),
            received=received,
            applicant=values["applicant"],
            applicant_kind=values["applicant_kind"],
            contact=values["contact"],
            content=values["content"],
            subject=values["subject"],
            facts=values["facts"],
            document_id=original,
            corrected_document_id=corrected,
            errors=items,
            published=published,
        )
    except CorrectionError as error:
        _merge(errors, error, "form")
    if errors:
        return _new_page(request, viewer, values, errors, status=400)
    try:
        view = desk.add(new, viewer.name)
    except CorrectionError as error:
        _merge(errors, error, "form")
        return _new_page(request, viewer, values, errors, status=400)
    request.session[NOTICE] = f"已登记 {view['number']}（{view['kind_label']}）"
    return RedirectResponse(f"/corrections/{view['number']}", status_code=303)


def _new_page(
    request: Request,
    viewer: Viewer,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> Response:
    context = {"values": values, "errors": errors, **ENUMS}
    return page(request, "correction_new.html", context, viewer=viewer, status=status)


@router.get("/corrections/{number}")
def correction(request: Request, archive: ArchiveDep, viewer: ViewerDep, number: str) -> Response:
    """The correction, its documents side by side, its decision, letters and history."""
    return _show(request, archive, viewer, number, notice=request.session.pop(NOTICE, None))


@router.post("/corrections/{number}/decision")
def decide(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    outcome: Annotated[str, Form()] = "",
    decided_on: Annotated[str, Form()] = "",
    reason_text: Annotated[str, Form()] = "",
    competent_agency: Annotated[str, Form()] = "",
    competent_contact: Annotated[str, Form()] = "",
) -> Response:
    """答复 a 更正申请: corrected, transferred, told to apply there, or not substantiated."""
    values = {
        "outcome": outcome,
        "decided_on": decided_on,
        "reason_text": reason_text,
        "competent_agency": competent_agency,
        "competent_contact": competent_contact,
    }
    errors: dict[str, str] = {}
    chosen = form_value(outcome, "outcome", CorrectionOutcome, "请选择处理结果", errors)
    if chosen is None:
        errors.setdefault("outcome", "请选择处理结果")
    day = form_day(decided_on, "decided_on", errors) or date.today()
    if errors or chosen is None:
        return _show(request, archive, viewer, number, values=values, errors=errors, status=400)
    decision = CorrectionDecision(
        chosen,
        day,
        viewer.name,
        reason_text=reason_text.strip(),
        competent_agency=competent_agency.strip(),
        competent_contact=competent_contact.strip(),
    )
    try:
        view = archive.corrections().decide(number, decision)
    except CorrectionError as error:
        _merge(errors, error, "decision")
        return _show(request, archive, viewer, number, values=values, errors=errors, status=400)
    request.session[NOTICE] = f"已作出答复决定：{view['outcome_label']}"
    return RedirectResponse(f"/corrections/{view['number']}", status_code=303)


@router.post("/corrections/{number}/letters")
def print_letter(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    letter_date: Annotated[str, Form()] = "",
) -> Response:
    """Print the reply, the 澄清说明 or the 勘误说明 (.docx, kept in the archive)."""
    errors: dict[str, str] = {}
    day = form_day(letter_date, "letter_date", errors)
    values = {"letter_date": letter_date}
    if errors:
        return _show(request, archive, viewer, number, values=values, errors=errors, status=400)
    desk = archive.corrections()
    try:
        letter = desk.letter(number, by=viewer.name, letter_date=day or desk.today())
    except CorrectionError as error:
        _merge(errors, error, "letter")
        return _show(request, archive, viewer, number, values=values, errors=errors, status=400)
    except (OfficeError, TemplateError) as error:
        errors["letter"] = str(error)
        return _show(request, archive, viewer, number, values=values, errors=errors, status=400)
    request.session[NOTICE] = f"已生成 {letter.letter_number}（第 {letter.version} 版）"
    return RedirectResponse(f"/corrections/{number}#letters", status_code=303)


@router.get("/corrections/{number}/letters/{name}")
def letter_file(archive: ArchiveDep, viewer: ViewerDep, number: str, name: str) -> Response:
    """A letter as printed (.docx), any version; only the correction's own letters."""
    view = _view(archive, number)
    letters: list[dict[str, object]] = view["letters"]  # type: ignore[assignment]
    found = [item for item in letters if PurePosixPath(str(item["path"])).name == name]
    settings = archive.settings
    path = kept_file(settings.generated, settings.home / str(found[0]["path"])) if found else None
    if path is None:
        raise refuse(f"{view['number']} 没有这份文书 (no such letter)", 404)
    return FileResponse(path, media_type=DOCX, filename=f"{view['number']}-{name}")


def _view(archive: Archive, number: str) -> dict[str, object]:
    try:
        return archive.corrections().show(number)
    except CorrectionError as error:
        raise refuse(str(error), 404) from None


def _show(
    request: Request,
    archive: Archive,
    viewer: Viewer,
    number: str,
    *,
    notice: str | None = None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    view = _view(archive, number)
    items = [ErratumItem.from_dict(item) for item in view["errors"]]  # type: ignore[attr-defined]
    sides = []
    with archive.sessions.begin() as session:
        for key, heading, side in (
            ("document", "原文", "wrong"),
            ("corrected_document", "更正版", "right"),
        ):
            linked: Mapping[str, object] | None = view[key]  # type: ignore[assignment]
            if linked is None:
                continue
            doc_id: int = linked["id"]  # type: ignore[assignment]
            detail = document_detail(session, archive.settings.home, doc_id)
            readable = detail is not None and reveal_text(session, viewer, detail)
            text = str(detail["text"] or "") if detail and readable else ""
            sides.append(
                {
                    "heading": heading,
                    "doc": linked,
                    "readable": readable,
                    "text_html": highlight(text, erratum_spans(text, items, side)),
                }
            )
    today = date.today().isoformat()
    form = {
        **dict.fromkeys(DECISION_FIELDS, ""),
        "decided_on": today,
        "letter_date": today,
        **(values or {}),
    }
    letters: list[dict[str, object]] = view["letters"]  # type: ignore[assignment]
    context = {
        "view": view,
        "sides": sides,
        "letters": [
            {**item, "name": PurePosixPath(str(item["path"])).name} for item in reversed(letters)
        ],
        "form": form,
        "errors": dict(errors or {}),
        "notice": notice,
        **ENUMS,
    }
    return page(request, "correction.html", context, viewer=viewer, status=status)
