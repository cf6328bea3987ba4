"""GB/T 9704 metadata read from a document's text (pure functions).

Every field is either read from the text or None; when None, ``unread`` says
why (never a guess presented as fact).

The 版头 and 标题 are read from the first lines only, the 成文日期 from the last
date that stands on a line of its own (the 署名 area), the 附注 wherever it
stands. Web captures (来源/发布日期 lines) give their page title and 发布日期.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date

from engine.codes import Attribute
from engine.text import CJK, strip_portal_chrome


@dataclass(frozen=True)
class DocumentMetadata:
    """The fields of GB/T 9704-2012 that a document states."""

    doc_number: str | None = None  # 发文字号, canonical: 乌海政办发〔2007〕55号
    title: str | None = None  # 标题
    issuer: str | None = None  # 发文机关
    recipients: str | None = None  # 主送机关
    issue_date: date | None = None  # 成文日期
    published_date: date | None = None  # 发布日期 of a web capture
    secrecy_level: str | None = None  # 密级: 绝密 / 机密 / 秘密
    secrecy_period: str | None = None  # 保密期限 as written: 1年, 6个月, 长期
    urgency: str | None = None  # 紧急程度: 特急 / 加急
    copy_number: str | None = None  # 份号
    signer: str | None = None  # 签发人
    marking: Attribute | None = None  # 附注: （此件公开发布） -> proactive
    marking_text: str | None = None  # the 附注 as written
    doc_kind: str | None = None  # 文种: 通知, 请示, 办法 …
    unread: dict[str, str] = field(default_factory=dict)  # field -> why it is None

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data: dates as ISO strings, codes as strings."""
        data = asdict(self)
        for key in ("issue_date", "published_date"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        data["marking"] = self.marking.value if self.marking else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> DocumentMetadata:
        """The inverse of :meth:`to_dict`."""
        values = dict(data)
        for key in ("issue_date", "published_date"):
            raw = values.get(key)
            values[key] = date.fromisoformat(raw) if isinstance(raw, str) else None
        raw_marking = values.get("marking")
        values["marking"] = Attribute(raw_marking) if isinstance(raw_marking, str) else None
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in known})  # type: ignore[arg-type]


_FIELDS = tuple(name for name in DocumentMetadata.__dataclass_fields__ if name != "unread")
_WHY_NONE = {
    "doc_number": "no 发文字号 in the header",
    "title": "no title in the header",
    "issuer": "no 发文机关标志, title prefix, 署名 or 来源",
    "recipients": "no 主送机关 line after the title",
    "issue_date": "no 成文日期 found",
    "published_date": "no 发布日期 (not a web capture)",
    "secrecy_level": "not marked",
    "secrecy_period": "not marked",
    "urgency": "not marked",
    "copy_number": "not marked",
    "signer": "no 签发人 in the header",
    "marking": "no （此件…） marking",
    "marking_text": "no （此件…） marking",
    "doc_kind": "no title to read the 文种 from",
}

# --- Patterns ---------------------------------------------------------------

# The 版头 and 标题 sit in the first lines; caps keep a 1 MB input as fast as a letter.
_HEADER_LINES = 40
_HEADER_CHARS = 8000
_MARKER_LINES = 8  # 份号, 密级 and 紧急程度 are printed above the 发文机关标志
_TITLE_MAX = 120

_PUA = "\ue000-\uf8ff"  # private-use glyphs some exports leave where a paragraph mark was
# Two or more blanks (or a private-use glyph) separate fields typed on one line: the
# 发文字号 and 签发人, or the wuhai seed's title, 主送机关 and 成文日期.
_FIELD_BREAK = re.compile(rf"[ \t\u3000{_PUA}]{{2,}}|[{_PUA}]")
_SPACE_BY_CJK = re.compile(rf"(?<=[{CJK}])\s+|\s+(?=[{CJK}])")

