"""Word .docx: body, tables, headers, footers, footnotes and endnotes.

The text reads: headers, the body in document order (paragraphs, table rows with
cells joined by a tab, text boxes), footnotes and endnotes, then footers — each
group set off from the next by a blank line. Headers come first because offices
put the 发文机关标志 or the document number in them, and metadata is read from the
top; footers (mostly page numbers and the office's name) come last so they never
stand between the title and the body. Repeated headers and footers of several
sections appear once; a header or footer line that is only a page number is dropped.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import NoReturn

from docx.oxml.ns import nsmap, qn
from lxml.etree import XPath, _Element

from engine.codes import DocumentStatus
from engine.extract import PAGE_NUMBER, Extraction, ExtractionError
from engine.extract.package import ZipPackage

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
_NOTES = (("footnotes", qn("w:footnote")), ("endnotes", qn("w:endnote")))
_BODY = qn("w:body")
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_HEADER_REF, _FOOTER_REF = qn("w:headerReference"), qn("w:footerReference")
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_NOTE_FURNITURE = {"separator", "continuationSeparator", "continuationNotice"}


def extract(data: bytes) -> Extraction:
    package = _Package(data)
    document = package.main_part()
    related = package.related(document)
    headers = [line for part in related.get("header", ()) for line in _blocks(part)]
    footers = [line for part in related.get("footer", ()) for line in _blocks(part)]
    body_element = document.find(_BODY)
    if body_element is None:
        raise ExtractionError("corrupt", "the .docx has no document body")
    body = list(_blocks(body_element))
    notes = [
        line
        for kind, tag in _NOTES
        for part in related.get(kind, ())
        for note in part.iterchildren(tag)
        if note.get(qn("w:type")) not in _NOTE_FURNITURE
        for line in _blocks(note)
        if line
    ]
    groups = (_furniture(headers), body, notes, _furniture(footers))
    text = "\n\n".join("\n".join(group) for group in groups if group)
    status = DocumentStatus.FILED
    if not text.strip() and any(name.startswith("word/media/") for name in package.names):
        status = DocumentStatus.NEEDS_OCR  # pictures and no text: a scan pasted into Word
    return Extraction(text, "docx", status)


class _Package(ZipPackage):
    """The parts of an OPC package that hold text, read straight from the zip.

    python-docx would parse every part (styles, theme, numbering …) first; reading
    only the document, its headers, footers and notes is several times faster.
    """

    def __init__(self, data: bytes) -> None:
        super().__init__(data, "the .docx", MAX_UNPACKED_BYTES)
        main = [name for _, kind, name in self._relationships("") if kind == "officeDocument"]
        self._main = main[0] if main else "word/document.xml"

    def _relationships(self, part: str) -> list[tuple[str, str, str]]:
        """(id, kind, part name) of ``part``'s internal relationships; kind is the last
        segment of the type: officeDocument, header, footer, footnotes …"""
        base, name = posixpath.split(part)
        rels_name = posixpath.join(base, "_rels", f"{name}.rels")
        if rels_name not in self.names:
            return []
        found = []
        for rel in self.xml(rels_name).iterchildren(_REL):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            resolved = (
                target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            )
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            found.append((rel.get("Id", ""), kind, posixpath.normpath(resolved)))
        return found

    def main_part(self) -> _Element:
        return self.xml(self._main)

    def related(self, document: _Element) -> dict[str, list[_Element]]:
        """The document's headers and footers (in the order its sections name them, each
        once) and its footnote and endnote parts."""
        relationships = self._relationships(self._main)
        by_id = {rel_id: name for rel_id, _, name in relationships}
        parts: dict[str, list[_Element]] = {}
        for kind, reference in (("header", _HEADER_REF), ("footer", _FOOTER_REF)):
            names = dict.fromkeys(by_id.get(ref.get(_R_ID)) for ref in document.iter(reference))
            parts[kind] = [self.xml(name) for name in names if name in self.names]
        for _, kind, name in relationships:
            if kind in ("footnotes", "endnotes") and name in self.names:
                parts.setdefault(kind, []).append(self.xml(name))
        return parts


def refuse_encrypted(data: bytes) -> NoReturn:
    """An OLE2 container with EncryptionInfo: a password-protected .docx (or .xlsx)."""
    raise ExtractionError(
        "encrypted",
        "a password-protected Office document: open it in Word, remove the password, "
        "and file it again",
    )


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


def _furniture(lines: list[str]) -> list[str]:
    """Header or footer lines worth keeping, each once, in first-seen order: blank
    lines and bare page numbers (a PAGE field's last value) are dropped."""
    kept = (line for line in lines if line.strip() and not PAGE_NUMBER.fullmatch(line))
    return list(dict.fromkeys(kept))
