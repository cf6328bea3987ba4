"""Lines placed on pages (PDF, OFD) to text, with the lines wrapped inside a sentence rejoined.

The right end of each line's last glyph, compared with the right edge of the
text block (the rightmost line end among pages of the same width), says whether
the line runs to the margin, which is what :func:`engine.text.join_wrapped_lines`
needs. A line that is only a page number at the top or foot of a page is
dropped; pages are separated by a blank line unless a sentence runs on across the
page break.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.extract import PAGE_NUMBER
from engine.text import join_wrapped_lines

# A line ending within this many font sizes of the text block's right edge reaches
# the margin: the edge, the rightmost line end, may be a punctuation mark hung past
# the frame, and a full CJK line stops up to a character short of the frame when the
# next one does not fit. Measured on the seeds: wrapped lines end within 1.9 sizes
# of the edge, lines that end a paragraph early 2.0 and more.
MARGIN_SLACK = 2.0


@dataclass(frozen=True)
class Line:
    text: str
    right: float  # right end of the last glyph, in the page's units
    top: float  # the line's height on the page; only the topmost and lowest matter
    size: float  # font size of the last glyph as drawn, in the page's units
    gap_above: bool = False  # set off from the line above by a vertical gap: a new paragraph


def pages_text(pages: Sequence[tuple[float, Sequence[Line]]]) -> tuple[str, list[int]]:
    """The text of pages given as (width, lines in reading order), and the numbers
    (from 1) of the pages with no text."""
    bodies = [(width, _without_page_number(lines)) for width, lines in pages]
    edges: dict[float, float] = {}
    for width, lines in bodies:
        for line in lines:
            edges[width] = max(edges.get(width, 0.0), line.right)
    page_lines = [_marked(lines, edges.get(width, 0.0)) for width, lines in bodies]
    blank = [number for number, lines in enumerate(page_lines, 1) if not lines]
    return _join_pages(page_lines), blank


def _without_page_number(lines: Sequence[Line]) -> Sequence[Line]:
    """The page's lines less the topmost or lowest one when it is only a page number."""
    if not lines:
        return lines
    ends = {max(line.top for line in lines), min(line.top for line in lines)}
    return [line for line in lines if line.top not in ends or not PAGE_NUMBER.fullmatch(line.text)]


def _marked(lines: Sequence[Line], edge: float) -> list[tuple[str, bool]]:
    """(text, reaches the margin) of each line; an empty line stands for a gap above one."""
    pairs: list[tuple[str, bool]] = []
    for line in lines:
        if line.gap_above and pairs:
            pairs.append(("", False))
        pairs.append((line.text, edge - line.right <= MARGIN_SLACK * line.size))
    return pairs


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
