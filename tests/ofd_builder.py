"""OFD packages (GB/T 33190-2016) built by code, laid out as a GB/T 9704 公文 is printed.

A4 pages, the type area 156 mm wide from 28 mm left and 37 mm top, 仿宋 3号 (16 pt),
28 characters a line; the lines of a document are spread evenly over the type
area's 225 mm, 22 a page or more when a page holds more. Each line is a
TextObject whose Boundary places it and whose TextCode carries X/Y and DeltaX, as
office suites export; ``glyph_runs`` writes one TextCode per character instead,
as PDF-to-OFD converters do. The package has what a real one has: OFD.xml with
DocInfo and CustomDatas, Document.xml with CommonData (PageArea, PublicRes with
the fonts, DocumentRes with images), Pages, and one Content.xml per page.

Every builder writes ``path`` and returns it, like those in builders.py.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import math
import unicodedata
import uuid
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw

from tests.builders import _scan_png

OFD_NAMESPACE = "http://www.ofdspec.org/2016"
PAGE_BOX = "0 0 210 297"
LEFT, TOP, TYPE_WIDTH, TYPE_HEIGHT = 28.0, 37.0, 156.0, 225.0
CHARS_PER_LINE, LINES_PER_PAGE = 28, 22
ADVANCE = TYPE_WIDTH / CHARS_PER_LINE  # a CJK character's advance, mm
BODY_SIZE = 16 * 25.4 / 72  # 3号, mm
HEADER_SIZE = 22 * 25.4 / 72  # 2号, for the 发文机关标志 of a template page
# A line may not open with these: the typesetter hangs them at the end of the line before.
CLOSING_MARKS = frozenset("，。、；：？！》）」』〗】”’,.;:?!)")
OPENING_MARKS = frozenset("《（「『〖【“‘(")

# Damaged and hostile packages the extractor must refuse.
Variant = Literal[
    "zip_bomb", "too_many_entries", "path_escape", "external_entity", "encrypted", "missing_page"
]
BOMB_BYTES = 8 * 2**20  # zeros: deflate packs them a thousandfold
TOO_MANY_ENTRIES = 10_001


def typeset(
    paragraphs: Sequence[str], *, pages: int | None = None, chars_per_line: int = CHARS_PER_LINE
) -> list[list[str]]:
    """``paragraphs`` wrapped into lines and cut into pages of :data:`LINES_PER_PAGE`
    lines, or into ``pages`` pages of nearly equal length."""
    lines = [line for paragraph in paragraphs for line in wrap(paragraph, chars_per_line)]
    per_page = math.ceil(len(lines) / pages) if pages else LINES_PER_PAGE
    return [lines[start : start + per_page] for start in range(0, len(lines), per_page)]


def wrap(paragraph: str, chars_per_line: int = CHARS_PER_LINE) -> list[str]:
    """The lines of one paragraph, each filled to ``chars_per_line`` CJK characters'
    width (a half-width character counts half, the indent counts), with two rules of
    Chinese typesetting (禁则): a closing mark hangs at the end of a line rather than
    open the next, and an opening mark does not end a line."""
    lines = []
    start, index, width = 0, 0, 0.0
    while index < len(paragraph):
        width += _units(paragraph[index])
        if width <= chars_per_line:
            index += 1
            continue
        cut = index
        while cut < len(paragraph) and paragraph[cut] in CLOSING_MARKS:
            cut += 1
        while cut - 1 > start and paragraph[cut - 1] in OPENING_MARKS:
            cut -= 1
        lines.append(paragraph[start:cut])
        start = index = cut
        width = 0.0
    if start < len(paragraph) or not lines:
        lines.append(paragraph[start:])
    return lines


def build_ofd(
    path: Path,
    pages: Sequence[Sequence[str]],
    *,
    doc_info: Mapping[str, str] | None = None,
    custom_data: Mapping[str, str] | None = None,
    template: Sequence[str] = (),
    page_numbers: bool = False,
    signed: bool = False,
    annotation: str | None = None,
    scanned_pages: int = 0,
    glyph_runs: bool = False,
    prefix: str | None = "ofd",
    variant: Variant | None = None,
) -> Path:
    """An OFD whose pages hold ``pages`` (lines of text each, as laid out).

    A line's leading ideographic spaces indent it; two or more blanks inside it
    separate fields, each placed as a TextObject of its own; an empty line is left
    blank. ``doc_info`` (Title, Author, CreationDate, Abstract …) and ``custom_data``
    (发文字号 …) go into OFD.xml's DocInfo. ``template`` lines stand at the top of a
    template page every page uses; ``page_numbers`` prints "— N —" at each foot;
    ``signed`` adds an electronic seal (Signs/ with Signature.xml, the signed value
    and a seal image, and its stamp on page 1); ``annotation`` adds a highlight
    with that remark on page 1; ``scanned_pages`` appends pages that hold only an
    image. ``prefix``: the namespace prefix, "" for a default namespace, None for
    no namespace. ``variant``: a damaged or hostile package (see :data:`Variant`).
    """
    xml = _Writer(prefix)
    members: dict[str, bytes] = {}
    pitch = TYPE_HEIGHT / max([LINES_PER_PAGE, *map(len, pages)])
    ids = itertools.count(1)
    font_id, header_font_id, template_id, image_id = next(ids), next(ids), next(ids), next(ids)

    if template:
        header = "".join(
            _text_objects(
                xml,
                ids,
                line,
                18 + (n + 1) * HEADER_SIZE * 1.5,
                HEADER_SIZE,
                header_font_id,
                glyph_runs,
            )
            for n, line in enumerate(template)
        )
        members["Doc_0/Tpls/Tpl_0/Content.xml"] = xml.part("Page", _content(xml, ids, header))
    page_ids, page_refs = [], []
    for index, lines in enumerate([*pages, *([[]] * scanned_pages)]):
        objects = "".join(
            _text_objects(
                xml, ids, line, TOP + BODY_SIZE + n * pitch, BODY_SIZE, font_id, glyph_runs
            )
            for n, line in enumerate(lines)
            if line.strip()
        )
        if page_numbers:
            number = f"— {index + 1} —"
            indent = "\u3000" * ((CHARS_PER_LINE - len(number)) // 2)
            objects += _text_objects(
                xml, ids, indent + number, 297 - 22, BODY_SIZE, font_id, glyph_runs
            )
        if index >= len(pages):
            objects += xml.el(
                "ImageObject",
                ID=next(ids),
                ResourceID=image_id,
                Boundary=PAGE_BOX,
                CTM="210 0 0 297 0 0",
            )
        body = (
            (xml.el("Template", TemplateID=template_id, ZOrder="Background") if template else "")
            + xml.el("Area", xml.el("PhysicalBox", PAGE_BOX))
            + _content(xml, ids, objects)
        )
        members[f"Doc_0/Pages/Page_{index}/Content.xml"] = xml.part("Page", body)
        page_ids.append(next(ids))
        page_refs.append(xml.el("Page", ID=page_ids[-1], BaseLoc=f"Pages/Page_{index}/Content.xml"))
    if variant == "missing_page":
        missing = f"Pages/Page_{len(page_refs)}/Content.xml"
        page_refs.append(xml.el("Page", ID=next(ids), BaseLoc=missing))
    if variant == "path_escape":
        # A member outside the package root, as a zip-slip archive carries, and a page
        # pointing at it: read, it would put text from nowhere into the document.
        members["../evil/Content.xml"] = xml.part(
            "Page", _content(xml, ids, _text_objects(xml, ids, "伪造内容", TOP, BODY_SIZE, font_id))
        )
        page_refs[0] = xml.el("Page", ID=page_ids[0], BaseLoc="../../evil/Content.xml")

    fonts = xml.el("Font", ID=font_id, FontName="仿宋_GB2312", FamilyName="仿宋_GB2312") + xml.el(
        "Font", ID=header_font_id, FontName="方正小标宋简体", FamilyName="方正小标宋简体"
    )
    members["Doc_0/PublicRes.xml"] = xml.part("Res", xml.el("Fonts", fonts), BaseLoc="Res")
    if scanned_pages:
        media = xml.el("MultiMedia", xml.el("MediaFile", "scan.png"), ID=image_id, Type="Image")
        members["Doc_0/DocumentRes.xml"] = xml.part(
            "Res", xml.el("MultiMedias", media), BaseLoc="Res"
        )
        members["Doc_0/Res/scan.png"] = _scan_png().getvalue()
    common = (
        xml.el("MaxUnitID", next(ids))
        + xml.el("PageArea", xml.el("PhysicalBox", PAGE_BOX))
        + xml.el("PublicRes", "PublicRes.xml")
        + (xml.el("DocumentRes", "DocumentRes.xml") if scanned_pages else "")
        + (
            xml.el("TemplatePage", ID=template_id, BaseLoc="Tpls/Tpl_0/Content.xml")
            if template
            else ""
        )
    )
    annotations = ""
    if annotation is not None:
        annotations = xml.el("Annotations", "Annots/Annotations.xml")
        members.update(_annotation(xml, ids, annotation, page_ids[0], font_id))
    members["Doc_0/Document.xml"] = xml.part(
        "Document",
        xml.el("CommonData", common) + xml.el("Pages", "".join(page_refs)) + annotations,
    )
    if signed:
        members.update(_signature(xml, members, page_ids[0]))

    entity = variant == "external_entity"
    doctype = ""
    if entity:
        doctype = f'<!DOCTYPE {xml.tag("OFD")} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    doc_body = (
        _doc_info(xml, doc_info or {}, custom_data or {}, entity)
        + xml.el("DocRoot", "Doc_0/Document.xml")
        + (xml.el("Signatures", "Doc_0/Signs/Signatures.xml") if signed else "")
    )
    ofd = xml.part("OFD", xml.el("DocBody", doc_body), doctype, Version="1.1", DocType="OFD")
    members = {"OFD.xml": ofd, **members, **_extra_members(xml, variant)}

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in members.items():
            package.writestr(name, content)
    return path


def _doc_info(
    xml: _Writer, fields: Mapping[str, str], custom_data: Mapping[str, str], entity: bool
) -> str:
    """DocInfo: a DocID, ``fields`` by element name, then ``custom_data`` by Name;
    ``entity`` adds a keyword that refers to the external entity of the DTD."""
    info = xml.el("DocID", uuid.uuid4().hex) + "".join(
        xml.el(name, escape(value)) for name, value in fields.items()
    )
    if entity:
        info += xml.el("Keywords", xml.el("Keyword", "&xxe;"))
    if custom_data:
        data = "".join(
            xml.el("CustomData", escape(value), Name=name) for name, value in custom_data.items()
        )
        info += xml.el("CustomDatas", data)
    return xml.el("DocInfo", info)


def _extra_members(xml: _Writer, variant: Variant | None) -> dict[str, bytes]:
    """The members a hostile or encrypted package adds beside the document's own."""
    if variant == "encrypted":
        # GM/T 0099-2020: the decryption entry file sits beside OFD.xml.
        entry = (
            xml.el("ProviderInfo", Name="gongkai tests", Version="1.0")
            + xml.el("EncryptScope", "All")
            + xml.el("DecryptSeedLoc", "Doc_0/Encrypts/DecryptSeed.xml")
            + xml.el("EntriesMapLoc", "Doc_0/Encrypts/EntriesMap.xml")
        )
        return {"Encryptions.xml": xml.part("Encryptions", xml.el("EncryptInfo", entry, ID=1))}
    if variant == "zip_bomb":
        return {"Doc_0/Res/font.ttf": bytes(BOMB_BYTES)}
    if variant == "too_many_entries":
        return {f"Doc_0/Res/r{n}.dat": b"" for n in range(TOO_MANY_ENTRIES)}
    return {}


