"""One folder of what an office really files: a seed as OFD, .doc, a scanned PDF and a PNG.

Issue 9's "done when": the folder ingests with text and metadata, classified and
searchable (scans after OCR), and a hostile package beside them is quarantined.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ofd_builder import build_ofd, typeset

from engine.archive import Archive, files_under
from engine.codes import DocumentStatus
from engine.ocr import OcrWorkers, pending, run_queue
from engine.pipeline import Status
from engine.register.models import Document
from indexer import SearchQuery
from tests.test_extract_legacy import build_word97
from tests.test_extract_ofd import INDENT, seed_paragraphs
from tests.test_ocr import image_only_pdf, ocr_ready, scanned

pytestmark = pytest.mark.usefixtures(ocr_ready.__name__)  # skips, or fails in CI, without OCR

WUHAI_NUMBER = "乌海政办发〔2007〕55号"


def test_a_folder_of_every_format_is_filed_read_classified_and_found(
    seeds: Path, archive: Archive, tmp_path: Path
) -> None:
    paragraphs = seed_paragraphs(seeds)
    folder = tmp_path / "共享文件夹"
    folder.mkdir()
    pages = typeset([INDENT + paragraph for paragraph in paragraphs], pages=3)
    build_ofd(folder / "通知.ofd", pages)
    build_word97(folder / "通知.doc", "\r".join(paragraphs) + "\r")
    build_word97(folder / "通知副本.wps", "\r".join(paragraphs[:5]) + "\r")
    page = scanned(tmp_path, paragraphs[:5])  # the head of the notice, as a scan
    image_only_pdf(folder / "扫描件.pdf", [page])
    page.save(folder / "扫描件.png")
    build_ofd(folder / "来历不明.ofd", pages, variant="zip_bomb")

    outcomes = {o.file_name: o for o in archive.ingest_files(files_under([folder]))}
    assert outcomes["来历不明.ofd"].status is Status.QUARANTINED
    [reason] = archive.settings.quarantine.rglob("*.reason.txt")
    assert reason.name.endswith("来历不明.ofd.reason.txt")
    filed = {name: o.document_id for name, o in outcomes.items() if o.status is Status.FILED}
    assert set(filed) == {"通知.ofd", "通知.doc", "通知副本.wps", "扫描件.pdf", "扫描件.png"}

    with OcrWorkers() as workers:
        read = run_queue(archive, workers, pending(archive))
    assert sorted(o.document_id for o in read) == sorted((filed["扫描件.pdf"], filed["扫描件.png"]))

    with archive.sessions() as session:
        for name, document_id in filed.items():
            document = session.get(Document, document_id)
            assert document is not None
            assert document.status == DocumentStatus.FILED.value, name
            assert "示范点" in document.text, name
            assert document.doc_number == WUHAI_NUMBER, name
            assert document.attribute is not None, name  # a proposal was made
    hits = archive.search_index().search(SearchQuery(text="示范点"))["hits"]
    assert {hit["id"] for hit in hits} == set(filed.values())  # type: ignore[union-attr]
