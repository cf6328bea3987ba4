"""年报: the national-format tables as a page, consistency errors, .docx and CSV downloads,
and the form for the figures the register does not hold.

The register below is counted by hand: each request's comment says where it
lands in the 2026 report, and the page's cells are read back from the HTML.
"""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date

import docx
import lxml.html
import pytest
from sqlalchemy import select

from engine.office import FILE_NAME as OFFICE_FILE
from engine.outcomes import Outcome
from engine.register.models import AuditEvent, Request
from engine.report import (
    CORNER_NOTE,
    PROACTIVE_FIGURES,
    RESULTS_LABEL,
    SECTIONS,
    AppealKind,
    AppealResult,
)
from engine.report_store import figures_path
from engine.requests import AppealFacts, Decision, new_request
from tests.webdesk import USERS, Desk, post_form

TODAY = date(2027, 1, 10)
CLERK = "王丽"
OFFICE = (
    'agency = "某某区人民政府办公室"\nletter_code = "某政办信公开"\n'
    'reconsideration_body = "某某区人民政府"\ncourt = "某某区人民法院"\n'
)
FIGURES = "year = 2026\nlicensing = 17\npenalty = 5\ncoercion = 0\nadministrative_fees = 3.5\n"


def _add(desk: Desk, received: date, kind: str = "natural_person") -> str:
    requests = desk.archive.requests()
    new = new_request(
        applicant=f"申请人{received}",
        applicant_kind=kind,
        channel="online",
        received=received,
        content="某项目的批复文件",
        today=TODAY,
    )
    return str(requests.add(new, CLERK)["number"])


def _decide(desk: Desk, number: str, outcome: Outcome, on: date) -> None:
    requests = desk.archive.requests()
    requests.today = lambda: TODAY
    requests.decide(number, Decision(outcome, on, "李强"))


@pytest.fixture
def registered(desk: Desk) -> dict[str, str]:
    """Four requests of 2026's report, an appeal, the office and the clerk's figures."""
    # 2025-0001: received in 2025, granted in 2026 -> 上年结转 and 予以公开 (自然人)
    carried = _add(desk, date(2025, 12, 15))
    _decide(desk, carried, Outcome.GRANTED, date(2026, 1, 8))
    # 2026-0001: 过程性信息 (商业企业), then 行政复议 corrected in 2026
    withheld = _add(desk, date(2026, 3, 2), "commercial")
    _decide(desk, withheld, Outcome.WITHHELD_PROCESS_INFO, date(2026, 3, 20))
    requests = desk.archive.requests()
    requests.today = lambda: TODAY
    appeal = AppealFacts(
        AppealKind.RECONSIDERATION, date(2026, 4, 10), AppealResult.CORRECTED, date(2026, 6, 1)
    )
    requests.appeal(withheld, appeal, CLERK)
    # 2026-0002: 不掌握 (自然人)
    not_held = _add(desk, date(2026, 5, 6))
    _decide(desk, not_held, Outcome.NOT_HELD, date(2026, 5, 20))
    # 2026-0003: December, still open -> 结转下年度 (科研机构)
    open_one = _add(desk, date(2026, 12, 21), "research")
    home = desk.settings.home
    (home / OFFICE_FILE).write_text(OFFICE, encoding="utf-8")
    figures_path(home, 2026).write_text(FIGURES, encoding="utf-8")
    return {"carried": carried, "withheld": withheld, "not_held": not_held, "open": open_one}


def figures(page: str) -> dict[str, str]:
    """Every number cell of the page by the figure it shows (t3.granted.natural_person …)."""
    tree = lxml.html.fromstring(page)
    return {cell.get("data-figure"): cell.text_content() for cell in tree.iter("td")}


def header(page: str, text: str) -> lxml.html.HtmlElement:
    """The one heading cell that says ``text``."""
    found = [cell for cell in lxml.html.fromstring(page).iter("th") if cell.text_content() == text]
    assert len(found) == 1, text
    return found[0]


def test_every_role_sees_the_report_and_anonymous_is_sent_to_login(
    desk: Desk, registered: dict[str, str]
) -> None:
    for role in USERS:
        page = desk.client(role).get("/report/2026")
        assert page.status_code == 200, page.text
        assert "某某区人民政府办公室2026年政府信息公开工作年度报告" in page.text
    assert desk.anonymous.get("/report/2026").headers["location"].startswith("/login")
    assert desk.anonymous.get("/report/2026/csv").status_code == 303


