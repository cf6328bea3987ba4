"""Write the shipped docxtpl templates: reply letters, procedural notices, correction letters.

One .docx per outcome code (``letters/<outcome>.docx``, walked from
:class:`engine.outcomes.Outcome`), per notice (``notices/<kind>.docx``, walked
from :class:`engine.outcomes.NoticeKind`) and per correction letter
(``corrections/<kind>.docx``). The variables each file may use, and the page
setup (GB/T 9704-2012), are the contract in templates/README.md.

The wording is data: :data:`REPLIES`, :data:`NOTICES` and :data:`CORRECTIONS`
below, a title and paragraphs per file, with the shared paragraphs (opening,
remedy, signature, 附注) written once. Each paragraph becomes one run, so no
Jinja tag is ever split across runs; a paragraph that is only a ``{%p … %}``
tag disappears when docxtpl renders (optional paragraphs, paragraph loops).

This script wrote the shipped files once. After that, editing the .docx files
in Word is the norm (staff change the wording; ``gongkai templates check``
finds a split tag or an unknown variable): running ``python templates/build.py``
again rewrites every file and loses those edits. The output is deterministic
(fixed zip timestamps and document properties), so an unchanged table rewrites
identical bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm
from docx.text.paragraph import Paragraph
from lxml import etree

from engine.outcomes import NoticeKind, Outcome

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------
# The wording
# ---------------------------------------------------------------------------

APPLICANT = "{{ applicant }}："
OPENING = (
    "本机关于{{ received }}收到{{ you }}通过{{ channel }}方式提出的政府信息公开申请"
    "（申请编号：{{ request_number }}），申请获取“{{ content }}”。"
)
CORRECTION_OPENING = (
    "本机关于{{ received }}收到{{ you }}提出的政府信息更正申请"
    "（申请编号：{{ correction_number }}），申请更正“{{ content }}”。"
)
REMEDY = (
    "如对本答复不服，可以自收到本答复之日起60日内向{{ reconsideration_body }}申请行政复议，"
    "或者自收到本答复之日起6个月内向{{ court }}提起行政诉讼。"
)
SIGNATURE = "{{ agency }}"
DATE = "{{ letter_date }}"
# 附注: the office's particulars are optional in office.toml, so each is printed when
# given. An inline condition, not a {%p if %} paragraph: the letter's last paragraph stays
# one a clerk can type in (when none is given, what is left is an empty last line).
CONTACT = (
    "{% if office_contact or office_phone or office_address %}"
    "（{% if office_contact %}联系人：{{ office_contact }}{% endif %}"
    "{% if office_phone %}{% if office_contact %}　{% endif %}"
    "联系电话：{{ office_phone }}{% endif %}"
    "{% if office_address %}{% if office_contact or office_phone %}　{% endif %}"
    "地址：{{ office_address }}{% endif %}）{% endif %}"
)

# The clerk's explanation, a paragraph of its own only when there is one.
REASON_TEXT = ("{%p if reason_text %}", "{{ reason_text }}", "{%p endif %}")
DOCUMENTS = (
    "{%p for d in documents %}",
    "{{ loop.index }}．《{{ d.title }}》{% if d.doc_number %}（{{ d.doc_number }}）{% endif %}"
    "{% if d.date %}，{{ d.date }}{% endif %}{% if loop.last %}。{% else %}；{% endif %}",
    "{%p endfor %}",
)
HOW = ("{%p if how %}", "提供方式：{{ how }}。", "{%p endif %}")
COMPETENT_CONTACT = "{% if competent_contact %}（联系方式：{{ competent_contact }}）{% endif %}"


@dataclass(frozen=True)
class Letter:
    """One template: its title and the paragraphs between the opening and the remedy.

    ``addressee`` is None for a public notice (澄清, 勘误); ``opening`` None when
    the body opens by itself; ``remedy``: the letter is a reply the addressee
    may challenge (行政复议, 行政诉讼), so it says where.
    """

    title: str
    body: tuple[str, ...]
    addressee: str | None = APPLICANT
    opening: str | None = OPENING
    remedy: bool = True

    def paragraphs(self) -> tuple[str, ...]:
        """The body paragraphs in order: opening, the letter's own, the remedy."""
        opening = (self.opening,) if self.opening else ()
        remedy = (REMEDY,) if self.remedy else ()
        return (*opening, *self.body, *remedy)


