"""What every page of the web desk shares: the viewer, the templates, errors.

Views are thin: they read the request, call the engine (the same functions the
CLI calls) and render a page. Permissions are the pure rules of
:mod:`engine.users`; this module only finds out who is asking.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from engine.archive import Archive
from engine.codes import Attribute, Reason
from engine.office import FILE_NAME as OFFICE_FILE
from engine.office import OfficeError, load_office
from engine.register.audit import audit
from engine.review import Level
from engine.user_store import find_account
from engine.users import Role, may_keep_books, may_manage_users, may_read_withheld, may_sign

PAGES = Path(__file__).parent / "pages"
STATIC = Path(__file__).parent / "static"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_USER = "user"
NOTICE = "notice"  # the session key of a one-time message shown after a redirect
SESSION_CSRF = "csrf"
_Value = TypeVar("_Value")


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

    @property
    def keeps_books(self) -> bool:
        return may_keep_books(self.role)

    def may_read(self, attribute: str | None) -> bool:
        """Whether this viewer is shown a document's text and original file."""
        return attribute != Attribute.WITHHELD.value or self.reads_withheld


class AgencyName:
    """The 机关 the pages' header names: office.toml's ``agency``, read again whenever the
    file changes, so that filling it in shows without a restart."""

    PLACEHOLDER = "政府信息公开工作机构"  # until office.toml names the agency

    def __init__(self, home: Path) -> None:
        self.home = home
        self._seen: tuple[int, int] | None = (-1, -1)
        self._name = self.PLACEHOLDER

    def current(self) -> str:
        try:
            status = (self.home / OFFICE_FILE).stat()
            # The size too: two saves within the clock's tick share a modification time.
            changed: tuple[int, int] | None = (status.st_mtime_ns, status.st_size)
        except OSError:
            changed = None
        if changed != self._seen:
            self._seen = changed
            try:
                self._name = load_office(self.home).agency or self.PLACEHOLDER
            except OfficeError:  # letters refuse until it is filled in; the desk still opens
                self._name = self.PLACEHOLDER
        return self._name


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


# --- withheld documents ----------------------------------------------------------


def shown_hit(hit: Mapping[str, object], viewer: Viewer) -> Mapping[str, object]:
    """A search hit as ``viewer`` sees it: a withheld document's snippet stays hidden from
    roles not cleared to read it (``hidden`` set, for the page to say why)."""
    attribute = hit["attribute"]
    if viewer.may_read(attribute if isinstance(attribute, str) else None):
        return hit
    return {**hit, "snippet_html": "", "hidden": True}


def reveal_text(session: Session, viewer: Viewer, document: Mapping[str, object]) -> bool:
    """Whether ``viewer`` is shown ``document``'s text (a :func:`document_detail` view);
    each showing of a withheld document's text is written to the audit log."""
    attribute = document["attribute"]
    readable = viewer.may_read(attribute if isinstance(attribute, str) else None)
    if readable and attribute == Attribute.WITHHELD.value:
        subject = str(document["title"] or document["id"])
        doc_id: int = document["id"]  # type: ignore[assignment]
        audit(session, viewer.name, "view.text", subject, {}, document_id=doc_id)
    return readable


# --- form input -------------------------------------------------------------------


def form_value(
    value: str, field: str, parse: Callable[[str], _Value], message: str, errors: dict[str, str]
) -> _Value | None:
    """``parse(value)`` of a field as typed; a blank is None, a bad value None with
    ``message`` put beside ``field`` in ``errors``."""
    if not value.strip():
        return None
    try:
        return parse(value.strip())
    except ValueError:
        errors[field] = message
        return None


def form_day(value: str, field: str, errors: dict[str, str]) -> date | None:
    return form_value(value, field, date.fromisoformat, f"{value} 不是日期 (YYYY-MM-DD)", errors)


def form_document_id(value: str, field: str, errors: dict[str, str]) -> int | None:
    return form_value(value, field, int, f"{value} 不是文件编号 (a document id)", errors)


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
    "review.reopen": "重新审查",
    "rule.mark": "规章/规范性文件标记",
    "view.text": "查看正文",
    "view.download": "下载原件",
    "login": "登录",
    "login.failed": "登录失败",
    "upload": "上传",
    "index.rebuild": "重建检索索引",
    "report.annual": "生成年度报告",
    "report.figures": "填写年报数据",
    "request.add": "登记申请",
    "request.correction_requested": "补正告知",
    "request.correction_received": "收到补正",
    "request.extended": "延期答复",
    "request.third_party_consulted": "征求第三方意见",
    "request.third_party_replied": "第三方回复",
    "request.fee_notice_sent": "收费通知",
    "request.fee_paid": "缴费",
    "request.link": "关联文件",
    "request.decide": "作出答复",
    "request.letter": "生成文书",
    "request.appeal": "行政复议/诉讼",
    "correction.add": "登记更正",
    "correction.decide": "更正决定",
    "correction.letter": "生成更正文书",
    "correction.corrected_version": "关联更正版",
    "publication.publish": "登记公开",
    "validity.repealed": "登记废止",
    "validity.amended": "登记修改",
    "catalog.export": "导出公开目录",
    "guide.generated": "生成公开指南",
    "adjust.suggest": "动态调整建议",
    "adjust.accepted": "采纳动态调整建议",
    "adjust.rejected": "不采纳动态调整建议",
    "user.add": "添加用户",
    "user.password": "重设密码",
    "user.role": "更改角色",
    "user.disable": "停用用户",
    "user.enable": "启用用户",
}
STATUS_LABELS = {
    "filed": "已归档",
    "needs_ocr": "待文字识别",
    "needs_conversion": "待格式转换",
}


# The class a deadline's standing is drawn in: a request's or a publication's clock.
URGENCY = {"overdue": "overdue", "late": "overdue", "due_soon": "due-soon"}


def _day(value: date | datetime | str | None) -> str:
    """A day, or a moment in the server's local time (the register keeps UTC)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        local = value.astimezone() if value.tzinfo else value
        return local.strftime("%Y-%m-%d %H:%M")
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
    environment.filters["urgency"] = lambda standing: URGENCY.get(standing, "")
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
        agency=request.app.state.agency.current(),
        **(context or {}),
    )
    return HTMLResponse(body, status_code=status, headers=dict(headers or {}))


def attachment(name: str) -> dict[str, str]:
    """The headers of a download under a Chinese file name (RFC 5987, as FileResponse
    writes it)."""
    return {"Content-Disposition": f"attachment; filename*=utf-8''{quote(name)}"}


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
