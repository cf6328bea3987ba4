"""The parts of a document rules read: title, header, body (GB/T 9704 layout).

The header is what comes before the body: 份号, 密级, 紧急程度, 发文机关标志,
发文字号, 标题, 主送机关, and the fields of a form (案由：…). The title is the
header without those furniture lines. Titles are often set with spaces between
characters (询 问 笔 录) or wrapped over two lines, so zones are matched in a
compact copy without whitespace that maps each character back to its offset in
the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.classify.personal import fold_width
from engine.metadata import DocumentMetadata

_MAX_HEADER_LINES = 8
_LONG_LINE = 45  # a line this long that reads as a sentence is a body paragraph
_VERY_LONG_LINE = 120
_SCAN_CHARS = 1200

_FURNITURE = re.compile(
    r"^(?:\d{6}"  # 份号
    r"|(?:绝密|机密|秘密)(?:★.*)?|特急|加急|特提|平急"  # 密级, 紧急程度
    r"|.{2,30}文件"  # 发文机关标志: XX人民政府文件
    # 发文字号, with 签发人 when on the same line
    r"|.*[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*(?:第\s*)?\d+\s*号.*"
    r"|签发人.*"
    r"|[\u4e00-\u9fff \u3000]{1,8}[：:].*"  # a form field: 案由：…
    r"|(?:\d{4}|[一二三四五六七八九〇]{4})年.{1,6}(?:月|日)"  # a date line
    # the issuer's name alone on its line
    r"|.{2,24}(?:局|委员会|委|人民政府|政府|办公室|办公厅|管委会|办事处|中心|公司)"
    r")$"
)
_RECIPIENTS = re.compile(r"[：:]$")
# Web captures: portal buttons and breadcrumbs before the title (【打印】, 分享到 …).
_PORTAL_CHROME = re.compile(r"^(?:【[^】]*】?\s*)+|^(?:分享到|下载本页|打印本页|关闭窗口|当前位置)")


@dataclass(frozen=True)
class Zone:
    """A part of the text with whitespace removed; ``offsets[i]`` is the original offset."""

    compact: str
    offsets: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original (start, end) of ``compact[start:end]``."""
        return self.offsets[start], self.offsets[end - 1] + 1

    @classmethod
    def of(cls, text: str, ranges: list[tuple[int, int]], *, join_lines: bool) -> Zone:
        """The non-blank characters of ``ranges``; lines joined (a title wrapped over
        two lines is one title) or kept apart (header lines are separate fields)."""
        chars: list[str] = []
        offsets: list[int] = []
        for start, end in ranges:
            for offset in range(start, end):
                char = text[offset]
                if not char.isspace():
                    chars.append(char)
                    offsets.append(offset)
            if not join_lines:
                chars.append("\n")
                offsets.append(end)
        return cls("".join(chars), tuple(offsets))


@dataclass(frozen=True)
class Zones:
    title: Zone
    header: Zone
    body: str  # the whole text, fullwidth digits folded (same offsets)
    header_end: int


def _is_body(line: str) -> bool:
    """A paragraph, not a heading: long titles exist, but they carry no sentence punctuation."""
    sentence = any(mark in line for mark in "。，；")
    return (len(line) > _LONG_LINE and sentence) or len(line) > _VERY_LONG_LINE


def _lines(text: str, limit: int) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text[:limit]`` without its line end."""
    ranges = []
    start = 0
    while start < limit:
        end = text.find("\n", start)
        if end < 0 or end > limit:
            end = limit
        ranges.append((start, end))
        start = end + 1
    return ranges


def find_zones(text: str, metadata: DocumentMetadata) -> Zones:
    """Title, header and body of ``text``; ``metadata.title`` is used when it can be found."""
    folded = fold_width(text)
    opening = _lines(folded, min(len(folded), _SCAN_CHARS))
    header: list[tuple[int, int]] = []
    title: list[tuple[int, int]] = []
    for start, end in opening:
        line = folded[start:end].strip(" \t\u3000")
        if not line or _PORTAL_CHROME.match(line):
            continue
        if _is_body(line) or (header and folded[start:end].startswith(("\u3000\u3000", "  "))):
            break
        header.append((start, end))
        if _RECIPIENTS.search(line) and len(line) < 60:
            break  # 主送机关: the body follows
        if not _FURNITURE.match(line):
            title.append((start, end))
        if len(header) >= _MAX_HEADER_LINES:
            break
    header_end = header[-1][1] if header else 0
    title_zone = Zone.of(folded, title, join_lines=True)
    if metadata.title:
        stated = metadata.title
        if (
            metadata.issuer
            and stated.startswith(metadata.issuer)
            and len(stated) > len(metadata.issuer)
        ):
            # GB/T 9704 titles open with the issuer; its name (医疗保障局 …) is not the subject.
            stated = stated[len(metadata.issuer) :]
        found = _located(Zone.of(folded, opening, join_lines=True), stated)
        title_zone = found or title_zone
    return Zones(title_zone, Zone.of(folded, header, join_lines=False), folded, header_end)


def _located(zone: Zone, words: str) -> Zone | None:
    """The part of ``zone`` that spells ``words`` (whitespace ignored); None if absent."""
    wanted = re.sub(r"\s+", "", fold_width(words))
    at = zone.compact.find(wanted) if wanted else -1
    if at < 0:
        return None
    return Zone(wanted, zone.offsets[at : at + len(wanted)])