def _withheld(finding: str, ending: str = "本机关决定不予公开。") -> tuple[str, ...]:
    """不予公开 (第三十六条第三项): what the information is, the basis, the decision."""
    return (
        "经审查，{{ you }}申请获取的信息" + finding + "。根据{{ basis }}的规定，" + ending,
        *REASON_TEXT,
    )


REPLY = "政府信息公开申请答复书"

# letters/<outcome>.docx: the paragraphs after the opening, per outcome code.
REPLIES: dict[Outcome, tuple[str, ...]] = {
    Outcome.GRANTED: (
        "{%p if published_where %}",
        "经审查，{{ you }}申请获取的信息已经主动公开。根据{{ basis }}的规定，"
        "现告知{{ you }}获取该信息的方式和途径：{{ published_where }}。",
        "{%p else %}",
        "经审查，{{ you }}申请获取的信息属于可以公开的政府信息。"
        "根据{{ basis }}的规定，本机关决定予以公开。",
        "{%p endif %}",
        *REASON_TEXT,
        "{%p if documents %}",
        "相关政府信息如下：",
        *DOCUMENTS,
        "{%p endif %}",
        *HOW,
    ),
    Outcome.PARTLY_GRANTED: (
        "经审查，{{ you }}申请获取的信息中含有不应当公开的内容，但能够作区分处理。"
        "根据{{ basis }}的规定，本机关对可以公开的部分予以公开，对不予公开的部分说明理由如下。",
        *REASON_TEXT,
        "一、予以公开的信息",
        *DOCUMENTS,
        *HOW,
        "二、不予公开的部分及理由",
        "{%p for p in withheld_parts %}",
        "{{ loop.index }}．{{ p.part }}：{{ p.reason }}（{{ p.basis }}）"
        "{% if loop.last %}。{% else %}；{% endif %}",
        "{%p endfor %}",
    ),
    Outcome.WITHHELD_STATE_SECRET: _withheld("属于依法确定为国家秘密的政府信息"),
    Outcome.WITHHELD_PROHIBITED_BY_LAW: _withheld("属于法律、行政法规禁止公开的政府信息"),
    Outcome.WITHHELD_SECURITY_STABILITY: _withheld(
        "公开后可能危及国家安全、公共安全、经济安全、社会稳定"
    ),
    Outcome.WITHHELD_THIRD_PARTY_RIGHTS: _withheld(
        "涉及{% if third_party_kind %}第三方的{{ third_party_kind }}"
        "{% else %}商业秘密、个人隐私等{% endif %}，公开会对第三方合法权益造成损害，"
        "且不属于第三方同意公开或者不公开会对公共利益造成重大影响的情形"
    ),
    Outcome.WITHHELD_INTERNAL_AFFAIRS: _withheld(
        "属于人事管理、后勤管理、内部工作流程等方面的内部事务信息"
    ),
    Outcome.WITHHELD_PROCESS_INFO: _withheld(
        "属于本机关在履行行政管理职能过程中形成的讨论记录、过程稿、磋商信函、请示报告等过程性信息"
    ),
    Outcome.WITHHELD_ENFORCEMENT_CASE: _withheld("属于行政执法案卷信息"),
    Outcome.WITHHELD_ADMINISTRATIVE_QUERY: _withheld(
        "属于工商、不动产登记资料等有关法律、行政法规对信息的获取有特别规定的信息",
        "本机关不作为政府信息公开申请提供，请{{ you }}依照有关法律、行政法规的规定办理查询。",
    ),
    Outcome.NOT_HELD: (
        "{%p if competent_agency %}",
        "经审查，{{ you }}申请获取的信息不属于本机关负责公开的政府信息。"
        "根据{{ basis }}的规定，现告知如下：该信息由{{ competent_agency }}负责公开"
        + COMPETENT_CONTACT
        + "，{{ you }}可以向该机关提出申请。",
        "{%p else %}",
        "经检索，本机关未制作或者获取{{ you }}申请获取的政府信息，本机关不掌握该政府信息。"
        "根据{{ basis }}的规定，特此告知。",
        "{%p endif %}",
        *REASON_TEXT,
    ),
    Outcome.NEEDS_CREATION: (
        "经审查，本机关没有{{ you }}申请获取的现成信息，提供该信息需要本机关对现有政府信息"
        "进行加工、分析或者另行制作。根据{{ basis }}的规定，行政机关向申请人提供的信息，"
        "应当是已制作或者获取的政府信息，本机关不予提供。",
        *REASON_TEXT,
    ),
    Outcome.UNCLEAR_AFTER_CORRECTION: (
        "本机关已于{{ correction_sent }}向{{ you }}发出补正告知书，"
        "请{{ you }}于{{ correction_due }}前作出补正。"
        "本机关于{{ correction_received }}收到{{ you }}的补正，经审查，补正后的申请内容仍不明确，"
        "本机关无法确定{{ you }}所需的政府信息。根据{{ basis }}的规定，本机关"
        "无法提供。{{ you }}可以在明确所需信息的名称、文号或者其他特征描述后重新提出申请。",
        *REASON_TEXT,
    ),
    Outcome.PETITION_OR_COMPLAINT: (
        "经审查，{{ you }}的申请属于以政府信息公开申请的形式进行信访、投诉、举报等活动。"
        "根据{{ basis }}的规定，本机关不作为政府信息公开申请处理，"
        "{{ you }}可以通过信访、投诉、举报等相应渠道依法提出。",
        *REASON_TEXT,
    ),
    Outcome.DUPLICATE: (
        "经审查，本机关已就{{ you }}此前提出的政府信息公开申请作出答复，"
        "{{ you }}本次重复申请公开相同的政府信息。根据{{ basis }}的规定，本机关不予重复处理。",
        *REASON_TEXT,
    ),
    Outcome.PUBLICATION: (
        "经审查，{{ you }}申请获取的是政府公报、报刊、书籍等公开出版物。"
        "根据{{ basis }}的规定，本机关不作为政府信息公开申请处理，"
        "{{ you }}可以通过公开发行渠道或者查阅等途径获取。",
        *REASON_TEXT,
    ),
    Outcome.BULK_REPEATED: (
        "经审查，{{ you }}申请公开政府信息的数量、频次明显超过合理范围，"
        "本机关已要求{{ you }}说明理由，{{ you }}的申请理由不合理。"
        "根据{{ basis }}的规定，本机关不予处理。",
        *REASON_TEXT,
    ),
    Outcome.CONFIRM_OR_REISSUE: (
        "经审查，{{ you }}的申请系要求本机关确认或者重新出具{{ you }}已经获取的信息，"
        "不属于申请获取本机关已制作或者获取的政府信息。根据{{ basis }}的规定，本机关不予处理。",
        *REASON_TEXT,
    ),
    Outcome.NO_CORRECTION: (
        "本机关已于{{ correction_sent }}向{{ you }}发出补正告知书，告知需要补正的事项和补正期限"
        "（{{ correction_due }}前）。{{ you }}无正当理由逾期未补正。根据{{ basis }}的规定，"
        "视为{{ you }}放弃申请，本机关不再处理该政府信息公开申请。",
        *REASON_TEXT,
    ),
    Outcome.FEE_UNPAID: (
        "本机关已于{{ fee_notice_sent }}向{{ you }}发出收费通知书，告知应缴纳信息处理费"
        "{{ fee_amount }}元，缴费期限至{{ payment_due }}。{{ you }}逾期未按收费通知要求缴纳费用。"
        "根据{{ basis }}的规定，视为{{ you }}放弃申请，本机关不再处理该政府信息公开申请。",
        *REASON_TEXT,
    ),
    Outcome.OTHER: (
        "经审查，现答复如下：",
        "{{ reason_text }}",
        "根据{{ basis }}的规定，特此告知。",
    ),
}

