"""Extraction speed per format, on documents built by code.

Builds N documents of ~3,000 characters (paragraphs of ../shared/corpus, seeded,
as bench/ingest.py makes them) in each format and reads every one through
engine.extract.extract (sniff, unpack, parse, lay out, normalise), then prints
documents per second. One function per format.

    python bench/formats.py [--count 200] [--corpus ../shared/corpus]

OFD: typeset as GB/T 9704 pages by tests/ofd_builder.py, once with a TextCode a
line (office suites) and once with a TextCode a character (PDF-to-OFD
converters). Issue 9 sets no target for OFD.

DOC: .docx (every other one with a table) converted to Word 97 .doc once by
LibreOffice (skipped without ``soffice``), read by the in-process reader, beside
the same documents as .docx; then how many .doc texts equal their .docx's, and what
one file costs on the LibreOffice fallback path (a Word 6.0/95 file).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.ingest import corpus_paragraphs, make_documents  # noqa: E402
from engine.extract import extract, legacy  # noqa: E402
from tests.builders import build_docx  # noqa: E402
from tests.ofd_builder import build_ofd, typeset  # noqa: E402


def read_all(files: list[Path]) -> tuple[float, int]:
    """Seconds to extract every file, and the pages read."""
    started = time.perf_counter()
    pages = sum(extract(path).pages or 0 for path in files)
    return time.perf_counter() - started, pages


def bench_ofd(documents: list[list[str]], folder: Path) -> list[str]:
    lines = []
    for layout, glyph_runs in (("a TextCode a line", False), ("a TextCode a glyph", True)):
        files = [
            build_ofd(
                folder / f"ofd{n:05d}-{glyph_runs:d}.ofd",
                typeset(["\u3000\u3000" + paragraph for paragraph in body]),
                doc_info={"Title": body[0], "Author": "测试办公室"},
                custom_data={"发文字号": body[1]},
                glyph_runs=glyph_runs,
            )
            for n, body in enumerate(documents)
        ]
        elapsed, pages = read_all(files)
        lines.append(
            f"   ofd ({layout}): {len(files) / elapsed:7.1f} documents/s, "
            f"{pages / elapsed:7.1f} pages/s ({pages} pages)  [{elapsed:.2f} s]"
        )
    return lines


DOC_TABLE = [["事项", "责任单位", "完成时限"], ["数据统计", "县政务公开办", "1月20日"]]
DOC_FALLBACK_SAMPLE = 4  # each fallback conversion starts LibreOffice afresh: seconds apiece


def bench_doc(documents: list[list[str]], folder: Path) -> list[str]:
    soffice = legacy.find_soffice()
    if soffice is None:
        return [f"   doc: skipped, LibreOffice makes the .doc files here: {legacy.INSTALL_HINT}"]
    docx_files = [
        build_docx(folder / f"doc{n:05d}.docx", body, table=DOC_TABLE if n % 2 else None)
        for n, body in enumerate(documents)
    ]
    profile = f"-env:UserInstallation={(folder / 'profile').as_uri()}"
    convert = [soffice, "--headless", "--norestore", profile, "--convert-to", "doc"]
    subprocess.run(
        [*convert, "--outdir", str(folder), *map(str, docx_files)], check=True, capture_output=True
    )
    doc_files = [path.with_suffix(".doc") for path in docx_files]
    doc_elapsed, _ = read_all(doc_files)
    docx_elapsed, _ = read_all(docx_files)
    pairs = zip(doc_files, docx_files, strict=True)
    same = sum(extract(doc).text == extract(docx).text for doc, docx in pairs)
    started = time.perf_counter()
    for path in doc_files[:DOC_FALLBACK_SAMPLE]:
        legacy.convert_with_libreoffice(path.read_bytes(), "bench")
    fallback = (time.perf_counter() - started) / DOC_FALLBACK_SAMPLE
    return [
        f"   doc (in-process): {len(doc_files) / doc_elapsed:7.1f} documents/s  "
        f"[{doc_elapsed:.2f} s]; as .docx {len(docx_files) / docx_elapsed:7.1f} documents/s",
        f"   doc text equal to its .docx's: {same}/{len(doc_files)}",
        f"   doc by the LibreOffice fallback: {fallback:.2f} s/document",
    ]


BENCHES: tuple[Callable[[list[list[str]], Path], list[str]], ...] = (bench_ofd, bench_doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="documents per format")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = parser.parse_args()

    documents = make_documents(corpus_paragraphs(args.corpus), args.count, random.Random(9704))
    print(f"extraction, {args.count} documents per format of ~3,000 characters")
    with tempfile.TemporaryDirectory() as temp:
        for bench in BENCHES:
            folder = Path(temp) / bench.__name__
            folder.mkdir()
            for line in bench(documents, folder):
                print(line)


if __name__ == "__main__":
    main()