# The bracketed year is found first and the 机关代字 read backwards from it: a pattern
# opening with a run of Chinese characters would be tried at every character of the body.
# Any bracket will do, and either side's: typists use [] () 【】, and OCR reads the
# 六角括号 〔〕 as any of those or as 〈〉「」『』{}.
_YEAR_AND_SERIAL = (
    r"[〔\[［(（【〈「『{｛]\s*(?P<year>(?:19|20)\d{2})\s*[〕\]］)）】〉」』}｝]"
    r"\s*(?P<serial>第?\s*\d{1,6})\s*号"
)
_DOC_NUMBER_TAIL = re.compile(_YEAR_AND_SERIAL)
_AGENCY = re.compile(rf"(?P<agency>[{CJK}]{{1,12}})\s*$")
# …的通知（乌海政办发〔2007〕55号）: the 发文字号 bracketed after the title
_TITLE_NUMBER = re.compile(rf"\s*[（(]\s*[{CJK}]{{1,12}}\s*{_YEAR_AND_SERIAL}\s*[）)]\s*$")
_DOC_NUMBER_LABEL = re.compile(r"(?:发文字号|文号)\s*[:：]\s*")
_SIGNER = re.compile(
    rf"签发人\s*[:：]\s*(?P<names>[{CJK}·]{{2,5}}(?:[ \u3000、，,]+[{CJK}·]{{2,5}})*)"
)

_ZERO = "〇○◯OＯ0０零"
_CN_DIGIT = {**dict.fromkeys(_ZERO, 0), **{c: i for i, c in enumerate("一二三四五六七八九", 1)}}
_YEAR_CLASS = f"0-9{_ZERO}一二三四五六七八九"
_MONTH = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九元]"
_DAY = (
    r"3[01]|[12]\d|0?[1-9]"
    r"|[一二三]?十[一二三四五六七八九]?|廿[一二三四五六七八九]?|卅一?|[一二三四五六七八九]"
)
_DATE = re.compile(
    rf"(?<![{_YEAR_CLASS}])(?P<year>[{_YEAR_CLASS}]{{2,4}})\s*年\s*(?P<month>{_MONTH})\s*月"
    rf"(?:\s*(?P<day>{_DAY})\s*日)?"
    r"|(?<!\d)(?P<iso_year>(?:19|20)\d{2})[-./](?P<iso_month>\d{1,2})[-./](?P<iso_day>\d{1,2})(?!\d)"
)
_YEAR_CHARS = frozenset(f"0123456789{_ZERO}一二三四五六七八九")
_ISO_START = re.compile(r"(?:19|20)\d\d[-./]\d")
_YEAR_MARK = re.compile(rf"[{_YEAR_CLASS}]\s{{0,2}}年")  # the last digit of a year and its 年
_ISSUE_DATE_LABEL = re.compile(r"成文日期\s*[:：]\s*")
_PUBLISHED_LABEL = re.compile(r"发布(?:日期|时间)\s*[:：]\s*")
_LINE_BLANKS = frozenset(" \t\u3000") | {chr(c) for c in range(0xE000, 0xF900)}
_SENTENCE_END = frozenset("。！？")
# A page number a PDF ran into the text right after the date (baoding seed: …日2保定市).
_PAGE_NUMBER = re.compile(r"\d{1,3}(?![\d时点分:：])")

_SOURCE = re.compile(r"(?:信息)?来源\s*[:：]\s*(?P<source>\S+)")
_CAPTURE_FIELD = re.compile(r"(?:(?:信息)?来源|发布(?:日期|时间|机构)|作者|浏览次数)\s*[:：]")
# strip_portal_chrome leaves the fragments of buttons it did not know (【字体:).
_CHROME = re.compile(r"【[^】]*$|[>»|]|分享|打印|字体|当前位置|首页|返回")

_MARKER_LINE = re.compile(
    r"(?P<copy>\d{6})?"
    r"(?:(?P<level>绝密|机密|秘密)[★☆*]?"
    r"(?P<period>\d{1,3}(?:年|个月)|[一二三四五六七八九十]{1,3}(?:年|个月)|长期)?)?"
    r"(?P<urgency>特急|加急)?"
)
_MARKING = re.compile(r"[（(]\s*此件(?P<what>[^（）()\n]{1,20})[）)]")
_MARKING_ATTRIBUTE = {
    "公开发布": Attribute.PROACTIVE,
    "主动公开": Attribute.PROACTIVE,
    "依申请公开": Attribute.ON_REQUEST,
    "不予公开": Attribute.WITHHELD,
    "不公开": Attribute.WITHHELD,
}
_OPENING_QUOTES = frozenset('“‘"「『')  # a marking quoted in prose is talked about, not made

