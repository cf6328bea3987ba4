"""管理: accounts (administrators only), the audit log with its filters, reindexing."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from engine.cli import app
from engine.register.audit import audit, audit_trail
from engine.register.models import AuditEvent
from engine.user_store import AccountError, add_user, find_account, set_active, set_role
from engine.users import Role, UserError
from tests.builders import build_docx
from tests.conftest import invoke_json
from tests.webdesk import PASSWORD, USERS, Desk, csrf_of, file_documents, post_form

HTMX = {"HX-Request": "true"}
NEW_PASSWORD = "a new password 2026"


def account(desk: Desk, name: str) -> Any:
    with desk.archive.sessions() as session:
        return find_account(session, name)


def logs_in(desk: Desk, name: str, password: str) -> bool:
    with TestClient(desk.app, follow_redirects=False) as client:
        response = client.post("/login", data={"username": name, "password": password})
    return response.status_code == 303


def beside(page: str, field: str) -> str:
    """The message shown beside the form field named ``field`` (in its label)."""
    tree = lxml.html.fromstring(page)
    (control,) = tree.xpath(f'//form[@action="/admin/users"]//*[@name="{field}"]')
    return " ".join(e.text_content() for e in control.getparent().find_class("field-error"))


# --- the engine's part ----------------------------------------------------------


def test_a_new_account_is_refused_field_by_field(desk: Desk) -> None:
    with desk.archive.sessions.begin() as session, pytest.raises(AccountError) as refused:
        add_user(session, USERS["clerk"], Role.CLERK, "short", by="test")
    assert set(refused.value.problems) == {"name", "password"}
    assert "已存在" in refused.value.problems["name"]
    assert "至少 8 位" in refused.value.problems["password"]


def test_an_administrator_cannot_lock_themselves_out(desk: Desk) -> None:
    admin = USERS["admin"]
    with desk.archive.sessions.begin() as session:
        with pytest.raises(UserError, match="不能停用自己的账号"):
            set_active(session, admin, False, by=admin)
        with pytest.raises(UserError, match="不能取消自己的管理员角色"):
            set_role(session, admin, Role.CLERK, by=admin)
        set_role(session, USERS["clerk"], Role.REVIEWER, by=admin)  # others' are theirs to change
    assert account(desk, admin).active and account(desk, USERS["clerk"]).role is Role.REVIEWER


def test_the_audit_trail_is_filtered_from_a_day_on(desk: Desk) -> None:
    with desk.archive.sessions.begin() as session:
        for day in (date(2026, 3, 1), date(2026, 3, 2)):
            at = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
            audit(session, "甲", "view.text", f"文件{day.day}", {}, document_id=None, at=at)
    with desk.archive.sessions() as session:
        trail = audit_trail(session, actor="甲", action="view", since=date(2026, 3, 2))
        assert [event["subject"] for event in trail] == ["文件2"]
        assert len(audit_trail(session, actor="甲")) == 2


def test_the_command_line_shares_the_rules(cli: CliRunner) -> None:
    command = ["user", "add", "张三", "--role", "admin", "--password-stdin", "--by", "张三"]
    added = cli.invoke(app, command, input=f"{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    again = cli.invoke(
        app, ["user", "add", "张三", "--role", "clerk", "--password-stdin"], input="x\n"
    )
    assert again.exit_code == 1 and "已存在" in again.output and "至少 8 位" in again.output
    itself = cli.invoke(app, ["user", "disable", "张三", "--by", "张三"])
    assert itself.exit_code == 1 and "不能停用自己的账号" in itself.output
    today = datetime.now(UTC).date().isoformat()  # the log's days are UTC days
    events = invoke_json(cli, "audit", "--actor", "张三", "--since", today)
    assert [event["action"] for event in events] == ["user.add"]
    assert invoke_json(cli, "audit", "--actor", "张三", "--since", "2999-01-01") == []


# --- who may -------------------------------------------------------------------------


def test_only_an_administrator_may_manage(desk: Desk) -> None:
    for path in ("/admin", "/admin/audit", "/admin/jobs/x"):
        assert desk.client("admin").get(path).status_code in (200, 404)
        for role in ("clerk", "reviewer", "approver"):
            refused = desk.client(role).get(path)
            assert refused.status_code == 403 and "仅管理员" in refused.text
        assert desk.anonymous.get(path).headers["location"].startswith("/login")
    clerk = desk.client("clerk")
    forged = post_form(
        clerk, "/admin/users", {"name": "冒名", "role": "admin", "password": PASSWORD}
    )
    assert forged.status_code == 403 and account(desk, "冒名") is None
    assert post_form(clerk, "/admin/reindex", {}).status_code == 403
    assert 'href="/admin"' not in clerk.get("/search").text  # the nav offers it to admins only
    assert 'href="/admin"' in desk.client("admin").get("/search").text


def test_account_forms_need_the_csrf_token(desk: Desk) -> None:
    admin = desk.client("admin")
    response = admin.post("/admin/users", data={"name": "新人", "password": PASSWORD})
    assert response.status_code == 403 and account(desk, "新人") is None


# --- accounts -----------------------------------------------------------------------------


def test_the_accounts_page_lists_every_account_with_its_role(desk: Desk) -> None:
    page = desk.client("admin").get("/admin").text
    tree = lxml.html.fromstring(page)
    rows = tree.xpath('//table[@class="accounts"]/tbody/tr')
    roles = {
        row.xpath("td[1]")[0].text_content().split()[0]: row.xpath(".//option[@selected]")[0].text
        for row in rows
    }
    assert roles == {USERS[role.value]: role.label for role in Role}
    assert "（当前登录）" in page


def test_an_administrator_adds_a_user_who_can_then_log_in(desk: Desk) -> None:
    admin = desk.client("admin")
    added = post_form(
        admin, "/admin/users", {"name": "李明", "role": "reviewer", "password": PASSWORD}
    )
    assert added.status_code == 303 and added.headers["location"].startswith("/admin?done=add")
    assert "已添加账号：李明" in admin.get(added.headers["location"]).text
    assert account(desk, "李明").role is Role.REVIEWER
    assert logs_in(desk, "李明", PASSWORD)
    with desk.archive.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.add")).all()[-1]
    assert (event.actor, event.subject) == (USERS["admin"], "李明")


def test_a_refused_account_is_explained_beside_its_fields(desk: Desk) -> None:
    admin = desk.client("admin")
    refused = post_form(
        admin, "/admin/users", {"name": USERS["clerk"], "role": "approver", "password": "short"}
    )
    assert refused.status_code == 400
    assert "已存在" in beside(refused.text, "name")
    assert "至少 8 位" in beside(refused.text, "password")
    form = lxml.html.fromstring(refused.text).xpath('//form[@action="/admin/users"]')[0]
    assert form.xpath('.//input[@name="name"]/@value') == [USERS["clerk"]]  # kept
    assert form.xpath(".//option[@selected]/@value") == ["approver"]
    assert "short" not in refused.text  # a password is never sent back
    nameless = post_form(admin, "/admin/users", {"name": " ", "password": PASSWORD})
    assert nameless.status_code == 400 and beside(nameless.text, "name")


def test_roles_are_changed_and_an_administrator_keeps_their_own(desk: Desk) -> None:
    admin = desk.client("admin")
    changed = post_form(admin, "/admin/users/role", {"name": USERS["clerk"], "role": "approver"})
    assert changed.status_code == 303
    assert account(desk, USERS["clerk"]).role is Role.APPROVER
    own = post_form(admin, "/admin/users/role", {"name": USERS["admin"], "role": "clerk"})
    assert own.status_code == 400 and "不能取消自己的管理员角色" in own.text
    assert account(desk, USERS["admin"]).role is Role.ADMIN
    nobody = post_form(admin, "/admin/users/role", {"name": "无此人", "role": "clerk"})
    assert nobody.status_code == 400 and "没有用户 无此人" in nobody.text


def test_an_account_is_disabled_and_enabled_but_never_ones_own(desk: Desk) -> None:
    admin = desk.client("admin")
    clerk = USERS["clerk"]
    disabled = post_form(admin, "/admin/users/active", {"name": clerk, "active": "false"})
    assert disabled.status_code == 303 and not account(desk, clerk).active
    assert not logs_in(desk, clerk, PASSWORD)
    assert 'class="inactive"' in admin.get("/admin").text
    assert (
        post_form(admin, "/admin/users/active", {"name": clerk, "active": "true"}).status_code
        == 303
    )
    assert logs_in(desk, clerk, PASSWORD)
    own = post_form(admin, "/admin/users/active", {"name": USERS["admin"], "active": "false"})
    assert own.status_code == 400 and "不能停用自己的账号" in own.text
    assert account(desk, USERS["admin"]).active
    assert admin.get("/admin").status_code == 200  # still logged in


def test_a_password_is_reset(desk: Desk) -> None:
    admin = desk.client("admin")
    name = USERS["reviewer"]
    short = post_form(admin, "/admin/users/password", {"name": name, "password": "1234"})
    assert short.status_code == 400
    row = lxml.html.fromstring(short.text).xpath(
        f'//form[@action="/admin/users/password"][input[@value="{name}"]]/..'
    )[0]
    assert "至少 8 位" in row.text_content()  # beside that account's field
    assert logs_in(desk, name, PASSWORD)
    reset = post_form(admin, "/admin/users/password", {"name": name, "password": NEW_PASSWORD})
    assert reset.status_code == 303
    assert logs_in(desk, name, NEW_PASSWORD) and not logs_in(desk, name, PASSWORD)


# --- the audit log ------------------------------------------------------------------------


def test_the_audit_page_lists_logins_and_filters_them(desk: Desk) -> None:
    desk.anonymous.post("/login", data={"username": USERS["clerk"], "password": "wrong one"})
    admin = desk.client("admin")
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    rows = lxml.html.fromstring(page.text).xpath('//table[@class="audit"]/tbody/tr')
    seen = {(row[1].text_content(), row[2].text_content()) for row in rows}
    assert (USERS["admin"], "登录 login") in seen  # the action in words, then its code
    assert (USERS["clerk"], "登录失败 login.failed") in seen

    mine = admin.get("/admin/audit", params={"user": USERS["clerk"], "action": "login"}).text
    actions = lxml.html.fromstring(mine).xpath('//td[@class="action"]/code/text()')
    assert actions and set(actions) <= {"login", "login.failed"}
    assert USERS["admin"] not in "".join(
        cell.text_content() for cell in lxml.html.fromstring(mine).find_class("actor")
    )
    future = admin.get("/admin/audit", params={"since": "2999-01-01"}).text
    assert "没有符合条件的记录" in future


def test_bad_audit_filters_get_a_message_beside_the_field(desk: Desk) -> None:
    admin = desk.client("admin")
    bad = admin.get("/admin/audit", params={"since": "2026-02-30", "document": "十二"})
    assert bad.status_code == 400
    tree = lxml.html.fromstring(bad.text)
    (since,) = tree.xpath('//input[@name="since"]')
    assert "不是日期" in since.getparent().text_content() and since.get("value") == "2026-02-30"
    (document,) = tree.xpath('//input[@name="document"]')
    assert "不是文件编号" in document.getparent().text_content()


def test_the_audit_page_narrows_to_a_document(desk: Desk, tmp_path: Path) -> None:
    _first, second = file_documents(
        desk.archive,
        build_docx(tmp_path / "一.docx", ["关于甲的通知", "正文。"]),
        build_docx(tmp_path / "二.docx", ["关于乙的通知", "正文。"]),
    )
    page = desk.client("admin").get("/admin/audit", params={"document": str(second)}).text
    links = re.findall(r'href="/documents/(\d+)"', page)
    assert links and set(links) == {str(second)}


# --- reindexing ------------------------------------------------------------------------------


def _finished(client: TestClient, partial: str) -> str:
    found = re.search(r'id="job-([\w-]+)"', partial)
    assert found, partial
    deadline = time.monotonic() + 60
    while True:
        response = client.get(f"/admin/jobs/{found[1]}", headers=HTMX)
        assert response.status_code == 200
        if "hx-trigger" not in response.text:
            return response.text
        assert time.monotonic() < deadline, "the reindex never finished"
        time.sleep(0.05)


def test_a_reindex_runs_in_the_background_and_reports_its_count(desk: Desk, tmp_path: Path) -> None:
    ids = file_documents(
        desk.archive,
        *(
            build_docx(tmp_path / f"{n}.docx", [f"关于第{n}项工作的通知", "正文。"])
            for n in range(3)
        ),
    )
    admin = desk.client("admin")
    token = csrf_of(admin, "/admin")
    started = admin.post("/admin/reindex", headers={**HTMX, "X-CSRF-Token": token})
    assert started.status_code == 200
    assert 'hx-trigger="every 1s"' in started.text and "<progress" in started.text
    done = _finished(admin, started.text)
    assert re.search(r'class="indexed">3<', done) and 'value="3"' in done
    found = admin.get("/search", params={"q": "第1项工作"}).text
    assert f'href="/documents/{ids[1]}"' in found
    with desk.archive.sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "index.rebuild")
        ).one()
    assert event.actor == USERS["admin"]

    posted = post_form(admin, "/admin/reindex", {})  # without the page's script
    assert posted.status_code == 303 and posted.headers["location"].startswith("/admin/jobs/")
    job_page = admin.get(posted.headers["location"])
    assert job_page.status_code == 200 and "重建索引" in job_page.text