def _content(xml: _Writer, ids: Iterator[int], objects: str) -> str:
    """A page's Content: one body layer holding ``objects``."""
    return xml.el("Content", xml.el("Layer", objects, ID=next(ids), Type="Body"))


def _annotation(
    xml: _Writer, ids: Iterator[int], remark: str, page_id: int, font_id: int
) -> dict[str, bytes]:
    """A highlight with ``remark`` on the page ``page_id``, drawn in its appearance."""
    appearance = xml.el(
        "Appearance",
        _text_objects(xml, ids, remark, BODY_SIZE, BODY_SIZE, font_id),
        Boundary=f"{LEFT} 150 {TYPE_WIDTH} 10",
    )
    annot = xml.el(
        "Annot",
        xml.el("Remark", escape(remark)) + appearance,
        ID=next(ids),
        Type="Highlight",
        Creator="审核人",
        LastModDate="2024-05-06",
    )
    index = xml.el("Page", xml.el("FileLoc", "Page_0/Annotation.xml"), PageID=page_id)
    return {
        "Doc_0/Annots/Annotations.xml": xml.part("Annotations", index),
        "Doc_0/Annots/Page_0/Annotation.xml": xml.part("PageAnnot", annot),
    }


def _signature(xml: _Writer, members: Mapping[str, bytes], page_id: int) -> dict[str, bytes]:
    """An electronic seal (电子印章) stamped on the page ``page_id``: Signatures.xml,
    Signature.xml with a digest of every part, the signed value and the seal. A real
    seal (.esl, GM/T 0031) wraps its picture in ASN.1; the picture alone does here."""
    references = "".join(
        xml.el(
            "Reference",
            xml.el("CheckValue", base64.b64encode(hashlib.sha256(content).digest()).decode()),
            FileRef=f"/{name}",
        )
        for name, content in members.items()
    )
    signed_info = (
        xml.el("Provider", ProviderName="gongkai tests", Version="1.0", Company="测试单位")
        + xml.el("SignatureMethod", "1.2.840.10045.4.3.2")  # ecdsa-with-SHA256
        + xml.el("SignatureDateTime", "20240506093000Z")
        + xml.el("References", references, CheckMethod="2.16.840.1.101.3.4.2.1")  # SHA-256
        + xml.el("StampAnnot", ID=1, PageRef=page_id, Boundary="128 200 42 42")
        + xml.el("Seal", xml.el("BaseLoc", "Seal.esl"))
    )
    signature = xml.el("SignedInfo", signed_info) + xml.el("SignedValue", "SignedValue.dat")
    signatures = xml.el("MaxSignId", 1) + xml.el(
        "Signature", ID=1, Type="Seal", BaseLoc="Sign_0/Signature.xml"
    )
    return {
        "Doc_0/Signs/Signatures.xml": xml.part("Signatures", signatures),
        "Doc_0/Signs/Sign_0/Signature.xml": xml.part("Signature", signature),
        "Doc_0/Signs/Sign_0/SignedValue.dat": hashlib.sha512(references.encode()).digest(),
        "Doc_0/Signs/Sign_0/Seal.esl": _seal_png(),
    }


