"""The 申请 pages: the dashboard, registration, a request from arrival to letter, notices,
appeals, and every refusal shown on the page it came from."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.deadlines import USER_FILE_NAME, load_calendar
from engine.register.audit import audit
from engine.register.models import AuditEvent, Document, Letter
from engine.requests import new_request
from tests.builders import build_docx
from tests.test_deadlines import toml_year
from tests.test_signoff import statements
from tests.webdesk import USERS, Desk, file_documents, post_form

OFFICE_TOML = """\
agency = "某某市人民政府办公室"
letter_code = "某政办信公开"
reconsideration_body = "某某市人民政府"
court = "某某市某某区人民法院"
"""
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TODAY = date.today()


def form(**changes: str) -> dict[str, str]:
    """The registration form as a clerk fills it in."""
    fields = {
        "applicant": "张三",
        "applicant_kind": "natural_person",
        "contact": "13800000000",
        "id_number": "",
        "channel": "online",
        "received": (TODAY - timedelta(days=2)).isoformat(),
        "content": "2025年老旧小区改造项目的立项批复",
        "form": "paper",
        "items": "1",
        "topic": "",
    }
    fields.update(changes)
    return fields


def register(client: TestClient, **changes: str) -> str:
    """Register a request through the form; its number."""
    response = post_form(client, "/requests", form(**changes))
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/requests/\d{4}-\d{4}", location)
    return location.rsplit("/", 1)[1]


def act(client: TestClient, number: str, action: str, data: dict[str, Any]) -> Any:
    return post_form(client, f"/requests/{number}/{action}", data)


def section(page: str, start: str, end: str) -> str:
    """The part of ``page`` between two ids (a dashboard section)."""
    return page.split(f'id="{start}"', 1)[1].split(f'id="{end}"', 1)[0]


def letter_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def letter_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'href="/letters/(\d+)/download"', page)]


def audited(desk: Desk, prefix: str) -> list[tuple[str, str]]:
    with desk.archive.sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
        ).all()
    return [(event.actor, event.action) for event in events]


@pytest.fixture
def office(desk: Desk) -> None:
    """The office's particulars, so letters can be made."""
    (desk.settings.home / "office.toml").write_text(OFFICE_TOML, encoding="utf-8")


@pytest.fixture
def filed(desk: Desk, tmp_path: Path) -> dict[str, int]:
    """A public 批复 and a withheld report, both mentioning 老旧小区."""
    reply = build_docx(
        tmp_path / "批复.docx",
        [
            "某市发展和改革委员会文件",
            "某发改发〔2025〕12号",
            "关于老旧小区改造项目立项的批复",
            "同意老旧小区改造项目立项。",
        ],
    )
    secret = build_docx(
        tmp_path / "评审报告.docx",
        ["关于老旧小区改造投标的评审报告", "老旧小区改造项目的底价为壹佰万元。"],
    )
    ids = file_documents(desk.archive, reply, secret)
    with desk.archive.sessions.begin() as session:
        withheld = session.get(Document, ids[1])
        assert withheld is not None
        withheld.attribute, withheld.reason = "withheld", "commercial_secret"
        audit(session, "test", "test.mark", "withheld", {}, document_id=ids[1])
    desk.archive.search_index().sync()
    return {"reply": ids[0], "withheld": ids[1]}


# --- pages and permissions --------------------------------------------------------------


def test_every_page_renders(desk: Desk) -> None:
    client = desk.client("clerk")
    dashboard = client.get("/requests")
    assert dashboard.status_code == 200
    assert "逾期" in dashboard.text and 'href="/requests/new"' in dashboard.text
    assert 'aria-current="page">申请' in dashboard.text  # the nav shows where we are
    new = client.get("/requests/new")
    assert new.status_code == 200
    for shown in ('name="applicant"', "自然人", "互联网渠道", "第三十一条", TODAY.isoformat()):
        assert shown in new.text
    number = register(client)
    page = client.get(f"/requests/{number}")
    assert page.status_code == 200
    for shown in (number, "张三", "答复期限", "办理记录", "登记", "补正告知", "延期答复"):
        assert shown in page.text
    assert client.get(f"/requests/{number}/find", params={"q": "x"}).status_code == 200
    assert client.get("/requests", params={"year": TODAY.year, "status": "open"}).status_code == 200
    assert client.get("/requests/2099-0001").status_code == 404
    assert client.get("/requests/nonsense").status_code == 404
    bad_filter = client.get("/requests", params={"status": "lost"})
    assert bad_filter.status_code == 400 and "办理状态" in bad_filter.text


