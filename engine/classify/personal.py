"""Personal data in a document's text, found for 区分处理 (条例 第三十七条).

Each find is a :class:`Redaction` span that points into the text as passed in.
Detectors check what can be checked — the 身份证号 check digit and birth date,
the bank card's Luhn digit — so that an order or case number of the same length
is not mistaken for a person's identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class RedactionKind(StrEnum):
    """What a redaction span hides."""

    ID_CARD = "id_card"  # 居民身份证号码 (18 digits, check digit verified)
    MOBILE = "mobile"  # 手机号码
    LANDLINE = "landline"  # 固定电话
    BANK_CARD = "bank_card"  # 银行卡号 (Luhn verified)
    LICENCE_PLATE = "licence_plate"  # 机动车号牌
    EMAIL = "email"  # 电子邮箱
    ADDRESS = "address"  # 住址

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def identifies_person(self) -> bool:
        """Whether this kind alone puts a proposal to disclosure under review.

        A landline in an official document is nearly always the office's number,
        which 第二十条第（二）项 itself requires to be published; it is listed for
        redaction but does not by itself make a document doubtful.
        """
        return self is not RedactionKind.LANDLINE


_KIND_LABELS = {
    RedactionKind.ID_CARD: "身份证号码",
    RedactionKind.MOBILE: "手机号码",
    RedactionKind.LANDLINE: "固定电话",
    RedactionKind.BANK_CARD: "银行卡号",
    RedactionKind.LICENCE_PLATE: "车牌号码",
    RedactionKind.EMAIL: "电子邮箱",
    RedactionKind.ADDRESS: "住址",
}


@dataclass(frozen=True, order=True)
class Redaction:
    """A span of personal data to hide before disclosure: ``text[start:end]``."""

    start: int
    end: int
    kind: RedactionKind

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind.value, "start": self.start, "end": self.end}


# Fullwidth digits and Latin letters folded to ASCII one for one, so offsets
# found in the folded copy are offsets in the original.
_FOLD = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
    | {"－": "-", "＠": "@", "．": ".", "＿": "_", "　": " "}
)


def fold_width(text: str) -> str:
    """``text`` with fullwidth digits and letters made ASCII; same length, same offsets."""
    return text.translate(_FOLD)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# First two digits: the province-level codes of GB/T 2260 (and 71/81/82/83 for
# Taiwan, Hong Kong, Macao, whose residents hold mainland-format numbers).
_PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"}
    | {"65", "71", "81", "82", "83"}
)


def is_valid_id_number(number: str) -> bool:
    """Whether ``number`` is a well-formed 18-digit 居民身份证号码 (GB 11643-1999).

    Checks the province code, the birth date and the ISO 7064 MOD 11-2 check digit.
    """
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789Xx":
        return False
    if number[:2] not in _PROVINCES:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number, _ID_WEIGHTS, strict=False))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(number: str) -> bool:
    """Whether a digit string passes the Luhn (mod 10) check used by bank cards."""
    if not number.isdigit() or len(number) < 2:
        return False
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


_NOT_DIGIT_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_DIGIT_AFTER = r"(?![0-9A-Za-z])"

_ID_NUMBER = re.compile(rf"{_NOT_DIGIT_BEFORE}\d{{17}}[0-9Xx]{_NOT_DIGIT_AFTER}")
# 16–19 digits, plain or in groups of four (6222 0212 3456 7890 128).
_BANK_CARD = re.compile(
    rf"{_NOT_DIGIT_BEFORE}\d{{4}}(?:[ -]?\d{{4}}){{3}}(?:[ -]?\d{{1,3}})?{_NOT_DIGIT_AFTER}"
)
_MOBILE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{{4}}){{2}}{_NOT_DIGIT_AFTER}"
)
_LANDLINE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}(?:\(0\d{{2,3}}\)|（0\d{{2,3}}）|0\d{{2,3}}-)[2-9]\d{{6,7}}"
    rf"(?:(?:转|-)\d{{1,5}})?{_NOT_DIGIT_AFTER}"
)
_EMAIL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# 省份简称 + 发牌机关代号 (no I or O) + 5 characters (6 for new-energy plates),
# at least three of them digits so that Latin abbreviations after a place name
# are not taken for plates.
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z][·•・. ]?"
    r"(?=(?:[A-HJ-NP-Z]*\d){3})[A-HJ-NP-Z0-9]{5,6}[挂学警港澳领]?"
    r"(?![0-9A-Za-z])"
)
# A labelled residence; an office's 地址 is public (第二十条第（二）项) and is not listed.
_LABELLED_ADDRESS = re.compile(
    r"(?:家庭住址|现住址|居住地址|户籍地址|户籍地|居住地|住\s*址|家住)[：:]?\s*"
    r"(?P<value>[^\s，。；;,、）)]{4,48})"
)
# An unlabelled dwelling: ...路58号3栋2单元402室.
_DWELLING = re.compile(
    r"[\u4e00-\u9fff]{2,16}(?:路|街|巷|道|弄|村|组|里|区)\d+号"
    r"(?:院)?(?:\d+(?:栋|幢|座|号楼))?(?:\d+单元)?\d+(?:室|户)"
)


def _id_numbers(folded: str) -> list[Redaction]:
    return [
        Redaction(m.start(), m.end(), RedactionKind.ID_CARD)
        for m in _ID_NUMBER.finditer(folded)
        if is_valid_id_number(m.group())
    ]


def _bank_cards(folded: str) -> list[Redaction]:
    found = []
    for match in _BANK_CARD.finditer(folded):
        digits = re.sub(r"[ -]", "", match.group())
        if 16 <= len(digits) <= 19 and luhn_valid(digits) and not is_valid_id_number(digits):
            found.append(Redaction(match.start(), match.end(), RedactionKind.BANK_CARD))
    return found


def _simple(pattern: re.Pattern[str], kind: RedactionKind, folded: str) -> list[Redaction]:
    return [Redaction(m.start(), m.end(), kind) for m in pattern.finditer(folded)]


def _addresses(folded: str) -> list[Redaction]:
    found = [
        Redaction(m.start("value"), m.end("value"), RedactionKind.ADDRESS)
        for m in _LABELLED_ADDRESS.finditer(folded)
    ]
    found += _simple(_DWELLING, RedactionKind.ADDRESS, folded)
    return found


def find_personal_data(text: str) -> tuple[Redaction, ...]:
    """Every span of personal data in ``text``, in order, without overlaps.

    Where two finds overlap (a labelled address that holds a dwelling pattern,
    a bank-card shaped run that is a valid 身份证号) the one found by the more
    specific detector — earlier in this order — is kept.
    """
    folded = fold_width(text)
    candidates = (
        _id_numbers(folded)
        + _bank_cards(folded)
        + _simple(_MOBILE, RedactionKind.MOBILE, folded)
        + _simple(_LANDLINE, RedactionKind.LANDLINE, folded)
        + _simple(_EMAIL, RedactionKind.EMAIL, folded)
        + _simple(_PLATE, RedactionKind.LICENCE_PLATE, folded)
        + _addresses(folded)
    )
    kept: list[Redaction] = []
    for candidate in candidates:
        if all(candidate.end <= other.start or candidate.start >= other.end for other in kept):
            kept.append(candidate)
    return tuple(sorted(kept))