# 文种: the 15 of 《党政机关公文处理工作条例》第八条 and the names rule documents carry;
# two-character kinds first so that 命令 is not read as 令.
KINDS = (
    "决议", "决定", "命令", "公报", "公告", "通告", "意见", "通知", "通报", "报告",
    "请示", "批复", "议案", "纪要", "规定", "办法", "制度", "方案", "细则", "规则", "规程",
    "函", "令",
)  # fmt: skip
_TRAILING_PARENS = re.compile(r"(?:\s*[（(][^（）()]*[）)])+$")
_TITLE_CONTINUATION = re.compile(r"[（(][^（）()]*(?:\d{4}|试行|暂行|修订|草案)[^（）()]*[）)]")
_INLINE_TITLE = re.compile(
    rf"(?P<issuer>[{CJK}]{{2,30}})?关于(?:《[^》\n]{{0,80}}》|[^。：:\n《]){{1,150}}?"
    rf"的(?:{'|'.join(KINDS)})"
)
_CITING = frozenset('《“‘"「')  # a title after these is quoted from another document
_TITLE_VERB = re.compile(r"关于|转发|印发|批转")
_ORGAN = re.compile(
    rf"[{CJK}（）()·]{{1,40}}?"
    r"(?:政府|办公厅|办公室|委员会|管委会|办事处|中心|公司|[局厅委部院所站处科股队会办署组])"
)
_BODY_START = re.compile(r"第[一二三四五六七八九十]+条|[一二三四五六七八九十]+、")
_RECIPIENTS = re.compile(r"\s*(?P<who>[^：:。\n]{2,150})[：:]")


@dataclass(frozen=True)
class _Segment:
    """A field of the header: a line, or part of a line set off by a run of blanks."""

    text: str
    line: int
    block: int  # blank lines separate blocks, e.g. the 版头 from the 标题


@dataclass(frozen=True)
class _DocNumber:
    start: int
    end: int
    canonical: str


@dataclass(frozen=True)
class _Date:
    start: int
    value: date | None
    problem: str | None  # why ``value`` is None


# --- Public -----------------------------------------------------------------


def canonical_doc_number(raw: str) -> str | None:
    """The 发文字号 in canonical form (〔〕 around the year, no blanks), or None.

    ``泸府办发[2023]19号`` and ``澄住建(2022)47号`` become ``泸府办发〔2023〕19号`` and
    ``澄住建〔2022〕47号``; the 序号 stays as written (``第0217号`` too).
    """
    raw = raw.strip()
    found = _find_doc_number(raw)
    return found.canonical if found and found.start == 0 and found.end == len(raw) else None


def parse_chinese_date(raw: str) -> date | None:
    """A date as a 公文 writes it: 二〇〇七年十二月二十八日, 2021年3月26日 or 2014-06-06.

    Zeros may be 〇 ○ O 0 零. None unless ``raw`` is one whole date that can be read
    reliably (a year of fewer than four digits cannot).
    """
    match = _DATE.fullmatch(raw.strip())
    return _read_date(match).value if match else None


def parse_metadata(text: str) -> DocumentMetadata:
    """Read the GB/T 9704 fields from normalised text (:func:`engine.text.normalize_text`).

    Never raises: a field that cannot be read is None and ``unread`` says why.
    """
    text = strip_portal_chrome(text)
    if not text.strip():
        return DocumentMetadata(unread=dict.fromkeys(_FIELDS, "empty text"))
    unread: dict[str, str] = {}
    header = _header_segments(text)
    zone = _header_zone(header)
    capture = next((i for i, s in enumerate(header[:zone]) if _CAPTURE_FIELD.match(s.text)), None)
    title, title_span, run_on_recipients = _title(text, header, zone, capture)
    doc_number, number_index = _doc_number(text, header, zone, unread)
    signer, signer_index = _signer(header[:zone])
    issue_date, closing_date = _issue_date(text, unread)
    published = _published_date(text, unread)
    marking, marking_text = _marking(text, unread)
    used = [i for i in (title_span and title_span[1], number_index, signer_index) if i is not None]
    found: dict[str, object] = {
        **_markers(text, unread),
        "doc_number": doc_number,
        "title": title,
        "issuer": _issuer(text, header[:zone], title, title_span, capture, closing_date),
        "recipients": run_on_recipients or _recipients(header, zone, used, title is not None),
        "issue_date": issue_date,
        "published_date": published,
        "signer": signer,
        "marking": marking,
        "marking_text": marking_text,
        "doc_kind": _doc_kind(title, unread),
    }
    if issue_date is None and published is not None:
        unread.setdefault("issue_date", f"only a 发布日期 ({published.isoformat()}), no 成文日期")
    for name in _FIELDS:
        if found.get(name) is None:
            unread.setdefault(name, _WHY_NONE[name])
    return DocumentMetadata(**found, unread=unread)  # type: ignore[arg-type]