def test_anonymous_is_sent_to_login(desk: Desk) -> None:
    for path in ("/requests", "/requests/new", "/requests/2026-0001", "/letters/1/download"):
        response = desk.anonymous.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_a_post_without_the_csrf_token_is_refused(desk: Desk) -> None:
    client = desk.client("clerk")
    refused = client.post("/requests", data=form())
    assert refused.status_code == 403
    assert desk.archive.requests().list() == []
    number = register(client)
    step = client.post(f"/requests/{number}/appeal", data={"kind": "reconsideration"})
    assert step.status_code == 403
    assert desk.archive.requests().show(number)["appeals"] == []


# --- registration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("applicant", {"applicant": "  "}, "请填写申请人姓名或名称"),
        ("received", {"received": "2026-02-30"}, "不是有效日期"),
        ("received", {"received": (TODAY + timedelta(days=3)).isoformat()}, "晚于今天"),
        ("applicant_kind", {"applicant_kind": "citizen"}, "请选择申请人类型"),
        ("channel", {"channel": "pigeon"}, "请选择提交方式"),
    ],
)
def test_bad_registration_input_is_named_beside_its_field(
    desk: Desk, field: str, changes: dict[str, str], message: str
) -> None:
    client = desk.client("clerk")
    typed = form(content="某某文件 & “附件”", contact="某路 1 号", **changes)
    response = post_form(client, "/requests", typed)
    assert response.status_code == 400
    beside = re.search(
        rf'name="{field}"[^>]*>\s*(?:<option[^>]*>[^<]*</option>\s*)*(?:</select>\s*)?'
        rf'<span class="field-error" id="{field}-error" role="alert">([^<]*)</span>',
        response.text,
    )
    assert beside, f"no message beside {field}"
    assert message in beside.group(1)
    assert response.text.count('class="field-error"') == 1  # only the field at fault
    # what the clerk typed is kept
    assert "某某文件 &amp; “附件”</textarea>" in response.text
    assert 'value="某路 1 号"' in response.text
    if field == "received":
        assert f'value="{changes["received"]}"' in response.text
    if field in ("applicant_kind", "channel"):
        assert '<option value="" selected>请选择</option>' in response.text
    assert desk.archive.requests().list() == []


def test_several_problems_are_named_at_once(desk: Desk) -> None:
    response = post_form(
        desk.client("clerk"), "/requests", form(applicant="", content="", items="0")
    )
    assert response.status_code == 400
    for field in ("applicant", "content", "items"):
        assert f'id="{field}-error"' in response.text


def test_hostile_text_comes_back_escaped(desk: Desk) -> None:
    client = desk.client("clerk")
    number = register(client, applicant=XSS, content=XSS, contact=XSS)
    for page in (
        client.get(f"/requests/{number}").text,
        client.get("/requests").text,
        post_form(client, "/requests", form(applicant="", content=XSS)).text,
    ):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert" in page


# --- a request's life ----------------------------------------------------------------------


def test_a_request_from_arrival_to_the_letter(
    desk: Desk, office: None, filed: dict[str, int]
) -> None:
    client = desk.client("clerk")
    number = register(client)

    found = client.get(
        f"/requests/{number}/find", params={"q": "老旧小区"}, headers={"HX-Request": "true"}
    )
    assert found.status_code == 200
    assert "<html" not in found.text  # a partial for htmx to swap in
    assert '<div id="find-results"' in found.text
    assert "<mark>老旧小区</mark>" in found.text
    assert f'name="document_id" value="{filed["reply"]}"' in found.text
    assert "底价" not in found.text  # the withheld one's words stay hidden from a clerk

    linked = act(client, number, "link", {"document_id": str(filed["reply"])})
    assert linked.status_code == 303
    assert linked.headers["location"] == f"/requests/{number}#documents_linked"
    page = client.get(f"/requests/{number}").text
    assert f'href="/documents/{filed["reply"]}"' in page
    again = client.get(
        f"/requests/{number}/find", params={"q": "老旧小区"}, headers={"HX-Request": "true"}
    )
    assert f'name="document_id" value="{filed["reply"]}"' not in again.text
    assert "已关联" in again.text

    decided = act(
        client,
        number,
        "decision",
        {"outcome": "granted", "documents": [str(filed["reply"])], "how": "邮寄纸质文本"},
    )
    assert decided.status_code == 303
    page = client.get(f"/requests/{number}").text
    assert "已答复" in page and "予以公开" in page and "第三十六条第二项" in page
    assert 'action="/requests/' + number + '/decision"' not in page  # decided once

    made = act(client, number, "letter", {"kind": "reply"})
    assert made.status_code == 303
    page = client.get(f"/requests/{number}").text
    assert "政府信息公开申请答复书" in page
    (letter_id,) = letter_ids(page)
    download = client.get(f"/letters/{letter_id}/download")
    assert download.status_code == 200
    assert number in download.headers["content-disposition"]
    assert download.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    text = letter_text(download.content)
    for expected in (number, "张三", "第三十六条第二项", "关于老旧小区改造项目立项的批复"):
        assert expected in text
    assert audited(desk, "request.") == [
        (USERS["clerk"], "request.add"),
        (USERS["clerk"], "request.link"),
        (USERS["clerk"], "request.decide"),
        (USERS["clerk"], "request.letter"),
    ]


