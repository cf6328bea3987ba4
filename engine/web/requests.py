"""申请: disclosure requests — the dashboard, registration, a request's page, its letters.

Every view calls what ``gongkai request …`` calls: the request desk
(:mod:`engine.request_store`) and the step builders of :mod:`engine.requests`. A
refusal is shown on the page it came from, beside the form that asked (400).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel

from engine.archive import Archive
from engine.codes import ThirdPartyKind
from engine.deadlines import DEFAULT_SETTINGS
from engine.fees import FeeMethod
from engine.letters import TemplateError
from engine.office import OfficeError
from engine.outcomes import ApplicantKind, Channel, InformationForm, Outcome, OutcomeGroup
from engine.report import AppealKind, AppealResult
from engine.request_store import RequestDesk
from engine.requests import (
    Event,
    RequestError,
    RequestStatus,
    Step,
    appeal_of,
    consultation,
    consultation_reply,
    correction_notice,
    decision_of,
    document_ids,
    extension,
    new_request,
    optional_day,
    parse_count,
    parse_day,
    payment,
    withheld_rows,
)
from engine.store import kept_file
from engine.web.common import ArchiveDep, Viewer, ViewerDep, is_htmx, page, refuse, shown_hit
from indexer import QueryError, SearchQuery

router = APIRouter()

DUE_WITHIN = DEFAULT_SETTINGS.due_soon_working_days  # the dashboard's "due soon", as the clock's
FIND_LIMIT = 10
WITHHELD_ROWS = 3  # rows for parts withheld on the decision form
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REFUSALS = (RequestError, OfficeError, TemplateError)

# The codes each form offers (their labels are the enums' own).
CHOICES: dict[str, object] = {
    "applicant_kinds": list(ApplicantKind),
    "channels": list(Channel),
    "forms": list(InformationForm),
    "statuses": list(RequestStatus),
    "outcome_groups": [
        (group, [outcome for outcome in Outcome if outcome.group is group])
        for group in OutcomeGroup
    ],
    "third_party_kinds": list(ThirdPartyKind),
    "fee_methods": list(FeeMethod),
    "appeal_kinds": list(AppealKind),
    "appeal_results": list(AppealResult),
    "withheld_rows": WITHHELD_ROWS,
    "Step": Step,
}


# --- the forms, as typed: every field text, so the engine judges it ---------------------


class Registration(BaseModel):
    applicant: str = ""
    applicant_kind: str = ""
    channel: str = ""
    received: str = ""
    content: str = ""
    contact: str = ""
    id_number: str = ""
    form: str = InformationForm.ANY.value
    items: str = "1"
    topic: str = ""


class CorrectionForm(BaseModel):
    items: str = ""
    until: str = ""
    on: str = ""


class DayForm(BaseModel):
    on: str = ""


class ExtensionForm(BaseModel):
    days: str = ""
    approver: str = ""
    reason: str = ""
    on: str = ""


class ConsultationForm(BaseModel):
    party: str = ""
    opinion: str = ""
    on: str = ""


class FeeForm(BaseModel):
    method: str = ""
    pages: str = ""
    on: str = ""


class PaymentForm(BaseModel):
    amount: str = ""
    on: str = ""


class LinkForm(BaseModel):
    document_id: list[str] = []


class DecisionForm(BaseModel):
    outcome: str = ""
    on: str = ""
    documents: list[str] = []
    reason_text: str = ""
    withheld_part: list[str] = []
    withheld_reason: list[str] = []
    third_party_kind: str = ""
    competent_agency: str = ""
    competent_contact: str = ""
    published_where: str = ""
    how: str = ""


class AppealForm(BaseModel):
    kind: str = ""
    filed: str = ""
    result: str = ""
    closed: str = ""
    note: str = ""


class LetterForm(BaseModel):
    kind: str = "reply"
    party: str = ""
    date: str = ""


# --- the dashboard and registration -------------------------------------------------------


@router.get("/requests")
def dashboard(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    year: str = "",
    status: str = "",
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    """Overdue, then due within a few working days, then every request (filtered, a page)."""
    desk = archive.requests()
    error = None
    listed: dict[str, object] = {"rows": [], "page": 1, "pages": 1, "total": 0}
    try:
        listed = desk.list_page(
            status_filter=status or None, year=parse_count(year, "年份"), page=page_number
        )
    except RequestError as problem:
        error = str(problem)
    context = {
        **CHOICES,
        **desk.dashboard(DUE_WITHIN),
        "due_within": DUE_WITHIN,
        "listed": listed,
        "filters": {"year": year, "status": status},
        "error": error,
    }
    return page(request, "requests.html", context, viewer=viewer, status=400 if error else 200)


@router.get("/requests/new")
def registration_form(request: Request, archive: ArchiveDep, viewer: ViewerDep) -> Response:
    typed = Registration(received=archive.requests().today().isoformat())
    return _registration_page(request, viewer, typed)


@router.post("/requests")
def register(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    typed: Annotated[Registration, Form()],
) -> Response:
    """Register a request as it arrived; then its page."""
    desk = archive.requests()
    try:
        view = desk.add(new_request(**typed.model_dump(), today=desk.today()), viewer.name)
    except RequestError as error:
        return _registration_page(request, viewer, typed, error, status=400)
    return RedirectResponse(f"/requests/{view['number']}", status_code=303)


def _registration_page(
    request: Request,
    viewer: Viewer,
    typed: Registration,
    error: RequestError | None = None,
    status: int = 200,
) -> Response:
    context = {
        **CHOICES,
        "values": typed.model_dump(),
        "errors": error.fields if error else {},
        # a refusal of no one field (the register busy …) is shown above the form
        "error": str(error) if error and not error.fields else None,
    }
    return page(request, "request_new.html", context, viewer=viewer, status=status)


# --- one request ----------------------------------------------------------------------------


@router.get("/requests/{number}")
def request_page(request: Request, archive: ArchiveDep, viewer: ViewerDep, number: str) -> Response:
    """The summary, the deadline, the timeline and a form for each step the rules allow."""
    return _request_page(request, archive.requests(), viewer, number)


@router.get("/requests/{number}/find")
def find(
    request: Request, archive: ArchiveDep, viewer: ViewerDep, number: str, q: str = ""
) -> Response:
    """Archive hits to link (htmx swaps the list in; without it, the whole page)."""
    desk = archive.requests()
    found = _find(archive, viewer, q)
    if not is_htmx(request):
        return _request_page(request, desk, viewer, number, found=found)
    context = {"view": _show(desk, number), "found": found}
    return page(request, "request_find.html", context, viewer=viewer)


def _find(archive: Archive, viewer: Viewer, q: str) -> dict[str, object]:
    """Hits for ``q``; a withheld document's words stay hidden from roles not cleared."""
    if not q.strip():
        return {"q": q, "hits": [], "error": None}
    try:
        result = archive.search_index().search(SearchQuery(text=q.strip(), limit=FIND_LIMIT))
    except QueryError as problem:
        return {"q": q, "hits": [], "error": str(problem)}
    hits = [shown_hit(hit, viewer) for hit in result["hits"]]  # type: ignore[attr-defined]
    return {"q": q, "hits": hits, "error": None}