# --- Header -----------------------------------------------------------------


def _split_fields(text: str) -> list[str]:
    return [part.strip() for part in _FIELD_BREAK.split(text) if part.strip()]


def _header_segments(text: str) -> list[_Segment]:
    segments: list[_Segment] = []
    block = 0
    lines = text[:_HEADER_CHARS].split("\n", _HEADER_LINES)[:_HEADER_LINES]
    for number, line in enumerate(lines):
        if not line.strip():
            block += 1
        # Portal chrome (【字体:, 首页 > 政务公开) is neither title nor 主送机关.
        fields = [f for f in _split_fields(line) if "关于" in f or not _CHROME.search(f)]
        segments += [_Segment(part, number, block) for part in fields]
    return segments


def _header_zone(header: list[_Segment]) -> int:
    """How many segments come before the 主送机关 or the first paragraph of the body."""
    for index, segment in enumerate(header):
        text = segment.text
        if (
            "。" in text
            or len(text) > _TITLE_MAX
            or text.endswith(("：", ":"))
            or _BODY_START.match(text)
        ):
            return index
    return len(header)


def _marker(text: str) -> re.Match[str] | None:
    match = _MARKER_LINE.fullmatch("".join(text.split()))
    return match if match and any(match.groupdict().values()) else None


def _markers(text: str, unread: dict[str, str]) -> dict[str, str]:
    """份号, 密级/保密期限 and 紧急程度: whole lines of the 版头, never words in prose."""
    found: dict[str, str] = {}
    leading = True  # a 份号 is only the six digits that open the document
    lines = [line for line in text[:2000].split("\n", 30)[:30] if line.strip()]
    for line in lines[:_MARKER_LINES]:
        if "。" in line or line.rstrip().endswith(("：", ":")):
            break  # the 主送机关 or the body: the 版头 is over
        match = _marker(line)
        if match is None:
            leading = False
            continue
        if match["copy"] and leading:
            found.setdefault("copy_number", match["copy"])
        if match["level"] and "secrecy_level" not in found:
            found["secrecy_level"] = match["level"]
            if match["period"]:
                found["secrecy_period"] = match["period"]
            else:
                unread["secrecy_period"] = "密级 marked without a 保密期限"
        if match["urgency"]:
            found.setdefault("urgency", match["urgency"])
    return found


def _is_organ(text: str) -> bool:
    return len(text) <= 40 and _ORGAN.fullmatch("".join(text.split())) is not None


def _without_title_number(text: str) -> str:
    return _TITLE_NUMBER.sub("", text)


def _is_title_part(segment: _Segment) -> bool:
    text = _without_title_number(segment.text)
    return bool(text) and not (
        len(text) > _TITLE_MAX
        or any(mark in text for mark in "。：:")
        or text.endswith("文件")
        or _marker(text)
        or _header_doc_number(text)
        or "签发人" in text
        or _CAPTURE_FIELD.match(text)
    )


def _kind_of(title: str) -> str | None:
    bare = _TRAILING_PARENS.sub("", title[-300:])  # the 文种 ends the title, before （试行）
    return next((kind for kind in KINDS if bare.endswith(kind)), None)


def _title_complete(title: str) -> bool:
    """Ends in a 文种 outside any 《》: …工作方案 / 》的通知 wrapped in a PDF is half a title."""
    return _kind_of(title) is not None and title.count("《") <= title.count("》")


def _clean_title(title: str) -> str:
    """Blanks beside Chinese characters are letter-spacing (询 问 笔 录), not words."""
    return _SPACE_BY_CJK.sub("", _without_title_number(title).strip())