# notices/<kind>.docx: procedural notices; only the referral (a reply) states the remedy.
NOTICES: dict[NoticeKind, Letter] = {
    NoticeKind.CORRECTION_REQUEST: Letter(
        "补正告知书",
        (
            "经审查，{{ you }}的申请内容不明确，本机关无法确定{{ you }}所需的政府信息。"
            "根据{{ basis }}的规定，请{{ you }}对下列事项作出补正：",
            "{{ correction_items }}",
            "请{{ you }}于{{ correction_due }}前将补正材料提交本机关。答复期限自本机关收到补正的"
            "申请之日起计算。{{ you }}无正当理由逾期不补正的，视为放弃申请，"
            "本机关不再处理该政府信息公开申请。",
            "特此告知。",
        ),
        remedy=False,
    ),
    NoticeKind.EXTENSION: Letter(
        "延期答复告知书",
        (
            "因{{ extension_reason }}，本机关不能在{{ original_due }}前作出答复。根据{{ basis }}的"
            "规定，经本机关政府信息公开工作机构负责人同意，"
            "答复期限延长{{ extension_days }}个工作日，"
            "本机关将于{{ new_due }}前作出答复。",
            "特此告知。",
        ),
        remedy=False,
    ),
    NoticeKind.THIRD_PARTY: Letter(
        "第三方意见征询函",
        (
            "经审查，申请人申请公开的政府信息可能涉及你方的商业秘密、个人隐私等合法权益，"
            "公开可能损害你方合法权益。根据{{ basis }}的规定，现书面征求你方意见。",
            "请你方自收到本函之日起15个工作日内（本函于{{ consulted }}发出，请于{{ reply_due }}前）"
            "以书面形式提出是否同意公开的意见；不同意公开的，请说明理由并提供相关证据材料。",
            "你方逾期未提出意见的，由本机关依法决定是否公开。你方不同意公开且有合理理由的，"
            "本机关不予公开；本机关认为不公开可能对公共利益造成重大影响的，可以决定予以公开，"
            "并将决定公开的政府信息内容和理由书面告知你方。",
            "特此函告。",
        ),
        addressee="{{ third_party }}：",
        opening=(
            "本机关于{{ received }}收到政府信息公开申请（申请编号：{{ request_number }}），"
            "申请人申请获取“{{ content }}”。"
        ),
        remedy=False,
    ),
    NoticeKind.FEE: Letter(
        "收费通知书",
        (
            "经审查，{{ you }}申请公开政府信息的数量、频次明显超过合理范围。根据{{ basis }}的"
            "规定，本机关决定收取信息处理费，现将有关事项通知如下：",
            "一、计收方式：{{ fee_method }}（依据{{ fee_basis }}）。",
            "二、收费标准：{{ fee_standard }}。",
            "三、计算过程：",
            "{%p for line in fee_lines %}",
            "{{ line }}{% if loop.last %}。{% else %}；{% endif %}",
            "{%p endfor %}",
            "四、应缴金额：{{ fee_amount }}元。",
            "五、缴费期限：请于{{ payment_due }}前缴纳。",
            "{%p if payment_instructions %}",
            "六、缴费方式：{{ payment_instructions }}",
            "{%p endif %}",
            "{{ you }}逾期未按本通知要求缴纳费用的，视为放弃申请，"
            "本机关不再处理该政府信息公开申请。",
            "特此通知。",
        ),
        remedy=False,
    ),
    NoticeKind.REFERRAL: Letter(
        "告知书",
        (
            "经审查，{{ you }}申请获取的信息不属于本机关负责公开的政府信息。根据{{ basis }}的"
            "规定，现告知如下：该信息由{{ competent_agency }}负责公开"
            + COMPETENT_CONTACT
            + "，{{ you }}可以向该机关提出申请。",
            *REASON_TEXT,
        ),
    ),
}

