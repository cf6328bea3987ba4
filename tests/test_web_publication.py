"""公开 at the web desk: the clock by 发文机关, publishing and 有效性 on a document's page,
the catalog's downloads, 动态调整, the compliance report and the 公开指南.

Documents are .docx files built with a 发文字号, 发文机关 and 成文日期 and filed through
the pipeline; the downloads are opened back (openpyxl, python-docx, csv).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import docx
import lxml.html
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from engine.codes import Attribute, Reason
from engine.deadlines import load_calendar
from engine.publication import (
    ClockBasis,
    ClockStart,
    PublicationStatus,
    publication_due,
    standing,
)
from engine.register.models import AuditEvent, Document, IndexNumber, Suggestion
from engine.review import Position
from engine.users import Role
from engine.web.publication import GROUP_ROWS
from tests.builders import build_docx
from tests.decisions import decide
from tests.webdesk import USERS, Desk, csrf_of, file_documents, post_form

OFFICE = """
agency = "某某县人民政府办公室"
letter_code = "某政办信公开"
reconsideration_body = "某某市人民政府"
court = "某某县人民法院"
office = "某某县人民政府办公室政务公开科"
office_address = "某某县人民路1号"
office_phone = "0471-1234567"
org_code = "000014349"
"""
GUIDE_FIELDS = """
office_hours = "工作日上午8:30—12:00，下午14:30—17:30"
office_postcode = "010000"
website = "http://www.example.gov.cn"
"""
HTMX = {"HX-Request": "true"}
SIGNERS = {role.signing_level: USERS[role.value] for role in Role if role.signing_level}


def issued_for(status: PublicationStatus) -> date:
    """A 成文日期 that puts an unpublished document in ``status`` today."""
    calendar, today = load_calendar(), date.today()
    for back in range(0, 120):
        day = today - timedelta(days=back)
        due = publication_due(ClockStart(day, ClockBasis.FORMED), calendar)
        if standing(due, None, today, calendar).status is status:
            return day
    raise AssertionError(f"no 成文日期 in the last 120 days is {status}")


def notice(directory: Path, number: int, title: str, issuer: str, issued: date) -> Path:
    """A 通知 as an agency files it: 版头, 发文字号, 标题, 正文, 署名, 成文日期, 附注."""
    return build_docx(
        directory / f"notice-{number}.docx",
        [
            f"{issuer}文件",
            f"某政发〔{issued.year}〕{number}号",
            title,
            "各乡镇人民政府，县直各部门：",
            "现将有关事项通知如下，请认真贯彻执行。",
            issuer,
            f"{issued.year}年{issued.month}月{issued.day}日",
            "（此件公开发布）",
        ],
    )


def proactive(desk: Desk, tmp_path: Path, number: int, title: str, issuer: str, day: date) -> int:
    (document_id,) = file_documents(desk.archive, notice(tmp_path, number, title, issuer, day))
    decide(desk.archive, document_id, Position(Attribute.PROACTIVE), date.today(), SIGNERS)
    return document_id


@pytest.fixture
def office(desk: Desk) -> Path:
    path = desk.settings.home / "office.toml"
    path.write_text(OFFICE, encoding="utf-8")
    return path


def rows_of(page: str, section_id: str) -> list[str]:
    """The titles listed under the heading ``section_id`` of the clock page."""
    tree = lxml.html.fromstring(page)
    heading = tree.get_element_by_id(section_id)
    table = heading.getnext()
    if table is None or table.tag != "table":
        return []
    return [link.text_content() for link in table.xpath(".//td/a")]


def audit_actions(desk: Desk, action: str) -> list[AuditEvent]:
    with desk.archive.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(query))


# --- the clock ----------------------------------------------------------------------------


def test_the_clock_shows_what_is_late_and_what_is_due_by_issuer(desk: Desk, tmp_path: Path) -> None:
    late = proactive(
        desk, tmp_path, 1, "关于做好秋季防火工作的通知", "某某县人民政府",
        issued_for(PublicationStatus.OVERDUE),
    )  # fmt: skip
    soon = proactive(
        desk, tmp_path, 2, "关于调整城乡低保标准的通知", "某某县民政局",
        issued_for(PublicationStatus.DUE_SOON),
    )  # fmt: skip
    later = proactive(
        desk, tmp_path, 3, "关于印发农村公路养护办法的通知", "某某县交通运输局",
        issued_for(PublicationStatus.PENDING),
    )  # fmt: skip
    page = desk.client("clerk").get("/publication")
    assert page.status_code == 200
    assert rows_of(page.text, "overdue") == ["关于做好秋季防火工作的通知"]
    assert rows_of(page.text, "due-soon") == ["关于调整城乡低保标准的通知"]
    assert rows_of(page.text, "all") == [], "the full list waits for show=all"
    tree = lxml.html.fromstring(page.text)
    groups = tree.xpath("//h2[@id='overdue']/following-sibling::table[1]//tr[@class='group']/th")
    groups = [th.text_content() for th in groups]
    assert groups == ["某某县人民政府 1 件"]
    everything = desk.client("clerk").get("/publication?show=all").text
    assert sorted(rows_of(everything, "all")) == sorted(
        [
            "关于做好秋季防火工作的通知",
            "关于调整城乡低保标准的通知",
            "关于印发农村公路养护办法的通知",
        ]
    )
    for document_id in (late, soon, later):
        assert f'href="/documents/{document_id}#publication"' in everything


def test_a_long_list_shows_each_issuers_earliest_and_the_rest_on_request(
    desk: Desk, tmp_path: Path
) -> None:
    """An archive of old documents not yet recorded as published: one 发文机关's many."""
    issued = issued_for(PublicationStatus.OVERDUE)
    files = [
        notice(tmp_path, number, f"关于第{number}批项目资金安排的通知", "某某县财政局", issued)
        for number in range(100, 100 + GROUP_ROWS + 2)
    ]
    for document_id in file_documents(desk.archive, *files):
        decide(desk.archive, document_id, Position(Attribute.PROACTIVE), date.today(), SIGNERS)
    clerk = desk.client("clerk")
    page = clerk.get("/publication").text
    assert len(rows_of(page, "overdue")) == GROUP_ROWS
    assert f"{GROUP_ROWS + 2} 件，列出期限最早的 {GROUP_ROWS} 件" in page
    link = lxml.html.fromstring(page).xpath("//a[text()='全部列出']")[0].get("href")
    everything = clerk.get(link).text
    assert len(rows_of(everything, "overdue")) == GROUP_ROWS + 2
    assert "只看某某县财政局" in everything


