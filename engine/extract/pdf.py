"""PDF text layer, page by page, with the lines the PDF wrapped inside a sentence rejoined.

Read with pdfium (pypdfium2) rather than with
pdfplumber/pdfminer: pdfminer mis-decodes CID text whose codes are unmapped — in
the wuhai seed it drops 现 after a private-use character and reads 二○○ as 谥○ —
and it manages about 13 pages/s on this machine against pdfium's hundreds.
pdfium has a flaw of its own: it leaves out a text run it cannot measure, which is
a one-character run in a non-embedded CJK font when no CJK font is installed (one
任 of the baoding seed here); such pages are named in a warning.

Lines come from pdfium's own line breaks; the right end of each line's last glyph,
compared with the right edge of the text block (the rightmost line end among
pages of the same width), says whether the line runs to the margin, which is what
:func:`engine.text.join_wrapped_lines` needs. A line that is only a page number at
the top or foot of a page is dropped; pages are separated by a blank line unless a
sentence runs on across the page break.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from engine.codes import DocumentStatus
from engine.extract import PAGE_NUMBER, Extraction, ExtractionError
from engine.text import join_wrapped_lines

# pdfium is not thread-safe, not even for different documents.
_PDFIUM = threading.Lock()
_PASSWORD_ERRORS = {pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY}
# A line ending within this many font sizes of the text block's right edge reaches
# the margin: the edge, the rightmost line end, may be a punctuation mark hung past
# the frame, and a full CJK line stops up to a character short of the frame when the
# next one does not fit. Measured on the seeds: wrapped lines end within 1.9 sizes
# of the edge, lines that end a paragraph early 2.0 and more.
_MARGIN_SLACK = 2.0
_LINE = re.compile(r"[^\r\n]+")


@dataclass(frozen=True)
class _Line:
    text: str
    right: float  # right end of the last glyph, PDF units
    top: float  # top of the last glyph, PDF units (y grows upwards)
    size: float  # font size of the last glyph as drawn (the Tf size may be scaled by Tm)


@dataclass(frozen=True)
class _Page:
    width: float
    lines: list[_Line]
    unmeasured: int  # text runs pdfium left out, see _unmeasured


def extract(data: bytes) -> Extraction:
    with _PDFIUM:
        pages = _read(data)
    if not pages:
        raise ExtractionError("empty", "the PDF has no pages")
    bodies = [(page.width, _without_page_number(page.lines)) for page in pages]
    edges: dict[float, float] = {}
    for width, lines in bodies:
        for line in lines:
            edges[width] = max(edges.get(width, 0.0), line.right)
    page_lines = [
        [(line.text, edges[width] - line.right <= _MARGIN_SLACK * line.size) for line in lines]
        for width, lines in bodies
    ]
    blank = [str(number) for number, lines in enumerate(page_lines, 1) if not lines]
    if len(blank) == len(pages):
        return Extraction("", "pdf", DocumentStatus.NEEDS_OCR, pages=len(pages))
    return Extraction(
        _join_pages(page_lines),
        "pdf",
        DocumentStatus.FILED,
        pages=len(pages),
        warnings=_warnings(blank, [str(n) for n, page in enumerate(pages, 1) if page.unmeasured]),
    )


def _warnings(blank: list[str], unmeasured: list[str]) -> tuple[str, ...]:
    warnings = []
    if blank:
        warnings.append(f"page{'s' * (len(blank) > 1)} {', '.join(blank)} without a text layer")
    if unmeasured:
        warnings.append(
            f"text may be missing on page{'s' * (len(unmeasured) > 1)} {', '.join(unmeasured)}: "
            "a font is not embedded and no installed font has its glyphs (install a CJK font)"
        )
    return tuple(warnings)


def _join_pages(page_lines: list[list[tuple[str, bool]]]) -> str:
    """Pages separated by a blank line, except where a sentence runs on over the page
    break: splitting it there would cut words in two for search."""
    chunks: list[str] = []
    last: tuple[str, bool] | None = None  # the last line of the previous page with text
    for lines in page_lines:
        if not lines:
            last = None  # a sentence does not run on across a page without text
            continue
        text = join_wrapped_lines(lines)
        if last and "\n" not in join_wrapped_lines([last, (lines[0][0], False)]):
            chunks.append(text.lstrip())
        else:
            chunks.append(f"\n\n{text}" if chunks else text)
        last = lines[-1]
    return "".join(chunks)


def _read(data: bytes) -> list[_Page]:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in _PASSWORD_ERRORS:
            raise ExtractionError("encrypted", "the PDF is password-protected") from exc
        raise ExtractionError("corrupt", f"not a readable PDF ({exc})") from exc
    try:
        return [_read_page(document, index) for index in range(len(document))]
    finally:
        document.close()


def _read_page(document: pdfium.PdfDocument, index: int) -> _Page:
    """The page's lines; the page is closed at once so memory stays flat."""
    page = document[index]
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        box = pdfium_c.FS_RECTF()
        lines = []
        for match in _LINE.finditer(text):
            line = match.group().rstrip()
            if not line.strip():
                continue
            last = pdfium_c.FPDFText_GetCharIndexFromTextIndex(
                textpage, match.start() + len(line) - 1
            )
            pdfium_c.FPDFText_GetLooseCharBox(textpage, last, box)
            # A loose box spans the font's ascent to descent: its height is the size drawn.
            lines.append(_Line(line, box.right, box.top, box.top - box.bottom))
        runs = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT])
        return _Page(page.get_width(), lines, sum(map(_unmeasured, runs)))
    finally:
        textpage.close()
        page.close()


def _without_page_number(lines: list[_Line]) -> list[_Line]:
    """The page's lines less the topmost or lowest one when it is only a page number."""
    if not lines:
        return lines
    ends = {max(line.top for line in lines), min(line.top for line in lines)}
    return [line for line in lines if line.top not in ends or not PAGE_NUMBER.fullmatch(line.text)]


def _unmeasured(run: pdfium.PdfObject) -> bool:
    """Whether pdfium leaves this text run out of the text. It drops a run with no
    width; a run of one character has none when its font is not embedded and no
    system font has the glyph (the seeds' STSong-Light on a host without CJK fonts)."""
    left, _, right, _ = run.get_bounds()
    embedded = pdfium_c.FPDFFont_GetIsEmbedded(pdfium_c.FPDFTextObj_GetFont(run))
    return right - left < 0.01 and not embedded
