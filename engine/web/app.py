"""The web desk application: ``create_app(settings)`` and ``gongkai serve``'s server.

One process serves the pages and, unless told otherwise, runs the inbox watcher
in a thread, so the desk and the watcher share one register connection pool and
one search index writer.
"""

from __future__ import annotations

import gc
import logging
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from engine.archive import Archive
from engine.config import Settings
from engine.user_store import list_accounts
from engine.web import (
    admin,
    auth,
    corrections,
    documents,
    inbox,
    publication,
    report,
    requests,
    review,
)
from engine.web.common import (
    STATIC,
    AgencyName,
    LoginRequired,
    is_htmx,
    make_environment,
    page,
)
from engine.web.security import LoginThrottle, csrf_guard, secret_key

log = logging.getLogger(__name__)

SESSION_HOURS = 12  # a working day; then log in again
FORM_OVERHEAD = 1024 * 1024  # a form's fields and multipart framing beside its files


class BodyLimit:
    """Refuse a request body larger than the upload limit before anything reads it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope["headers"]).get(b"content-length")
            if length is not None and int(length) > self.limit:
                megabytes = (self.limit - FORM_OVERHEAD) // (1024 * 1024)
                response = Response(
                    f"文件过大：单次上传不超过 {megabytes} MB (request body too large)",
                    status_code=413,
                    media_type="text/plain; charset=utf-8",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: Settings, *, watch: bool = False, address: str = "") -> FastAPI:
    """The desk for the archive at ``settings``; ``watch``: run the inbox watcher too;
    ``address``: where it is served, for the messages it logs."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        archive = Archive.open(settings)
        archive.search_index()  # in step before the first search
        app.state.archive = archive
        # What lives as long as the desk (the imports, the archive) out of the collector's
        # sight: full collections walking it stalled pages for 120-190 ms (bench/web.py).
        gc.freeze()
        with archive.sessions() as session:
            first_start = not list_accounts(session)
        if first_start:  # nobody can log in yet: a one-time link makes the administrator
            app.state.setup_token = secrets.token_urlsafe(16)
            log.warning(
                "no account yet: open %s/setup?token=%s to create the administrator "
                "(or run `gongkai user add NAME --role admin`)",
                address,
                app.state.setup_token,
            )
        log.warning("web desk at %s (Ctrl-C to stop)", address or "/")
        stop = threading.Event()
        watcher = None
        if watch:
            from engine.watcher import Watcher

            watcher = threading.Thread(
                target=Watcher(archive).run, args=(stop,), name="watcher", daemon=True
            )
            watcher.start()
        try:
            yield
        finally:
            stop.set()
            if watcher is not None:
                watcher.join(timeout=60)
            archive.close()

    app = FastAPI(
        title="gongkai",
        lifespan=lifespan,
        dependencies=[Depends(csrf_guard)],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.pages = make_environment()
    app.state.agency = AgencyName(settings.home)
    app.state.throttle = LoginThrottle()
    app.state.setup_token = None
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key(settings.secret_key_file),
        session_cookie="gongkai_session",
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
    )
    app.add_middleware(BodyLimit, limit=settings.upload_limit + FORM_OVERHEAD)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    modules = (auth, documents, review, publication, corrections, inbox, report, admin, requests)
    for module in modules:
        app.include_router(module.router)

    @app.get("/healthz")
    def healthz(request: Request) -> JSONResponse:
        """200 when the register answers and the index opens; 503 with the reason else."""
        archive: Archive = request.app.state.archive
        try:
            documents_count = archive.count_documents()
            indexed = archive.search_index().index.count()
        except Exception as error:  # any failure is the answer here
            return JSONResponse({"ok": False, "error": str(error)}, status_code=503)
        return JSONResponse({"ok": True, "documents": documents_count, "indexed": indexed})

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _error: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = f"/login?next={quote(target)}"
        if is_htmx(request):  # a partial update cannot show the login page in place
            return Response(status_code=401, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def error_page(request: Request, error: StarletteHTTPException) -> Response:
        message = error.detail if isinstance(error.detail, str) else "出错了"
        if error.status_code == 404 and message == "Not Found":
            message = "没有这个页面 (not found)"
        return page(
            request,
            "error.html",
            {"status": error.status_code, "message": message},
            status=error.status_code,
        )

    @app.exception_handler(RequestValidationError)
    async def bad_input(request: Request, error: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'][1:])}: {problem['msg']}"
            for problem in error.errors()
        )
        return page(
            request,
            "error.html",
            {"status": 400, "message": f"输入有误 (bad input): {problems}"},
            status=400,
        )

    return app