def test_documents_ticked_on_the_clock_are_published_together(
    desk: Desk, tmp_path: Path, office: Path
) -> None:
    issued = issued_for(PublicationStatus.OVERDUE)
    first = proactive(desk, tmp_path, 50, "关于做好防汛工作的通知", "某某县水利局", issued)
    second = proactive(desk, tmp_path, 51, "关于加强水库安全管理的通知", "某某县水利局", issued)
    today = date.today()
    formed_today = proactive(desk, tmp_path, 52, "关于开展河湖清四乱的通知", "某某县水利局", today)
    clerk = desk.client("clerk")
    page = clerk.get("/publication?show=all").text
    assert page.count(f'name="document" value="{first}"') == 2, "late, and in the full list"
    yesterday = (today - timedelta(days=1)).isoformat()
    data = {"channel": "gazette", "published_on": yesterday, "topic": "水利"}
    # The first twice (late, and in the full list); the third formed after the day given.
    ticked = [str(first), str(second), str(first), str(formed_today)]
    response = post_form(clerk, "/publication/publish", {**data, "document": ticked})
    assert response.status_code == 303
    after = clerk.get("/publication?show=all").text
    year = (today - timedelta(days=1)).year
    assert f"已登记公开 2 件（政府公报 {yesterday}）" in after
    assert f"000014349/{year}-00001、000014349/{year}-00002" in after
    assert f"文件 {formed_today}：发布日期{yesterday}早于成文日期" in after
    assert rows_of(after, "all") == ["关于开展河湖清四乱的通知"]
    assert "已登记公开" not in clerk.get("/publication").text, "the notice is shown once"
    nothing = post_form(clerk, "/publication/publish", data)
    assert nothing.status_code == 400 and "请勾选文件" in nothing.text
    refused = post_form(desk.client("admin"), "/publication/publish", {**data, "document": first})
    assert refused.status_code == 403


