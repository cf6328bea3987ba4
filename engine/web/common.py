"""What every page of the web desk shares: the viewer, the templates, errors.

Views are thin: they read the request, call the engine (the same functions the
CLI calls) and render a page. Permissions are the pure rules of
:mod:`engine.users`; this module only finds out who is asking.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from engine.archive import Archive
from engine.codes import Attribute, Reason
from engine.review import Level
from engine.user_store import find_account
from engine.users import Role, may_manage_users, may_read_withheld, may_sign

PAGES = Path(__file__).parent / "pages"
STATIC = Path(__file__).parent / "static"
SESSION_USER = "user"
SESSION_CSRF = "csrf"


class LoginRequired(Exception):
    """Raised by :func:`current_viewer` for an anonymous request (→ the login page)."""


@dataclass(frozen=True)
class Viewer:
    """The logged-in user as pages see them."""

    name: str
    role: Role
    csrf_token: str
    withheld_readers: tuple[Role, ...]

    def may_sign(self, level: Level) -> bool:
        return may_sign(self.role, level)

    @property
    def signing_level(self) -> Level | None:
        return self.role.signing_level

    @property
    def reads_withheld(self) -> bool:
        return may_read_withheld(self.role, self.withheld_readers)

    @property
    def manages_users(self) -> bool:
        return may_manage_users(self.role)

    def may_read(self, attribute: str | None) -> bool:
        """Whether this viewer is shown a document's text and original file."""
        return attribute != Attribute.WITHHELD.value or self.reads_withheld


def archive_of(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


ArchiveDep = Annotated[Archive, Depends(archive_of)]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (every form carries it)."""
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = request.session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return str(token)


def current_viewer(request: Request, archive: ArchiveDep) -> Viewer:
    """The logged-in, still active account; anonymous requests go to the login page."""
    name = request.session.get(SESSION_USER)
    if not name:
        raise LoginRequired
    with archive.sessions() as session:
        account = find_account(session, name)
    if account is None or not account.active:  # disabled since they logged in
        request.session.clear()
        raise LoginRequired
    return Viewer(
        account.name, account.role, csrf_token(request), archive.settings.withheld_readers
    )


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def refuse(message: str, status: int = 403) -> HTTPException:
    """``raise refuse(...)``: an error page saying why, in the clerk's words."""
    return HTTPException(status_code=status, detail=message)


# --- templates ----------------------------------------------------------------


def _label(value: str | None, kind: str) -> str:
    if not value:
        return ""
    enum: Any = {"attribute": Attribute, "reason": Reason, "role": Role, "level": Level}[kind]
    try:
        return str(enum(value).label)
    except ValueError:
        return value


# What the history and the audit log call each action, in the clerk's words.
ACTION_LABELS = {
    "ingested": "归档",
    "duplicate": "重复文件",
    "quarantined": "隔离",
    "ocr": "文字识别",
    "ocr_failed": "文字识别失败",
    "review.confirm": "签批同意",
    "review.override": "签批改定",
    "rule.mark": "规章/规范性文件标记",
    "view.text": "查看正文",
    "view.download": "下载原件",
    "login": "登录",
    "login.failed": "登录失败",
}
STATUS_LABELS = {
    "filed": "已归档",
    "needs_ocr": "待文字识别",
    "needs_conversion": "待格式转换",
}


def _day(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value[:16].replace("T", " ")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def make_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(PAGES),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,  # a misspelt variable fails the test, not the clerk
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["label"] = _label
    environment.filters["day"] = _day
    environment.filters["action"] = lambda action: ACTION_LABELS.get(action, action)
    environment.filters["status"] = lambda status: STATUS_LABELS.get(status, status)
    environment.globals["Attribute"] = Attribute
    environment.globals["Reason"] = Reason
    environment.globals["Level"] = Level
    environment.globals["Role"] = Role
    return environment


def page(
    request: Request,
    template: str,
    context: Mapping[str, object] | None = None,
    *,
    viewer: Viewer | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` (under pages/) with the viewer, the CSRF token and the office."""
    environment: Environment = request.app.state.pages
    body = environment.get_template(template).render(
        request=request,
        viewer=viewer,
        csrf=csrf_token(request),
        agency=request.app.state.agency,
        **(context or {}),
    )
    return HTMLResponse(body, status_code=status, headers=dict(headers or {}))


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
