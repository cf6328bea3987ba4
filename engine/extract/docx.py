"""Word .docx (python-docx): body, tables, headers, footers, footnotes and endnotes.

The text reads: headers, the body in document order (paragraphs, table rows with
cells joined by a tab, text boxes), footnotes and endnotes, then footers — each
group set off from the next by a blank line. Headers come first because offices
put the 发文机关标志 or the document number in them, and metadata is read from the
top; footers (mostly page numbers and the office's name) come last so they never
stand between the title and the body. Repeated headers and footers of several
sections appear once; a header or footer line that is only a page number is dropped.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import NoReturn

import docx
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsmap, qn
from lxml.etree import XPath, _Element

from engine.codes import DocumentStatus
from engine.extract import PAGE_NUMBER, Extraction, ExtractionError

MAX_UNPACKED_BYTES = 300 * 2**20  # a zip bomb is refused before anything is inflated

_P, _TBL, _SDT, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:tr"), qn("w:tc")
_NS = {"w": nsmap["w"], "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}
# The text of a paragraph's runs at any depth (hyperlinks, tracked insertions, fields,
# smart tags) but not of its text boxes, which are read as paragraphs of their own.
# Deleted text (w:delText) and field codes (w:instrText) are not selected.
_RUN_TEXT = XPath(
    ".//w:r[count(ancestor::w:txbxContent) = $depth]"
    "/*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen]",
    namespaces=_NS,
)
_T = qn("w:t")
_MARKS = {qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}
_DEPTH = XPath("count(ancestor::w:txbxContent)", namespaces=_NS)
# Word stores each text box twice (DrawingML and a VML fallback): read the first only.
_TEXT_BOXES = XPath(".//w:txbxContent[not(ancestor::mc:Fallback)]", namespaces=_NS)
_NOTES = (  # (relationship, element) of the parts holding notes
    (RELATIONSHIP_TYPE.FOOTNOTES, qn("w:footnote")),
    (RELATIONSHIP_TYPE.ENDNOTES, qn("w:endnote")),
)
_NOTE_FURNITURE = {"separator", "continuationSeparator", "continuationNotice"}


def extract(data: bytes) -> Extraction:
    members = _package_members(data)
    document = docx.Document(io.BytesIO(data))
    headers: list[str] = []
    footers: list[str] = []
    for section in document.sections:
        for part, target in (
            (section.first_page_header, headers),
            (section.header, headers),
            (section.even_page_header, headers),
            (section.first_page_footer, footers),
            (section.footer, footers),
            (section.even_page_footer, footers),
        ):
            # A linked part has no definition of its own (reading it would add one).
            if not part.is_linked_to_previous:
                target.extend(_blocks(part.part.element))
    body = list(_blocks(document.element.body))
    notes = list(_notes(document))
    groups = (_furniture(headers), body, notes, _furniture(footers))
    text = "\n\n".join("\n".join(group) for group in groups if group)
    status = DocumentStatus.FILED
    if not text.strip() and any(name.startswith("word/media/") for name in members):
        status = DocumentStatus.NEEDS_OCR  # pictures and no text: a scan pasted into Word
    return Extraction(text, "docx", status)


def refuse_encrypted(data: bytes) -> NoReturn:
    """An OLE2 container with EncryptionInfo: a password-protected .docx (or .xlsx)."""
    raise ExtractionError(
        "encrypted",
        "a password-protected Office document: open it in Word, remove the password, "
        "and file it again",
    )


def _package_members(data: bytes) -> list[str]:
    """The zip's member names, once it is known to be a zip that unpacks within limits."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise ExtractionError("corrupt", f"the .docx is not a readable zip ({exc})") from exc
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ExtractionError(
            "too_large",
            f"the .docx unpacks to {unpacked:,} bytes; the limit is {MAX_UNPACKED_BYTES:,}",
        )
    return [member.filename for member in members]


def _blocks(container: _Element) -> Iterator[str]:
    """Lines of a body, header, cell or note in document order: one per paragraph
    (then one per paragraph of its text boxes), one per table row."""
    for child in container.iterchildren(_P, _TBL, _SDT):
        if child.tag == _P:
            marks = _RUN_TEXT(child, depth=_DEPTH(child))
            yield "".join(mark.text or "" if mark.tag == _T else _MARKS[mark.tag] for mark in marks)
            for box in _TEXT_BOXES(child):
                yield from _blocks(box)
        elif child.tag == _TBL:
            yield from _rows(child)
        else:  # a content control: its blocks sit in w:sdtContent
            for content in child.iterchildren(qn("w:sdtContent")):
                yield from _blocks(content)


def _rows(table: _Element) -> Iterator[str]:
    """A row's cells joined by a tab. Each w:tc is read once, so a merged cell's text is
    not repeated; a cell's own paragraphs and nested tables are joined by a space."""
    for row in table.iterchildren(_TR):
        cells = [" ".join(filter(None, _blocks(cell))) for cell in row.iterchildren(_TC)]
        if any(cells):
            yield "\t".join(cells)


def _notes(document: Document) -> Iterator[str]:
    """Footnotes and endnotes: python-docx has no API for them, so read their parts."""
    for relationship, tag in _NOTES:
        try:
            part = document.part.part_related_by(relationship)
        except KeyError:
            continue
        for note in parse_xml(part.blob).iterchildren(tag):
            if note.get(qn("w:type")) not in _NOTE_FURNITURE:
                yield from filter(None, _blocks(note))


def _furniture(lines: list[str]) -> list[str]:
    """Header or footer lines worth keeping, each once, in first-seen order: blank
    lines and bare page numbers (a PAGE field's last value) are dropped."""
    kept = (line for line in lines if line.strip() and not PAGE_NUMBER.fullmatch(line))
    return list(dict.fromkeys(kept))
