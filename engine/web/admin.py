"""管理 (administrators only): accounts, the audit log, rebuilding the search index.

Account changes are :mod:`engine.user_store`'s, as ``gongkai user`` makes them
(each audited there); the audit log is ``gongkai audit``'s; reindexing is
``gongkai reindex`` run in a background job whose progress a partial polls.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from engine.archive import Archive
from engine.register.audit import audit, audit_trail
from engine.user_store import (
    AccountError,
    add_user,
    list_accounts,
    set_active,
    set_password,
    set_role,
)
from engine.users import Role, UserError
from engine.web.common import (
    ArchiveDep,
    Viewer,
    ViewerDep,
    form_day,
    form_document_id,
    is_htmx,
    page,
    refuse,
)
from engine.web.jobs import Job, JobsDep
from indexer import IndexLocked

router = APIRouter()

AUDIT_ROWS = 200


def administrator(viewer: ViewerDep) -> Viewer:
    if not viewer.manages_users:
        raise refuse("仅管理员可以使用此页面 (administrators only)")
    return viewer


AdminDep = Annotated[Viewer, Depends(administrator)]


# --- accounts ---------------------------------------------------------------------


def _accounts_page(
    request: Request,
    archive: Archive,
    viewer: Viewer,
    *,
    added: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    row_problems: dict[tuple[str, str], str] | None = None,
    status: int = 200,
) -> Response:
    """The accounts with their forms; ``problems`` beside the new account's fields,
    ``row_problems`` beside an account's own (by name and field)."""
    with archive.sessions() as session:
        accounts = list_accounts(session)
    context = {
        "accounts": accounts,
        "added": added or {"name": "", "role": Role.CLERK.value},
        "problems": problems or {},
        "row_problems": row_problems or {},
        "done": request.query_params.get("done", ""),
        "done_user": request.query_params.get("user", ""),
        "documents": archive.count_documents(),
    }
    return page(request, "admin.html", context, viewer=viewer, status=status)


def _done(action: str, name: str) -> RedirectResponse:
    """Back to the accounts, saying what was done (a reload does not do it again)."""
    return RedirectResponse(f"/admin?{urlencode({'done': action, 'user': name})}", status_code=303)


@router.get("/admin")
def accounts(request: Request, archive: ArchiveDep, viewer: AdminDep) -> Response:
    return _accounts_page(request, archive, viewer)


@router.post("/admin/users")
def add_account(
    request: Request,
    archive: ArchiveDep,
    viewer: AdminDep,
    name: Annotated[str, Form()] = "",
    role: Annotated[Role, Form()] = Role.CLERK,
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        with archive.sessions.begin() as session:
            account = add_user(session, name, role, password, by=viewer.name)
    except AccountError as error:
        added = {"name": name, "role": role.value}  # the password is never sent back
        return _accounts_page(
            request, archive, viewer, added=added, problems=error.problems, status=400
        )
    return _done("add", account.name)


def _change(
    request: Request,
    archive: Archive,
    viewer: Viewer,
    name: str,
    field: str,
    change: Callable[[Session], None],
    done: str | None = None,
) -> Response:
    """One change to an account's ``field``, as ``gongkai user`` makes it; a refusal is
    shown beside that field of that account. ``done``: what was done, if not ``field``."""
    try:
        with archive.sessions.begin() as session:
            change(session)
    except UserError as error:
        row_problems = {(name, field): str(error)}
        return _accounts_page(request, archive, viewer, row_problems=row_problems, status=400)
    return _done(done or field, name)


@router.post("/admin/users/role")
def change_role(
    request: Request,
    archive: ArchiveDep,
    viewer: AdminDep,
    name: Annotated[str, Form()],
    role: Annotated[Role, Form()],
) -> Response:
    change = partial(set_role, name=name, role=role, by=viewer.name)
    return _change(request, archive, viewer, name, "role", change)


@router.post("/admin/users/active")
def change_active(
    request: Request,
    archive: ArchiveDep,
    viewer: AdminDep,
    name: Annotated[str, Form()],
    active: Annotated[bool, Form()],
) -> Response:
    change = partial(set_active, name=name, active=active, by=viewer.name)
    done = "enable" if active else "disable"
    return _change(request, archive, viewer, name, "active", change, done)


@router.post("/admin/users/password")
def change_password(
    request: Request,
    archive: ArchiveDep,
    viewer: AdminDep,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()] = "",
) -> Response:
    change = partial(set_password, name=name, password=password, by=viewer.name)
    return _change(request, archive, viewer, name, "password", change)


# --- the audit log ----------------------------------------------------------------


@router.get("/admin/audit")
def audit_page(
    request: Request,
    archive: ArchiveDep,
    viewer: AdminDep,
    user: str = "",
    action: str = "",
    document: str = "",
    since: str = "",
) -> Response:
    """Who did what to what, newest first, narrowed by user, action, document and day."""
    problems: dict[str, str] = {}
    document_id = form_document_id(document, "document", problems)
    start = form_day(since, "since", problems)
    events: list[dict[str, object]] = []
    with archive.sessions() as session:
        names = [account.name for account in list_accounts(session)]
        if not problems:
            events = audit_trail(
                session,
                document_id=document_id,
                actor=user.strip() or None,
                action=action.strip() or None,
                since=start,
                limit=AUDIT_ROWS,
            )
    context = {
        "filters": {"user": user, "action": action, "document": document, "since": since},
        "problems": problems,
        "events": events,
        "names": names,
        "limit": AUDIT_ROWS,
    }
    status = 400 if problems else 200
    return page(request, "admin_audit.html", context, viewer=viewer, status=status)


# --- the search index ---------------------------------------------------------------


def _rebuild(archive: Archive, job: Job) -> None:
    def progress(done: int, total: int) -> None:
        job.total, job.done = total, done

    try:
        report = archive.search_index().rebuild(progress)
    except IndexLocked:
        job.error = "搜索索引正被另一个程序（收件程序？）写入，请稍后再试 (the index is locked)"
        return
    job.results.append({"indexed": report.indexed})


@router.post("/admin/reindex")
def reindex(request: Request, archive: ArchiveDep, viewer: AdminDep, jobs: JobsDep) -> Response:
    """Rebuild the search index from the register, in the background."""
    with archive.sessions.begin() as session:
        audit(session, viewer.name, "index.rebuild", "search index", {})
    job = jobs.start(viewer.name, archive.count_documents(), lambda job: _rebuild(archive, job))
    if not is_htmx(request):
        return RedirectResponse(f"/admin/jobs/{job.id}", status_code=303)
    return page(request, "admin_job.html", {"job": job, "poll": True}, viewer=viewer)


@router.get("/admin/jobs/{job_id}")
def reindex_job(request: Request, viewer: AdminDep, jobs: JobsDep, job_id: str) -> Response:
    """The reindex's progress: a partial polled every second until it is done."""
    job = jobs.get(job_id, viewer)
    context = {"job": job, "poll": not job.finished}
    template = "admin_job.html" if is_htmx(request) else "admin_job_page.html"
    return page(request, template, context, viewer=viewer)
