"""The codes of a disclosure request, as data: applicants, channels, outcomes, notices.

Outcomes follow the rows of the annual report's table 三 exactly
(annual-report-format.md, 国办公开办函〔2021〕30号), so the report counts them
as they are; each row carries the article of the 条例 its reply letter quotes and
the template that writes it. One table, walked whole by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.codes import REGULATION, Reason
from engine.fees import FEE_MEASURES


class ApplicantKind(StrEnum):
    """申请人情况 — the columns of the annual report's table 三."""

    NATURAL_PERSON = "natural_person"
    COMMERCIAL = "commercial"
    RESEARCH = "research"
    PUBLIC_INTEREST = "public_interest"
    LEGAL_SERVICE = "legal_service"
    OTHER_ORG = "other_org"

    @property
    def label(self) -> str:
        return _APPLICANT_LABELS[self]

    @property
    def is_person(self) -> bool:
        """A natural person is addressed as 您, an organisation as 你单位."""
        return self is ApplicantKind.NATURAL_PERSON


_APPLICANT_LABELS = {
    ApplicantKind.NATURAL_PERSON: "自然人",
    ApplicantKind.COMMERCIAL: "商业企业",
    ApplicantKind.RESEARCH: "科研机构",
    ApplicantKind.PUBLIC_INTEREST: "社会公益组织",
    ApplicantKind.LEGAL_SERVICE: "法律服务机构",
    ApplicantKind.OTHER_ORG: "其他",
}


class Channel(StrEnum):
    """How a request arrived: it decides the day of receipt (第三十一条)."""

    IN_PERSON = "in_person"
    REGISTERED_POST = "registered_post"
    POST = "post"
    ONLINE = "online"
    FAX = "fax"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return _CHANNELS[self][0]

    @property
    def receipt_rule(self) -> str:
        """Which day counts as the day of receipt, as 第三十一条 says it."""
        return _CHANNELS[self][1]


_CHANNELS = {
    Channel.IN_PERSON: ("当面提交", "申请人当面提交申请的，以提交之日为收到申请之日"),
    Channel.REGISTERED_POST: (
        "邮寄（挂号信等需签收）",
        "以邮寄方式提交申请的，以行政机关签收之日为收到申请之日",
    ),
    Channel.POST: (
        "邮寄（平常信函）",
        "以平常信函等无需签收的邮寄方式提交申请的，"
        "政府信息公开工作机构应当于收到申请的当日与申请人确认，确认之日为收到申请之日",
    ),
    Channel.ONLINE: (
        "互联网渠道",
        "通过互联网渠道提交申请的，以双方确认之日为收到申请之日",
    ),
    Channel.FAX: (
        "传真",
        "通过政府信息公开工作机构的传真提交申请的，以双方确认之日为收到申请之日",
    ),
    Channel.EMAIL: (
        "电子邮件",
        "通过电子邮件等互联网渠道提交申请的，以双方确认之日为收到申请之日",
    ),
}


class InformationForm(StrEnum):
    """The form the applicant wants the information in (第二十九条第二款第三项)."""

    PAPER = "paper"
    ELECTRONIC = "electronic"
    EMAIL = "email"
    INSPECTION = "inspection"
    ANY = "any"

    @property
    def label(self) -> str:
        return {
            "paper": "纸质文本",
            "electronic": "电子数据（光盘、移动存储等）",
            "email": "电子邮件",
            "inspection": "当场阅读、抄录",
            "any": "不限",
        }[self.value]


class OutcomeGroup(StrEnum):
    """The seven groups of table 三 (本年度办理结果)."""

    GRANTED = "granted"
    PARTLY_GRANTED = "partly_granted"
    WITHHELD = "withheld"
    UNAVAILABLE = "unavailable"
    NOT_PROCESSED = "not_processed"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "granted": "（一）予以公开",
            "partly_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            "withheld": "（三）不予公开",
            "unavailable": "（四）无法提供",
            "not_processed": "（五）不予处理",
            "other": "（六）其他处理",
        }[self.value]


class Outcome(StrEnum):
    """本年度办理结果 — the outcome of a request, one code per leaf row of table 三."""

    GRANTED = "granted"
    PARTLY_GRANTED = "partly_granted"
    WITHHELD_STATE_SECRET = "withheld.state_secret"
    WITHHELD_PROHIBITED_BY_LAW = "withheld.prohibited_by_law"
    WITHHELD_SECURITY_STABILITY = "withheld.security_stability"
    WITHHELD_THIRD_PARTY_RIGHTS = "withheld.third_party_rights"
    WITHHELD_INTERNAL_AFFAIRS = "withheld.internal_affairs"
    WITHHELD_PROCESS_INFO = "withheld.process_info"
    WITHHELD_ENFORCEMENT_CASE = "withheld.enforcement_case"
    WITHHELD_ADMINISTRATIVE_QUERY = "withheld.administrative_query"
    NOT_HELD = "unavailable.not_held"
    NEEDS_CREATION = "unavailable.needs_creation"
    UNCLEAR_AFTER_CORRECTION = "unavailable.unclear_after_correction"
    PETITION_OR_COMPLAINT = "not_processed.petition_or_complaint"
    DUPLICATE = "not_processed.duplicate"
    PUBLICATION = "not_processed.publication"
    BULK_REPEATED = "not_processed.bulk_repeated"
    CONFIRM_OR_REISSUE = "not_processed.confirm_or_reissue"
    NO_CORRECTION = "other.no_correction"
    FEE_UNPAID = "other.fee_unpaid"
    OTHER = "other.other"

    @property
    def rule(self) -> OutcomeRule:
        return OUTCOMES[self]

    @property
    def group(self) -> OutcomeGroup:
        return OutcomeGroup(self.value.split(".")[0])

    @property
    def label(self) -> str:
        return self.rule.label

    @property
    def reason(self) -> Reason | None:
        """The withholding reason of a ``withheld.*`` outcome."""
        return Reason(self.value.split(".")[1]) if self.group is OutcomeGroup.WITHHELD else None

    @property
    def basis(self) -> str:
        """The legal basis as the reply letter quotes it."""
        return self.rule.basis

    @property
    def template(self) -> str:
        """The letter's template, relative to templates/: letters/<code>.docx."""
        return f"letters/{self.value}.docx"


