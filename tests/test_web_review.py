"""审核 at the web desk: the queue, evidence marked in the text, sign-off at one's own level."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.register.models import AuditEvent, Document, Proposal, SignOff
from engine.web.review import Span, highlight, proposal_spans
from tests.builders import build_docx
from tests.test_signoff import file_pending, statements
from tests.webdesk import USERS, Desk, file_documents, post_form

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NOTICE = [
    "某市人民政府办公室文件",
    "某政办发〔2024〕12号",
    "关于推进政务公开示范点建设的通知",
    f"各区政府：联系人张三，电话13912345678。{XSS}",
    "（此件公开发布）",
]
REQUEST = [
    "澄江区住房和城乡建设局文件",
    "澄住建〔2022〕47号",
    "关于追加2022年度老旧城区排水管网改造资金的请示",
    "区人民政府：",
    "今年以来我区积水点增多，拟追加改造资金，请予审批。",
    "以上意见当否，请批示。",
    "2022年6月8日",
]


# --- marking text (pure) ----------------------------------------------------------------


def test_highlight_escapes_everything_but_its_own_marks() -> None:
    text = f'a<b>{XSS}"&请示'
    start = text.index("请示")
    marked = highlight(
        text,
        [
            Span(start, start + 2, "evidence", 'rule "x" <y>'),
            Span(0, 3, "redact", "住址"),  # over the hostile <b>
            Span(5, 500, "evidence", "out of range: ignored"),
        ],
    )
    assert "<script" not in marked and "<img" not in marked and "<b>" not in marked
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in marked
    assert '<mark class="redact" title="住址">a&lt;b</mark>' in marked
    assert '<mark class="evidence" title="rule &#34;x&#34; &lt;y&gt;">请示</mark>' in marked
    assert marked.count("<mark") == 2, "nothing else became markup"
    assert re.sub(r"<[^>]+>", "", marked).count("&lt;") == text.count("<")


def test_overlapping_spans_never_nest_their_marks() -> None:
    marked = highlight("0123456789", [Span(2, 6, "evidence", "e"), Span(4, 8, "redact", "r")])
    assert marked == (
        '01<mark class="evidence" title="e">23</mark>'
        '<mark class="evidence redact" title="e；r">45</mark>'
        '<mark class="redact" title="r">67</mark>89'
    )
    assert highlight("", [Span(0, 1, "evidence", "e")]) == ""


def test_evidence_is_found_by_its_words_when_the_offsets_moved() -> None:
    proposal = {
        "evidence": [
            {"text": "请示", "start": 0, "end": 2, "rule": "request_for_instructions"},
            {"text": "", "start": 0, "end": 0, "rule": "secrecy_marking"},  # metadata only
            {"text": "不在文中", "start": 0, "end": 4, "rule": "marking"},
        ],
        "redactions": [{"kind": "mobile", "start": 0, "end": 3}],
    }
    spans = proposal_spans("关于某事的请示", proposal)
    assert [(s.start, s.end, s.kind) for s in spans] == [(5, 7, "evidence"), (0, 3, "redact")]
    assert spans[0].title.startswith("不予公开（属于四类过程性信息）")
    assert spans[1].title == "建议遮盖：手机号码"


# --- the pages ----------------------------------------------------------------------------


@pytest.fixture
def filed(desk: Desk, tmp_path: Path) -> dict[str, int]:
    """A 主动公开 notice with personal data and hostile text, and a 请示 (不予公开)."""
    ids = file_documents(
        desk.archive,
        build_docx(tmp_path / "通知.docx", NOTICE),
        build_docx(tmp_path / "请示.docx", REQUEST),
    )
    return {"notice": ids[0], "request": ids[1]}


def signoffs(desk: Desk) -> int:
    with desk.archive.sessions() as session:
        return session.scalar(select(func.count(SignOff.id))) or 0


def test_the_queue_puts_flagged_documents_first(desk: Desk, filed: dict[str, int]) -> None:
    with desk.archive.sessions.begin() as session:
        for proposal in session.scalars(select(Proposal)):
            proposal.needs_review = proposal.document_id == filed["request"]  # the later one
    page = desk.client("clerk").get("/review")
    assert page.status_code == 200
    text = page.text
    first, second = (text.index(f'href="/review/{filed[key]}"') for key in ("request", "notice"))
    assert first < second, "flagged first, though filed later"
    assert "不予公开 · 属于四类过程性信息" in text and "85%" in text
    assert "拟定意见" in text and "轮到您" in text


def test_the_review_page_marks_evidence_and_redactions_and_escapes_the_text(
    desk: Desk, filed: dict[str, int]
) -> None:
    page = desk.client("clerk").get(f"/review/{filed['notice']}")
    assert page.status_code == 200
    text = page.text
    assert re.search(
        r'<mark class="evidence" title="公开属性附注[^"]*">（此件公开发布）</mark>', text
    )
    assert re.search(r'<mark class="redact" title="建议遮盖：手机号码">13912345678</mark>', text)
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in text
    assert "手机号码 1 处" in text
    assert "同意：主动公开" in text, "the clerk signs first"
    assert 'name="level"' not in text, "no choice of level"


def test_a_clerk_cannot_sign_as_reviewer_or_approver(desk: Desk, filed: dict[str, int]) -> None:
    clerk = desk.client("clerk")
    doc = filed["notice"]
    for level in ("reviewer", "approver"):
        confirm = post_form(clerk, f"/review/{doc}/confirm", {"level": level})
        assert confirm.status_code == 403 and "拟定意见" in confirm.text
        override = post_form(
            clerk,
            f"/review/{doc}/override",
            {"level": level, "attribute": "on_request", "note": "越级"},
        )
        assert override.status_code == 403
    admin = post_form(desk.client("admin"), f"/review/{doc}/confirm", {})
    assert admin.status_code == 403 and "不参与签批" in admin.text
    assert signoffs(desk) == 0, "nothing recorded"
    assert post_form(clerk, f"/review/{doc}/confirm", {"level": "drafter"}).status_code == 303
    assert signoffs(desk) == 1


def test_signing_in_order_makes_it_final_and_search_sees_the_decision(
    desk: Desk, filed: dict[str, int]
) -> None:
    doc = filed["notice"]
    reviewer, approver = desk.client("reviewer"), desk.client("approver")
    early = post_form(reviewer, f"/review/{doc}/confirm", {})
    assert early.status_code == 400 and "须先由拟定意见签批" in early.text
    assert post_form(desk.client("clerk"), f"/review/{doc}/confirm", {}).status_code == 303

    changed = post_form(
        reviewer,
        f"/review/{doc}/override",
        {"attribute": "withheld", "reason": "internal_affairs", "note": "属内部事务"},
    )
    assert changed.status_code == 303 and changed.headers["location"] == f"/review/{doc}"
    shown = reviewer.get(f"/review/{doc}").text
    assert "已以审查身份签批：不予公开（属于三类内部事务信息）；待批准" in shown
    assert USERS["reviewer"] in shown and "属内部事务" in shown
    assert "已以审查身份签批" not in reviewer.get(f"/review/{doc}").text, "said once"
    withheld = reviewer.get("/search", params={"attribute": "withheld"}).text
    assert f'href="/documents/{doc}"' not in withheld, "not final yet: the proposal stands"

    done = post_form(approver, f"/review/{doc}/confirm", {})
    assert done.status_code == 303
    assert "审核完毕" in approver.get(f"/review/{doc}").text
    with desk.archive.sessions() as session:
        document = session.get(Document, doc)
        assert document is not None
        assert (document.attribute, document.review_status) == ("withheld", "final")
    withheld = approver.get("/search", params={"attribute": "withheld"}).text
    assert f'href="/documents/{doc}"' in withheld
    proactive = approver.get("/search", params={"attribute": "proactive"}).text
    assert f'href="/documents/{doc}"' not in proactive
    assert f'href="/review/{doc}"' not in approver.get("/review").text, "out of the queue"

    again = post_form(approver, f"/review/{doc}/confirm", {})
    assert again.status_code == 400 and "已签批完毕" in again.text


def test_an_override_needs_a_note_and_a_reason_for_withheld(
    desk: Desk, filed: dict[str, int]
) -> None:
    clerk = desk.client("clerk")
    doc = filed["notice"]
    noteless = post_form(clerk, f"/review/{doc}/override", {"attribute": "on_request", "note": " "})
    assert noteless.status_code == 400
    assert re.search(
        r'<span class="field-error">改定须写明理由[^<]*</span>\s*</label>', noteless.text
    )
    assert '<option value="on_request" selected>' in noteless.text, "the form keeps its values"
    reasonless = post_form(clerk, f"/review/{doc}/override", {"attribute": "withheld", "note": "x"})
    assert reasonless.status_code == 400 and "不予公开须写明理由" in reasonless.text
    stray = post_form(
        clerk,
        f"/review/{doc}/override",
        {"attribute": "proactive", "reason": "process_info", "note": "x"},
    )
    assert stray.status_code == 400 and "只有不予公开才写理由" in stray.text
    unknown = post_form(clerk, f"/review/{doc}/override", {"attribute": "secret", "note": "x"})
    assert unknown.status_code == 400 and "请选择公开属性" in unknown.text
    assert signoffs(desk) == 0


def test_a_withheld_documents_text_is_hidden_from_the_clerk(
    desk: Desk, filed: dict[str, int]
) -> None:
    doc = filed["request"]
    hidden = desk.client("clerk").get(f"/review/{doc}").text
    assert "积水点增多" not in hidden and "正文仅限" in hidden
    assert "「请示」" not in hidden, "not even the evidence's words"
    assert "不予公开（属于四类过程性信息）" in hidden, "but what the evidence points to"
    shown = desk.client("reviewer").get(f"/review/{doc}").text
    assert "积水点增多" in shown and '<mark class="evidence"' in shown
    with desk.archive.sessions() as session:
        views = session.execute(
            select(AuditEvent.actor, AuditEvent.action).where(AuditEvent.document_id == doc)
        ).all()
    assert [tuple(view) for view in views if view[1] == "view.text"] == [
        (USERS["reviewer"], "view.text")
    ]


def test_sign_off_needs_the_csrf_token(desk: Desk, filed: dict[str, int]) -> None:
    clerk = desk.client("clerk")
    refused = clerk.post(f"/review/{filed['notice']}/confirm", data={})
    assert refused.status_code == 403
    forged = clerk.post(f"/review/{filed['notice']}/confirm", data={"csrf_token": "guess"})
    assert forged.status_code == 403
    assert signoffs(desk) == 0


def test_htmx_swaps_the_panel_in_place(desk: Desk, filed: dict[str, int]) -> None:
    clerk = desk.client("clerk")
    doc = filed["notice"]
    htmx = {"HX-Request": "true"}
    wrong = post_form(clerk, f"/review/{doc}/override", {"attribute": "proactive"}, headers=htmx)
    assert wrong.status_code == 400
    assert "<html" not in wrong.text
    assert 'id="review-panel"' in wrong.text and "field-error" in wrong.text
    signed = post_form(clerk, f"/review/{doc}/confirm", {}, headers=htmx)
    assert signed.status_code == 200 and "<html" not in signed.text
    assert "已以拟定意见身份签批：主动公开；待审查" in signed.text
    assert "13912345678" not in signed.text, "the panel carries no text"


def test_unknown_documents(desk: Desk) -> None:
    clerk = desk.client("clerk")
    assert clerk.get("/review/999").status_code == 404
    assert post_form(clerk, "/review/999/confirm", {}).status_code == 404
    assert clerk.get("/review").status_code == 200
    assert desk.anonymous.get("/review").status_code == 303


def test_the_queue_page_takes_the_same_queries_however_many_rows(desk: Desk) -> None:
    reviewer = desk.client("reviewer")
    file_pending(desk.archive, 2)
    with statements(desk.archive.engine) as few:
        shown = reviewer.get("/review").text
    assert shown.count('<a href="/review/') == 2
    file_pending(desk.archive, 10, first=2)
    with statements(desk.archive.engine) as many:
        shown = reviewer.get("/review").text
    assert shown.count('<a href="/review/') == 12 and "轮到您" in shown
    assert len(many) == len(few), many
    assert "共 12 份文件待签批" in shown and "显示前" not in shown
    limited = desk.client("reviewer").get("/review?limit=5").text
    assert limited.count('<a href="/review/') == 5
    assert "共 12 份文件待签批（显示前 5 份）" in limited and "显示更多" in limited