def _title(
    text: str, header: list[_Segment], zone: int, capture: int | None
) -> tuple[str | None, tuple[int, int] | None, str | None]:
    """The 标题, the header segments it spans, and the 主送机关 when both run on in one line.

    ``capture`` is the index of a web capture's 来源/发布日期 field, if any.
    """
    candidates = header[:zone]
    if capture is not None:  # a web capture: the page title stands above 来源/发布日期
        for index in range(capture - 1, -1, -1):
            if _is_title_part(candidates[index]) and not _is_organ(candidates[index].text):
                return _clean_title(candidates[index].text), (index, index), None
    parts = [i for i, segment in enumerate(candidates) if _is_title_part(segment)]
    named = [i for i in parts if len(candidates[i].text) >= 4 and not _is_organ(candidates[i].text)]
    anchor = next((i for i in parts if "关于" in candidates[i].text), None)
    if anchor is None:
        anchor = next((i for i in named if _kind_of(candidates[i].text)), None)
    if anchor is not None:
        first, last = _extend_title(candidates, anchor)
        joined = "".join(candidates[i].text for i in range(first, last + 1))
        return _clean_title(joined), (first, last), None
    if named:
        return _clean_title(candidates[named[0]].text), (named[0], named[0]), None
    # PDF text run into one line (baoding seed): 标题 and 主送机关 before the first sentence.
    inline = _INLINE_TITLE.search(text, 0, 400)
    if (
        inline
        and "。" not in text[: inline.start()]
        and text[inline.start() - 1 : inline.start()] not in _CITING
    ):
        recipients = _RECIPIENTS.match(text, inline.end())
        who = recipients["who"].strip() if recipients else None
        return _clean_title(inline.group()), None, who
    return None, None, None


def _extend_title(candidates: list[_Segment], anchor: int) -> tuple[int, int]:
    """A title typeset over two to four lines of one block is one title."""

    def adjacent(a: int, b: int) -> bool:
        return (
            min(a, b) >= 0
            and max(a, b) < len(candidates)
            and candidates[a].block == candidates[b].block
            and abs(candidates[a].line - candidates[b].line) == 1
            and _is_title_part(candidates[a])
        )

    first = last = anchor
    # Only a title opening with 关于/转发/印发 has its issuer on the line above.
    if _TITLE_VERB.match(candidates[anchor].text):
        while (
            anchor - first < 3
            and adjacent(first - 1, first)
            and _is_organ(candidates[first - 1].text)
        ):
            first -= 1
    joined = "".join(candidates[i].text for i in range(first, last + 1))
    while last - first < 3 and not _title_complete(joined) and adjacent(last + 1, last):
        last += 1
        joined += candidates[last].text
    if adjacent(last + 1, last) and _TITLE_CONTINUATION.fullmatch(candidates[last + 1].text):
        last += 1  # （2023—2025年）, （试行） on a line of their own
    return first, last


def _doc_number(
    text: str, header: list[_Segment], zone: int, unread: dict[str, str]
) -> tuple[str | None, int | None]:
    """The 发文字号 of the 版头; a 文号 only cited in the body is not the document's own."""
    for index, segment in enumerate(header[:zone]):
        found = _header_doc_number(segment.text)
        if found:
            return found.canonical, index
    cited = _find_doc_number(text[:20000])
    if cited:
        unread["doc_number"] = (
            f"no 发文字号 in the header; the body only cites others ({cited.canonical})"
        )
    return None, None


def _header_doc_number(text: str) -> _DocNumber | None:
    """A 发文字号 standing alone (or with 签发人), labelled, or bracketed after the title."""
    labelled = _DOC_NUMBER_LABEL.search(text)
    found = _find_doc_number(text, labelled.end() if labelled else 0)
    if not found:
        return None
    before = text[: found.start].strip()
    after = re.sub(r"签发人.*$", "", text[found.end :]).strip()
    alone = before in ("", "（", "(") and after in ("", "）", ")")
    after_title = (
        before.endswith(("（", "(")) and after in ("）", ")") and _kind_of(before[:-1]) is not None
    )
    return found if alone or labelled or after_title else None


def _find_doc_number(text: str, start: int = 0) -> _DocNumber | None:
    """The first 发文字号 from ``start``, with 〔〕 around the year whatever was typed."""
    for tail in _DOC_NUMBER_TAIL.finditer(text, start):
        agency = _AGENCY.search(text, max(start, tail.start() - 16), tail.start())
        if agency:
            serial = "".join(tail["serial"].split())
            canonical = f"{agency['agency']}〔{tail['year']}〕{serial}号"
            return _DocNumber(agency.start(), tail.end(), canonical)
    return None