@dataclass(frozen=True)
class OutcomeRule:
    """One leaf row of table 三 and what its reply needs.

    ``articles`` are the 条例's articles the letter rests on, in the order quoted;
    ``source`` is the instrument when it is not the 条例. ``needs_text``: the
    decision must say why in the clerk's words (the reason is not in the code).
    """

    label: str
    articles: tuple[str, ...]
    decision: str  # the decision in a few words, for lists and the letter's heading
    needs_text: bool = False
    source: str = REGULATION

    @property
    def basis(self) -> str:
        return f"{self.source}{'、'.join(self.articles)}" if self.articles else self.source


def _withheld(reason: Reason) -> OutcomeRule:
    # 第三十六条第三项 says "不予公开" and the reason's own article says why; a
    # 行政查询事项 rests on 第三十六条第七项 alone (the laws of that register apply).
    articles = (reason.article,)
    if reason is not Reason.ADMINISTRATIVE_QUERY:
        articles = ("第三十六条第三项", reason.article)
    return OutcomeRule(f"{_WITHHELD_NUMBERS[reason]}．{reason.label}", articles, "不予公开")


_WITHHELD_NUMBERS = {reason: number for number, reason in enumerate(Reason, start=1)}

OUTCOMES: dict[Outcome, OutcomeRule] = {
    Outcome.GRANTED: OutcomeRule("（一）予以公开", ("第三十六条第二项",), "予以公开"),
    Outcome.PARTLY_GRANTED: OutcomeRule(
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        ("第三十六条第三项", "第三十七条"),
        "部分公开",
    ),
    **{Outcome(f"withheld.{reason.value}"): _withheld(reason) for reason in Reason},
    Outcome.NOT_HELD: OutcomeRule(
        "1．本机关不掌握相关政府信息", ("第三十六条第四项",), "本机关不掌握相关政府信息"
    ),
    Outcome.NEEDS_CREATION: OutcomeRule(
        "2．没有现成信息需要另行制作", ("第三十八条",), "没有现成信息，需要另行制作"
    ),
    Outcome.UNCLEAR_AFTER_CORRECTION: OutcomeRule(
        "3．补正后申请内容仍不明确", ("第三十条",), "补正后申请内容仍不明确"
    ),
    Outcome.PETITION_OR_COMPLAINT: OutcomeRule(
        "1．信访举报投诉类申请",
        ("第三十九条第一款",),
        "属于信访、投诉、举报等诉求，不作为政府信息公开申请处理",
    ),
    Outcome.DUPLICATE: OutcomeRule("2．重复申请", ("第三十六条第六项",), "重复申请，不予重复处理"),
    Outcome.PUBLICATION: OutcomeRule(
        "3．要求提供公开出版物", ("第三十九条第二款",), "要求提供公开出版物，告知获取途径"
    ),
    Outcome.BULK_REPEATED: OutcomeRule(
        "4．无正当理由大量反复申请", ("第三十五条",), "无正当理由大量、频繁申请，不予处理"
    ),
    Outcome.CONFIRM_OR_REISSUE: OutcomeRule(
        "5．要求行政机关确认或重新出具已获取信息",
        ("第三十八条",),
        "要求确认或重新出具已获取的信息，不予处理",
    ),
    Outcome.NO_CORRECTION: OutcomeRule(
        "1．申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        ("第三十条",),
        "逾期未补正，视为放弃申请",
    ),
    Outcome.FEE_UNPAID: OutcomeRule(
        "2．申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        (),
        "逾期未缴纳信息处理费，视为放弃申请",
        source=FEE_MEASURES,
    ),
    Outcome.OTHER: OutcomeRule("3．其他", (), "其他处理", needs_text=True),
}


class NoticeKind(StrEnum):
    """Procedural notices and letters other than the final reply (templates/notices/)."""

    CORRECTION_REQUEST = "correction_request"  # 补正告知书 (第三十条)
    EXTENSION = "extension"  # 延期答复告知书 (第三十三条第二款)
    THIRD_PARTY = "third_party"  # 第三方意见征询函 (第三十二条)
    FEE = "fee"  # 收费通知书 (国办函〔2020〕109号)
    REFERRAL = "referral"  # 告知书: not this agency's; the competent one named (第三十六条第五项)

    @property
    def label(self) -> str:
        return {
            "correction_request": "补正告知书",
            "extension": "延期答复告知书",
            "third_party": "第三方意见征询函",
            "fee": "收费通知书",
            "referral": "告知书",
        }[self.value]

    @property
    def basis(self) -> str:
        return {
            "correction_request": f"{REGULATION}第三十条",
            "extension": f"{REGULATION}第三十三条第二款",
            "third_party": f"{REGULATION}第三十二条",
            "fee": f"{REGULATION}第四十二条、{FEE_MEASURES}",
            "referral": f"{REGULATION}第三十六条第五项",
        }[self.value]

    @property
    def template(self) -> str:
        return f"notices/{self.value}.docx"
