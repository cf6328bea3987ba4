"""The web desk's foundation: login, roles, CSRF, search, the document page, downloads."""

from __future__ import annotations

import html
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import select

from engine.register.models import AuditEvent, Document
from engine.review import Level
from engine.users import Role, UserError, may_read_withheld, may_sign, parse_roles
from engine.web.security import LoginThrottle
from tests.builders import build_docx
from tests.webdesk import PASSWORD, USERS, Desk, csrf_of, file_documents, post_form

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
HOSTILE_NAME = "<img src=x onerror=alert(2)>"  # a file name cannot hold "/"


# --- the rules (pure) -----------------------------------------------------------


def test_each_role_signs_at_its_own_level_only() -> None:
    assert may_sign(Role.CLERK, Level.DRAFTER)
    assert not may_sign(Role.CLERK, Level.REVIEWER)
    assert not may_sign(Role.CLERK, Level.APPROVER)
    assert may_sign(Role.REVIEWER, Level.REVIEWER) and not may_sign(Role.REVIEWER, Level.APPROVER)
    assert may_sign(Role.APPROVER, Level.APPROVER) and not may_sign(Role.APPROVER, Level.DRAFTER)
    assert not any(may_sign(Role.ADMIN, level) for level in Level)


def test_withheld_readers_come_from_configuration() -> None:
    readers = parse_roles("reviewer, approver")
    assert may_read_withheld(Role.REVIEWER, readers)
    assert not may_read_withheld(Role.CLERK, readers)
    assert may_read_withheld(Role.CLERK, parse_roles("clerk"))
    with pytest.raises(UserError, match="unknown role 'boss'"):
        parse_roles("reviewer,boss")