def test_notices_are_generated_and_downloadable(desk: Desk, office: None) -> None:
    client = desk.client("clerk")
    number = register(client)
    asked = act(
        client,
        number,
        "correction",
        {"items": "请说明文件名称或文号", "until": (TODAY + timedelta(days=10)).isoformat()},
    )
    assert asked.status_code == 303
    page = client.get(f"/requests/{number}").text
    assert "待补正" in page and "请说明文件名称或文号" in page
    assert f'action="/requests/{number}/correction"' not in page  # 补正 is asked once
    assert f'action="/requests/{number}/extension"' not in page  # no clock runs meanwhile
    assert act(client, number, "correction-received", {}).status_code == 303

    extended = act(
        client, number, "extension", {"days": "20", "approver": "李强", "reason": "需逐页审查"}
    )
    assert extended.status_code == 303
    page = client.get(f"/requests/{number}").text
    assert "已延期" in page and "李强批准" in page
    assert f'action="/requests/{number}/extension"' not in page  # extended once

    for kind, title in (("correction_request", "补正告知书"), ("extension", "延期答复告知书")):
        assert act(client, number, "letter", {"kind": kind}).status_code == 303
        page = client.get(f"/requests/{number}").text
        assert title in page
        download = client.get(f"/letters/{letter_ids(page)[-1]}/download")
        assert download.status_code == 200
        text = letter_text(download.content)
        assert number in text and title[:4] in text


def test_refusals_are_shown_on_the_page(desk: Desk, office: None) -> None:
    client = desk.client("clerk")
    number = register(client)
    early = act(client, number, "letter", {"kind": "extension"})
    assert early.status_code == 400
    assert "no 延期答复 was recorded" in early.text

    partly = act(
        client,
        number,
        "decision",
        {"outcome": "partly_granted", "reason_text": "我的理由", "withheld_part": ["", "", ""]},
    )
    assert partly.status_code == 400
    decision_form = partly.text.split('id="decided"', 1)[1].split("</details>", 1)[0]
    assert "parts withheld" in decision_form  # beside the form that asked
    assert '<option value="partly_granted" selected>' in decision_form
    assert "我的理由</textarea>" in decision_form

    no_reason = act(
        client,
        number,
        "decision",
        {"outcome": "partly_granted", "withheld_part": ["第三页"], "withheld_reason": [""]},
    )
    assert no_reason.status_code == 400 and "请为“第三页”选择不予公开的理由" in no_reason.text

    long = act(client, number, "extension", {"days": "30", "approver": "李强", "reason": "多"})
    assert long.status_code == 400 and "1 to 20 working days" in long.text
    bad_day = act(client, number, "consultation", {"party": "某公司", "on": "2026-13-01"})
    assert bad_day.status_code == 400 and "不是有效日期" in bad_day.text
    fee = act(client, number, "fee", {"method": "per_volume", "pages": "十"})
    assert fee.status_code == 400 and "页数应为整数" in fee.text
    assert act(client, "2099-0001", "extension", {}).status_code == 404
    assert [event["step"] for event in desk.archive.requests().show(number)["events"]] == [  # type: ignore[index]
        "registered"
    ]


def test_a_letter_needs_the_office_particulars(desk: Desk) -> None:
    client = desk.client("clerk")
    number = register(client)
    act(client, number, "decision", {"outcome": "unavailable.needs_creation"})
    refused = act(client, number, "letter", {"kind": "reply"})
    assert refused.status_code == 400 and "office.toml" in refused.text


