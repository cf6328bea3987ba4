"""Logging in and out (form fields ``username`` and ``password``)."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from engine.register.audit import audit
from engine.user_store import add_user, authenticate, list_accounts
from engine.users import Role, UserError
from engine.web.common import SESSION_USER, ArchiveDep, page, refuse
from engine.web.security import LoginThrottle

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this desk (never another site: an open redirect)."""
    if not target:
        return "/search"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/search"
    return target


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/search", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return page(request, "login.html", {"next": _safe_next(next), "error": None, "username": ""})


@router.post("/login")
def login(
    request: Request,
    archive: ArchiveDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/search",
) -> Response:
    throttle: LoginThrottle = request.app.state.throttle
    address = request.client.host if request.client else "unknown"
    keys = (f"name:{username.strip()}", f"address:{address}")
    context = {"next": _safe_next(next), "username": username}
    wait = throttle.wait_seconds(*keys)
    if wait > 0:
        minutes = int(wait // 60) + 1
        error = f"登录失败次数过多，请 {minutes} 分钟后再试 (too many failed logins)"
        return page(request, "login.html", {**context, "error": error}, status=429)
    with archive.sessions.begin() as session:
        account = authenticate(session, username, password)
        audit(
            session,
            account.name if account else username.strip()[:100] or "?",
            "login" if account else "login.failed",
            address,
            {},
        )
    if account is None:
        throttle.failed(*keys)
        error = "用户名或密码错误 (wrong user name or password)"
        return page(request, "login.html", {**context, "error": error}, status=401)
    throttle.succeeded(keys[0])
    return _logged_in(request, account.name, _safe_next(next))


def _logged_in(request: Request, name: str, target: str) -> RedirectResponse:
    """A new session for ``name`` (no fixation of an old one, a new CSRF token), then ``target``."""
    request.session.clear()
    request.session[SESSION_USER] = name
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _setup_allowed(request: Request, archive: ArchiveDep, token: str) -> None:
    expected = request.app.state.setup_token
    if not expected or not secrets.compare_digest(expected, token):
        raise refuse("设置链接无效或已使用 (the setup link is not valid)", 404)
    with archive.sessions() as session:
        if list_accounts(session):
            request.app.state.setup_token = None
            raise refuse("已有账号，请登录 (accounts exist: log in)", 404)


@router.get("/setup")
def setup_form(request: Request, archive: ArchiveDep, token: str = "") -> Response:
    """First start: create the administrator with the link ``gongkai serve`` printed."""
    _setup_allowed(request, archive, token)
    return page(request, "setup.html", {"token": token, "error": None, "username": ""})


@router.post("/setup")
def setup(
    request: Request,
    archive: ArchiveDep,
    token: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    _setup_allowed(request, archive, token)
    try:
        with archive.sessions.begin() as session:
            account = add_user(session, username, Role.ADMIN, password, by=username.strip())
    except UserError as error:
        context = {"token": token, "error": str(error), "username": username}
        return page(request, "setup.html", context, status=400)
    request.app.state.setup_token = None
    return _logged_in(request, account.name, "/admin")
