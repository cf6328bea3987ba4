"""Write templates/report/annual.docx: the annual report in the national format.

    .venv/bin/python templates/build_report.py [-o templates/report/annual.docx]

The tables of 国办公开办函〔2021〕30号 with their labels and merged header cells,
on a GB/T 9704 page, every number cell one docxtpl tag in one run
(``{{ t3.granted.natural_person }}``), the narratives of 一、五、六 as paragraph
loops. The labels and the tables' layouts come from engine/report.py, the one
place that holds them (the web desk's report page draws the same layouts).
Running this again overwrites the file: once an office edits the template in
Word, edit the file, not this script (templates/README.md).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.fees import FEE_MEASURES  # noqa: E402
from engine.report import LAYOUTS, REQUEST_COLUMNS, SECTIONS, TITLE  # noqa: E402

OUTPUT = REPO / "templates" / "report" / "annual.docx"

# GB/T 9704-2012: fonts by their names in Chinese Word installations; LibreOffice
# and WPS substitute what they have.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TABLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(16)  # 3号
TABLE_SIZE = Pt(9)  # 小五: 商业企业 fits a number column of table 三 on one line, in portrait
LINE = Pt(28.95)  # 22 lines a page
TEXT_WIDTH = Mm(210 - 28 - 26)
CELL_MARGIN_TWIPS = 40  # 0.07 cm each side, so two characters fit a column of table 四


def build(output: Path) -> Path:
    document = Document()
    _page(document)
    _styles(document)
    _footer(document)
    document.add_paragraph("{{ agency }}{{ year }}年" + TITLE, style="Report Title")
    document.add_paragraph(style="Report Title")  # the blank line under the title

    overview, proactive, requests, appeals, problems, other = SECTIONS
    _heading(document, overview)
    document.add_paragraph(
        "本报告所列数据的统计期限自{{ year }}年1月1日起至{{ year }}年12月31日止。"
    )
    _narrative(document, "overview")
    for section in (proactive, requests, appeals):
        _heading(document, section)
        _table(document, section)
    _heading(document, problems)
    _narrative(document, "problems")
    _heading(document, other)
    document.add_paragraph(
        f"依据{FEE_MEASURES}，本年度发出收费通知{{{{ t6.notices }}}}件，"
        "总金额{{ t6.notice_amount }}元；实际收取信息处理费{{ t6.collected }}元。"
    )
    _narrative(document, "other_matters")

    output.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(output))
    return output


# --- page, styles, footer ----------------------------------------------------


def _page(document: DocxDocument) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)


def _styles(document: DocxDocument) -> None:
    # The default template's theme fonts (minorEastAsia …) would win over the styles'
    # named fonts in Word; the document's language tells LibreOffice to use CJK fonts.
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    run_defaults = defaults.find(qn("w:rPr"))
    fonts = run_defaults.find(qn("w:rFonts"))
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    language = run_defaults.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_defaults.append(language)
    language.set(qn("w:eastAsia"), "zh-CN")

    normal = document.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    _font(normal, BODY_FONT, BODY_SIZE)
    _spacing(normal, LINE)
    normal.paragraph_format.first_line_indent = Pt(32)  # two characters
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    title = _style(document, "Report Title", TITLE_FONT, Pt(22))
    title.paragraph_format.first_line_indent = Pt(0)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(title, Pt(36))  # a 2号 title needs more than the body's line

    heading = _style(document, "Report Heading", HEADING_FONT, BODY_SIZE)
    heading.paragraph_format.keep_with_next = True

    cell = _style(document, "Report Table", TABLE_FONT, TABLE_SIZE)
    cell.paragraph_format.first_line_indent = Pt(0)
    cell.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cell.paragraph_format.space_before = cell.paragraph_format.space_after = Pt(0)

    label = _style(document, "Report Table Label", TABLE_FONT, TABLE_SIZE, base="Report Table")
    label.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _style(
    document: DocxDocument, name: str, font: str, size: Pt, base: str = "Normal"
) -> ParagraphStyle:
    style = document.styles.add_style(name, 1)  # 1: a paragraph style
    assert isinstance(style, ParagraphStyle)
    style.base_style = document.styles[base]
    style.quick_style = True
    _font(style, font, size)
    return style


def _font(style: ParagraphStyle, east_asian: str, size: Pt) -> None:
    style.font.name = LATIN_FONT
    style.font.size = size
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _spacing(style: ParagraphStyle, line: Pt) -> None:
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    style.paragraph_format.line_spacing = line
    style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)


def _footer(document: DocxDocument) -> None:
    """The page number, — 1 —, centred (GB/T 9704 7.5: 4号 半角 宋体)."""
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)
    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    paragraph.add_run(" —")
    for each in paragraph.runs:
        each.font.size = Pt(14)
        each.font.name = TABLE_FONT


def _heading(document: DocxDocument, text: str) -> None:
    document.add_paragraph(text, style="Report Heading")


def _narrative(document: DocxDocument, name: str) -> None:
    """One paragraph per paragraph of the section's text (docxtpl's {%p %} drops the tag lines)."""
    document.add_paragraph(f"{{%p for paragraph in {name} %}}")
    document.add_paragraph("{{ paragraph }}")
    document.add_paragraph("{%p endfor %}")


# --- tables --------------------------------------------------------------------

# The layouts (cells, merges, labels) are engine/report.py's, the ones the web page
# draws; only the widths are the document's own: fixed, in mm, adding up to the type
# area (a table not named here: equal columns).
WIDTHS_MM: dict[str, Sequence[float]] = {
    SECTIONS[1]: (50, 35.33, 35.33, 35.34),  # 表二
    SECTIONS[2]: (9, 13.5, 32, *[14.5] * len(REQUEST_COLUMNS)),  # 表三
}


def _table(document: DocxDocument, section: str) -> Table:
    """The section's table as :data:`LAYOUTS` lays it out: bordered, of fixed column widths,
    each number cell one docxtpl tag (``{{ t3.granted.natural_person }}``).

    The layout's header rows repeat at the top of every page the table runs onto.
    """
    layout = next(layout for layout in LAYOUTS if layout.section == section)
    widths_mm = WIDTHS_MM.get(section, [TEXT_WIDTH.mm / layout.columns] * layout.columns)
    assert len(widths_mm) == layout.columns, section
    assert abs(sum(widths_mm) - TEXT_WIDTH.mm) < 0.01, sum(widths_mm)
    table = document.add_table(rows=layout.rows, cols=layout.columns)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    properties = table._tbl.tblPr
    fixed = OxmlElement("w:tblLayout")
    fixed.set(qn("w:type"), "fixed")
    properties.append(fixed)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.append(margins)
    for index, row in enumerate(table.rows):
        row_properties = row._tr.get_or_add_trPr()
        row_properties.append(OxmlElement("w:cantSplit"))  # a row stays on one page
        if index < layout.header_rows:
            row_properties.append(OxmlElement("w:tblHeader"))
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

    # Merge first, then read the grid once: python-docx rebuilds it on every table.cell().
    for place in layout.places:
        if place.bottom is not None or place.right is not None:
            bottom = place.top if place.bottom is None else place.bottom
            right = place.left if place.right is None else place.right
            table.cell(place.top, place.left).merge(table.cell(bottom, right))
    grid = [row.cells for row in table.rows]
    styles = document.styles
    centred, left = styles["Report Table"], styles["Report Table Label"]
    for place in layout.places:
        paragraph = grid[place.top][place.left].paragraphs[0]
        paragraph.style = left if place.label else centred
        text = place.text if place.figure is None else f"{{{{ {place.figure} }}}}"
        paragraph.add_run(text)  # one run: a docxtpl tag must never be split
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    print(build(args.output))


if __name__ == "__main__":
    main()