@router.post("/requests/{number}/correction")
def ask_correction(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[CorrectionForm, Form()],
) -> Response:
    """补正告知 (第三十条)."""

    def step(desk: RequestDesk) -> object:
        on = parse_day(typed.on, "告知日期", desk.today())
        notice = correction_notice(
            on, viewer.name, typed.items, optional_day(typed.until, "补正期限")
        )
        return desk.record(number, notice)

    return _act(request, archive, viewer, number, Step.CORRECTION_REQUESTED, typed, step)


@router.post("/requests/{number}/correction-received")
def correction_received(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[DayForm, Form()],
) -> Response:
    """收到补正: the reply period runs again from that day."""

    def step(desk: RequestDesk) -> object:
        on = parse_day(typed.on, "收到补正日期", desk.today())
        return desk.record(number, Event(Step.CORRECTION_RECEIVED, on, viewer.name))

    return _act(request, archive, viewer, number, Step.CORRECTION_RECEIVED, typed, step)


@router.post("/requests/{number}/extension")
def extend(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[ExtensionForm, Form()],
) -> Response:
    """延期答复 (第三十三条第二款), approved by the head of the office."""

    def step(desk: RequestDesk) -> object:
        on = parse_day(typed.on, "决定日期", desk.today())
        event = extension(on, viewer.name, typed.days, typed.approver, typed.reason)
        return desk.record(number, event)

    return _act(request, archive, viewer, number, Step.EXTENDED, typed, step)


@router.post("/requests/{number}/consultation")
def consult(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[ConsultationForm, Form()],
) -> Response:
    """征求第三方意见 (第三十二条)."""

    def step(desk: RequestDesk) -> object:
        on = parse_day(typed.on, "送达日期", desk.today())
        return desk.record(number, consultation(on, viewer.name, typed.party))

    return _act(request, archive, viewer, number, Step.THIRD_PARTY_CONSULTED, typed, step)


@router.post("/requests/{number}/consultation-reply")
def consultation_answered(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[ConsultationForm, Form()],
) -> Response:
    """The consulted party's opinion came."""

    def step(desk: RequestDesk) -> object:
        on = parse_day(typed.on, "收到意见日期", desk.today())
        reply = consultation_reply(on, viewer.name, typed.party, typed.opinion)
        return desk.record(number, reply)

    return _act(request, archive, viewer, number, Step.THIRD_PARTY_REPLIED, typed, step)


