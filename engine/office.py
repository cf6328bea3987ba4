"""The office's own particulars, printed on every letter: ``$GONGKAI_HOME/office.toml``.

Who signs (发文机关), the disclosure office's address and telephone, the bodies
that hear a 行政复议 or a 行政诉讼 (named in every reply's remedy paragraph), the
机关代字 of the letters' 文号 and how to pay a fee. ``gongkai init`` writes the file
with its fields empty; a letter is refused until the required ones are filled,
because a reply ready for the seal cannot carry a placeholder. It also holds the
office's own settings of 动态调整 (``gongkai adjust``): whole numbers, not text.
"""

from __future__ import annotations

import tomllib
from dataclasses import MISSING, dataclass, fields
from pathlib import Path

from engine.adjust import DEFAULT_PROCESS_MONTHS, DEFAULT_THRESHOLD
from engine.publication import DEFAULT_INDEX_PATTERN

FILE_NAME = "office.toml"

EXAMPLE = """\
# The office's particulars, printed on every letter (gongkai request letter …).
# Fill in at least agency, letter_code, reconsideration_body and court.

agency = ""                # 发文机关署名, e.g. 某某市人民政府办公室
letter_code = ""           # 机关代字 of the 文号: 某政办信公开 -> 某政办信公开〔2026〕12号
office = ""                # 政府信息公开工作机构, e.g. 某某市人民政府办公室政务公开科
office_address = ""        # 办公地址
office_phone = ""          # 联系电话
office_contact = ""        # 联系人
reconsideration_body = ""  # 行政复议机关, e.g. 某某市人民政府
court = ""                 # 管辖的人民法院, e.g. 某某市某某区人民法院
payment_instructions = ""  # how to pay an information-processing fee (收费通知书)

# The 政府信息公开指南 (gongkai guide) also prints these; it is refused until
# office_address, office_phone and the fields marked * are filled.
office_hours = ""          # * 办公时间, e.g. 工作日上午8:30—12:00，下午14:30—17:30
office_postcode = ""       # * 邮政编码 (for applications by post)
website = ""               # * 门户网站, where the 政府信息公开目录 is: http://www.example.gov.cn
office_fax = ""            # 传真; given: the guide offers applications by fax
office_email = ""          # 电子邮箱; given: the guide offers applications by e-mail
online_request_url = ""    # 网上申请 page (default: the website)
publication_channels = ""  # other 主动公开 channels, e.g. 政府公报、政务新媒体、某某市档案馆查阅点

# The 索引号 of the 政府信息公开目录 (gongkai publish gives one to each document).
org_code = ""              # 机构代码, e.g. 000014349
index_pattern = "{org_code}/{year}-{seq:05d}"  # placeholders {org_code}, {year}, {seq}

# 动态调整 (gongkai adjust list): whole numbers, without quotes.
adjust_threshold = 3        # distinct applicants asking for the same 依申请公开 information
                            # before it is proposed for 主动公开 (条例第四十四条)
adjust_process_months = 12  # months after which a 过程性 withholding is proposed for re-review
"""


class OfficeError(ValueError):
    """office.toml is missing, unreadable or incomplete: the message names the file and fields."""


@dataclass(frozen=True)
class Office:
    """机关信息 — the particulars letters print (see :data:`EXAMPLE` for each field)."""

    agency: str
    letter_code: str
    reconsideration_body: str
    court: str
    office: str = ""
    office_address: str = ""
    office_phone: str = ""
    office_contact: str = ""
    payment_instructions: str = ""
    # 索引号 of the 政府信息公开目录 (engine.publication.IndexPattern checks the pattern).
    org_code: str = ""
    index_pattern: str = DEFAULT_INDEX_PATTERN
    # The 公开指南's particulars (engine/guide.py says which it requires).
    office_hours: str = ""
    office_postcode: str = ""
    website: str = ""
    office_fax: str = ""
    office_email: str = ""
    online_request_url: str = ""
    publication_channels: str = ""
    # 动态调整 (engine.adjust): the settings of `gongkai adjust list` and the web desk.
    adjust_threshold: int = DEFAULT_THRESHOLD
    adjust_process_months: int = DEFAULT_PROCESS_MONTHS

    def context(self) -> dict[str, str]:
        """The letters' common variables (templates/README.md)."""
        return {
            "agency": self.agency,
            "office": self.office or self.agency,
            "office_address": self.office_address,
            "office_phone": self.office_phone,
            "office_contact": self.office_contact,
            "reconsideration_body": self.reconsideration_body,
            "court": self.court,
            "payment_instructions": self.payment_instructions,
        }

    def letter_number(self, year: int, seq: int) -> str:
        """文号 per GB/T 9704: 机关代字〔年份〕序号号."""
        return f"{self.letter_code}〔{year}〕{seq}号"


REQUIRED = tuple(f.name for f in fields(Office) if f.default is MISSING)
# The settings that are counts, not text; each at least 1.
NUMBERS = tuple(f.name for f in fields(Office) if isinstance(f.default, int))


def parse_office(text: str, origin: str) -> Office:
    """The office from the text of an office.toml; :class:`OfficeError` names what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise OfficeError(f"{origin}: not valid TOML: {error}") from error
    known = {f.name for f in fields(Office)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise OfficeError(f"{origin}: unknown field(s) {', '.join(unknown)}")
    texts = {key: value for key, value in data.items() if key not in NUMBERS}
    wrong = sorted(key for key, value in texts.items() if not isinstance(value, str))
    if wrong:
        raise OfficeError(f"{origin}: {', '.join(wrong)} must be text in quotes")
    numbers = {key: value for key, value in data.items() if key in NUMBERS}
    # bool is an int to Python, but `true` is no count
    bad = sorted(
        key
        for key, value in numbers.items()
        if isinstance(value, bool) or not isinstance(value, int) or value < 1
    )
    if bad:
        raise OfficeError(
            f"{origin}: {', '.join(bad)} must be a whole number of at least 1, without quotes "
            f"(e.g. {bad[0]} = {getattr(Office, bad[0])})"
        )
    values = {key: value.strip() for key, value in texts.items()}
    empty = [name for name in REQUIRED if not values.get(name)]
    if empty:
        raise OfficeError(
            f"{origin}: fill in {', '.join(empty)} — letters print them "
            "(the signing agency, the 文号's 机关代字, the remedy bodies)"
        )
    return Office(**values, **numbers)


def load_office(home: Path) -> Office:
    path = home / FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OfficeError(
            f"{path} not found: run `gongkai init` and fill in the office's particulars"
        ) from None
    return parse_office(text, str(path))


def write_example(home: Path) -> Path | None:
    """Write the example office.toml unless the office has one; the path written or None."""
    path = home / FILE_NAME
    if path.exists():
        return None
    path.write_text(EXAMPLE, encoding="utf-8")
    return path
