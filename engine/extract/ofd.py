"""OFD (GB/T 33190-2016, 版式文档), the format 电子公文 are exchanged in: the text of
its pages in reading order, and what its DocInfo states.

The package is read down its own references: OFD.xml → each DocBody's DocRoot
(Document.xml) → Pages/Page BaseLoc → the page's Content.xml → Layer (and the
PageBlocks in it) → TextObject → TextCode. A location (ST_Loc) is relative to the
part that names it, or to the package root when it starts with "/"; some
producers write root-relative paths without the slash, so a path not found beside
its part is looked for from the root. Either way it must stay inside the package.

Reading order comes from where the text stands, not from the order of the XML:
a TextCode's X and Y place its first glyph's baseline in its TextObject's space
(origin at the Boundary's top-left corner, through the object's CTM when it has
one). Runs whose baselines lie within half a font size of each other form a line,
read left to right; a gap of a character's width or more between two runs (the
发文字号 on the left, 签发人 on the right) becomes two spaces, a field break to
:mod:`engine.metadata`, and a narrower one a space where a space would show.
DeltaX is read only to find where a run ends. A run drawn
twice over itself (fake bold) is read once. Lines further apart than half as much
again as the document's usual line pitch are set off as paragraphs; lines wrapped
inside a sentence are rejoined and page numbers dropped as for a PDF
(:mod:`engine.extract.layout`).

Template pages (TemplatePage, 模板页) hold what is printed on every page using
them — often the 发文机关标志 or a running header — so a template's text is read
with the first page that uses it, and once only.

Not read: annotations (Annotations, 注释: a reader's marks, not the document's
text), signatures and seals (Signs/, 电子印章 are images), attachments, outlines.
An encrypted package (GM/T 0099-2020 puts Encryptions.xml at its root) is
refused as ``encrypted``. Pages with images and no text anywhere (a scan) come
back as ``NEEDS_OCR`` with no text.
"""

from __future__ import annotations

import math
import posixpath
import statistics
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import NamedTuple

from lxml import etree
from lxml.etree import _Element

from engine.codes import DocumentStatus
from engine.extract import Extraction, ExtractionError
from engine.extract.layout import Line, pages_text
from engine.extract.package import ZipPackage

MAX_UNPACKED_BYTES = 200 * 2**20

_SAME_LINE = 0.5  # baselines closer than this many font sizes stand on one line
_FIELD_GAP = 1.0  # a blank of this many font sizes between runs separates fields
_SPACE_GAP = 0.4  # … of this many is a space (a half-width one is 0.5)
_WORD_GAP = 0.2  # … and so is this much between Latin letters or digits, set narrower
_OVERPRINT = 0.2  # a run repeated within this many font sizes is the same glyphs again
_PARAGRAPH_PITCH = 1.5  # times the usual line pitch: a gap that sets off a paragraph


class _Run(NamedTuple):  # a tuple: built once per glyph by some converters, so cheaply
    """One TextCode placed on the page; millimetres from the page's top-left corner."""

    text: str
    x: float  # the first glyph's origin
    y: float  # the baseline
    right: float  # the last glyph's right end
    size: float  # the font size as drawn


@dataclass(frozen=True)
class _Page:
    width: float
    lines: list[Line]
    images: bool  # it draws an image: a scanned page when it has no text


def extract(data: bytes) -> Extraction:
    package = ZipPackage(data, "the OFD", MAX_UNPACKED_BYTES)
    if any(name.lower() == "encryptions.xml" for name in package.names):
        raise ExtractionError(
            "encrypted",
            "the OFD is encrypted (GM/T 0099): decrypt it in an OFD reader and file it again",
        )
    root = package.xml("OFD.xml")
    ns = _namespace(root)
    bodies = root.findall(f"{ns}DocBody")
    if not bodies:
        raise ExtractionError("corrupt", "the OFD's OFD.xml names no document (DocBody)")
    pages = [
        page
        for body in bodies
        for page in _document(
            package, _locate(package, "OFD.xml", body.findtext(f"{ns}DocRoot"), "its document")
        )
    ]
    if not pages:
        raise ExtractionError("empty", "the OFD has no pages")
    pages = _mark_paragraphs(pages)
    text, blank = pages_text([(page.width, page.lines) for page in pages])
    scanned = [str(number) for number in blank if pages[number - 1].images]
    properties = _properties(bodies[0].find(f"{ns}DocInfo"))
    if not text and scanned:
        return Extraction(
            "", "ofd", DocumentStatus.NEEDS_OCR, pages=len(pages), properties=properties
        )
    warnings = (
        (f"page{'s' * (len(scanned) > 1)} {', '.join(scanned)} without text, only images",)
        if scanned
        else ()
    )
    return Extraction(
        text,
        "ofd",
        DocumentStatus.FILED,
        pages=len(pages),
        warnings=warnings,
        properties=properties,
    )


