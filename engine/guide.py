"""政府信息公开指南 — what the guide says, from office.toml and the engine's own rules.

条例第十二条: every agency keeps a 公开指南 up to date — how its information is
classified and arranged and how to obtain it, and the disclosure office's name,
address, hours, telephone, fax and online contact (erlianhaote-2014-plan:
及时更新公开指南和公开目录). :func:`guide_context` writes the variables of
``templates/guide/guide.docx`` (templates/README.md) from an :class:`Office`:

* the office's particulars as office.toml gives them; a field the guide cannot
  do without left empty refuses the guide with a :class:`GuideError` naming
  every such field;
* 主动公开: the items of 第二十条 (the classifier's table), the portal and the
  office's other channels;
* 依申请公开: the channels this office can receive an application by (those it
  has the particulars for) with 第三十一条's day of receipt for each, from
  :class:`engine.outcomes.Channel`; the periods from :mod:`engine.deadlines`
  (答复 20 working days, one extension of 20, 补正 7, 第三方 15) and the
  fee bands from :mod:`engine.fees` — the numbers the desk itself counts with,
  never typed twice.

Pure: plain data in, a plain dict out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from engine.classify.rules import PROACTIVE_ITEMS
from engine.codes import REGULATION
from engine.deadlines import (
    CONSULTATION_EXCLUDED,
    CORRECTION_NOTICE,
    EXTENSION_LIMIT,
    FEE_PAYMENT,
    REPLY,
    THIRD_PARTY_REPLY,
)
from engine.fees import FEE_MEASURES, SCHEDULES
from engine.letters import SAMPLE_OFFICE, chinese_date
from engine.office import Office, OfficeError
from engine.outcomes import Channel
from engine.publication import PUBLICATION

TEMPLATE = "guide/guide.docx"  # under templates/

# What the guide cannot print without, beyond what every letter needs (office.toml's
# own required fields): where and when to come, how to call and write, the portal.
REQUIRED = ("office_address", "office_hours", "office_phone", "office_postcode", "website")
# What the clerk is asked to fill in, in the office's words.
REQUIRED_LABELS = {
    "office_address": "办公地址",
    "office_hours": "办公时间",
    "office_phone": "联系电话",
    "office_postcode": "邮政编码",
    "website": "门户网站",
}


class GuideError(OfficeError):
    """office.toml lacks what the guide prints: the message names the fields to fill in."""


@dataclass(frozen=True)
class Route:
    """申请渠道 — one way to hand in an application, as the guide lists it."""

    label: str
    how: str  # where to and what to mark
    receipt: str  # which day counts as the day of receipt (第三十一条)

    def context(self) -> dict[str, str]:
        return {"label": self.label, "how": self.how, "receipt": self.receipt}


def routes(office: Office) -> list[Route]:
    """The channels ``office`` can receive an application by, in the 条例's order.

    In person and by post always (the guide requires the address and 邮政编码),
    online always (the portal, or its own 网上申请 page), by fax and by e-mail
    when office.toml gives the number or the address.
    """
    name = office.office or office.agency
    marked = "注明“政府信息公开申请”字样"
    found = [
        Route(
            Channel.IN_PERSON.label,
            f"到{name}（{office.office_address}）提交书面申请；书面申请确有困难的，"
            "可以口头提出，由工作人员代为填写申请表，经申请人签字确认",
            Channel.IN_PERSON.receipt_rule,
        ),
        Route(
            "邮寄",
            f"邮寄至{office.office_address}（邮政编码{office.office_postcode}），"
            f"收件人{name}，在信封左下角{marked}",
            f"{Channel.REGISTERED_POST.receipt_rule}；{Channel.POST.receipt_rule}",
        ),
        Route(
            Channel.ONLINE.label,
            f"登录{office.online_request_url or office.website}在线填写并提交申请",
            Channel.ONLINE.receipt_rule,
        ),
    ]
    if office.office_fax:
        found.append(
            Route(
                Channel.FAX.label,
                f"发送至{office.office_fax}，并{marked}",
                Channel.FAX.receipt_rule,
            )
        )
    if office.office_email:
        found.append(
            Route(
                Channel.EMAIL.label,
                f"发送至{office.office_email}，在邮件主题中{marked}",
                Channel.EMAIL.receipt_rule,
            )
        )
    return found


def missing_fields(office: Office) -> list[str]:
    """The fields of :data:`REQUIRED` that office.toml leaves empty."""
    return [name for name in REQUIRED if not getattr(office, name).strip()]


def guide_context(office: Office, day: date) -> dict[str, object]:
    """The variables of the guide's template for ``office``, dated ``day`` (templates/README.md).

    Raises :class:`GuideError` naming every field the guide needs and office.toml
    leaves empty.
    """
    missing = missing_fields(office)
    if missing:
        raise GuideError(
            f"office.toml: fill in {', '.join(missing)} — the 公开指南 prints them "
            f"({REGULATION}第十二条)"
        )
    return {
        **office.context(),
        "office_hours": office.office_hours,
        "office_postcode": office.office_postcode,
        "office_fax": office.office_fax,
        "office_email": office.office_email,
        "website": office.website,
        "publication_channels": office.publication_channels,
        "guide_date": chinese_date(day),
        "regulation": REGULATION,
        "proactive_items": list(PROACTIVE_ITEMS.values()),
        "routes": [route.context() for route in routes(office)],
        "publication_days": PUBLICATION.working_days,
        "publication_article": _article(PUBLICATION.basis),
        "reply_days": REPLY.working_days,
        "reply_article": _article(REPLY.basis),
        "extension_days": EXTENSION_LIMIT.working_days,
        "correction_days": CORRECTION_NOTICE.working_days,
        "third_party_days": THIRD_PARTY_REPLY.working_days,
        "excluded_article": _article(CONSULTATION_EXCLUDED),
        "fee_measures": FEE_MEASURES,
        "fee_schedules": [
            {"label": s.label, "article": s.article, "standard": s.standard_text()}
            for s in SCHEDULES.values()
        ],
        "fee_payment_days": FEE_PAYMENT.working_days,
    }


def _article(basis: str) -> str:
    """第三十三条第二款 of a basis quoting the 条例: the guide calls it 《条例》 once named."""
    if not basis.startswith(REGULATION):
        raise ValueError(f"not an article of the 条例: {basis}")
    return basis.removeprefix(REGULATION)


SAMPLE_GUIDE_OFFICE = replace(
    SAMPLE_OFFICE,
    office_hours="工作日上午8:30—12:00，下午14:30—17:30（法定节假日除外）",
    office_postcode="012000",
    website="http://www.example.gov.cn",
    office_fax="0471-7654322",
    office_email="gongkai@example.gov.cn",
    publication_channels="政府公报、政务新媒体和某某市档案馆、图书馆政府信息查阅点",
)


def guide_samples() -> list[tuple[str, dict[str, object]]]:
    """(template, full context) of the guide, for ``gongkai templates check``."""
    return [(TEMPLATE, guide_context(SAMPLE_GUIDE_OFFICE, date(2026, 3, 2)))]
