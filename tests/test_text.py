"""Text normalisation (design.md): one function for extract, classify and index."""

from __future__ import annotations

import pytest

from engine.text import join_wrapped_lines, normalize_text, strip_portal_chrome


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("２０２１年３月２６日", "2021年3月26日"),  # fullwidth digits
        ("ＡＢＣ　ｘｙｚ", "ABC　xyz"),  # fullwidth Latin; the ideographic space stays
        ("请于（三）日内，报送！", "请于（三）日内，报送！"),  # Chinese punctuation kept
        ("二○○七年十二月二十八日", "二〇〇七年十二月二十八日"),  # U+25CB as zero
        ("二00五年十一月十一日", "二〇〇五年十一月十一日"),  # ASCII zeros
        ("二OO九年", "二〇〇九年"),  # Latin O
        ("二零一零年", "二〇一〇年"),
        ("2007年 and 100年", "2007年 and 100年"),  # Arabic years untouched
        ("a\r\nb\rc", "a\nb\nc"),
        ("x\u200b\ufeffy\x00", "xy"),  # zero-width and control characters
        ("段落一  \n\n\n\n段落二", "段落一\n\n段落二"),
        ("①㈠ﬁ", "1(一)fi"),  # other compatibility forms fold as NFKC
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_is_idempotent() -> None:
    text = "乌海政办发〔2007〕55号（此件公开发布）２０２１年　二○○七年"
    assert normalize_text(normalize_text(text)) == normalize_text(text)


def test_wrapped_lines_are_joined_and_paragraphs_kept() -> None:
    lines = [
        ("第一条 为保障我市政务公开", True),
        ("工作规范进行，依法追究。", True),
        ("第二条 本办法自印发之日起施行", False),
        ("第三条 一", True),
        ("（一）条目", False),
    ]
    assert join_wrapped_lines(lines) == (
        "第一条 为保障我市政务公开工作规范进行，依法追究。\n"
        "第二条 本办法自印发之日起施行\n"
        "第三条 一（一）条目"
    )


def test_portal_chrome_is_stripped_for_metadata_only() -> None:
    capture = "【打印】 【字体：大 中 小】\n分享到：\n标题\n下载本页 打印"
    assert "打印】" not in strip_portal_chrome(capture)
    assert "分享到" not in strip_portal_chrome(capture)
    assert "标题" in strip_portal_chrome(capture)