def test_the_tables_show_the_registers_numbers_in_their_cells(
    desk: Desk, registered: dict[str, str]
) -> None:
    page = desk.client("clerk").get("/report/2026").text
    cells = figures(page)
    expected = {
        "t3.new.natural_person": "1",
        "t3.new.commercial": "1",
        "t3.new.research": "1",
        "t3.new.total": "3",
        "t3.carried_in.natural_person": "1",
        "t3.carried_in.total": "1",
        "t3.granted.natural_person": "1",
        "t3.granted.total": "1",
        "t3.withheld.process_info.commercial": "1",
        "t3.withheld.process_info.total": "1",
        "t3.unavailable.not_held.natural_person": "1",
        "t3.unavailable.not_held.total": "1",
        "t3.total.natural_person": "2",
        "t3.total.commercial": "1",
        "t3.total.total": "3",
        "t3.carried_out.research": "1",
        "t3.carried_out.total": "1",
        "t4.reconsideration.corrected": "1",
        "t4.reconsideration.total": "1",
        "t2.licensing": "17",
        "t2.penalty": "5",
        "t2.administrative_fees": "3.50",
        "t6.notices": "0",
    }
    assert {key: cells[key] for key in expected} == expected
    others = {key: value for key, value in cells.items() if key not in expected}
    assert set(others.values()) == {"0"}  # every other cell is an empty count
    assert len(cells) == 10 + 7 * 25 + 15 + 3  # 表二, 表三, 表四, the fees of 六

    # The national format's merged header cells, as spans.
    assert header(page, CORNER_NOTE).attrib == {"rowspan": "3", "colspan": "3"}
    assert header(page, "申请人情况").get("colspan") == "7"
    assert header(page, "法人或其他组织").get("colspan") == "5"
    assert header(page, "自然人").get("rowspan") == "2"
    assert header(page, RESULTS_LABEL).get("rowspan") == "22"  # 21 outcome rows and （七）
    assert header(page, "（三）不予公开").get("rowspan") == "8"
    assert header(page, "行政复议").attrib == {"rowspan": "2", "colspan": "5"}
    assert header(page, "行政诉讼").get("colspan") == "10"
    # A row reads left to right as the format does: its label, then the columns in order.
    row = header(page, "（一）予以公开").getparent()
    assert [cell.text_content() for cell in row.iter("td")] == ["1", "0", "0", "0", "0", "0", "1"]
    assert "<script" not in page.split("</head>")[1]  # the figures are text, nothing else


def test_the_report_page_defaults_to_last_year_and_the_picker_goes_to_the_year(
    desk: Desk,
) -> None:
    client = desk.client("clerk")
    last_year = date.today().year - 1
    page = client.get("/report")
    assert f'<option value="{last_year}" selected>' in page.text
    assert f"{last_year}年政府信息公开工作年度报告" in page.text
    picked = client.get("/report", params={"year": 2026})
    assert picked.status_code == 303 and picked.headers["location"] == "/report/2026"
    assert client.get("/report/1999").status_code == 400
    assert client.get("/report/abc").status_code == 400


# --- the figures the register does not hold ------------------------------------------

GOOD = {
    "licensing": "23",
    "penalty": "４",  # full-width, as a Chinese input method types it
    "coercion": "0",  # none, typed: a missing figure is refused, never taken as 0
    "administrative_fees": "12.3456",
    "overview": '本机关全年主动公开 "重点" 信息。\r\n\r\n依申请公开工作平稳。<b>不是标记</b>',
    "problems": "",
    "other_matters": "",
}


def form_fields(page: str) -> dict[str, tuple[str, str]]:
    """The figures form's fields: name -> (value as shown, the message beside it or "")."""
    form = lxml.html.fromstring(page).get_element_by_id("figures-form")
    fields = {}
    for field in form.xpath(".//input[@name!='csrf_token'] | .//textarea"):
        error = form.xpath(f".//*[@id='{field.get('name')}-error']")
        value = field.text_content() if field.tag == "textarea" else field.get("value")
        fields[field.get("name")] = (value, error[0].text_content() if error else "")
    return fields


def table_two(document: docx.document.Document) -> dict[str, str]:
    """表二 of a downloaded report: each row's label -> its first number cell."""
    table = next(t for t in document.tables if t.cell(0, 0).text == "第二十条第（一）项")
    return {row.cells[0].text: row.cells[1].text for row in table.rows}


