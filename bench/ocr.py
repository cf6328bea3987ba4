"""OCR accuracy and speed on the seed PDFs rendered as clean scans.

Every page of ../shared/corpus/seeds/*.pdf (or $GONGKAI_CORPUS) is rendered with
pdfium at 200 dpi, as a scanner would give it, and read by the OCR engine; the
text of each file is compared with the PDF's own text layer (read by
engine.extract). Prints per file and overall character accuracy and pages per
second.

    .venv/bin/python bench/ocr.py [--dpi 200] [--pages N] [--workers K]

Character accuracy is 1 - (edit distance / reference length) over the texts with
blanks, line breaks and private-use glyphs (drawn as nothing) removed and full-
and half-width forms folded together (a recognised ( for （ is no error a reader
or the search index would notice).
Target (issue 9): at least 97% with RapidOCR. Rendering needs a CJK font (the
seeds' STSong is not embedded): Debian's fonts-noto-cjk.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.extract import extract  # noqa: E402
from engine.ocr import engine_name, ocr_pages, set_threads  # noqa: E402

CORPUS = Path(os.environ.get("GONGKAI_CORPUS", REPO.parent / "shared" / "corpus"))
TARGET = 0.97


_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")  # paragraph marks some exports leave: not drawn


def _comparable(text: str) -> str:
    return "".join(_PRIVATE_USE.sub("", unicodedata.normalize("NFKC", text)).split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one row of the table at a time in numpy: the insertions
    along a row are a running minimum of (cell - column), so no inner Python loop."""
    if len(a) < len(b):
        a, b = b, a
    columns = np.arange(len(b) + 1)
    codes = np.fromiter(map(ord, b), dtype=np.int64, count=len(b))
    row = columns.copy()
    for i, char in enumerate(a, 1):
        new = np.empty_like(row)
        new[0] = i
        new[1:] = np.minimum(row[:-1] + (codes != ord(char)), row[1:] + 1)
        row = np.minimum.accumulate(new - columns) + columns
    return int(row[-1])


def character_accuracy(text: str, reference: str) -> float:
    """1 - edit distance / length of the reference, blanks ignored, widths folded."""
    read, expected = _comparable(text), _comparable(reference)
    if not expected:
        return 1.0 if not read else 0.0
    return max(0.0, 1 - edit_distance(read, expected) / len(expected))


def render(path: Path, dpi: int, limit: int | None) -> Iterator[np.ndarray]:
    """The PDF's pages as BGR images at ``dpi``, as a scanner would give them."""
    document = pdfium.PdfDocument(path)
    try:
        for index in range(min(len(document), limit or len(document))):
            yield document[index].render(scale=dpi / 72).to_numpy()
    finally:
        document.close()


def text_layer(path: Path, limit: int | None) -> str:
    """The PDF's text as engine.extract reads it, of its first ``limit`` pages if given."""
    if not limit:
        return extract(path).text
    first = pdfium.PdfDocument.new()
    first.import_pages(pdfium.PdfDocument(path), list(range(limit)))
    with tempfile.TemporaryDirectory() as folder:
        first.save(Path(folder, path.name))
        return extract(Path(folder, path.name)).text


def read_file(job: tuple[Path, int, int | None, int]) -> tuple[str, int, float]:
    """OCR one file's pages: (text, pages, seconds spent in OCR)."""
    path, dpi, limit, threads = job
    set_threads(threads)
    images = list(render(path, dpi, limit))
    started = time.perf_counter()
    pages = ocr_pages(images)
    return "\n".join(page.text for page in pages), len(pages), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--pages", type=int, help="only the first N pages of each file")
    parser.add_argument("--workers", type=int, default=1, help="OCR processes (one per file)")
    args = parser.parse_args()
    seeds = sorted((CORPUS / "seeds").glob("*.pdf"))
    if not seeds:
        sys.exit(f"no seed PDFs under {CORPUS / 'seeds'}")
    threads = max(1, (os.cpu_count() or 1) // args.workers)
    print(f"{engine_name()}, {args.dpi} dpi, {args.workers} process(es) × {threads} thread(s)")
    jobs = [(path, args.dpi, args.pages, threads) for path in seeds]
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(read_file, jobs))
    wall = time.perf_counter() - started
    total_pages = total_chars = total_errors = 0
    for path, (text, pages, seconds) in zip(seeds, results, strict=True):
        reference = text_layer(path, args.pages and pages)
        accuracy = character_accuracy(text, reference)
        chars = len(_comparable(reference))
        total_pages += pages
        total_chars += chars
        total_errors += round((1 - accuracy) * chars)
        print(
            f"{path.stem:<28} {pages:>3} pages {chars:>6} chars  accuracy {accuracy:7.2%}"
            f"  {pages / seconds:5.2f} pages/s"
        )
    overall = 1 - total_errors / total_chars
    verdict = "meets" if overall >= TARGET else "BELOW"
    print(
        f"{'overall':<28} {total_pages:>3} pages {total_chars:>6} chars  accuracy {overall:7.2%}"
        f"  {total_pages / wall:5.2f} pages/s wall ({verdict} the {TARGET:.0%} target)"
    )


if __name__ == "__main__":
    main()