def _namespace(part: _Element) -> str:
    """The ``{uri}`` of the part's tags: producers differ in the prefix they bind to
    http://www.ofdspec.org/2016, and some write no namespace at all."""
    tag = part.tag
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _locate(package: ZipPackage, referrer: str, loc: str | None, what: str) -> str:
    """The member named by the location ``loc`` of ``what`` (page 2 …) in the part ``referrer``."""
    if not loc or not loc.strip():
        raise ExtractionError("corrupt", f"the OFD: {referrer} gives no location for {what}")
    loc = loc.strip().replace("\\", "/")
    if loc.startswith("/"):
        candidates = [loc.lstrip("/")]
    else:
        candidates = [posixpath.join(posixpath.dirname(referrer), loc), loc]
    names = [posixpath.normpath(candidate) for candidate in candidates]
    for name in names:
        if name == ".." or name.startswith("../"):
            raise ExtractionError(
                "corrupt", f"the OFD: {referrer} places {what} outside the package ({loc})"
            )
        if name in package.names:
            return name
    raise ExtractionError("corrupt", f"the OFD lacks {what} ({names[0]}, named in {referrer})")


def _document(package: ZipPackage, path: str) -> Iterator[_Page]:
    """The pages of the document whose Document.xml is ``path``."""
    document = package.xml(path)
    ns = _namespace(document)
    common = document.find(f"{ns}CommonData")
    templates: dict[str | None, str | None] = {}
    default_width = 210.0  # A4, should a file name no page area
    if common is not None:
        templates = {t.get("ID"): t.get("BaseLoc") for t in common.iterfind(f"{ns}TemplatePage")}
        default_width = _width(common.findtext(f"{ns}PageArea/{ns}PhysicalBox"), default_width)
    parsed: dict[str, _Element] = {}
    for number, page in enumerate(document.iterfind(f"{ns}Pages/{ns}Page"), 1):
        content = package.xml(_locate(package, path, page.get("BaseLoc"), f"page {number}"))
        page_ns = _namespace(content)
        parts = [content]
        runs = list(_runs(content))
        for reference in content.iterfind(f"{page_ns}Template"):
            template_id = reference.get("TemplateID")
            if template_id not in templates:
                continue  # a reference to no template draws nothing
            name = _locate(package, path, templates[template_id], f"template page {template_id}")
            if name not in parsed:
                parsed[name] = package.xml(name)
                runs.extend(_runs(parsed[name]))  # a template's text once, on its first page
            parts.append(parsed[name])
        width = _width(content.findtext(f"{page_ns}Area/{page_ns}PhysicalBox"), default_width)
        images = any(part.find(f".//{_namespace(part)}ImageObject") is not None for part in parts)
        yield _Page(width, _lines(runs), images)


def _width(box: str | None, default: float) -> float:
    """The width of a PhysicalBox ("x y width height")."""
    return float(box.split()[2]) if box and len(box.split()) == 4 else default


def _runs(part: _Element) -> Iterator[_Run]:
    """The non-blank TextCodes of a page or template, placed on the page."""
    ns = _namespace(part)
    for text_object in part.iter(f"{ns}TextObject"):
        left, top = (float(n) for n in (text_object.get("Boundary") or "0 0").split()[:2])
        a, b, c, d, e, f = (float(n) for n in (text_object.get("CTM") or "1 0 0 1 0 0").split())
        font_size = float(text_object.get("Size") or 0)  # in the object's space, before the CTM
        size = font_size * math.sqrt(abs(a * d - b * c))
        x = y = 0.0
        for code in text_object.iterfind(f"{ns}TextCode"):
            # A TextCode without X or Y keeps the previous one's (GB/T 33190).
            x, y = float(code.get("X", x)), float(code.get("Y", y))
            text = code.text
            if not text or text.isspace():
                continue
            end = x + _extent(text, code.get("DeltaX"), font_size)
            yield _Run(
                text,
                left + a * x + c * y + e,
                top + b * x + d * y + f,
                left + a * end + c * y + e,
                size,
            )