CORRECTION_REPLY = "政府信息更正申请答复书"
OUTSIDE_REMIT = "经审查，{{ you }}申请更正的政府信息记录不属于本机关职能范围。"

# corrections/<kind>.docx: 第四十一条 replies, and the public 澄清 and 勘误 notices.
CORRECTIONS: dict[str, Letter] = {
    "record.corrected": Letter(
        CORRECTION_REPLY,
        (
            "经审核，{{ you }}提供的证据能够证明相关政府信息记录不准确，{{ you }}反映的情况属实。"
            "根据{{ basis }}的规定，本机关已对该政府信息记录予以更正。",
            *REASON_TEXT,
        ),
        opening=CORRECTION_OPENING,
    ),
    "record.transferred": Letter(
        CORRECTION_REPLY,
        (
            OUTSIDE_REMIT + "根据{{ basis }}的规定，本机关已将{{ you }}的更正申请转送有权更正的"
            "{{ competent_agency }}处理" + COMPETENT_CONTACT + "，由该机关依法处理。",
            *REASON_TEXT,
        ),
        opening=CORRECTION_OPENING,
    ),
    "record.told_to_apply": Letter(
        CORRECTION_REPLY,
        (
            OUTSIDE_REMIT + "根据{{ basis }}的规定，请{{ you }}向有权更正的行政机关"
            "{% if competent_agency %}（{{ competent_agency }}"
            "{% if competent_contact %}，联系方式：{{ competent_contact }}{% endif %}）{% endif %}"
            "提出更正申请。",
            *REASON_TEXT,
        ),
        opening=CORRECTION_OPENING,
    ),
    "record.not_substantiated": Letter(
        CORRECTION_REPLY,
        (
            "经审核，{{ you }}提供的证据不能证明相关政府信息记录不准确。"
            "根据{{ basis }}的规定，本机关不予更正。",
            *REASON_TEXT,
        ),
        opening=CORRECTION_OPENING,
    ),
    "clarification": Letter(
        "澄清说明",
        (
            "近期，社会上流传“{{ subject }}”的信息。经核实，该信息不准确、不完整，"
            "可能误导公众。根据{{ basis }}的规定，本机关现发布准确的政府信息，澄清如下：",
            "{{ facts }}",
            "特此澄清。",
        ),
        addressee=None,
        opening=None,
        remedy=False,
    ),
    "erratum": Letter(
        "勘误说明",
        (
            "本机关于{{ issue_date }}公开的《{{ document_title }}》"
            "{% if doc_number %}（{{ doc_number }}）{% endif %}存在错误。"
            "根据{{ basis }}的规定，现更正如下：",
            "{%p for e in errors %}",
            "{{ loop.index }}．{{ e.where }}：“{{ e.wrong }}”更正为“{{ e.right }}”"
            "{% if loop.last %}。{% else %}；{% endif %}",
            "{%p endfor %}",
            "更正后的{% if corrected_title %}《{{ corrected_title }}》{% else %}文件{% endif %}"
            "已重新公开，请以更正后的文本为准。",
            "特此更正。",
        ),
        addressee=None,
        opening=None,
        remedy=False,
    ),
}


