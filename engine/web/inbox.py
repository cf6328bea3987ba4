"""收件: what was filed today, what was quarantined and why, scans waiting for OCR, uploads.

An upload goes the way of a file dropped into the inbox: claimed, filed by the
pipeline or quarantined with its reason. The files are received with the
request; filing them runs in a background job whose progress a partial polls
(``GET /inbox/jobs/{id}``) until it lists each file's outcome (:mod:`engine.web.jobs`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from engine.archive import Archive, document_view, file_upload, filed_today, list_documents
from engine.codes import DocumentStatus
from engine.ocr import ocr_available
from engine.pipeline import (
    UploadTooLarge,
    discard_upload,
    requeue_uploads,
    size_text,
    stage_upload,
)
from engine.store import QUARANTINE_REASONS, quarantined
from engine.web.common import ArchiveDep, Viewer, ViewerDep, is_htmx, page
from engine.web.jobs import Job, JobsDep

log = logging.getLogger(__name__)

router = APIRouter()

SHOWN = 50  # quarantined files and waiting scans listed, newest first
CHANGED = "inbox-changed"  # the event that has the page's lists read again


# --- the page ---------------------------------------------------------------------


def _lists(archive: Archive) -> dict[str, object]:
    """Filed today, the quarantine (newest first, with reasons) and the scans waiting for OCR."""
    with archive.sessions() as session:
        today = [document_view(document) for document in filed_today(session)]
        waiting = list_documents(session, status=DocumentStatus.NEEDS_OCR.value, limit=SHOWN)
        scans = [document_view(document) for document in waiting]
    entries, held = quarantined(archive.settings.quarantine, SHOWN)
    return {
        "today": today,
        "quarantine": entries,
        "quarantine_total": held,
        "scans": scans,
        "ocr_installed": ocr_available(),
    }


def _inbox_page(
    request: Request,
    archive: Archive,
    viewer: Viewer,
    upload_error: str | None = None,
    status: int = 200,
) -> Response:
    context = {**_lists(archive), **_upload_form(archive, upload_error)}
    return page(request, "inbox.html", context, viewer=viewer, status=status)


def _upload_form(archive: Archive, error: str | None) -> dict[str, object]:
    limit = archive.settings.upload_limit
    return {"upload_error": error, "upload_limit": limit, "upload_limit_text": size_text(limit)}


@router.get("/inbox")
def inbox(request: Request, archive: ArchiveDep, viewer: ViewerDep) -> Response:
    return _inbox_page(request, archive, viewer)


@router.get("/inbox/lists")
def inbox_lists(request: Request, archive: ArchiveDep, viewer: ViewerDep) -> Response:
    """The lists alone, read again when an upload has been filed."""
    return page(request, "inbox_lists.html", _lists(archive), viewer=viewer)


# --- uploads ----------------------------------------------------------------------


def _file_all(archive: Archive, staged: list[Path], by: str, job: Job) -> None:
    for path in staged:
        try:
            job.results.append(file_upload(archive, path, by).to_dict())
        except Exception as error:  # the disk or the register: the file waits, claimed
            log.exception("could not file the upload %s", path.name)
            job.results.append(
                {
                    "status": "error",
                    "file_name": path.name,
                    "document_id": None,
                    "reason": None,
                    "message": f"{type(error).__name__}: {error}",
                }
            )
        job.done += 1


async def chosen_files(request: Request) -> list[UploadFile]:
    """The form's files; an empty file input sends a part without a name, which is none."""
    form = await request.form()
    return [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]


@router.post("/inbox/upload")
def upload(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    jobs: JobsDep,
    chosen: Annotated[list[UploadFile], Depends(chosen_files)],
) -> Response:
    """Receive the files (each within the upload limit, or none is kept), then file them
    in a background job; the answer is the job's progress partial."""
    requeue_uploads(archive.settings)  # what a stopped desk left unfiled goes to the watcher
    limit = archive.settings.upload_limit
    error = None if chosen else "请选择要上传的文件 (no file chosen)"
    staged: list[Path] = []
    try:
        for file in chosen:
            staged.append(stage_upload(archive.settings, file.file, file.filename or "", limit))
    except UploadTooLarge as too_large:
        for path in staged:
            discard_upload(path)
        error = f"{too_large}；本次上传的文件均未保存"
    if error is not None:
        if is_htmx(request):
            context = _upload_form(archive, error)
            return page(request, "inbox_upload.html", context, viewer=viewer, status=400)
        return _inbox_page(request, archive, viewer, error, status=400)
    job = jobs.start(
        viewer.name, len(staged), lambda job: _file_all(archive, staged, viewer.name, job)
    )
    if not is_htmx(request):  # a form posted without the page's script: the job's own page
        return RedirectResponse(f"/inbox/jobs/{job.id}", status_code=303)
    return _job_partial(request, viewer, job, poll=True)


def _job_context(job: Job, *, poll: bool) -> dict[str, object]:
    return {"job": job, "results": list(job.results), "poll": poll, "reasons": QUARANTINE_REASONS}


def _job_partial(request: Request, viewer: Viewer, job: Job, *, poll: bool) -> Response:
    # Once done, the page's lists are read again (the new documents, the quarantine).
    headers = {"HX-Trigger": CHANGED} if job.finished else {}
    context = _job_context(job, poll=poll)
    return page(request, "inbox_job.html", context, viewer=viewer, headers=headers)


@router.get("/inbox/jobs/{job_id}")
def upload_job(request: Request, viewer: ViewerDep, jobs: JobsDep, job_id: str) -> Response:
    """An upload's progress: a partial polled every second until each file's outcome is in."""
    job = jobs.get(job_id, viewer)
    if is_htmx(request):
        return _job_partial(request, viewer, job, poll=not job.finished)
    context = _job_context(job, poll=not job.finished)
    return page(request, "inbox_job_page.html", context, viewer=viewer)