def saved_events(desk: Desk) -> list[AuditEvent]:
    with desk.archive.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == "report.figures")
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_without_figures_the_page_asks_for_them_and_the_downloads_wait(
    desk: Desk, registered: dict[str, str]
) -> None:
    figures_path(desk.settings.home, 2026).unlink()
    client = desk.client("clerk")
    page = client.get("/report/2026")
    assert page.status_code == 200
    assert "请先填写2026年度表二中登记簿不掌握的数据" in page.text
    fields = form_fields(page.text)
    assert fields == dict.fromkeys(GOOD, ("", ""))
    tree = lxml.html.fromstring(page.text)
    form = tree.get_element_by_id("figures-form")
    assert form.get("method") == "post" and form.get("action") == "/report/2026/figures"
    for figure in PROACTIVE_FIGURES:  # the browser refuses an empty figure too
        assert form.xpath(f".//input[@name='{figure.code}']")[0].get("required") is not None
    assert "/report/2026/docx" not in page.text and "data-figure" not in page.text
    for kind in ("docx", "csv"):
        download = client.get(f"/report/2026/{kind}")
        assert download.status_code == 409 and "请先在年报页面填写" in download.text
    assert desk.anonymous.get("/report/2026/figures").headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"licensing": "-3"}, "licensing", "不能为负数"),
        ({"penalty": ""}, "penalty", "必填：没有的请填 0"),
        ({"coercion": "两件"}, "coercion", "应填数字"),
        ({"coercion": "2.5"}, "coercion", "应填整数"),
        ({"administrative_fees": "1.23456"}, "administrative_fees", "最多保留 4 位小数"),
        ({"administrative_fees": "三万"}, "administrative_fees", "应填数字"),
    ],
)
def test_bad_figures_come_back_beside_their_field_with_everything_typed_kept(
    desk: Desk, registered: dict[str, str], change: dict[str, str], field: str, message: str
) -> None:
    path = figures_path(desk.settings.home, 2026)
    path.unlink()
    typed = {**GOOD, **change}
    refused = post_form(desk.client("clerk"), "/report/2026/figures", typed)
    assert refused.status_code == 400
    fields = form_fields(refused.text)
    assert fields[field][1].startswith(message)
    assert {name: value for name, (value, _) in fields.items()} == {
        **typed,
        "overview": typed["overview"].replace("\r\n", "\n"),  # as the browser sends it back
    }
    assert [name for name, (_, error) in fields.items() if error] == [field]
    assert "<b>不是标记</b>" not in refused.text  # what was typed is text, escaped
    assert not path.exists() and saved_events(desk) == []


def test_figures_typed_in_the_form_make_the_report_and_its_docx(
    desk: Desk, registered: dict[str, str]
) -> None:
    home = desk.settings.home
    path = figures_path(home, 2026)
    path.unlink()
    client = desk.client("clerk")
    saved = post_form(client, "/report/2026/figures", GOOD)
    assert saved.status_code == 303 and saved.headers["location"] == "/report/2026?saved=1"
    assert path.exists() and not list((home / "generated").rglob("figures-v*"))  # none replaced

    page = client.get(saved.headers["location"])
    assert page.status_code == 200 and "表二数据和文字已保存" in page.text
    cells = figures(page.text)
    assert {code: cells[f"t2.{code}"] for code in ("licensing", "penalty", "coercion")} == {
        "licensing": "23",
        "penalty": "4",
        "coercion": "0",
    }
    assert cells["t2.administrative_fees"] == "12.3456"
    assert cells["t3.new.total"] == "3"  # the register's tables, as before
    tree = lxml.html.fromstring(page.text)
    overview = [p.text_content() for p in tree.find_class("narrative")][:2]
    assert overview == ['本机关全年主动公开 "重点" 信息。', "依申请公开工作平稳。<b>不是标记</b>"]
    assert 'href="/report/2026/figures"' in page.text  # to edit them again

    document = docx.Document(io.BytesIO(client.get("/report/2026/docx").content))
    two = table_two(document)
    assert (two["行政许可"], two["行政处罚"], two["行政强制"]) == ("23", "4", "0")
    assert two["行政事业性收费"] == "12.3456"
    body = [paragraph.text for paragraph in document.paragraphs]
    assert '本机关全年主动公开 "重点" 信息。' in body[body.index(SECTIONS[0]) :]
    assert "依申请公开工作平稳。<b>不是标记</b>" in body

    # Editing again: the form shows what was saved; the change replaces it, the old file kept.
    form = client.get("/report/2026/figures")
    assert form.status_code == 200
    shown = {name: value for name, (value, _) in form_fields(form.text).items()}
    assert shown == {
        **GOOD,
        "penalty": "4",
        "overview": GOOD["overview"].replace("\r\n", "\n"),
    }
    first = path.read_text(encoding="utf-8")
    edited = {**shown, "licensing": "30", "administrative_fees": "0", "overview": ""}
    assert post_form(client, "/report/2026/figures", edited).status_code == 303
    document = docx.Document(io.BytesIO(client.get("/report/2026/docx").content))
    two = table_two(document)
    assert (two["行政许可"], two["行政事业性收费"]) == ("30", "0.00")
    page = client.get("/report/2026").text
    assert figures(page)["t2.licensing"] == "30"
    assert "本机关全年主动公开" not in page and "2026年，本机关认真贯彻落实" in page  # 一's draft
    kept = home / "generated" / "reports" / "2026" / "figures-v1.toml"
    assert kept.read_text(encoding="utf-8") == first

    events = saved_events(desk)
    assert [(event.actor, event.subject) for event in events] == [(USERS["clerk"], "2026")] * 2
    assert events[0].detail["licensing"] == 23 and events[0].detail["texts"] == ["overview"]
    assert events[1].detail["licensing"] == 30
    assert events[1].detail["kept"] == "generated/reports/2026/figures-v1.toml"


