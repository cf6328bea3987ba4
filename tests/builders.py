"""Real documents built by code for tests: .docx (python-docx), .pdf (reportlab), OLE2.

Every builder writes ``path`` and returns it, so a test reads
``extract(build_pdf(tmp_path / "a.pdf", [...]))``.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.text.paragraph import Paragraph as DocxParagraph
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate
from reportlab.platypus import Image as PdfImage

CJK_FONT = "STSong-Light"  # an Adobe CID font every PDF reader has: no font file to ship
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
BODY = ParagraphStyle("body", fontName=CJK_FONT, fontSize=14, leading=22, wordWrap="CJK")

_BLOCK_NAMESPACES = " ".join(
    f'xmlns:{prefix}="{uri}"'
    for prefix, uri in {
        "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
        "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
        "v": "urn:schemas-microsoft-com:vml",
    }.items()
)
_FOOTNOTES_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
)


def build_docx(
    path: Path,
    paragraphs: Sequence[str],
    *,
    header: str | None = None,
    footer: str | None = None,
    table: Sequence[Sequence[str]] | None = None,
    table_after: int | None = None,
    footnote: str | None = None,
    scan: bool = False,
    xml_blocks: Sequence[str] = (),
) -> Path:
    """A .docx with body ``paragraphs``; ``table`` (rows of cell texts) goes after
    paragraph number ``table_after`` (0-based; default: after the last one);
    ``footnote`` is attached to the first paragraph; ``scan`` adds a picture of a
    scanned page, as when a scan is pasted into Word; ``xml_blocks`` are body blocks
    in WordprocessingML (prefixes w, mc, wps, v) for what python-docx cannot write:
    tracked changes, text boxes, content controls."""
    document = docx.Document()
    body = [document.add_paragraph(text) for text in paragraphs]
    for block in xml_blocks:
        wrapper = parse_xml(f"<w:body {_BLOCK_NAMESPACES}>{block}</w:body>")
        document.element.body.sectPr.addprevious(wrapper[0])
    if scan:
        document.add_picture(_scan_png())
    if table is not None:
        grid = document.add_table(rows=len(table), cols=max(len(row) for row in table))
        for cells, row in zip(grid.rows, table, strict=False):
            for cell, text in zip(cells.cells, row, strict=False):
                cell.text = text
        if table_after is not None:
            body[table_after]._p.addnext(grid._tbl)
    section = document.sections[0]
    if header is not None:
        section.header.paragraphs[0].text = header
    if footer is not None:
        section.footer.paragraphs[0].text = footer
    if footnote is not None:
        _add_footnote(document, body[0], footnote)
    document.save(str(path))
    return path


def _add_footnote(document: DocxDocument, paragraph: DocxParagraph, text: str) -> None:
    """python-docx has no footnote API: add word/footnotes.xml as Word writes it
    (the two separator notes, then note 1) and reference note 1 from ``paragraph``."""
    xml = (
        f"<w:footnotes {nsdecls('w')}>"
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        "</w:footnote>"
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        "<w:continuationSeparator/></w:r></w:p></w:footnote>"
        f'<w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
        "</w:p></w:footnote></w:footnotes>"
    )
    part = Part(
        PackURI("/word/footnotes.xml"),
        _FOOTNOTES_CONTENT_TYPE,
        xml.encode(),
        document.part.package,
    )
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
    reference = parse_xml(
        f'<w:r {nsdecls("w")}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        '<w:footnoteReference w:id="1"/></w:r>'
    )
    paragraph._p.append(reference)


def build_pdf(
    path: Path,
    paragraphs: Sequence[str],
    *,
    page_numbers: bool = False,
    user_password: str | None = None,
    scanned_pages: int = 0,
) -> Path:
    """An A4 PDF typeset by reportlab in STSong-Light, 14 pt, lines wrapped at the
    frame like real exports; ``page_numbers`` prints GB/T 9704's "— N —" at the
    foot of each page; ``user_password`` encrypts it (RC4, reportlab's default);
    ``scanned_pages`` appends pages that hold only an image, with no text layer."""
    encrypt = StandardEncryption(user_password, "owner") if user_password else None
    document = SimpleDocTemplate(str(path), pagesize=A4, encrypt=encrypt)
    story: list[Flowable] = [Paragraph(escape(text), BODY) for text in paragraphs]
    for _ in range(scanned_pages):
        if story:
            story.append(PageBreak())
        story.append(PdfImage(_scan_png(), width=400, height=560))
    on_page = _draw_page_number if page_numbers else _draw_nothing
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return path


def _draw_page_number(canvas: Canvas, document: SimpleDocTemplate) -> None:
    canvas.setFont(CJK_FONT, 14)
    canvas.drawCentredString(A4[0] / 2, 40, f"— {document.page} —")


def _draw_nothing(canvas: Canvas, document: SimpleDocTemplate) -> None:
    """reportlab calls a page callback whether or not there is anything to draw."""


def build_image_only_pdf(path: Path, pages: int = 1) -> Path:
    """A PDF of scanned pages: an image on each, no text layer."""
    return build_pdf(path, [], scanned_pages=pages)


def _scan_png() -> io.BytesIO:
    """A small grey page with a dark block where the text would be."""
    scan = Image.new("L", (200, 280), 255)
    ImageDraw.Draw(scan).rectangle((20, 20, 180, 60), fill=0)
    png = io.BytesIO()
    scan.save(png, "PNG")
    png.seek(0)
    return png


def build_ole2(path: Path, streams: dict[str, bytes]) -> Path:
    """A minimal OLE2 compound file (the container of .doc/.xls and of encrypted
    .docx) holding ``streams`` at root level, e.g. {"WordDocument": ...} for a
    legacy .doc or {"EncryptionInfo": ..., "EncryptedPackage": ...} for an
    encrypted .docx. At most three streams; each is padded to whole sectors of at
    least 4096 bytes so it lives in ordinary sectors and needs no mini stream."""
    if len(streams) > 3:
        raise ValueError("one directory sector holds the root and three streams")
    sector = 512
    end_of_chain, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    data = [content.ljust(4096, b"\0") for content in streams.values()]
    data = [content.ljust(-(-len(content) // sector) * sector, b"\0") for content in data]
    fat = [fat_sector, end_of_chain]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for content in data:
        starts.append(len(fat))
        count = len(content) // sector
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(end_of_chain)
    if len(fat) > sector // 4:
        raise ValueError("streams too large for a one-sector FAT")
    fat.extend([free] * (sector // 4 - len(fat)))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, no_stream, right, child)
            + bytes(16 + 4 + 8 + 8)  # CLSID, state bits, creation and modification times
            + struct.pack("<IQ", start, size)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, 1 if names else no_stream, no_stream, end_of_chain, 0)
    for index, (name, start, content) in enumerate(zip(names, starts, data, strict=True)):
        right = index + 2 if index + 1 < len(names) else no_stream
        directory += entry(name, 2, no_stream, right, start, len(content))
    directory = directory.ljust(sector, b"\0")
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )
    path.write_bytes(header + struct.pack(f"<{len(fat)}I", *fat) + directory + b"".join(data))
    return path


def build_zip(path: Path, members: dict[str, bytes]) -> Path:
    """A zip archive of ``members`` (name -> content), e.g. an OFD or a plain zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path