def test_the_nav_leads_to_the_publication_books_and_anonymous_goes_to_login(desk: Desk) -> None:
    assert 'href="/publication"' in desk.client("reviewer").get("/search").text
    for path in ("/publication", "/publication/catalog", "/publication/adjust",
                 "/publication/compliance", "/publication/guide"):  # fmt: skip
        assert desk.client("approver").get(path).status_code == 200, path
        response = desk.anonymous.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


# --- publishing from the document page ----------------------------------------------------


def test_publishing_on_the_document_page_gives_the_index_number_in_place(
    desk: Desk, tmp_path: Path, office: Path
) -> None:
    issued = issued_for(PublicationStatus.DUE_SOON)
    document_id = proactive(
        desk, tmp_path, 7, "关于开展安全生产大检查的通知", "某某县人民政府", issued
    )
    clerk = desk.client("clerk")
    signed = clerk.get(f"/review/{document_id}").text  # where the last level signed
    assert "公开期限" in signed and f'href="/documents/{document_id}#publication"' in signed
    page = clerk.get(f"/documents/{document_id}").text
    assert 'id="publication"' in page and "首次登记公开时编号" in page and "即将到期" in page
    day = date.today().isoformat()
    card = post_form(
        clerk,
        f"/documents/{document_id}/publish",
        {
            "channel": "portal",
            "published_on": day,
            "url": "http://x.gov.cn/a?b=1&c=2",
            "topic": "安全生产",
        },
        headers=HTMX,
    )
    assert card.status_code == 200
    assert card.text.lstrip().startswith("<section"), "htmx gets the card alone"
    assert f"000014349/{date.today().year}-00001" in card.text
    assert "已登记公开" in card.text and "按时公开" in card.text
    assert 'href="http://x.gov.cn/a?b=1&amp;c=2"' in card.text
    # Once published it leaves the clock, and the catalog counts it.
    assert rows_of(clerk.get("/publication?show=all").text, "all") == []
    catalog = clerk.get("/publication/catalog").text
    assert f"{date.today().year}年" in catalog
    (event,) = audit_actions(desk, "publication.publish")
    assert (event.actor, event.document_id) == (USERS["clerk"], document_id)
    # A second channel, posted without htmx: back to the page, the notice shown once.
    response = post_form(
        clerk,
        f"/documents/{document_id}/publish",
        {"channel": "gazette", "published_on": day},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/documents/{document_id}#publication"
    shown = clerk.get(f"/documents/{document_id}").text
    assert "政府公报" in shown and "已登记公开" in shown
    assert "已登记公开" not in clerk.get(f"/documents/{document_id}").text


def test_a_refused_publication_says_why_beside_the_form_and_takes_no_number(
    desk: Desk, tmp_path: Path, office: Path
) -> None:
    issued = issued_for(PublicationStatus.PENDING)
    document_id = proactive(
        desk, tmp_path, 8, "关于做好冬季供暖工作的通知", "某某县人民政府", issued
    )
    clerk = desk.client("clerk")
    bad = post_form(
        clerk,
        f"/documents/{document_id}/publish",
        {"channel": "carrier_pigeon", "published_on": "2026-02-30"},
        headers=HTMX,
    )
    assert bad.status_code == 400
    assert "请选择公开渠道" in bad.text and "不是日期" in bad.text
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    future = post_form(
        clerk,
        f"/documents/{document_id}/publish",
        {"channel": "portal", "published_on": tomorrow},
    )
    assert future.status_code == 400, "without htmx: the whole page, with the message"
    assert "<h1>" in future.text and 'class="error"' in future.text
    assert f'value="{tomorrow}"' in future.text, "what was typed is kept"
    with desk.archive.sessions() as session:
        assert session.scalars(select(IndexNumber)).all() == []
    assert audit_actions(desk, "publication.publish") == []


def test_only_the_records_staff_publish_and_only_with_the_csrf_token(
    desk: Desk, tmp_path: Path, office: Path
) -> None:
    document_id = proactive(
        desk, tmp_path, 9, "关于加强河道管理的通知", "某某县水利局", date.today()
    )
    day = date.today().isoformat()
    form = {"channel": "portal", "published_on": day}
    refused = post_form(desk.client("admin"), f"/documents/{document_id}/publish", form)
    assert refused.status_code == 403 and "不办理公开登记" in refused.text
    no_token = desk.client("clerk").post(f"/documents/{document_id}/publish", data=form)
    assert no_token.status_code == 403
    assert 'action="/documents/' not in desk.client("admin").get(f"/documents/{document_id}").text
    with desk.archive.sessions() as session:
        assert session.scalars(select(IndexNumber)).all() == []


def test_a_repeal_is_recorded_on_both_documents_pages(
    desk: Desk, tmp_path: Path, office: Path
) -> None:
    old = proactive(
        desk, tmp_path, 10, "某某县农村公路养护办法", "某某县人民政府", date(2024, 3, 1)
    )
    new = proactive(
        desk, tmp_path, 11, "某某县农村公路养护管理办法", "某某县人民政府", date.today()
    )
    clerk = desk.client("clerk")
    missing = post_form(clerk, f"/documents/{old}/validity", {"kind": "repealed"}, headers=HTMX)
    assert missing.status_code == 400
    assert "请填写废止或修改它的文件编号" in missing.text and "请填写生效日期" in missing.text
    day = date.today().isoformat()
    nowhere = post_form(
        clerk,
        f"/documents/{old}/validity",
        {"kind": "repealed", "by_document": "99999", "effective_on": day},
        headers=HTMX,
    )
    assert nowhere.status_code == 400 and "档案中没有编号为 99999 的文件" in nowhere.text
    card = post_form(
        clerk,
        f"/documents/{old}/validity",
        {"kind": "repealed", "by_document": str(new), "effective_on": day},
        headers=HTMX,
    )
    assert card.status_code == 200 and "已废止" in card.text
    assert f'href="/documents/{new}"' in card.text
    other = clerk.get(f"/documents/{new}").text
    assert "废止" in other and f'href="/documents/{old}"' in other
    with desk.archive.sessions() as session:
        document = session.get(Document, old)
        assert document is not None and document.repealed_on == date.today()
    assert [event.document_id for event in audit_actions(desk, "validity.repealed")] == [old]


# --- the catalog --------------------------------------------------------------------------


def test_the_catalog_downloads_open_with_every_entry_and_are_audited(
    desk: Desk, tmp_path: Path, office: Path
) -> None:
    clerk = desk.client("clerk")
    today = date.today()
    titles = ["关于做好春季防火工作的通知", "关于印发某某县河长制实施方案的通知"]
    for number, title in enumerate(titles, start=20):
        document_id = proactive(desk, tmp_path, number, title, "某某县人民政府", today)
        form = {"channel": "portal", "published_on": today.isoformat(), "topic": "综合政务"}
        assert post_form(clerk, f"/documents/{document_id}/publish", form).status_code == 303
    page = clerk.get("/publication/catalog")
    assert page.status_code == 200 and "/publication/catalog/download?format=xlsx" in page.text
    xlsx = clerk.get("/publication/catalog/download?format=xlsx")
    assert xlsx.status_code == 200
    assert "filename*=utf-8''" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "索引号" and len(rows) == 3
    assert [row[1] for row in rows[1:]] == titles
    assert rows[1][0] == f"000014349/{today.year}-00001"
    by_year = clerk.get(f"/publication/catalog/download?format=csv&year={today.year}")
    assert by_year.content.startswith("\ufeff".encode())
    entries = list(csv.reader(io.StringIO(by_year.content.decode("utf-8-sig"))))
    assert [entry[1] for entry in entries[1:]] == titles
    empty = clerk.get(f"/publication/catalog/download?format=csv&year={today.year - 5}")
    assert len(list(csv.reader(io.StringIO(empty.content.decode("utf-8-sig"))))) == 1
    assert clerk.get("/publication/catalog/download?format=pdf").status_code == 400
    assert len(audit_actions(desk, "catalog.export")) == 3


def test_an_existing_catalog_is_previewed_then_imported_with_its_index_numbers(
    desk: Desk, tmp_path: Path, office: Path
) -> None:
    old = proactive(
        desk, tmp_path, 60, "关于印发城区排水管理办法的通知", "某某县人民政府", date(2021, 3, 1)
    )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["索引号", "标题", "文号", "发布日期", "主题分类"])
    sheet.append(["000014349/2021-00007", "关于印发城区排水管理办法的通知", "某政发〔2021〕60号",
                  "2021年3月10日", "城乡建设"])  # fmt: skip
    sheet.append(
        ["000014349/2021-00008", "一份档案里没有的文件", "某政发〔2021〕99号", "2021-04-01"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    clerk = desk.client("clerk")
    assert "导入已有目录" in clerk.get("/publication/catalog").text

    def upload(preview: bool) -> str:
        data = {"channel": "portal", **({"preview": "true"} if preview else {})}
        files = {"upload": ("门户目录.xlsx", buffer.getvalue())}
        response = post_form(clerk, "/publication/catalog/import", data, files=files)
        assert response.status_code == 200, response.text
        return response.text

    previewed = upload(preview=True)
    assert "预览，未写入" in previewed and "可登记 1 行" in previewed
    assert "未找到对应文件 1 行" in previewed and "一份档案里没有的文件" in previewed
    with desk.archive.sessions() as session:
        assert session.scalars(select(IndexNumber)).all() == []
    imported = upload(preview=False)
    assert "已登记公开 1 行" in imported
    card = clerk.get(f"/documents/{old}").text
    assert "000014349/2021-00007" in card and "2021-03-10" in card
    again = upload(preview=False)
    assert "已登记公开 0 行" in again and "不予登记 1 行" in again
    bad = post_form(
        clerk, "/publication/catalog/import", {"channel": "portal"},
        files={"upload": ("目录.xls", b"\xd0\xcf\x11\xe0 old excel")},
    )  # fmt: skip
    assert bad.status_code == 400 and "另存为 .xlsx 或 .csv" in bad.text
    admin = post_form(
        desk.client("admin"), "/publication/catalog/import", {"channel": "portal"},
        files={"upload": ("门户目录.xlsx", buffer.getvalue())},
    )  # fmt: skip
    assert admin.status_code == 403


# --- 动态调整 -------------------------------------------------------------------------------


def test_suggestions_are_found_accepted_and_rejected_at_the_desk(
    desk: Desk, tmp_path: Path, office: Path
) -> None:
    long_ago = date.today() - timedelta(days=800)
    drafts = []
    for number, title in (
        (30, "关于农贸市场改造方案的讨论稿"),
        (31, "关于老旧小区改造的征求意见稿"),
    ):
        (document_id,) = file_documents(
            desk.archive, notice(tmp_path, number, title, "某某县住房和城乡建设局", long_ago)
        )
        withheld = Position(Attribute.WITHHELD, Reason.PROCESS_INFO)
        decide(desk.archive, document_id, withheld, long_ago, SIGNERS)
        drafts.append(document_id)
    clerk = desk.client("clerk")
    assert "没有待处理的建议" in clerk.get("/publication/adjust").text
    found = post_form(clerk, "/publication/adjust/refresh", {})
    assert found.status_code == 303
    page = clerk.get("/publication/adjust").text
    assert "新增 2 条建议" in page and page.count("重新审查") >= 2
    with desk.archive.sessions() as session:
        ids = {s.document_id: s.id for s in session.scalars(select(Suggestion))}
    assert set(ids) == set(drafts)
    first, second = (ids[document_id] for document_id in drafts)
    unexplained = post_form(clerk, f"/publication/adjust/{second}", {"decision": "rejected"})
    assert unexplained.status_code == 409
    rejected = post_form(
        clerk,
        f"/publication/adjust/{second}",
        {"decision": "rejected", "note": "方案仍在论证，尚未定稿"},
    )
    assert rejected.status_code == 303
    accepted = post_form(clerk, f"/publication/adjust/{first}", {"decision": "accepted"})
    assert accepted.status_code == 303
    assert "已采纳，文件已退回审核" in clerk.get("/publication/adjust").text
    queue = desk.client("reviewer").get("/review").text
    assert f'href="/review/{drafts[0]}"' in queue
    assert f'href="/review/{drafts[1]}"' not in queue
    reopened = desk.client("reviewer").get(f"/review/{drafts[0]}").text
    assert "重新审查" in reopened and USERS["clerk"] in reopened
    decided = clerk.get("/publication/adjust?status=rejected").text
    assert "方案仍在论证，尚未定稿" in decided and USERS["clerk"] in decided
    twice = post_form(clerk, f"/publication/adjust/{first}", {"decision": "rejected", "note": "x"})
    assert twice.status_code == 409
    assert post_form(desk.client("admin"), "/publication/adjust/refresh", {}).status_code == 403


# --- the compliance report ----------------------------------------------------------------


def test_the_compliance_report_lists_each_figure_with_its_documents(
    desk: Desk, tmp_path: Path, office: Path
) -> None:
    late = proactive(
        desk, tmp_path, 40, "关于做好秋季防火工作的通知", "某某县人民政府",
        issued_for(PublicationStatus.OVERDUE),
    )  # fmt: skip
    clerk = desk.client("clerk")
    page = clerk.get("/publication/compliance")
    assert page.status_code == 200
    assert "政府信息公开工作考核情况" in page.text
    assert f'href="/documents/{late}"' in page.text
    tree = lxml.html.fromstring(page.text)
    selected = tree.xpath("//select[@name='period']/option[@selected]")
    quarter = f"{date.today().year}Q{(date.today().month - 1) // 3 + 1}"
    assert [option.get("value") for option in selected] == [quarter]
    word = clerk.get(f"/publication/compliance/download?period={quarter}&format=docx")
    assert word.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "政府信息公开工作考核情况" in text
    table = clerk.get(f"/publication/compliance/download?period={quarter}&format=csv")
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert any(row[4] == str(late) for row in rows[1:])
    bad = clerk.get("/publication/compliance?period=2026Q5")
    assert bad.status_code == 400 and "Q1 to Q4" in bad.text
    assert clerk.get("/publication/compliance/download?period=2026Q5").status_code == 400


# --- the 公开指南 -------------------------------------------------------------------------


def test_the_guide_waits_for_its_fields_then_is_generated_and_kept(
    desk: Desk, office: Path
) -> None:
    clerk = desk.client("clerk")
    waiting = clerk.get("/publication/guide").text
    assert "office_hours" in waiting and "生成今日版公开指南" not in waiting
    office.write_text(OFFICE + GUIDE_FIELDS, encoding="utf-8")
    assert "生成今日版公开指南" in clerk.get("/publication/guide").text
    made = post_form(clerk, "/publication/guide", {})
    assert made.status_code == 303
    page = clerk.get("/publication/guide").text
    assert "已生成公开指南 guide-v1.docx" in page
    assert 'href="/publication/guide/guide-v1.docx"' in page
    download = clerk.get("/publication/guide/guide-v1.docx")
    assert download.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(download.content)).paragraphs)
    assert "政府信息公开指南" in text and "某某县人民路1号" in text
    assert clerk.get("/publication/guide/..%2Foffice.toml").status_code == 404
    assert clerk.get("/publication/guide/guide-v9.docx").status_code == 404
    (event,) = audit_actions(desk, "guide.generated")
    assert event.actor == USERS["clerk"]
    assert csrf_of(clerk, "/publication/guide")