def templates() -> dict[str, Letter]:
    """Every template this script writes, by path relative to templates/.

    Walks the enums, so an outcome or notice added to engine/outcomes.py
    without its wording here stops the build instead of shipping no letter.
    """
    missing = [o.value for o in Outcome if o not in REPLIES]
    missing += [k.value for k in NoticeKind if k not in NOTICES]
    if missing:
        raise SystemExit(f"no wording in templates/build.py for: {', '.join(missing)}")
    table = {outcome.template: Letter(REPLY, REPLIES[outcome]) for outcome in Outcome}
    table |= {kind.template: NOTICES[kind] for kind in NoticeKind}
    table |= {f"corrections/{name}.docx": letter for name, letter in CORRECTIONS.items()}
    return table


# ---------------------------------------------------------------------------
# The page (GB/T 9704-2012)
# ---------------------------------------------------------------------------

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
LATIN_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"
BODY_SIZE = 32  # half-points: 3号, 16 pt
TITLE_SIZE = 44  # 2号, 22 pt
PAGE_NUMBER_SIZE = 28  # 4号, 14 pt
LINE = 579  # twips: 28.95 pt fixed, 22 lines a page
CHAR = 320  # twips: one 3号 character, 16 pt
# 28 characters in the 156 mm text width: 28 × 16 pt is 448 pt, the width 442.2 pt, so
# body text is condensed by 0.25 pt (字符间距紧缩 0.25 磅: 28 × 15.75 = 441 pt). A Word
# character grid (docGrid linesAndChars with a negative charSpace) would do the same in
# Word, but LibreOffice then spreads the characters over the line, and its line grid
# loses the 22nd line: the fixed 28.95 pt spacing alone gives 22 lines (225 mm / 28.95 pt).
CONDENSED = -5  # twentieths of a point
# Font-table entries, so a desktop without the GB fonts substitutes their nearest kin
# (仿宋_GB2312 -> 仿宋, 方正小标宋简体 -> 宋体) rather than a Latin default.
FONT_TABLE = "".join(
    f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
    f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>'
    for name, alt, family, pitch in (
        (BODY_FONT, "仿宋", "modern", "fixed"),
        (TITLE_FONT, "宋体", "auto", "variable"),
        (PAGE_NUMBER_FONT, "SimSun", "auto", "variable"),
    )
)
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

