"""Ingest throughput, end to end through extraction, store and register.

Builds N .docx and N .pdf files (~3,000 characters each, from paragraphs of
../shared/corpus, seeded) and files them into a fresh archive, then prints
documents per second for each format and PDF pages per second.

    python bench/ingest.py [--count 200] [--corpus ../shared/corpus]

Targets (issue 2, this 2-core machine): 50 .docx/s and 10 PDF pages/s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from engine.archive import Archive  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.pipeline import Status  # noqa: E402
from engine.register.models import Document  # noqa: E402
from tests.builders import build_docx, build_pdf  # noqa: E402


def corpus_paragraphs(corpus: Path) -> list[str]:
    paragraphs = []
    for path in sorted(corpus.rglob("*.txt")):
        if "gb18030" in path.name:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if 20 <= len(line) <= 400:
                paragraphs.append(line)
    return paragraphs


def make_documents(paragraphs: list[str], count: int, rng: random.Random) -> list[list[str]]:
    documents = []
    for n in range(count):
        body: list[str] = [f"关于第{n}号事项的通知", f"测政发〔2026〕{n}号"]
        while sum(map(len, body)) < 3000:
            body.append(rng.choice(paragraphs))
        documents.append(body)
    return documents


def run(kind: str, folder: Path, archive: Archive) -> tuple[int, float, int]:
    files = sorted(folder.iterdir())
    started = time.perf_counter()
    outcomes = archive.ingest_files(files)
    elapsed = time.perf_counter() - started
    assert all(o.status is Status.FILED for o in outcomes), kind
    with archive.sessions() as session:
        pages = session.scalar(select(func.sum(Document.pages)).where(Document.format == kind)) or 0
    return len(files), elapsed, int(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="documents per format")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = parser.parse_args()

    rng = random.Random(9704)
    documents = make_documents(corpus_paragraphs(args.corpus), args.count, rng)
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        for kind, build in (("docx", build_docx), ("pdf", build_pdf)):
            (root / kind).mkdir()
            for n, body in enumerate(documents):
                # A different first line per format: the same text must not be a duplicate.
                build(root / kind / f"{kind}{n:05d}.{kind}", [f"{kind.upper()} 版", *body])
        home = root / "archive"
        settings = Settings(home, f"sqlite:///{home / 'gongkai.db'}", home / "inbox")
        with Archive.open(settings) as archive:
            print(f"ingest, {args.count} documents per format of ~3,000 characters, SQLite")
            for kind in ("docx", "pdf"):
                files, elapsed, pages = run(kind, root / kind, archive)
                line = f"  {kind:>4}: {files / elapsed:7.1f} documents/s"
                if pages:
                    line += f", {pages / elapsed:7.1f} pages/s ({pages} pages)"
                print(line + f"  [{elapsed:.2f} s]")


if __name__ == "__main__":
    main()