def _seal_png() -> bytes:
    """A red round seal, as an 电子印章's picture."""
    seal = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    draw.ellipse((4, 4, 156, 156), outline=(220, 0, 0, 255), width=8)
    draw.regular_polygon((80, 80, 30), 5, fill=(220, 0, 0, 255))
    png = io.BytesIO()
    seal.save(png, "PNG")
    return png.getvalue()


class _Writer:
    """XML text with the tags under the chosen namespace prefix (or none)."""

    def __init__(self, prefix: str | None) -> None:
        self.prefix = prefix

    def tag(self, name: str) -> str:
        return f"{self.prefix}:{name}" if self.prefix else name

    def el(self, name: str, content: str = "", **attributes: object) -> str:
        """An element; ``content`` is XML already (escape text first)."""
        attrs = "".join(f" {key}={quoteattr(str(value))}" for key, value in attributes.items())
        tag = self.tag(name)
        return f"<{tag}{attrs}>{content}</{tag}>" if content else f"<{tag}{attrs}/>"

    def part(self, root: str, content: str, doctype: str = "", **attributes: object) -> bytes:
        """A whole XML part whose root element declares the namespace."""
        if self.prefix is not None:
            declaration = f"xmlns:{self.prefix}" if self.prefix else "xmlns"
            attributes = {declaration: OFD_NAMESPACE, **attributes}
        element = self.el(root, content, **attributes)
        return f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}{element}'.encode()


