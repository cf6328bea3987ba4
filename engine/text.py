"""Text normalisation (design.md): one function, used by extract, classify and index.

* Unicode NFKC for digits, Latin letters and compatibility forms, but Chinese
  punctuation (，（）：；！？ are "fullwidth" code points) is kept as written.
* The zeros of Chinese-numeral years are unified (〇 ○ O 0 零 -> 〇), so that
  二○○七年 and 二00五年 read alike.
* Line ends become ``\\n``; control characters go; trailing blanks go.

Joining the lines a PDF wrapped inside a sentence needs the layout, so it is
done by the PDF extractor (:func:`join_wrapped_lines`), not here.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Fullwidth punctuation used in Chinese text; NFKC would turn it into ASCII.
_KEEP = frozenset("，（）：；！？％＋－＝＜＞［］｛｝～＂＇＃＆＊／＼｜＠＿")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_ZEROS = "〇○◯Ｏ零OoＯ0０"
_YEAR_RUN = re.compile(rf"[{_ZEROS}一二三四五六七八九]{{2,4}}(?=\s*年)")
_TRAILING_BLANKS = re.compile(r"[ \t\u3000]+\n")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


@functools.cache
def _compatibility_folding() -> tuple[re.Pattern[str], dict[str, str]]:
    """A pattern of the BMP characters NFKC changes (but the punctuation we keep),
    and what each becomes. Built once (tens of ms); then normalising touches only
    the few characters that change, at regex speed.
    """
    table = {}
    for code in range(0x80, 0x10000):
        char = chr(code)
        if char in _KEEP or char == "\u3000" or 0xD800 <= code < 0xE000:
            continue
        folded = unicodedata.normalize("NFKC", char)
        if folded != char:
            table[char] = folded
    ranges: list[list[int]] = []
    for code in sorted(map(ord, table)):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    char_class = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[{char_class}]"), table


def _fold_compatibility(text: str) -> str:
    pattern, table = _compatibility_folding()
    return pattern.sub(lambda match: table[match.group()], text)


def _unify_year_zeros(match: re.Match[str]) -> str:
    run = match.group(0)
    if not any(c in "一二三四五六七八九" for c in run):
        return run  # an Arabic year such as 2007年 stays as it is
    return "".join("〇" if c in _ZEROS else c for c in run)


def normalize_text(text: str) -> str:
    """The canonical form of extracted text, stored and indexed as is."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if not text.isascii():
        text = _fold_compatibility(text)
    text = _YEAR_RUN.sub(_unify_year_zeros, text)
    text = _TRAILING_BLANKS.sub("\n", text)
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip("\n ")


_SENTENCE_END = frozenset("。！？：；」』”）)!?:;")
_WRAPPABLE = re.compile(rf"[{CJK}，、“‘《（0-9A-Za-z]")


def join_wrapped_lines(lines: list[tuple[str, bool]]) -> str:
    """Join lines that were wrapped inside a sentence.

    ``lines`` are (text, reaches_right_margin) pairs in reading order. A line
    that runs to the right margin and does not end a sentence continues on the
    next line when that one starts with ordinary text: a line break between two
    CJK characters there is not a paragraph.
    """
    paragraphs: list[str] = []
    continues = False
    for text, reaches_margin in lines:
        line = text.rstrip()
        if continues and line and _WRAPPABLE.match(line.lstrip()[0]):
            paragraphs[-1] += line.lstrip()
        else:
            paragraphs.append(line)
        continues = reaches_margin and bool(line) and paragraphs[-1][-1] not in _SENTENCE_END
    return "\n".join(paragraphs)


# Web captures carry portal chrome; strip it for metadata only, never from stored text.
_PORTAL_CHROME = re.compile(
    r"【\s*(?:打印|关闭|字体[^】]*|大|中|小|收藏|关闭窗口)\s*】|分享到[:：]?|下载本页|打印本页|关闭窗口"
)


def strip_portal_chrome(text: str) -> str:
    """Text with portal buttons (【打印】, 分享到, 下载本页 …) removed, for metadata parsing."""
    return _PORTAL_CHROME.sub("", text)