def test_a_consultation_and_a_fee_take_their_turns(desk: Desk, office: None) -> None:
    client = desk.client("clerk")
    number = register(client, received=(TODAY - timedelta(days=5)).isoformat())
    assert act(client, number, "consultation", {"party": "某建设公司"}).status_code == 303
    page = client.get(f"/requests/{number}").text
    assert "征求意见中" in page and '<option value="某建设公司"' in page
    assert act(client, number, "consultation-reply", {"party": "某建设公司"}).status_code == 303
    assert (
        f'action="/requests/{number}/consultation-reply"'
        not in client.get(f"/requests/{number}").text
    )
    sent = act(client, number, "fee", {"method": "per_volume", "pages": "150"})
    assert sent.status_code == 303
    page = client.get(f"/requests/{number}").text
    assert "待缴费" in page and "应缴 1700 元" in page
    assert f'action="/requests/{number}/fee-paid"' in page
    assert act(client, number, "fee-paid", {"amount": "1700"}).status_code == 303
    made = act(client, number, "letter", {"kind": "third_party", "party": "某建设公司"})
    assert made.status_code == 303
    page = client.get(f"/requests/{number}").text
    assert "第三方意见征询函（某建设公司）" in page


def test_an_appeal_is_recorded_and_shown(desk: Desk) -> None:
    client = desk.client("clerk")
    number = register(client, received=(TODAY - timedelta(days=40)).isoformat())
    filed = (TODAY - timedelta(days=10)).isoformat()
    assert (
        act(client, number, "appeal", {"kind": "reconsideration", "filed": filed}).status_code
        == 303
    )
    page = client.get(f"/requests/{number}").text
    assert f"行政复议 · {filed} 立案 · 尚未审结" in page
    half = act(
        client, number, "appeal", {"kind": "reconsideration", "filed": filed, "result": "upheld"}
    )
    assert half.status_code == 400 and "both its result and the day it closed" in half.text
    closed = act(
        client,
        number,
        "appeal",
        {
            "kind": "reconsideration",
            "filed": filed,
            "result": "upheld",
            "closed": TODAY.isoformat(),
        },
    )
    assert closed.status_code == 303
    page = client.get(f"/requests/{number}").text
    assert f"结果维持（{TODAY.isoformat()} 审结）" in page
    assert audited(desk, "request.appeal") == [(USERS["clerk"], "request.appeal")] * 2


def test_the_dashboard_lists_an_overdue_request(desk: Desk) -> None:
    client = desk.client("clerk")
    late = register(client, received=(TODAY - timedelta(days=90)).isoformat())
    fresh = register(client, received=TODAY.isoformat(), applicant="李四")
    page = client.get("/requests").text
    overdue = section(page, "overdue", "due-soon")
    assert f'href="/requests/{late}"' in overdue and fresh not in overdue
    assert "已逾期" in overdue
    everything = page.split('id="all"', 1)[1]
    assert late in everything and fresh in everything
    by_year = client.get("/requests", params={"year": str(TODAY.year - 5)}).text
    assert "没有符合条件的申请" in by_year.split('id="all"', 1)[1]


def test_the_dashboard_follows_an_edit_of_the_holidays_file(desk: Desk) -> None:
    client = desk.client("clerk")
    number = register(client, received=TODAY.isoformat())

    def due_shown() -> str:
        everything = client.get("/requests").text.split('id="all"', 1)[1]
        (row,) = (row for row in everything.split("<tr>") if f'href="/requests/{number}"' in row)
        found = re.search(r"(\d{4}-\d{2}-\d{2}) <small>", row)
        assert found, row
        return found[1]

    calendar = desk.archive.requests().calendar
    assert due_shown() == calendar.add_working_days(TODAY, 20).isoformat()
    assert due_shown() == calendar.add_working_days(TODAY, 20).isoformat(), "remembered"
    # The office gives a working day inside the period off (its year copied whole).
    day_off = calendar.add_working_days(TODAY, 10)
    year = next((a for a in calendar.arrangements if a.year == day_off.year), None)
    holidays, make_up = (year.holidays, year.make_up_workdays) if year else (set(), set())
    user_file = desk.settings.home / USER_FILE_NAME
    user_file.write_text(
        toml_year(day_off.year, "本地节日（测试用）", holidays | {day_off}, make_up), "utf-8"
    )
    later = load_calendar(user_file).add_working_days(TODAY, 20)
    assert later > calendar.add_working_days(TODAY, 20)
    assert due_shown() == later.isoformat()


