"""PDF text layer, page by page, with the lines the PDF wrapped inside a sentence rejoined.

Read with pdfium (pypdfium2) rather than with
pdfplumber/pdfminer: pdfminer mis-decodes CID text whose codes are unmapped — in
the wuhai seed it drops 现 after a private-use character and reads 二○○ as 谥○ —
and it manages about 13 pages/s on this machine against pdfium's hundreds.
pdfium has a flaw of its own: it leaves out a text run it cannot measure, which is
a one-character run in a non-embedded CJK font when no CJK font is installed (one
任 of the baoding seed here); such pages are named in a warning.

Lines come from pdfium's own line breaks, and are joined into paragraphs and pages
by :mod:`engine.extract.layout` from where each line ends.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from engine.codes import DocumentStatus
from engine.extract import Extraction, ExtractionError
from engine.extract.layout import Line, pages_text

# pdfium is not thread-safe, not even for different documents.
_PDFIUM = threading.Lock()
_PASSWORD_ERRORS = {pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY}
_LINE = re.compile(r"[^\r\n]+")


@dataclass(frozen=True)
class _Page:
    width: float
    lines: list[Line]  # right, top and size of the last glyph, PDF units (y grows upwards)
    unmeasured: int  # text runs pdfium left out, see _unmeasured


def extract(data: bytes) -> Extraction:
    with _PDFIUM:
        pages = _read(data)
    if not pages:
        raise ExtractionError("empty", "the PDF has no pages")
    text, blank_pages = pages_text([(page.width, page.lines) for page in pages])
    if len(blank_pages) == len(pages):
        return Extraction("", "pdf", DocumentStatus.NEEDS_OCR, pages=len(pages))
    blank = [str(number) for number in blank_pages]
    return Extraction(
        text,
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
            lines.append(Line(line, box.right, box.top, box.top - box.bottom))
        runs = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT])
        return _Page(page.get_width(), lines, sum(map(_unmeasured, runs)))
    finally:
        textpage.close()
        page.close()


def _unmeasured(run: pdfium.PdfObject) -> bool:
    """Whether pdfium leaves this text run out of the text. It drops a run with no
    width; a run of one character has none when its font is not embedded and no
    system font has the glyph (the seeds' STSong-Light on a host without CJK fonts)."""
    left, _, right, _ = run.get_bounds()
    embedded = pdfium_c.FPDFFont_GetIsEmbedded(pdfium_c.FPDFTextObj_GetFont(run))
    return right - left < 0.01 and not embedded