# Paragraph styles: (name, alignment, first-line chars, right-indent chars, lines before,
# lines after, keep with next). The signature keeps with the date and the date with the
# 附注, so the seal never stands on a page of its own (GB/T 9704 7.3.5).
STYLES: tuple[tuple[str, str, int, int, int, int, bool], ...] = (
    ("文号", "center", 0, 0, 0, 1, False),
    ("主送机关", "both", 0, 0, 0, 0, False),
    ("发文机关署名", "right", 0, 2, 2, 0, True),
    ("成文日期", "right", 0, 4, 0, 0, True),
    ("附注", "both", 2, 0, 0, 0, False),
)


def _el(tag: str, **attrs: str) -> BaseOxmlElement:
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _rpr(east_asian: str, size: int, latin: str = LATIN_FONT, spacing: int = 0) -> BaseOxmlElement:
    """Run properties: the East Asian font in w:eastAsia, Latin and digits in ``latin``."""
    rpr = OxmlElement("w:rPr")
    rpr.append(
        _el("w:rFonts", ascii=latin, hAnsi=latin, eastAsia=east_asian, cs=latin, hint="eastAsia")
    )
    rpr.append(_el("w:b", val="0"))
    rpr.append(_el("w:color", val="000000"))
    rpr.append(_el("w:spacing", val=str(spacing)))  # explicit, so styles don't inherit it
    rpr.append(_el("w:kern", val="0"))
    rpr.append(_el("w:sz", val=str(size)))
    rpr.append(_el("w:szCs", val=str(size)))
    rpr.append(_el("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))
    return rpr


def _body_rpr() -> BaseOxmlElement:
    """The body's run properties: 仿宋_GB2312 3号, condensed to 28 characters a line."""
    return _rpr(BODY_FONT, BODY_SIZE, spacing=CONDENSED)


def _ppr(
    jc: str, first_chars: int = 0, right_chars: int = 0, before: int = 0, after: int = 0
) -> BaseOxmlElement:
    """Paragraph properties: fixed 28.95 pt lines, indents counted in characters."""
    ppr = OxmlElement("w:pPr")
    ppr.append(_el("w:widowControl", val="0"))
    spacing = {"before": str(before * LINE), "after": str(after * LINE), "line": str(LINE)}
    ppr.append(_el("w:spacing", lineRule="exact", **spacing))
    ind = {"firstLineChars": str(first_chars * 100), "firstLine": str(first_chars * CHAR)}
    if right_chars:
        ind |= {"rightChars": str(right_chars * 100), "right": str(right_chars * CHAR)}
    ppr.append(_el("w:ind", left="0", **ind))
    ppr.append(_el("w:jc", val=jc))
    return ppr


def _replace(parent: BaseOxmlElement, *children: BaseOxmlElement) -> None:
    """Put ``children`` in ``parent`` in place of any elements of the same tags."""
    for child in children:
        for old in parent.findall(child.tag):
            parent.remove(old)
        parent.append(child)


def _setup_styles(document: DocumentObject) -> None:
    styles = document.styles
    _replace(styles.element.xpath("w:docDefaults/w:rPrDefault")[0], _body_rpr())
    _replace(styles.element.xpath("w:docDefaults/w:pPrDefault")[0], _ppr("both"))

    _replace(styles["Normal"].element, _ppr("both", first_chars=2), _body_rpr())
    title = styles["Title"].element
    _replace(title, _ppr("center"), _rpr(TITLE_FONT, TITLE_SIZE))
    for name, jc, first, right, before, after, keep in STYLES:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.next_paragraph_style = styles["Normal"]
        style.quick_style = True
        _replace(style.element, _ppr(jc, first, right, before, after), _body_rpr())
        style.paragraph_format.keep_with_next = keep or None
    footer = OxmlElement("w:pPr")
    footer.append(_el("w:spacing", before="0", after="0", line="240", lineRule="auto"))
    footer.append(_el("w:ind", left="0", firstLine="0"))
    page_number = _rpr(PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE, latin=PAGE_NUMBER_FONT)  # 半角宋体
    _replace(styles["Footer"].element, footer, page_number)


def _setup_page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(23)  # the page number's dash line 7 mm below the text block
    section.gutter = Mm(0)
    section._sectPr.xpath("w:docGrid")[0].set(qn("w:linePitch"), str(LINE))
    document.settings.odd_and_even_pages_header_footer = True
    # Page numbers "— 1 —": odd pages right, even pages left, one character in.
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        paragraph = footer.paragraphs[0]
        paragraph.style = document.styles["Footer"]
        ppr = paragraph._p.get_or_add_pPr()
        ppr.append(_el("w:ind", **{side: "280", "firstLine": "0"}))
        ppr.append(_el("w:jc", val=side))
        paragraph.add_run("— ")
        field = _el("w:fldSimple", instr=" PAGE ")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field.append(run)
        paragraph._p.append(field)
        paragraph.add_run(" —")


def new_document(title: str, script: str) -> DocumentObject:
    """A GB/T 9704 page with the slimmed styles and fixed properties (the same bytes at
    every build), as ``script`` (the builder's path) writes it."""
    document = Document()
    _setup_page(document)
    _setup_styles(document)
    properties = document.core_properties
    properties.title = title
    properties.author = properties.last_modified_by = f"gongkai {script}"
    properties.created = properties.modified = FIXED_DATE
    properties.revision = 1
    package = document.part.package
    for rid, relationship in list(package.rels.items()):
        if relationship.reltype == RT.THUMBNAIL:  # python-docx's sample page, not ours
            del package.rels[rid]
    return document


def render(letter: Letter, title: str) -> bytes:
    """The template as .docx bytes: every paragraph one run, so every tag one run."""
    document = new_document(title, "templates/build.py")

    def add(text: str, style: str = "Normal") -> Paragraph:
        paragraph = document.add_paragraph(style=style)
        paragraph.add_run(text)
        return paragraph

    add(letter.title, "Title")
    add("{{ letter_number }}", "文号")
    if letter.addressee:
        add(letter.addressee, "主送机关")
    body = [add(text) for text in letter.paragraphs()]
    last = next(p for p in reversed(body) if not p.text.startswith("{%p"))
    last.paragraph_format.keep_with_next = True  # the seal's page carries text too
    add(SIGNATURE, "发文机关署名")
    add(DATE, "成文日期")
    add(CONTACT, "附注")
    return _deterministic_zip(document)


def _deterministic_zip(document: DocumentObject) -> bytes:
    """Save with fixed member timestamps, so the same table writes the same bytes.

    The font table gets its entries for the GB fonts on the way (python-docx
    keeps that part as bytes), and the package is slimmed (:func:`_slim`).
    """
    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w") as target:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
        parts["word/fontTable.xml"] = parts["word/fontTable.xml"].replace(
            b"</w:fonts>", FONT_TABLE.encode() + b"</w:fonts>"
        )
        for name, data in _slim(parts).items():
            member = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, data)
    return out.getvalue()


_DROPPED_PARTS = ("word/stylesWithEffects.xml", "customXml/")


def _slim(parts: dict[str, bytes]) -> dict[str, bytes]:
    """The package without python-docx's sample baggage: 800 KB of styles no letter uses.

    Every letter reads and writes each part of its template, so the default
    template's styles (354 KB), its Word 2010 copy with effects (438 KB) and its
    custom XML made each letter cost three times what its own text does. Kept:
    the styles the document and footers use, the styles they are based on or
    linked to, and the defaults; Word needs nothing else to open it.
    """
    kept = {name: data for name, data in parts.items() if not name.startswith(_DROPPED_PARTS)}
    for name in ("[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels"):
        tree = etree.fromstring(kept[name])
        for element in list(tree):
            target = element.get("PartName") or element.get("Target") or ""
            if any(dropped.removeprefix("word/") in target for dropped in _DROPPED_PARTS):
                tree.remove(element)
        kept[name] = etree.tostring(tree, xml_declaration=True, encoding="UTF-8", standalone=True)
    kept["word/styles.xml"] = _used_styles(kept)
    return kept


def _used_styles(parts: dict[str, bytes]) -> bytes:
    styles = etree.fromstring(parts["word/styles.xml"])
    for latent in styles.findall(qn("w:latentStyles")):
        styles.remove(latent)
    used = set()
    for name, data in parts.items():
        if name.startswith(("word/document", "word/footer", "word/header")):
            used |= set(re.findall(rb'w:(?:p|r|tbl)Style w:val="([^"]+)"', data))
    by_id = {style.get(qn("w:styleId")).encode(): style for style in styles.findall(qn("w:style"))}
    wanted = {sid for sid, style in by_id.items() if style.get(qn("w:default")) == "1"} | used
    while True:  # the styles these are based on, followed by or linked to
        more = {
            ref.get(qn("w:val")).encode()
            for sid in wanted
            if sid in by_id
            for ref in by_id[sid]
            if ref.tag in (qn("w:basedOn"), qn("w:next"), qn("w:link"))
        } - wanted
        if not more:
            break
        wanted |= more
    for sid, style in by_id.items():
        if sid not in wanted:
            styles.remove(style)
    return etree.tostring(styles, xml_declaration=True, encoding="UTF-8", standalone=True)


def main() -> None:
    table = templates()
    for relative, letter in table.items():
        path = HERE / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = render(letter, f"{letter.title}（{Path(relative).stem}）")
        if path.exists() and path.read_bytes() == data:
            print(f"unchanged {relative}")
            continue
        path.write_bytes(data)
        print(f"wrote     {relative}")
    for folder in ("letters", "notices", "corrections"):
        for path in sorted((HERE / folder).glob("*.docx")):
            if f"{folder}/{path.name}" not in table:
                print(f"not written by build.py (left as it is): {folder}/{path.name}")


if __name__ == "__main__":
    main()