def test_a_broken_figures_file_is_shown_and_replaced_from_the_form(
    desk: Desk, registered: dict[str, str]
) -> None:
    path = figures_path(desk.settings.home, 2026)
    broken = FIGURES.replace("penalty = 5", "penalty = -5") + "# 手工改过\n"
    path.write_text(broken, encoding="utf-8")
    client = desk.client("clerk")
    page = client.get("/report/2026")
    assert page.status_code == 409 and "penalty: 不能为负数" in page.text
    assert 'href="/report/2026/figures"' in page.text
    form = client.get("/report/2026/figures")
    assert form.status_code == 200 and "本年度的数据文件有误" in form.text
    assert "penalty: 不能为负数" in form.text
    assert post_form(client, "/report/2026/figures", GOOD).status_code == 303
    assert client.get("/report/2026").status_code == 200
    kept = desk.settings.home / "generated" / "reports" / "2026" / "figures-v1.toml"
    assert kept.read_text(encoding="utf-8") == broken  # what the clerk wrote is never lost


def test_saving_figures_needs_the_csrf_token(desk: Desk, registered: dict[str, str]) -> None:
    path = figures_path(desk.settings.home, 2026)
    before = path.read_text(encoding="utf-8")
    forged = desk.client("clerk").post("/report/2026/figures", data={**GOOD, "csrf_token": "x"})
    assert forged.status_code == 403
    assert path.read_text(encoding="utf-8") == before and saved_events(desk) == []


def test_an_inconsistent_register_shows_the_requests_at_fault(
    desk: Desk, registered: dict[str, str]
) -> None:
    number = registered["not_held"]
    with desk.archive.sessions.begin() as session:
        row = session.scalars(select(Request).where(Request.number == number)).one()
        row.decided_on = date(2026, 5, 1)  # before it was received on 6 May
    client = desk.client("clerk")
    page = client.get("/report/2026")
    assert page.status_code == 409
    tree = lxml.html.fromstring(page.text)
    named = {
        cell.text_content(): cell.getnext().text_content() for cell in tree.find_class("record")
    }
    assert named == {number: "decided 2026-05-01 before it was received 2026-05-06"}
    assert "/report/2026/docx" not in page.text and "data-figure" not in page.text
    refused = client.get("/report/2026/csv")
    assert refused.status_code == 409 and number in refused.text
    assert not (desk.settings.home / "generated" / "reports").exists()


def test_the_docx_download_is_the_engines_report_kept_and_audited(
    desk: Desk, registered: dict[str, str]
) -> None:
    client = desk.client("reviewer")
    download = client.get("/report/2026/docx")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in download.headers["content-disposition"]
    document = docx.Document(io.BytesIO(download.content))
    three = next(t for t in document.tables if t.cell(0, 0).text == CORNER_NOTE)
    rows = {row.cells[2].text: [cell.text for cell in row.cells[3:]] for row in three.rows}
    assert rows["（一）予以公开"] == ["1", "0", "0", "0", "0", "0", "1"]
    assert rows["四、结转下年度继续办理"] == ["0", "0", "1", "0", "0", "0", "1"]
    kept = desk.settings.home / "generated" / "reports" / "2026" / "annual-v1.docx"
    assert kept.read_bytes() == download.content
    with desk.archive.sessions() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.annual")
        ).one()
    assert (event.actor, event.subject) == (USERS["reviewer"], "2026")
    assert event.detail["path"] == "generated/reports/2026/annual-v1.docx"


def test_the_csv_download_parses_with_every_figure(desk: Desk, registered: dict[str, str]) -> None:
    download = desk.client("clerk").get("/report/2026/csv")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"].startswith("attachment; filename*=utf-8''")
    assert download.content.startswith(codecs.BOM_UTF8)  # Excel on an office PC reads UTF-8
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    values = {(row["table"], row["row"], row["column"]): row["value"] for row in rows}
    assert values[("3", "new", "total")] == "3"
    assert values[("3", "withheld.process_info", "commercial")] == "1"
    assert values[("4", "reconsideration", "corrected")] == "1"
    assert values[("2", "licensing", "value")] == "17"
    assert {row["agency"] for row in rows} == {"某某区人民政府办公室"}