@router.post("/requests/{number}/fee")
def fee_notice(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[FeeForm, Form()],
) -> Response:
    """收费通知 (国办函〔2020〕109号): the fee computed by the desk."""

    def step(desk: RequestDesk) -> object:
        sent = parse_day(typed.on, "送达日期", desk.today())
        return desk.fee_notice(number, typed.method, sent=sent, by=viewer.name, pages=typed.pages)

    return _act(request, archive, viewer, number, Step.FEE_NOTICE_SENT, typed, step)


@router.post("/requests/{number}/fee-paid")
def fee_paid(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[PaymentForm, Form()],
) -> Response:
    def step(desk: RequestDesk) -> object:
        on = parse_day(typed.on, "缴费日期", desk.today())
        return desk.record(number, payment(on, viewer.name, typed.amount))

    return _act(request, archive, viewer, number, Step.FEE_PAID, typed, step)


@router.post("/requests/{number}/link")
def link(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[LinkForm, Form()],
) -> Response:
    """Link archive documents found for the request."""

    def step(desk: RequestDesk) -> object:
        return desk.link(number, document_ids(typed.document_id), viewer.name)

    return _act(request, archive, viewer, number, Step.DOCUMENTS_LINKED, typed, step)


@router.post("/requests/{number}/decision")
def decide(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[DecisionForm, Form()],
) -> Response:
    """作出答复决定: the outcome and what its letter needs."""

    def step(desk: RequestDesk) -> object:
        decision = decision_of(
            typed.outcome,
            parse_day(typed.on, "答复日期", desk.today()),
            viewer.name,
            reason_text=typed.reason_text,
            withheld=withheld_rows(typed.withheld_part, typed.withheld_reason),
            third_party_kind=typed.third_party_kind or None,
            competent_agency=typed.competent_agency,
            competent_contact=typed.competent_contact,
            published_where=typed.published_where,
            how=typed.how,
            documents=document_ids(typed.documents),
        )
        return desk.decide(number, decision)

    return _act(request, archive, viewer, number, Step.DECIDED, typed, step)


@router.post("/requests/{number}/appeal")
def appeal(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[AppealForm, Form()],
) -> Response:
    """行政复议 / 行政诉讼: recorded when filed, again with its result."""

    def step(desk: RequestDesk) -> object:
        case = appeal_of(
            typed.kind,
            parse_day(typed.filed, "立案日期"),
            typed.result or None,
            optional_day(typed.closed, "审结日期"),
        )
        return desk.appeal(number, case, viewer.name, typed.note.strip())

    return _act(request, archive, viewer, number, "appeal", typed, step)


@router.post("/requests/{number}/letter")
def make_letter(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    number: str,
    typed: Annotated[LetterForm, Form()],
) -> Response:
    """The reply or a notice as .docx, kept in the archive; downloaded from the page."""

    def step(desk: RequestDesk) -> object:
        day = parse_day(typed.date, "文书日期", desk.today())
        return desk.letter(number, typed.kind, by=viewer.name, letter_date=day, party=typed.party)

    return _act(request, archive, viewer, number, Step.LETTER, typed, step)


@router.get("/letters/{letter_id}/download")
def download_letter(archive: ArchiveDep, viewer: ViewerDep, letter_id: int) -> Response:
    """A request's letter as filed, named after its request; never a file outside generated/."""
    letter = archive.requests().filed_letter(letter_id)
    settings = archive.settings
    path = kept_file(settings.generated, settings.home / str(letter["path"])) if letter else None
    if letter is None or path is None:
        raise refuse(f"没有编号为 {letter_id} 的申请文书 (no such letter)", 404)
    return FileResponse(path, filename=str(letter["file_name"]), media_type=DOCX)


# --- shared -----------------------------------------------------------------------------------


def _show(desk: RequestDesk, number: str) -> dict[str, object]:
    try:
        return desk.show(number)
    except RequestError as error:
        raise refuse(str(error), 404) from error


def _request_page(
    request: Request,
    desk: RequestDesk,
    viewer: Viewer,
    number: str,
    *,
    found: Mapping[str, object] | None = None,
    failed: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    view = _show(desk, number)
    context = {
        **CHOICES,
        "view": view,
        "today": desk.today().isoformat(),
        "found": found or {"q": "", "hits": [], "error": None},
        "failed": failed or {"action": "", "message": "", "values": {}},
    }
    return page(request, "request_page.html", context, viewer=viewer, status=status)


def _act(
    request: Request,
    archive: Archive,
    viewer: Viewer,
    number: str,
    action: str,
    typed: BaseModel,
    step: Callable[[RequestDesk], object],
) -> Response:
    """Take ``step``; back to the request's page, or the page again with the refusal (400)."""
    desk = archive.requests()
    try:
        step(desk)
    except REFUSALS as error:
        failed = {"action": action, "message": str(error), "values": typed.model_dump()}
        return _request_page(request, desk, viewer, number, failed=failed, status=400)
    return RedirectResponse(f"/requests/{quote(number.strip())}#{action}", status_code=303)