def _units(char: str) -> float:
    """A glyph's width in CJK characters: 1 for CJK and full-width forms, ½ for the rest."""
    return 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.5


def _advance(char: str, size: float) -> float:
    """A glyph's advance in mm, CJK set 28 to a line at 3号."""
    return ADVANCE * size / BODY_SIZE * _units(char)


def _delta_x(text: str, size: float) -> str:
    """DeltaX of ``text``: the advances between its glyphs, runs written "g N d"."""
    runs: list[list[float]] = []  # [advance, count]
    for char in text[:-1]:
        advance = round(_advance(char, size), 3)
        if runs and runs[-1][0] == advance:
            runs[-1][1] += 1
        else:
            runs.append([advance, 1])
    return " ".join(
        f"g {count} {advance}" if count > 1 else f"{advance}" for advance, count in runs
    )


def _text_objects(
    xml: _Writer,
    ids: Iterator[int],
    line: str,
    baseline: float,
    size: float,
    font_id: int,
    glyph_runs: bool = False,
) -> str:
    """The TextObjects of one line, one a field (fields are parted by two or more
    blanks), each placed where the typesetter put it; leading ideographic spaces
    indent the line."""
    objects = []
    offset = 0.0
    position = 0
    for field in _fields(line):
        start = line.index(field, position)
        offset += sum(_advance(char, size) for char in line[position:start])
        position = start + len(field)
        width = sum(_advance(char, size) for char in field)
        if glyph_runs:
            lefts = itertools.accumulate((_advance(char, size) for char in field), initial=0.0)
            content = "".join(
                xml.el("TextCode", escape(char), X=round(left, 3), Y=round(size, 3))
                for char, left in zip(field, lefts, strict=False)
            )
        else:
            content = xml.el(
                "TextCode", escape(field), X=0, Y=round(size, 3), DeltaX=_delta_x(field, size)
            )
        objects.append(
            xml.el(
                "TextObject",
                xml.el("FillColor", Value="0 0 0") + content,
                ID=next(ids),
                Boundary=f"{LEFT + offset:.3f} {baseline - size:.3f} {width:.3f} {size * 1.3:.3f}",
                Font=font_id,
                Size=round(size, 3),
            )
        )
        offset += width
    return "".join(objects)


def _fields(line: str) -> list[str]:
    """The parts of a line between runs of two or more blanks, indent removed."""
    fields, current, blanks = [], "", ""
    for char in line.lstrip("\u3000 "):
        if char in "\u3000 ":
            blanks += char
            continue
        if len(blanks) >= 2 and current:
            fields.append(current)
            current = ""
        current += blanks + char if current else char
        blanks = ""
    return [*fields, current] if current else fields
