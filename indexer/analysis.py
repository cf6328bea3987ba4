"""Chinese text analysis for the index, in one place for every backend.

A document field and a query go through the same steps:

1. :func:`engine.text.normalize_text` (design.md): NFKC for digits and Latin
   letters, unified zeros of Chinese years;
2. segmentation with rjieba (jieba-rs): 搜索引擎模式 (``cut_for_search``) for
   documents, so a long word is indexed together with its 2- and 3-character
   dictionary words (政府信息公开 -> 政府, 信息, 公开 …) and 申请 or 公开 find
   it; 精确模式 (``cut``) for the words of a query;
3. terms: Latin lower-cased, letters and digits split apart (``GB/T 9704-2012``
   -> gb, t, 9704, 2012), punctuation and whitespace dropped.

A "phrase" is matched as the sequence of its 搜索引擎模式 terms, so it finds
the documents that segment the same text the same way. Measured on the corpus:
99.5% of phrases that start and end on word boundaries (商业秘密, 个人隐私,
政府信息公开) are found; of strings cut out of the middle of words (业秘密管)
less than half are. (Positions by character offset measured no better, 45%
against 43%: such a query is cut into pieces the documents do not contain.)

发文字号 are compared by :func:`doc_number_key`, which forgives the bracket
variants people type (乌海政办发[2007]55号 = 乌海政办发〔2007〕55号).
"""

from __future__ import annotations

import re

import rjieba

from engine.text import CJK, normalize_text

# Terms are runs of digits or of letters (CJK included); longer runs are cut so
# that no term exceeds the engines' limits.
_MAX_TERM = 40
_TERM = re.compile(rf"\d{{1,{_MAX_TERM}}}|[^\W\d_]{{1,{_MAX_TERM}}}")


def index_terms(text: str, *, normalized: bool = False) -> list[str]:
    """The terms of a document field in reading order (搜索引擎模式).

    Also the term sequence a quoted phrase must match. Pass
    ``normalized=True`` when ``text`` already is :func:`normalize_text` output.
    """
    if not normalized:
        text = normalize_text(text)
    return _terms(rjieba.cut_for_search(text))


def query_terms(text: str) -> list[str]:
    """The words of an unquoted query word (精确模式): all of them must occur."""
    return _terms(rjieba.cut(normalize_text(text)))


def _terms(words: list[str]) -> list[str]:
    # One regex pass over the words set apart by blanks: each all-letter (Chinese)
    # or all-digit word is one term, mixed words (ABC-12, 3.5%) are split into
    # their letter and digit runs, punctuation and blanks drop out, and no term
    # is longer than _MAX_TERM. A Python loop per word was most of indexing time.
    return _TERM.findall(" ".join(words).lower())


# 发文字号: 机关代字 + 〔年份〕 + 发文顺序号, e.g. 乌海政办发〔2007〕55号.
_OPEN = "〔[(（［【{｛〖"
_CLOSE = "〕])）］】}｝〗"
_TO_CANONICAL = str.maketrans(_OPEN + _CLOSE, "〔" * len(_OPEN) + "〕" * len(_CLOSE))
_BLANKS = re.compile(r"\s+")
# Blanks a clerk leaves inside a 发文字号 sit next to its brackets, digits, 第
# or 号; a blank between two words (示范点 乌海政办发…) separates two terms.
_NUMBER_BLANKS = re.compile(r"\s+(?=[\d〔〕第号])|(?<=[\d〔〕])\s+")
_DOC_NUMBER_KEY = re.compile(rf"^([{CJK}]{{1,20}})〔(\d{{4}})〕第?(\d{{1,6}})号$")


def doc_number_key(value: str) -> str:
    """The canonical form of a 发文字号: blanks removed, every bracket pair
    written 〔〕, 第 before the serial number dropped.

    >>> doc_number_key("乌海政办发[2007]第55号")
    '乌海政办发〔2007〕55号'
    """
    key = _BLANKS.sub("", normalize_text(value)).translate(_TO_CANONICAL)
    match = _DOC_NUMBER_KEY.match(key)
    return f"{match[1]}〔{match[2]}〕{match[3]}号" if match else key


def looks_like_doc_number(text: str) -> bool:
    """Whether ``text`` is one whole 发文字号 (and should search that field)."""
    canonical = normalize_text(text).translate(_TO_CANONICAL)
    return _DOC_NUMBER_KEY.match(_NUMBER_BLANKS.sub("", canonical)) is not None


def doc_number_pattern(key: str) -> str:
    """A regular expression finding the 发文字号 ``key`` in text as written,
    with any brackets, blanks or 第."""
    match = _DOC_NUMBER_KEY.match(key)
    if match is None:
        return re.escape(key)
    agency, year, serial = match.groups()
    blank = r"\s*"
    return (
        f"{re.escape(agency)}{blank}[{re.escape(_OPEN)}]{blank}{year}{blank}"
        f"[{re.escape(_CLOSE)}]{blank}第?{blank}{serial}{blank}号"
    )