def _extent(text: str, delta_x: str | None, size: float) -> float:
    """From the first glyph's origin to the last glyph's right end: DeltaX between
    glyphs where it is given, else a glyph's nominal advance (a font size for CJK,
    half one for the rest), which is also the last glyph's width."""
    gaps = _deltas(delta_x, len(text) - 1)
    return sum(gaps) + sum(size if _wide(char) else size / 2 for char in text[len(gaps) :])


def _deltas(delta_x: str | None, limit: int) -> list[float]:
    """The first ``limit`` advances of a DeltaX; "g N d" repeats d N times, and N is
    capped so that a hostile count cannot blow the list up."""
    tokens = (delta_x or "").split()
    deltas: list[float] = []
    index = 0
    while index < len(tokens) and len(deltas) < limit:
        if tokens[index] == "g":
            count = min(int(tokens[index + 1]), limit - len(deltas))
            deltas.extend([float(tokens[index + 2])] * count)
            index += 3
        else:
            deltas.append(float(tokens[index]))
            index += 1
    return deltas


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _lines(runs: list[_Run]) -> list[Line]:
    """The page's runs as lines, top to bottom."""
    rows: list[list[_Run]] = []
    for run in sorted(runs, key=lambda run: (run.y, run.x)):
        if rows and abs(run.y - rows[-1][0].y) <= _SAME_LINE * max(run.size, rows[-1][0].size):
            rows[-1].append(run)
        else:
            rows.append([run])
    lines = []
    for row in rows:
        row.sort(key=lambda run: run.x)
        last = row[-1]
        lines.append(Line(_join_runs(row), last.right, row[0].y, last.size))
    return lines


def _join_runs(row: list[_Run]) -> str:
    """The runs of one line, left to right, with the blanks between them that matter."""
    parts = [row[0].text]
    previous = row[0]
    for run in row[1:]:
        if run.text == previous.text and abs(run.x - previous.x) < _OVERPRINT * run.size:
            continue
        gap = run.x - previous.right
        if gap >= _FIELD_GAP * run.size:
            parts.append("  ")
        elif gap >= _SPACE_GAP * run.size or (
            gap >= _WORD_GAP * run.size and not (_wide(previous.text[-1]) or _wide(run.text[0]))
        ):
            parts.append(" ")
        parts.append(run.text)
        previous = run
    return "".join(parts)


def _mark_paragraphs(pages: list[_Page]) -> list[_Page]:
    """Pages whose lines note a vertical gap above them, measured against the
    document's usual distance between the baselines of neighbouring lines."""
    pitches = [below.top - above.top for page in pages for above, below in pairwise(page.lines)]
    if not pitches:
        return pages
    # The lower median: in a short document one gap among two pitches is not the norm.
    limit = _PARAGRAPH_PITCH * statistics.median_low(pitches)
    return [
        replace(
            page,
            lines=page.lines[:1]
            + [
                replace(line, gap_above=line.top - above.top > limit)
                for above, line in pairwise(page.lines)
            ],
        )
        for page in pages
    ]


def _properties(doc_info: _Element | None) -> dict[str, str]:
    """DocInfo's fields by element name (Title, Author, CreationDate, Abstract …;
    Keywords joined by 、) and its CustomData by their Name (发文字号 …), as written.
    A CustomData named like a field does not overwrite it."""
    if doc_info is None:
        return {}
    properties: dict[str, str] = {}
    custom = []
    for child in doc_info.iterchildren(etree.Element):
        name = etree.QName(child).localname
        if name == "CustomDatas":
            custom.extend(child.iterchildren(etree.Element))
            continue
        value = "、".join(text.strip() for text in child.itertext() if text.strip())
        if value:
            properties[name] = value
    for data in custom:
        name, value = (data.get("Name") or "").strip(), (data.text or "").strip()
        if name and value:
            properties.setdefault(name, value)
    return properties