def add_requests(desk: Desk, count: int, received: date) -> list[str]:
    """``count`` requests received on one day, registered by the desk; their numbers."""
    register = desk.archive.requests()
    return [
        str(
            register.add(
                new_request(
                    applicant=f"申请人{n}", applicant_kind="natural_person", channel="online",
                    received=received, content="某项目的批复文件", today=TODAY,
                ),
                "test",
            )["number"]
        )
        for n in range(count)
    ]  # fmt: skip


def listed_numbers(page: str) -> list[str]:
    """The requests listed under 全部申请, in order."""
    return re.findall(r'href="/requests/(\d{4}-\d{4})"', page.split('id="all"', 1)[1])


def test_the_dashboard_takes_the_same_queries_however_many_requests(desk: Desk) -> None:
    client = desk.client("clerk")
    add_requests(desk, 2, TODAY - timedelta(days=60))
    with statements(desk.archive.engine) as few:
        assert client.get("/requests").status_code == 200
    late = add_requests(desk, 6, TODAY - timedelta(days=60))
    add_requests(desk, 52, TODAY)
    with statements(desk.archive.engine) as many:
        page = client.get("/requests").text
    assert len(many) == len(few), many
    overdue = section(page, "overdue", "due-soon")
    assert all(f'href="/requests/{number}"' in overdue for number in late)
    assert "（8 件，已过答复期限仍未答复）" in overdue
    assert len(listed_numbers(page)) == 50, "a page of the register"


def test_the_register_is_shown_a_page_at_a_time_newest_first(desk: Desk) -> None:
    client = desk.client("clerk")
    oldest = add_requests(desk, 2, TODAY - timedelta(days=3))
    newest = add_requests(desk, 50, TODAY)
    first = client.get("/requests").text
    assert listed_numbers(first) == newest[::-1]
    assert "共 52 件" in first and "第 1 / 2 页" in first and "上一页" not in first
    assert re.search(r'<a href="[^"]*\?page=2#all">下一页</a>', first)
    second = client.get("/requests", params={"page": "2"}).text
    assert listed_numbers(second) == oldest[::-1]
    assert "第 2 / 2 页" in second and "下一页" not in second and "上一页" in second
    assert listed_numbers(client.get("/requests", params={"page": "7"}).text) == oldest[::-1]
    filtered = client.get("/requests", params={"status": "open"}).text
    assert re.search(r'href="[^"]*\?status=open&amp;page=2#all">下一页', filtered), "filter kept"
    assert "共 52 件" in filtered
    for bad in ("0", "x"):
        refused = client.get("/requests", params={"page": bad})
        assert refused.status_code == 400 and "<html" in refused.text


# --- downloads ------------------------------------------------------------------------------


def test_a_letter_download_never_leaves_the_request_letters(
    desk: Desk, office: None, tmp_path: Path
) -> None:
    client = desk.client("clerk")
    assert client.get("/letters/999/download").status_code == 404
    assert client.get("/letters/abc/download").status_code == 400
    assert client.get("/letters/..%2F..%2Fetc%2Fpasswd/download").status_code in (400, 404)

    number = register(client)
    act(client, number, "decision", {"outcome": "unavailable.needs_creation"})
    act(client, number, "letter", {"kind": "reply"})
    (letter_id,) = letter_ids(client.get(f"/requests/{number}").text)
    outside = tmp_path / "outside.docx"
    outside.write_text("secret")
    with desk.archive.sessions.begin() as session:
        letter = session.get(Letter, letter_id)
        assert letter is not None
        foreign = Letter(  # a letter that is no request's (a correction's, say)
            kind="reply",
            template=letter.template,
            letter_number="某政办信公开〔2026〕99号",
            year=letter.year,
            seq=99,
            version=1,
            path=letter.path.replace("reply-v1", "foreign-v1"),
            sha256=letter.sha256,
            size=letter.size,
            letter_date=letter.letter_date,
            generated_at=datetime.now(UTC),
            generated_by="test",
        )
        session.add(foreign)
        session.flush()
        foreign_id = foreign.id
        letter.path = "../../outside.docx"
    (desk.settings.home / foreign.path).write_bytes(b"PK")
    assert client.get(f"/letters/{foreign_id}/download").status_code == 404
    tampered = client.get(f"/letters/{letter_id}/download")
    assert tampered.status_code == 404 and "secret" not in tampered.text