def _signer(header: list[_Segment]) -> tuple[str | None, int | None]:
    for index, segment in enumerate(header):
        match = _SIGNER.search(segment.text)
        if match:
            return " ".join(match["names"].replace("、", " ").split()), index
    return None, None


def _recipients(header: list[_Segment], zone: int, used: list[int], has_title: bool) -> str | None:
    """The 主送机关: the line ending with a colon right after the title and 发文字号.

    ``used`` are the header segments the title, 发文字号 and 签发人 took.
    """
    if used:
        index = max(used) + 1
    elif has_title:  # a title run into the text has its 主送机关 read with it
        return None
    else:  # no 版头 at all (wulanchabu seed): the document opens with its 主送机关
        index = next((i for i, s in enumerate(header) if not _marker(s.text)), len(header))
    if index != zone or index >= len(header):
        return None
    match = _RECIPIENTS.fullmatch(header[index].text)
    return match["who"].strip() if match else None


# --- Issuer -----------------------------------------------------------------


def _issuer(
    text: str,
    header: list[_Segment],
    title: str | None,
    title_span: tuple[int, int] | None,
    capture: int | None,
    closing_date: _Date | None,
) -> str | None:
    """发文机关: the 标志, the title's opening words, the 署名, or a capture's 来源."""
    above_title = header[: title_span[0]] if title_span else header
    for segment in above_title:
        if segment.text.endswith("文件") and _is_organ(segment.text[:-2]):
            return "".join(segment.text[:-2].split())
    for segment in above_title if capture is None else ():
        # The 标志 printed as the bare agency name; above a web page's title a name
        # is the portal's, not the issuer's.
        if _is_organ(segment.text):
            return "".join(segment.text.split())
    if title:
        verb = _TITLE_VERB.search(title)
        if verb and _is_organ(title[: verb.start()]):
            return title[: verb.start()]
    signature = _signature(text, closing_date)
    if signature:
        return signature
    for segment in header:
        source = _SOURCE.match(segment.text)
        if source and _is_organ(source["source"]):
            return source["source"]
    return None


def _signature(text: str, closing_date: _Date | None) -> str | None:
    """The 发文机关署名: the field just above the 成文日期, or the last one when undated."""
    if closing_date is not None:
        before = text[max(0, closing_date.start - 300) : closing_date.start]
    else:
        before = _MARKING.sub("", text[-300:])
    fields = _split_fields(before.replace("\n", "  "))
    if fields and _is_organ(fields[-1]):
        return "".join(fields[-1].split())
    return None


# --- Dates ------------------------------------------------------------------


def _cn_number(raw: str) -> int:
    """1–31 written 5, 05, 五, 十, 十五, 二十八, 廿八, 卅一 or 元 (the first month)."""
    if raw.isdigit():
        return int(raw)
    if raw == "元":
        return 1
    tens = {"廿": 2, "卅": 3}.get(raw[0])
    if tens is not None:
        return tens * 10 + (_CN_DIGIT[raw[1]] if len(raw) > 1 else 0)
    if "十" in raw:
        high, _, low = raw.partition("十")
        return (_CN_DIGIT[high] if high else 1) * 10 + (_CN_DIGIT[low] if low else 0)
    return _CN_DIGIT[raw]


def _read_date(match: re.Match[str]) -> _Date:
    raw = match.group()
    if match["iso_year"]:
        year, month, day = (int(match[g]) for g in ("iso_year", "iso_month", "iso_day"))
    else:
        if len(match["year"]) != 4:
            return _Date(match.start(), None, f"year of the date is unreadable: {raw}")
        if match["day"] is None:
            return _Date(match.start(), None, f"the date has no day: {raw}")
        digits = (_CN_DIGIT[c] if c in _CN_DIGIT else int(c) for c in match["year"])
        year = int("".join(map(str, digits)))
        month, day = _cn_number(match["month"]), _cn_number(match["day"])
    if not 1900 <= year <= 2099:
        return _Date(match.start(), None, f"year out of range: {raw}")
    try:
        return _Date(match.start(), date(year, month, day), None)
    except ValueError:
        return _Date(match.start(), None, f"not a valid date: {raw}")


