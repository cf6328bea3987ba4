"""Write templates/guide/guide.docx: the 政府信息公开指南 (条例第十二条).

    .venv/bin/python templates/build_guide.py [-o templates/guide/guide.docx]

The page and the styles are the letters' (templates/build.py: GB/T 9704 page,
仿宋_GB2312 3号 body, the slimmed style part, deterministic bytes), plus the two
heading levels of a 公文 (一、 in 黑体, （一） in 楷体_GB2312). The wording is
:data:`SECTIONS`; every figure, channel and fee band is a variable that
engine/guide.py fills from office.toml and the engine's own rules
(templates/README.md lists them). As with the letters, running this again
overwrites the file: once an office edits the guide in Word, edit the file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from templates.build import (  # noqa: E402
    BODY_SIZE,
    _body_rpr,
    _deterministic_zip,
    _ppr,
    _replace,
    _rpr,
    new_document,
)

OUTPUT = REPO / "templates" / "guide" / "guide.docx"
TITLE = "{{ agency }}政府信息公开指南"

# GB/T 9704 7.3.3: the first level of headings 黑体, the second 楷体; both indented
# like the body and kept with the paragraph they head.
HEADING_STYLES = (("一级标题", "黑体"), ("二级标题", "楷体_GB2312"))
H1, H2 = (name for name, _ in HEADING_STYLES)
# The office's particulars, one a line: flush left, so a long line (办公时间) is not
# stretched across the width as justified text would be.
ITEM = "列项"

ABOUT = "{{ regulation }}（以下简称《条例》）"
PARTICULARS = (
    "机构名称：{{ office }}",
    "办公地址：{{ office_address }}",
    "办公时间：{{ office_hours }}",
    "联系电话：{{ office_phone }}",
    "{%p if office_fax %}",
    "传　　真：{{ office_fax }}",
    "{%p endif %}",
    "{%p if office_email %}",
    "电子邮箱：{{ office_email }}",
    "{%p endif %}",
    "邮政编码：{{ office_postcode }}",
    "网　　址：{{ website }}",
)

# (style, text) in order; a text that is only a {%p … %} tag disappears when rendered.
SECTIONS: tuple[tuple[str, str], ...] = (
    (
        "Normal",
        "为了更好地提供政府信息公开服务，根据" + ABOUT + "的规定，编制本指南。"
        "公民、法人或者其他组织需要获取{{ agency }}的政府信息，建议阅读本指南。"
        "本指南适时更新，本次更新日期为{{ guide_date }}。",
    ),
    (H1, "一、政府信息公开工作机构"),
    *((ITEM, line) for line in PARTICULARS),
    (H1, "二、主动公开"),
    (H2, "（一）公开范围"),
    ("Normal", "本机关依照《条例》第二十条、第二十一条的规定主动公开下列政府信息："),
    ("Normal", "{%p for item in proactive_items %}"),
    ("Normal", "{{ loop.index }}．{{ item }}{% if loop.last %}。{% else %}；{% endif %}"),
    ("Normal", "{%p endfor %}"),
    (H2, "（二）公开方式"),
    (
        "Normal",
        "本机关主动公开的政府信息，以本机关门户网站（{{ website }}）“政府信息公开”专栏为"
        "第一平台{% if publication_channels %}，并通过{{ publication_channels }}"
        "等途径{% endif %}予以公开，方便公众及时、准确获取。",
    ),
    (H2, "（三）公开时限"),
    (
        "Normal",
        "属于主动公开范围的政府信息，本机关自该政府信息形成或者变更之日起"
        "{{ publication_days }}个工作日内予以公开。法律、法规对政府信息公开的期限另有规定的，"
        "从其规定（《条例》{{ publication_article }}）。",
    ),
    (H2, "（四）政府信息公开目录"),
    (
        "Normal",
        "本机关编制政府信息公开目录，在门户网站“政府信息公开”专栏发布并及时更新。目录列明"
        "每条政府信息的索引号、信息名称、发文字号、发布机构、成文日期、发布日期、主题分类和"
        "有效性，公众可以按主题分类浏览，也可以按信息名称、发文字号检索。",
    ),
    (H1, "三、依申请公开"),
    (H2, "（一）受理机构"),
    (
        "Normal",
        "除本机关主动公开的政府信息外，公民、法人或者其他组织可以向本机关申请获取政府信息"
        "（《条例》第二十七条）。受理机构为{{ office }}，"
        "地址、办公时间和联系方式见本指南第一部分。",
    ),
    (H2, "（二）申请方式"),
    (
        "Normal",
        "申请人应当采用书面形式提出申请，填写《政府信息公开申请表》（以下简称申请表）。"
        "申请表可以在本机关门户网站（{{ website }}）下载，也可以到受理机构领取，复制有效。"
        "申请可以通过以下方式提交：",
    ),
    ("Normal", "{%p for route in routes %}"),
    ("Normal", "{{ loop.index }}．{{ route.label }}：{{ route.how }}。{{ route.receipt }}。"),
    ("Normal", "{%p endfor %}"),
    (H2, "（三）申请内容"),
    (
        "Normal",
        "申请应当包括下列内容（《条例》第二十九条）：申请人的姓名或者名称、身份证明、"
        "联系方式；申请公开的政府信息的名称、文号或者便于本机关查询的其他特征性描述；"
        "申请公开的政府信息的形式要求，包括获取信息的方式、途径。",
    ),
    (H2, "（四）办理时限"),
    (
        "Normal",
        "本机关收到申请，能够当场答复的，当场予以答复；不能当场答复的，自收到申请之日起"
        "{{ reply_days }}个工作日内予以答复；需要延长答复期限的，经政府信息公开工作机构"
        "负责人同意并告知申请人，延长的期限最长不超过{{ extension_days }}个工作日"
        "（《条例》{{ reply_article }}）。",
    ),
    (
        "Normal",
        "申请内容不明确的，本机关自收到申请之日起{{ correction_days }}个工作日内一次性告知"
        "申请人作出补正，答复期限自本机关收到补正的申请之日起计算。申请公开的政府信息涉及"
        "第三方合法权益的，本机关书面征求第三方的意见，第三方自收到征求意见书之日起"
        "{{ third_party_days }}个工作日内提出意见；征求第三方和其他机关意见所需时间不计算在"
        "答复期限内（《条例》{{ excluded_article }}）。",
    ),
    (H2, "（五）收费"),
    (
        "Normal",
        "本机关依申请提供政府信息，不收取费用。申请人申请公开政府信息的数量、频次明显超过"
        "合理范围的，本机关可以依照{{ fee_measures }}（国办函〔2020〕109号，以下简称"
        "《办法》）收取信息处理费，按件或者按量计收，同一申请只适用一种方式：",
    ),
    ("Normal", "{%p for fee in fee_schedules %}"),
    ("Normal", "{{ fee.label }}（《办法》{{ fee.article }}）：{{ fee.standard }}。"),
    ("Normal", "{%p endfor %}"),
    (
        "Normal",
        "本机关收取信息处理费的，向申请人发出收费通知书；申请人应当自收到收费通知书之次日起"
        "{{ fee_payment_days }}个工作日内缴纳，逾期未缴纳的，视为放弃本次申请。",
    ),
    (H1, "四、监督和救济"),
    (
        "Normal",
        "公民、法人或者其他组织认为本机关在政府信息公开工作中侵犯其合法权益的，可以向上一级"
        "行政机关或者政府信息公开工作主管部门投诉、举报（《条例》第五十一条），也可以自知道"
        "该行政行为之日起60日内向{{ reconsideration_body }}申请行政复议，或者自知道或者应当"
        "知道该行政行为之日起6个月内向{{ court }}提起行政诉讼。",
    ),
)
SIGNATURE = (("发文机关署名", "{{ agency }}"), ("成文日期", "{{ guide_date }}"))


def build() -> bytes:
    """The template as .docx bytes: every paragraph one run, so every tag one run."""
    document = new_document("政府信息公开指南（guide）", "templates/build_guide.py")
    _heading_styles(document)
    document.add_paragraph(style="Title").add_run(TITLE)
    document.add_paragraph(style="Title")  # the blank line under the title
    body = [_add(document, style, text) for style, text in SECTIONS]
    body[-1].paragraph_format.keep_with_next = True  # the seal's page carries text too
    for style, text in SIGNATURE:
        _add(document, style, text)
    return _deterministic_zip(document)


def _add(document: DocumentObject, style: str, text: str) -> Paragraph:
    paragraph = document.add_paragraph(style=style)
    paragraph.add_run(text)
    return paragraph


def _heading_styles(document: DocumentObject) -> None:
    for name, font in HEADING_STYLES:
        style = _add_style(document, name, _ppr("both", first_chars=2), _rpr(font, BODY_SIZE))
        style.paragraph_format.keep_with_next = True
    _add_style(document, ITEM, _ppr("left", first_chars=2), _body_rpr())


def _add_style(
    document: DocumentObject, name: str, ppr: BaseOxmlElement, rpr: BaseOxmlElement
) -> ParagraphStyle:
    """A paragraph style on Normal with these paragraph and run properties."""
    styles = document.styles
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    style.base_style = styles["Normal"]
    style.next_paragraph_style = styles["Normal"]
    style.quick_style = True
    _replace(style.element, ppr, rpr)
    return style


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    data = build()
    if args.output.exists() and args.output.read_bytes() == data:
        print(f"unchanged {args.output}")
        return
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote     {args.output}")


if __name__ == "__main__":
    main()
