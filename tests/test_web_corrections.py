"""更正 at the web desk: the register, the form, side by side, the decision, the letters."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select

from engine.corrections import ErratumItem
from engine.register.models import AuditEvent, Correction, Document, Letter
from engine.web.corrections import erratum_spans
from engine.web.review import highlight
from tests.builders import build_docx
from tests.test_corrections import OFFICE_TOML, ORIGINAL
from tests.webdesk import USERS, Desk, file_documents, post_form

XSS = '<script>alert("x")</script>'
TODAY = date.today()
RECORD = {
    "kind": "record",
    "received": (TODAY - timedelta(days=3)).isoformat(),
    "applicant": "张三",
    "applicant_kind": "natural_person",
    "contact": "13800000000",
    "content": "低保名单中本人家庭人口记为3人，实为4人",
}


def letter_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def registered(desk: Desk) -> int:
    with desk.archive.sessions() as session:
        return session.scalar(select(func.count(Correction.id))) or 0


def field_error(page: str, field: str) -> str:
    """The message beside the form field ``field`` (in the same <label>)."""
    match = re.search(
        rf'name="{field}"[^<]*(?:</textarea>|>)(?:(?!</label>).)*?'
        r'<span class="field-error"[^>]*>([^<]*)</span>',
        page,
        re.S,
    )
    assert match, f"no message beside {field}"
    return match.group(1)


@pytest.fixture
def office(desk: Desk) -> None:
    (desk.settings.home / "office.toml").write_text(OFFICE_TOML, encoding="utf-8")


# --- marking an erratum (pure) ------------------------------------------------------------


def test_every_place_of_an_error_is_marked_and_the_rest_escaped() -> None:
    text = f"350元<b>{XSS}</b>每人350元"
    items = [ErratumItem("第二条", "350元", "380元<i>")]
    spans = erratum_spans(text, items, "wrong")
    assert [(s.start, s.end) for s in spans] == [(0, 4), (len(text) - 4, len(text))]
    marked = highlight(text, spans)
    assert marked.count('<mark class="wrong" title="第二条：“350元”更正为“380元&lt;i&gt;”">') == 2
    assert "<script>" not in marked and "<b>" not in marked and "&lt;b&gt;" in marked
    assert erratum_spans(text, items, "right") == []


# --- the pages ------------------------------------------------------------------------------


def test_the_pages_render(desk: Desk) -> None:
    clerk = desk.client("clerk")
    listing = clerk.get("/corrections")
    assert listing.status_code == 200 and "没有登记的更正" in listing.text
    for kind, legend in (("record", "更正申请"), ("clarification", "澄清"), ("erratum", "勘误")):
        form = clerk.get("/corrections/new", params={"kind": kind})
        assert form.status_code == 200 and legend in form.text
        assert f'<option value="{kind}" selected>' in form.text
    assert clerk.get("/corrections", params={"kind": "rumour"}).status_code == 400
    assert clerk.get("/corrections/C2026-0009").status_code == 404
    assert clerk.get("/corrections/7").status_code == 404
    assert desk.anonymous.get("/corrections").status_code == 303


def test_bad_input_is_shown_beside_each_field_and_nothing_is_registered(desk: Desk) -> None:
    clerk = desk.client("clerk")
    bad = post_form(
        clerk,
        "/corrections",
        {**RECORD, "received": "2026-02-30", "applicant": " ", "applicant_kind": "", "content": ""},
    )
    assert bad.status_code == 400
    assert "2026-02-30 不是日期" in field_error(bad.text, "received")
    assert field_error(bad.text, "applicant").startswith("请填写申请人姓名")
    assert field_error(bad.text, "applicant_kind").startswith("请选择申请人类型")
    assert field_error(bad.text, "content").startswith("请写明哪条记录不准确")
    assert 'value="13800000000"' in bad.text, "what was typed is kept"
    stray = post_form(clerk, "/corrections", {**RECORD, "subject": "谣言"})
    assert stray.status_code == 400 and "--subject not taken by kind record" in stray.text
    erratum = post_form(
        clerk,
        "/corrections",
        {"kind": "erratum", "document": "abc", "corrected_document": "99", "errors": "正文|x"},
    )
    assert erratum.status_code == 400
    assert "abc 不是文件编号" in field_error(erratum.text, "document")
    assert "位置|原文|更正为" in field_error(erratum.text, "errors")
    missing = post_form(
        clerk, "/corrections", {"kind": "erratum", "document": "98", "corrected_document": "99",
                                "errors": "正文|350元|380元"},
    )  # fmt: skip
    assert missing.status_code == 400
    assert "没有编号为 98 的文件" in field_error(missing.text, "document")
    assert "没有编号为 99 的文件" in field_error(missing.text, "corrected_document")
    assert registered(desk) == 0


def test_registering_needs_the_csrf_token(desk: Desk) -> None:
    refused = desk.client("clerk").post("/corrections", data=RECORD)
    assert refused.status_code == 403
    assert registered(desk) == 0


def test_a_record_request_from_registration_to_letter(desk: Desk, office: None) -> None:
    clerk = desk.client("clerk")
    made = post_form(clerk, "/corrections", RECORD)
    number = f"C{TODAY.year}-0001"
    assert made.status_code == 303 and made.headers["location"] == f"/corrections/{number}"
    shown = clerk.get(f"/corrections/{number}").text
    assert f"已登记 {number}" in shown and "低保名单中本人家庭人口记为3人" in shown
    assert "作出答复决定后可生成答复书" in shown
    listed = clerk.get("/corrections", params={"kind": "record", "status": "open"}).text
    assert f'href="/corrections/{number}"' in listed

    early = post_form(clerk, f"/corrections/{number}/letters", {})
    assert early.status_code == 400 and "尚未作出答复决定" in early.text
    decide = f"/corrections/{number}/decision"
    reasonless = post_form(clerk, decide, {"outcome": "not_substantiated"})
    assert reasonless.status_code == 400
    assert field_error(reasonless.text, "reason_text").startswith("请写明不予更正的理由")
    agencyless = post_form(clerk, decide, {"outcome": "transferred", "reason_text": "x"})
    assert agencyless.status_code == 400
    assert field_error(agencyless.text, "competent_agency").startswith("请填写有权更正的行政机关")
    assert '<option value="transferred" selected>' in agencyless.text
    future = post_form(clerk, decide, {"outcome": "corrected", "decided_on": "2999-01-01"})
    assert field_error(future.text, "decided_on").startswith("决定日期晚于今天")
    assert "请选择处理结果" in field_error(post_form(clerk, decide, {}).text, "outcome")

    assert post_form(clerk, decide, {"outcome": "corrected"}).status_code == 303
    decided = clerk.get(f"/corrections/{number}").text
    assert "已作出答复决定：予以更正" in decided and USERS["clerk"] in decided
    again = post_form(clerk, decide, {"outcome": "corrected"})
    assert again.status_code == 400 and "已作出答复决定" in again.text

    printed = post_form(clerk, f"/corrections/{number}/letters", {})
    assert printed.status_code == 303
    page = clerk.get(f"/corrections/{number}").text
    timeline = page[page.index('<ol class="timeline">') :]
    for action in ("登记更正", "更正决定", "生成更正文书"):  # the audit log's words for them
        assert action in timeline, action
    name = "record.corrected-v1.docx"
    assert f"/corrections/{number}/letters/{name}" in page
    assert f"已生成 某政办信公开〔{TODAY.year}〕1号（第 1 版）" in page
    download = clerk.get(f"/corrections/{number}/letters/{name}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = letter_text(download.content)
    for part in (
        f"某政办信公开〔{TODAY.year}〕1号",
        "张三：",
        f"申请编号：{number}",
        "本机关已对该政府信息记录予以更正",
        "《中华人民共和国政府信息公开条例》第四十一条",
    ):
        assert part in text, part
    with desk.archive.sessions() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject == number).order_by(AuditEvent.id)
        ).all()
    assert actions == ["correction.add", "correction.decide", "correction.letter"]


def test_a_letter_needs_the_office_filled_in(desk: Desk) -> None:
    clerk = desk.client("clerk")
    post_form(clerk, "/corrections", {"kind": "clarification", "subject": "谣言", "facts": "事实"})
    refused = post_form(clerk, f"/corrections/C{TODAY.year}-0001/letters", {})
    assert refused.status_code == 400 and "office.toml" in refused.text


@pytest.fixture
def pair(desk: Desk, tmp_path: Path) -> tuple[int, int]:
    """The original as published (with hostile text) and its corrected version."""
    original = [*ORIGINAL[:4], f"{ORIGINAL[4]}{XSS}", *ORIGINAL[5:]]
    fixed = [line.replace("350元", "380元") for line in original]
    fixed[2] += "（更正版）"
    first, second = file_documents(
        desk.archive,
        build_docx(tmp_path / "原文.docx", original),
        build_docx(tmp_path / "更正版.docx", fixed),
    )
    return first, second


def test_an_erratum_shows_both_documents_side_by_side(
    desk: Desk, office: None, pair: tuple[int, int]
) -> None:
    original, corrected = pair
    clerk = desk.client("clerk")
    made = post_form(
        clerk,
        "/corrections",
        {
            "kind": "erratum",
            "document": str(original),
            "corrected_document": str(corrected),
            "errors": "正文第一段|每人每年350元|每人每年380元\n",
        },
    )
    assert made.status_code == 303
    number = made.headers["location"].rsplit("/", 1)[1]
    page = clerk.get(f"/corrections/{number}").text
    left, right = page.index("原文：<a"), page.index("更正版：<a")
    assert left < right
    wrong = re.search(r'<mark class="wrong" title="[^"]*">每人每年350元</mark>', page)
    fixed = re.search(r'<mark class="right" title="[^"]*">每人每年380元</mark>', page)
    assert wrong and fixed and left < wrong.start() < right < fixed.start()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert f'href="/documents/{corrected}"' in page

    assert post_form(clerk, f"/corrections/{number}/letters", {}).status_code == 303
    download = clerk.get(f"/corrections/{number}/letters/erratum-v1.docx")
    text = letter_text(download.content)
    assert "勘误说明" in text and "“每人每年350元”更正为“每人每年380元”" in text


def test_a_withheld_original_is_hidden_from_the_clerk(
    desk: Desk, office: None, pair: tuple[int, int]
) -> None:
    original, corrected = pair
    with desk.archive.sessions.begin() as session:
        document = session.get(Document, original)
        assert document is not None
        document.attribute, document.reason = "withheld", "process_info"
    made = post_form(
        desk.client("clerk"),
        "/corrections",
        {"kind": "erratum", "document": str(original), "corrected_document": str(corrected),
         "errors": "正文|每人每年350元|每人每年380元"},
    )  # fmt: skip
    number = made.headers["location"].rsplit("/", 1)[1]
    hidden = desk.client("clerk").get(f"/corrections/{number}").text
    assert "正文仅限" in hidden and "350元。" not in hidden
    assert '<mark class="right"' in hidden, "the public corrected version is shown"
    shown = desk.client("reviewer").get(f"/corrections/{number}").text
    assert '<mark class="wrong"' in shown
    with desk.archive.sessions() as session:
        views = session.scalars(
            select(AuditEvent.actor).where(
                AuditEvent.action == "view.text", AuditEvent.document_id == original
            )
        ).all()
    assert views == [USERS["reviewer"]]


def test_a_letter_download_cannot_leave_the_generated_letters(desk: Desk, office: None) -> None:
    clerk = desk.client("clerk")
    post_form(clerk, "/corrections", {"kind": "clarification", "subject": "谣言", "facts": "事实"})
    number = f"C{TODAY.year}-0001"
    assert post_form(clerk, f"/corrections/{number}/letters", {}).status_code == 303
    page = clerk.get(f"/corrections/{number}").text
    assert "需要澄清的信息" in page and "谣言" in page and "准确的信息" in page
    assert clerk.get(f"/corrections/{number}/letters/clarification-v1.docx").status_code == 200
    for name in ("..%2F..%2Fgongkai.db", "gongkai.db", "clarification-v2.docx"):
        assert clerk.get(f"/corrections/{number}/letters/{name}").status_code == 404
    with desk.archive.sessions.begin() as session:
        letter = session.scalars(select(Letter)).one()
        letter.path = "gongkai.db"  # a register row pointing out of generated/
    response = clerk.get(f"/corrections/{number}/letters/gongkai.db")
    assert response.status_code == 404 and b"SQLite" not in response.content