def _find_dates(text: str) -> list[re.Match[str]]:
    """Every date in ``text``, in order.

    Dates are looked for only where a year stands before 年, or an ISO year: trying
    the full pattern at every character costs milliseconds on an ordinary document.
    """
    starts = [iso.start() for iso in _ISO_START.finditer(text)]
    for mark in _YEAR_MARK.finditer(text):
        start = mark.start()
        while start > 0 and text[start - 1] in _YEAR_CHARS and mark.start() - start < 4:
            start -= 1
        starts.append(start)
    found = (_DATE.match(text, start) for start in sorted(set(starts)))
    return [match for match in found if match]


def _stands_alone(text: str, start: int, end: int) -> bool:
    """A date on a line (or field) of its own, as the 成文日期 is; not one inside a sentence."""
    i = start
    while i > 0 and text[i - 1] in _LINE_BLANKS:
        i -= 1
    gap = text[i:start]
    opens = (
        i == 0
        or text[i - 1] == "\n"
        or text[i - 1] in _SENTENCE_END  # PDF text run on: …请遵照执行。二〇一一年…
        or len(gap) >= 2
        or any(c != " " and c != "\t" for c in gap)
    )
    rest = text[end : end + 4]
    closes = (
        not rest
        or rest[0] in _LINE_BLANKS
        or rest[0] in "\n（("
        or _PAGE_NUMBER.match(rest) is not None
    )
    return opens and closes


def _issue_date(text: str, unread: dict[str, str]) -> tuple[date | None, _Date | None]:
    """The 成文日期: a capture's labelled one, else the last date standing on its own."""
    label = _ISSUE_DATE_LABEL.search(text)
    labelled = _DATE.match(text, label.end()) if label else None
    if labelled:
        read = _read_date(labelled)
        if read.value:
            return read.value, None
    last: re.Match[str] | None = None
    for match in _find_dates(text):
        if _stands_alone(text, match.start(), match.end()):
            last = match
    if last is None:
        return None, None
    read = _read_date(last)
    if read.problem:
        unread["issue_date"] = read.problem
    return read.value, read


def _published_date(text: str, unread: dict[str, str]) -> date | None:
    label = _PUBLISHED_LABEL.search(text)
    if label is None:
        return None
    match = _DATE.match(text, label.end())
    if match is None:
        unread["published_date"] = "发布日期 without a readable date"
        return None
    read = _read_date(match)
    if read.problem:
        unread["published_date"] = read.problem
    return read.value


# --- 附注 and 文种 ------------------------------------------------------------


def _marking(text: str, unread: dict[str, str]) -> tuple[Attribute | None, str | None]:
    """The 公开属性 a （此件…） line states; one quoted in prose is not a marking."""
    other: str | None = None
    for match in _MARKING.finditer(text):
        if match.start() > 0 and text[match.start() - 1] in _OPENING_QUOTES:
            continue
        attribute = _MARKING_ATTRIBUTE.get("".join(match["what"].split()))
        if attribute:
            return attribute, match.group()
        other = other or match.group()
    if other:
        unread["marking"] = unread["marking_text"] = f"{other} states no 公开属性"
    return None, None


def _doc_kind(title: str | None, unread: dict[str, str]) -> str | None:
    if title is None:
        return None
    kind = _kind_of(title)
    if kind is None:
        unread["doc_kind"] = f"the title does not end in a 文种: {title}"
    return kind


# What a package's own properties (OFD DocInfo and CustomDatas) may supply, by field.
_PROPERTY_FIELDS = (
    ("doc_number", ("发文字号", "文号")),
    ("title", ("Title", "标题")),
    ("issuer", ("发文机关", "Author")),
)


def with_properties(metadata: DocumentMetadata, properties: Mapping[str, str]) -> DocumentMetadata:
    """``metadata`` with the fields its text left unread taken from the file's properties.

    The text wins where it states a field: a package's properties are often a
    template's leftovers. CreationDate is when the file was made, not the 成文日期,
    so it is never used as one.
    """
    found: dict[str, str] = {}
    for name, keys in _PROPERTY_FIELDS:
        if getattr(metadata, name) is not None:
            continue
        value = next((properties[k].strip() for k in keys if properties.get(k, "").strip()), "")
        if name == "doc_number":
            value = canonical_doc_number(value) or ""
        if value:
            found[name] = value
    if not found:
        return metadata
    unread = {key: why for key, why in metadata.unread.items() if key not in found}
    return replace(metadata, **found, unread=unread)