def test_the_throttle_locks_a_key_after_repeated_failures() -> None:
    now = [0.0]
    throttle = LoginThrottle(failures=3, window=60, lockout=120, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.wait_seconds("name:a") == 0
        throttle.failed("name:a")
    assert throttle.wait_seconds("name:a") == 120
    assert throttle.wait_seconds("name:b") == 0  # others are not locked out
    now[0] = 119
    assert throttle.wait_seconds("name:a") == pytest.approx(1)
    now[0] = 121
    assert throttle.wait_seconds("name:a") == 0
    throttle.failed("name:a")
    throttle.succeeded("name:a")
    assert throttle.wait_seconds("name:a") == 0


def test_the_throttle_forgets_names_tried_long_ago() -> None:
    now = [0.0]
    throttle = LoginThrottle(failures=3, window=60, lockout=120, clock=lambda: now[0])
    for n in range(1000):  # a scan of made-up names
        throttle.failed(f"name:{n}")
    now[0] = 200
    throttle.failed("name:latest")
    assert set(throttle._failed) == {"name:latest"}
    assert throttle._locked_until == {}


# --- login and sessions -----------------------------------------------------------


def test_anonymous_is_sent_to_login_and_comes_back(desk: Desk) -> None:
    client = desk.anonymous
    for path in ("/search", "/documents/1", "/search?q=公开"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    response = client.get("/search", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")
    login = client.post(
        "/login", data={"username": USERS["clerk"], "password": PASSWORD, "next": "/search?q=x"}
    )
    assert login.status_code == 303 and login.headers["location"] == "/search?q=x"
    cookie = login.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert client.get("/search").status_code == 200


def test_login_refuses_a_wrong_password_without_saying_which_was_wrong(desk: Desk) -> None:
    client = desk.anonymous
    wrong = client.post("/login", data={"username": USERS["clerk"], "password": "nope-nope"})
    unknown = client.post("/login", data={"username": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text
    assert client.get("/search").status_code == 303
    with desk.archive.sessions() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("login.failed") == 2


def test_login_is_throttled_after_five_failures(desk: Desk) -> None:
    client = desk.anonymous
    for _ in range(5):
        client.post("/login", data={"username": USERS["reviewer"], "password": "wrong-pass"})
    locked = client.post("/login", data={"username": USERS["reviewer"], "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.text


def test_login_never_redirects_off_the_desk(desk: Desk) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = desk.anonymous.post(
            "/login", data={"username": USERS["clerk"], "password": PASSWORD, "next": target}
        )
        assert response.headers["location"] == "/search"


def test_a_disabled_account_is_logged_out_at_its_next_request(desk: Desk) -> None:
    from engine.user_store import set_active

    client = desk.client("clerk")
    assert client.get("/search").status_code == 200
    with desk.archive.sessions.begin() as session:
        set_active(session, USERS["clerk"], False, by="admin")
    assert client.get("/search").status_code == 303


def test_logout_needs_the_csrf_token_and_ends_the_session(desk: Desk) -> None:
    client = desk.client("clerk")
    assert client.post("/logout").status_code == 403  # no token: refused
    assert client.get("/search").status_code == 200
    assert post_form(client, "/logout", {}).status_code == 303
    assert client.get("/search").status_code == 303


def test_a_form_posted_from_another_site_is_refused(desk: Desk) -> None:
    client = desk.client("clerk")
    token = csrf_of(client)
    response = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403 and "跨站" in response.text
    forged = desk.anonymous.post(
        "/login",
        data={"username": USERS["clerk"], "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403


def test_first_start_setup_link_makes_the_administrator_once(sqlite_settings) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from engine.web import create_app

    app = create_app(sqlite_settings)
    with TestClient(app, follow_redirects=False) as client:
        token = app.state.setup_token
        assert token
        assert client.get("/setup?token=wrong").status_code == 404
        form = client.get(f"/setup?token={token}")
        assert form.status_code == 200 and "创建管理员账号" in form.text
        short = post_form(client, "/setup", {"token": token, "username": "管理员", "password": "x"})
        assert short.status_code == 400 and "至少 8 位" in short.text
        made = post_form(
            client, "/setup", {"token": token, "username": "管理员", "password": PASSWORD}
        )
        assert made.status_code == 303
        assert client.get("/search").status_code == 200
        assert client.get(f"/setup?token={token}").status_code == 404  # used up


def test_healthz(desk: Desk) -> None:
    response = desk.anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "documents": 0, "indexed": 0}


def test_the_header_names_the_agency_once_office_toml_does_without_a_restart(
    desk: Desk,
) -> None:
    def brand() -> str:
        page = lxml.html.fromstring(desk.client("clerk").get("/search").text)
        return str(page.xpath("//div[@class='brand']/text()")[0]).strip()

    assert brand() == "政府信息公开工作机构"
    office = desk.settings.home / "office.toml"
    office.write_text(
        'agency = "某某县人民政府办公室"\nletter_code = "某政办信公开"\n'
        'reconsideration_body = "某某市人民政府"\ncourt = "某某县人民法院"\n',
        encoding="utf-8",
    )
    assert brand() == "某某县人民政府办公室"
    office.write_text("agency = [broken", encoding="utf-8")
    assert brand() == "政府信息公开工作机构", "a broken file: the desk still opens"


def test_static_htmx_is_served_from_the_package(desk: Desk) -> None:
    response = desk.anonymous.get("/static/htmx.min.js")
    assert response.status_code == 200 and "htmx" in response.text[:200]
    page = desk.client("clerk").get("/search").text
    assert 'src="/static/htmx.min.js"' in page and "//cdn" not in page


# --- search, documents, downloads ------------------------------------------------------


@pytest.fixture
def filed(desk: Desk, tmp_path: Path) -> dict[str, int]:
    """Three documents: proactive, withheld (商业秘密), and one with hostile text and name."""
    public = build_docx(
        tmp_path / "关于推进政务公开的通知.docx",
        [
            "某市人民政府办公室文件",
            "某政办发〔2024〕12号",
            "关于推进政务公开示范点建设的通知",
            "各区政府：现将政务公开示范点建设方案印发给你们。",
            "（此件公开发布）",
        ],
    )
    secret = build_docx(
        tmp_path / "评标报告.docx",
        [
            "某市财政局文件",
            "关于某项目评标情况的报告",
            "本报告涉及投标人的商业秘密，包括报价构成和技术方案。示范点项目的底价为壹佰万元。",
            "（此件不予公开）",
        ],
    )
    hostile = build_docx(tmp_path / f"{HOSTILE_NAME}.docx", ["通知", f"示范点 {XSS} 示范点"])
    ids = file_documents(desk.archive, public, secret, hostile)
    with desk.archive.sessions.begin() as session:
        withheld = session.get(Document, ids[1])
        assert withheld is not None
        withheld.attribute, withheld.reason = "withheld", "commercial_secret"
        from engine.register.audit import audit

        audit(session, "test", "test.mark", "withheld", {}, document_id=ids[1])
    desk.archive.search_index().sync()
    return {"public": ids[0], "withheld": ids[1], "hostile": ids[2]}


def test_search_marks_the_matched_words(desk: Desk, filed: dict[str, int]) -> None:
    page = desk.client("clerk").get("/search", params={"q": "示范点"})
    assert page.status_code == 200
    assert "<mark>示范点</mark>" in page.text
    assert f'href="/documents/{filed["public"]}"' in page.text


def test_search_by_doc_number_and_filters(desk: Desk, filed: dict[str, int]) -> None:
    client = desk.client("clerk")
    by_number = client.get("/search", params={"q": "某政办发[2024]12号"}).text
    assert f'/documents/{filed["public"]}"' in by_number
    narrowed = client.get("/search", params={"q": "示范点", "attribute": "withheld"}).text
    assert f'/documents/{filed["withheld"]}"' in narrowed
    assert f'/documents/{filed["public"]}"' not in narrowed


def test_bad_search_input_gets_a_message_not_a_crash(desk: Desk, filed: dict[str, int]) -> None:
    client = desk.client("clerk")
    assert client.get("/search", params={"year": "abc"}).status_code == 400
    bad_day = client.get("/search", params={"q": "示范点", "from": "2024-02-30"})
    assert bad_day.status_code == 400
    field = lxml.html.fromstring(bad_day.text).xpath('//input[@name="from"]')[0]
    assert field.get("value") == "2024-02-30" and field.get("aria-invalid") == "true"
    assert "不是日期" in field.getparent().text_content()  # beside the field, in its label
    assert '<li class="hit">' not in bad_day.text  # nothing searched with half the filters
    assert client.get("/search", params={"q": '"((-'}).status_code == 200


def test_hostile_text_and_file_names_come_back_escaped(desk: Desk, filed: dict[str, int]) -> None:
    client = desk.client("reviewer")
    named = client.get("/search", params={"q": "onerror"}).text  # the file name is shown
    assert (
        html.escape(HOSTILE_NAME, quote=False) in named
        or "&lt;img src=x onerror=alert(2)&gt;" in named
    )
    for page in (
        client.get("/search", params={"q": "示范点"}).text,
        client.get(f"/documents/{filed['hostile']}").text,
    ):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert" in page


def test_withheld_text_only_for_cleared_roles_and_every_view_audited(
    desk: Desk, filed: dict[str, int]
) -> None:
    doc_id = filed["withheld"]
    clerk = desk.client("clerk")
    hidden = clerk.get(f"/documents/{doc_id}").text
    assert "底价为壹佰万元" not in hidden and "正文仅限" in hidden
    results = clerk.get("/search", params={"q": "示范点"}).text
    assert "底价" not in results  # not even in a snippet
    assert clerk.get(f"/documents/{doc_id}/original").status_code == 403

    reviewer = desk.client("reviewer")
    assert "底价为壹佰万元" in reviewer.get(f"/documents/{doc_id}").text
    download = reviewer.get(f"/documents/{doc_id}/original")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert "%E8%AF%84%E6%A0%87" in download.headers["content-disposition"]  # 评标 (RFC 5987)
    with desk.archive.sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("view."))
        ).all()
    assert [(e.actor, e.action, e.document_id) for e in events] == [
        (USERS["reviewer"], "view.text", doc_id),
        (USERS["reviewer"], "view.download", doc_id),
    ]
    # the public document's views are not withheld: no audit noise
    reviewer.get(f"/documents/{filed['public']}")
    with desk.archive.sessions() as session:
        assert (
            session.scalar(
                select(AuditEvent).where(
                    AuditEvent.document_id == filed["public"], AuditEvent.action.startswith("view.")
                )
            )
            is None
        )


def test_the_document_page_shows_metadata_text_and_history(
    desk: Desk, filed: dict[str, int]
) -> None:
    page = desk.client("clerk").get(f"/documents/{filed['public']}").text
    for shown in (
        "某政办发〔2024〕12号",
        "关于推进政务公开示范点建设的通知",
        "现将政务公开示范点",
        "归档",
        "关于推进政务公开的通知.docx",
    ):
        assert shown in page
    assert desk.client("clerk").get("/documents/999").status_code == 404
    assert desk.client("clerk").get("/documents/abc").status_code == 400


def test_a_download_cannot_leave_the_archive(
    desk: Desk, filed: dict[str, int], tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    with desk.archive.sessions.begin() as session:
        document = session.get(Document, filed["public"])
        assert document is not None
        document.original_path = "../../outside.txt"
    response = desk.client("clerk").get(f"/documents/{filed['public']}/original")
    assert response.status_code == 404
    assert "secret" not in response.text
    traversal = desk.client("clerk").get("/documents/..%2F..%2Fetc%2Fpasswd/original")
    assert traversal.status_code in (400, 404)


def test_an_oversized_body_is_refused_before_it_is_read(desk: Desk) -> None:
    client = desk.client("clerk")
    limit = desk.settings.upload_limit
    response = client.post(
        "/logout", content=b"x" * 10, headers={"content-length": str(limit + 2 * 1024 * 1024)}
    )
    assert response.status_code == 413


def test_moments_are_shown_in_the_servers_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import time as time_module
    from datetime import UTC, datetime

    from engine.web.common import make_environment

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time_module.tzset()
    try:
        day = make_environment().filters["day"]
        assert day(datetime(2026, 11, 23, 1, 30, tzinfo=UTC)) == "2026-11-23 09:30"
        assert day("2026-11-23T01:30:00+00:00") == "2026-11-23 09:30"
        assert day("2026-11-23") == "2026-11-23"
        assert day(None) == "" and day("not a day") == "not a day"
    finally:
        monkeypatch.undo()
        time_module.tzset()


# --- the shared page parts --------------------------------------------------------------


def _render(source: str, **context: object) -> str:
    from engine.web.common import make_environment

    return make_environment().from_string(source).render(**context)


HIT = {
    "id": 7,
    "title": "关于<b>示范点</b>的通知",
    "file_names": ["通知.docx"],
    "doc_number": "某政办发〔2024〕12号",
    "issuer": "某市人民政府办公室",
    "issue_date": "2024-03-01",
    "attribute": "proactive",
    "reason": None,
    "snippet_html": "政务公开<mark>示范点</mark>",
}


def test_a_search_hit_is_drawn_once_for_every_page_that_lists_hits() -> None:
    plain = _render('{% from "_macros.html" import search_hit %}{{ search_hit(hit) }}', hit=HIT)
    item = lxml.html.fromstring(plain)
    assert item.get("class") == "hit" and not item.find_class("hit-head")
    (title,) = item.find_class("title")
    assert title.get("href") == "/documents/7" and title.text == "关于<b>示范点</b>的通知"
    assert "某政办发〔2024〕12号" in plain and "主动公开" in plain
    assert "<mark>示范点</mark>" in plain  # the index's highlight, already escaped
    # a page with a button beside each title passes it in a call block
    beside = _render(
        '{% from "_macros.html" import search_hit %}'
        '{% call search_hit(hit) %}<button class="link-it">关联</button>{% endcall %}',
        hit={**HIT, "snippet_html": "", "hidden": True},
    )
    (head,) = lxml.html.fromstring(beside).find_class("hit-head")
    assert [child.get("class") for child in head] == ["title", "link-it"]
    assert "正文仅限授权角色查看" in beside and "<mark>" not in beside


def test_options_select_the_chosen_value_or_the_empty_choice() -> None:
    source = (
        '{% from "_macros.html" import options %}'
        "<select>{{ options(Role, chosen, prompt) }}</select>"
    )

    def selected(chosen: object, prompt: str | None) -> list[str]:
        select = lxml.html.fromstring(_render(source, chosen=chosen, prompt=prompt))
        return [option.get("value") for option in select if option.get("selected") is not None]

    assert selected("reviewer", "全部") == ["reviewer"]
    assert selected(Role.APPROVER, None) == ["approver"]  # an enum member is its value
    assert selected("", "请选择") == [""]
    assert selected("no such role", "全部") == [""]
    no_prompt = lxml.html.fromstring(_render(source, chosen="", prompt=None))
    assert [option.get("value") for option in no_prompt] == [role.value for role in Role]
