"""OCR of scans: the engine on real renderings, the queue, the watcher and the CLI.

Scans are made as a scanner makes them: a document typeset by reportlab is
rendered by pdfium at 200 dpi and kept as an image or an image-only PDF. That
takes the OCR engine (``pip install -e ".[ocr]"``) and a CJK font for pdfium to
draw the text with (Debian: fonts-noto-cjk); without either the OCR tests skip,
unless GONGKAI_REQUIRE_OCR=1 (CI) makes that a failure. RapidOCR reads a page in
seconds here, so the scans are short and few.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from typer.testing import CliRunner

from bench.ocr import character_accuracy, edit_distance, render
from engine import ocr
from engine.archive import Archive, file_upload
from engine.cli import app
from engine.codes import DocumentStatus
from engine.config import Settings
from engine.extract import ExtractionError, extract
from engine.metadata import parse_metadata
from engine.ocr import (
    DPI,
    INSTALL_HINT,
    OcrJob,
    OcrResult,
    OcrUnavailable,
    OcrWorkers,
    engine_name,
    file_result,
    fix_digits,
    ocr_available,
    ocr_document,
    ocr_pages,
    pending,
    run_queue,
)
from engine.pipeline import Status, stage_upload
from engine.register.models import AuditEvent, Document
from engine.signoff import latest_proposal
from engine.watcher import Watcher
from indexer import SearchQuery
from tests.builders import CJK_FONT, build_image_only_pdf, build_pdf
from tests.test_watcher import wait_for

NOTICE = [
    "测政办发〔2024〕12号",
    "测试市人民政府办公室关于做好政府信息公开工作的通知",
    "各县区人民政府，市政府各部门：",
    "为进一步做好政府信息公开工作，现将有关事项通知如下。各单位要按照条例要求，"
    "及时主动公开政府信息，接受社会监督。",
    "测试市人民政府办公室",
    "2024年3月15日",
]
SHORT = ["政府信息公开指南", "公开的方式和程序：主动公开和依申请公开。"]
ACCURACY_FLOOR = 0.95


# --- making scans ----------------------------------------------------------------


def _cjk_font_renders() -> bool:
    """Whether pdfium draws CJK text here: the seeds' STSong is not embedded, and
    without a CJK font installed pdfium leaves such text out of the picture."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(60, 40))
    canvas.setFont(CJK_FONT, 24)
    canvas.drawString(10, 10, "政务")
    canvas.save()
    document = pdfium.PdfDocument(buffer.getvalue())
    try:
        return int(document[0].render(grayscale=True).to_numpy().min()) < 128
    finally:
        document.close()


@pytest.fixture(scope="session")
def ocr_ready() -> None:
    """Skip (or, with GONGKAI_REQUIRE_OCR=1, fail) without the engine or a CJK font."""
    if not ocr_available():
        missing = f"rapidocr_onnxruntime is not installed ({INSTALL_HINT})"
    elif not _cjk_font_renders():
        missing = "no CJK font for pdfium to render the test scans (apt install fonts-noto-cjk)"
    else:
        return
    if os.environ.get("GONGKAI_REQUIRE_OCR") == "1":
        pytest.fail(f"GONGKAI_REQUIRE_OCR=1 but {missing}")
    pytest.skip(missing)


def scanned(tmp_path: Path, paragraphs: list[str], *, crop: bool = True) -> Image.Image:
    """A page of ``paragraphs`` as a grey scan at 200 dpi; ``crop``: only its upper
    third, where short text stands (a smaller image reads faster)."""
    typeset = build_pdf(tmp_path / f"typeset-{uuid.uuid4().hex}.pdf", paragraphs)
    document = pdfium.PdfDocument(typeset)
    try:
        page = document[0].render(scale=DPI / 72, grayscale=True).to_pil()
    finally:
        document.close()
    return page.crop((0, 0, page.width, page.height // 3)) if crop else page


def image_only_pdf(path: Path, pages: list[Image.Image]) -> Path:
    pages[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=pages[1:])
    return path


def text_of(paragraphs: list[str]) -> str:
    return "\n".join(paragraphs)


# --- the engine ----------------------------------------------------------------


def test_edit_distance_and_character_accuracy() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "公开") == 2
    assert character_accuracy("政务 公开（一）", "政务公开(一)") == 1.0  # blanks and widths
    assert character_accuracy("政务公升", "政务公开") == 0.75


def test_a_seed_page_reads_above_the_accuracy_floor(
    ocr_ready: None, seeds: Path, tmp_path: Path
) -> None:
    seed = seeds / "wuhai-2007-demo-sites.pdf"
    first = pdfium.PdfDocument.new()
    source = pdfium.PdfDocument(seed)
    first.import_pages(source, [0])
    first.save(tmp_path / "page1.pdf")
    [page] = ocr_pages(render(seed, DPI, 1))

    assert character_accuracy(page.text, extract(tmp_path / "page1.pdf").text) >= ACCURACY_FLOOR
    assert page.confidence is not None and page.confidence > 0.9
    metadata = parse_metadata(page.text)  # 〔〕 read as [】 or the like, and a 〇 date
    assert metadata.doc_number == "乌海政办发〔2007〕55号"
    assert metadata.issue_date == date(2007, 12, 28)


@pytest.mark.parametrize("kind", ["png", "jpeg", "tiff"])
def test_image_scans_are_read(ocr_ready: None, tmp_path: Path, kind: str) -> None:
    page = scanned(tmp_path, SHORT)
    path = tmp_path / f"scan.{kind}"
    if kind == "tiff":  # a multi-page scan: a page a frame
        back = scanned(tmp_path, ["第二页：监督和保障。"])
        page.save(path, save_all=True, append_images=[back], compression="tiff_deflate")
    else:
        page.save(path)

    result = ocr_document(path, kind)

    expected = SHORT if kind != "tiff" else [*SHORT, "第二页：监督和保障。"]
    assert character_accuracy(result.text, text_of(expected)) >= ACCURACY_FLOOR
    assert result.ocr_pages == ((1,) if kind != "tiff" else (1, 2))
    assert result.confidence is not None and result.confidence > 0.9


def test_a_page_scanned_upside_down_is_read_turned(ocr_ready: None, tmp_path: Path) -> None:
    path = tmp_path / "turned.png"
    scanned(tmp_path, SHORT).rotate(180).save(path)

    assert character_accuracy(ocr_document(path, "png").text, text_of(SHORT)) >= ACCURACY_FLOOR


def test_a_mixed_pdf_gets_ocr_only_on_its_pages_without_text(
    ocr_ready: None, tmp_path: Path
) -> None:
    typed = ["第一页的正文印在文字层里。"]
    mixed = pdfium.PdfDocument(build_pdf(tmp_path / "typed.pdf", typed))
    mixed.import_pages(
        pdfium.PdfDocument(image_only_pdf(tmp_path / "s.pdf", [scanned(tmp_path, SHORT)]))
    )
    mixed.save(tmp_path / "mixed.pdf")

    result = ocr_document(tmp_path / "mixed.pdf", "pdf")

    assert (result.pages, result.ocr_pages) == (2, (2,))
    assert result.text.startswith(typed[0] + "\n\n")  # the text layer as it is, then page 2
    assert character_accuracy(result.text, text_of(typed + SHORT)) >= ACCURACY_FLOOR


def test_digits_read_as_letters_are_put_back() -> None:
    assert fix_digits("测政办发[2O24]l2号") == "测政办发[2024]12号"
    assert fix_digits("2024年3月l5日，第I0条") == "2024年3月15日，第10条"
    assert fix_digits("H2O、ISO9001、Il") == "H2O、ISO9001、Il"  # letters of words stay


@pytest.mark.parametrize(
    "written",
    ["测政办发[2024】12号", "测政办发〈2024〉12号", "测政办发「2024」12号", "测政办发(2024)12号"],
)
def test_metadata_reads_a_doc_number_in_the_brackets_ocr_gives(written: str) -> None:
    metadata = parse_metadata(text_of([written, *NOTICE[1:]]))

    assert metadata.doc_number == "测政办发〔2024〕12号"
    assert metadata.issue_date == date(2024, 3, 15)


# --- the queue: register, metadata, proposal, index ------------------------------


def test_a_scan_is_filed_with_its_text_metadata_proposal_and_in_the_index(
    ocr_ready: None, archive: Archive, tmp_path: Path
) -> None:
    scan = image_only_pdf(tmp_path / "扫描的通知.pdf", [scanned(tmp_path, NOTICE, crop=False)])
    [filed] = archive.ingest_files([scan])
    assert (filed.status, filed.message) == (Status.FILED, DocumentStatus.NEEDS_OCR.value)

    with OcrWorkers() as workers:
        [outcome] = run_queue(archive, workers, pending(archive))

    assert (outcome.document_id, outcome.status) == (filed.document_id, "filed")
    with archive.sessions() as session:
        document = session.get(Document, filed.document_id)
        assert document is not None
        assert document.status == DocumentStatus.FILED.value
        assert character_accuracy(document.text, text_of(NOTICE)) >= ACCURACY_FLOOR
        assert (document.doc_number, document.issue_date) == (
            "测政办发〔2024〕12号",
            date(2024, 3, 15),
        )
        assert document.fields["source"]["doc_number"] == "ocr"  # type: ignore[index]
        read = document.fields["ocr"]
        assert read["pages"][0]["page"] == 1 and read["confidence"] > 0.9  # type: ignore[index]
        assert read["engine"].startswith("rapidocr_onnxruntime")  # type: ignore[index]
        assert latest_proposal(session, document.id) is not None
        assert document.attribute is not None
        events = session.scalars(
            select(AuditEvent.action).where(AuditEvent.document_id == document.id)
        )
        assert list(events) == ["ingested", "ocr"]
    found = archive.search_index().search(SearchQuery(text="政府信息公开"))
    assert [hit["id"] for hit in found["hits"]] == [filed.document_id]  # type: ignore[index]
    assert pending(archive) == [], "read once"


def test_a_pdf_with_some_scanned_pages_is_filed_as_waiting_for_ocr(
    archive: Archive, tmp_path: Path
) -> None:
    mixed = build_pdf(tmp_path / "mixed.pdf", NOTICE, scanned_pages=1)
    [filed] = archive.ingest_files([mixed])

    with archive.sessions() as session:
        document = session.get(Document, filed.document_id)
        assert document is not None
        assert (document.status, document.doc_number) == ("needs_ocr", "测政办发〔2024〕12号")
        assert document.fields["source"]["doc_number"] == "text"  # type: ignore[index]
    assert [job.document_id for job in pending(archive)] == [filed.document_id]


def test_a_scan_ocr_cannot_read_keeps_waiting_and_is_not_tried_again(
    archive: Archive, tmp_path: Path
) -> None:
    blank, broken = (
        archive.ingest_files([build_image_only_pdf(tmp_path / f"{name}.pdf", pages)])[0]
        for name, pages in (("blank", 1), ("broken", 2))
    )
    jobs = {job.document_id: job for job in pending(archive)}
    nothing = OcrResult("", 1, (1,), (None,), engine_name())

    read = file_result(archive.pipeline, jobs[blank.document_id], nothing)
    failed = file_result(archive.pipeline, jobs[broken.document_id], "PdfiumError: damaged")

    assert (read.status, read.message) == ("needs_ocr", "OCR found no text")
    assert (failed.status, failed.message) == ("needs_ocr", "OCR failed: PdfiumError: damaged")
    with archive.sessions() as session:
        document = session.get(Document, blank.document_id)
        assert document is not None
        assert document.warnings == ["OCR found no text on page 1"]
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["ocr", "ocr_failed"]
    assert pending(archive) == [], "tried by this engine: left for staff or a newer engine"


def test_a_document_in_hand_when_the_ocr_process_dies_is_read_again(
    ocr_ready: None, tmp_path: Path
) -> None:
    scan = tmp_path / "扫描件.png"
    scanned(tmp_path, SHORT).save(scan)

    with OcrWorkers() as workers:

        def kill_the_process() -> None:  # as a crash in native code or the OOM killer would
            wait_for(lambda: workers._executor is not None and bool(workers._executor._processes))
            assert workers._executor is not None
            for process in list(workers._executor._processes.values()):
                process.kill()

        killer = threading.Thread(target=kill_the_process)
        killer.start()
        [(_, result)] = workers.read([OcrJob(1, scan.name, scan, "png", 1)])
        killer.join()

    assert isinstance(result, OcrResult), result
    assert character_accuracy(result.text, text_of(SHORT)) >= ACCURACY_FLOOR


# --- without the engine ----------------------------------------------------------


@pytest.fixture
def no_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As if rapidocr_onnxruntime were not installed: importing it fails."""
    monkeypatch.setitem(sys.modules, ocr.ENGINE_PACKAGE, None)
    ocr._engine.cache_clear()
    yield
    ocr._engine.cache_clear()


def test_without_the_engine_a_scan_waits_and_the_user_is_told_how_to_add_it(
    no_engine: None, cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    scan = build_image_only_pdf(tmp_path / "扫描件.pdf")

    ingested = cli.invoke(app, ["ingest", str(scan), "--json"])
    queue = cli.invoke(app, ["ocr"])

    assert ingested.exit_code == 0, ingested.output
    assert '"ocr": []' in ingested.stdout
    assert INSTALL_HINT in ingested.stderr
    assert queue.exit_code == 1
    assert "OCR is not installed" in queue.stderr and "1 waiting as needs_ocr" in queue.stderr
    with Archive.open(sqlite_settings) as archive, archive.sessions() as session:
        assert session.scalars(select(Document.status)).one() == "needs_ocr"
    with pytest.raises(OcrUnavailable, match="pip install"):
        ocr_document(scan, "pdf")


def test_the_watcher_runs_without_the_engine(no_engine: None, sqlite_settings: Settings) -> None:
    inbox = sqlite_settings.inbox
    inbox.mkdir(parents=True)
    build_image_only_pdf(inbox / "扫描件.pdf")
    outcomes: list[object] = []
    stop = threading.Event()
    with Archive.open(sqlite_settings) as archive:
        watcher = Watcher(archive, on_outcome=outcomes.append)
        thread = threading.Thread(target=watcher.run, args=(stop,))
        thread.start()
        wait_for(lambda: len(outcomes) == 1)
        stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive()
        with archive.sessions() as session:
            assert session.scalars(select(Document.status)).one() == "needs_ocr"


# --- the shells: the watcher and the command line -----------------------------


def test_the_watcher_files_a_dropped_scan_then_reads_it(
    ocr_ready: None, sqlite_settings: Settings, tmp_path: Path
) -> None:
    inbox = sqlite_settings.inbox
    inbox.mkdir(parents=True)
    stop = threading.Event()
    with Archive.open(sqlite_settings) as archive:
        watcher = Watcher(archive)
        thread = threading.Thread(target=watcher.run, args=(stop,))
        thread.start()
        try:
            scanned(tmp_path, SHORT).save(inbox / "扫描件.png")

            def read() -> bool:
                with archive.sessions() as session:
                    return session.scalars(select(Document.status)).all() == ["filed"]

            def searchable() -> bool:
                found = archive.search_index().search(SearchQuery(text="依申请公开"))
                return bool(found["total"] == 1)

            # Filed first (the text is in the register), then the index takes it in.
            wait_for(read, timeout=120)
            wait_for(searchable, timeout=10)
        finally:
            stop.set()
            thread.join(timeout=60)
    assert not thread.is_alive(), "the watcher stops when asked"


def test_the_watcher_reads_a_scan_uploaded_at_the_desk(
    ocr_ready: None, sqlite_settings: Settings, tmp_path: Path
) -> None:
    """An upload is filed by the desk, not the watcher; the watcher's OCR hears of it."""
    stop = threading.Event()
    image = io.BytesIO()
    scanned(tmp_path, SHORT).save(image, format="PNG")
    image.seek(0)
    with Archive.open(sqlite_settings) as archive:
        thread = threading.Thread(target=Watcher(archive).run, args=(stop,))
        thread.start()
        try:
            staged = stage_upload(sqlite_settings, image, "上传的扫描件.png", 10**7)
            outcome = file_upload(archive, staged, "王芳")
            assert outcome.message == DocumentStatus.NEEDS_OCR.value

            def read() -> bool:
                with archive.sessions() as session:
                    return session.scalars(select(Document.status)).all() == ["filed"]

            wait_for(read, timeout=120)
        finally:
            stop.set()
            thread.join(timeout=60)


def test_ingest_reads_the_scans_it_filed_and_ocr_reads_the_rest(
    ocr_ready: None, cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    waiting = tmp_path / "早先的扫描件.jpg"
    scanned(tmp_path, SHORT).save(waiting)
    with Archive.open(sqlite_settings) as archive:
        archive.ingest_files([waiting])  # filed as needs_ocr, as by a desk without OCR
    dropped = tmp_path / "新扫描件.png"
    scanned(tmp_path, SHORT[::-1]).save(dropped)

    ingested = cli.invoke(app, ["ingest", str(dropped), "--json"])

    assert ingested.exit_code == 0, ingested.output
    [read] = json.loads(ingested.stdout)["ocr"]
    assert (read["file_name"], read["status"]) == ("新扫描件.png", "filed")
    queue = cli.invoke(app, ["ocr", "--json"])
    assert queue.exit_code == 0, queue.output
    [rest] = json.loads(queue.stdout)["documents"]
    assert (rest["file_name"], rest["status"]) == ("早先的扫描件.jpg", "filed")
    assert "no scans wait for OCR" in cli.invoke(app, ["ocr"]).stdout


# --- the image extractor -------------------------------------------------------


def _image(path: Path, **options: object) -> Path:
    Image.new("L", (40, 30), 255).save(path, **options)
    return path


@pytest.mark.parametrize(
    ("name", "options", "pages"),
    [
        ("a.png", {}, 1),
        ("a.jpg", {}, 1),
        ("a.gif", {}, 1),
        ("a.tif", {"save_all": True, "append_images": [Image.new("L", (40, 30))] * 2}, 3),
    ],
)
def test_an_image_is_filed_to_wait_for_ocr(
    tmp_path: Path, name: str, options: dict[str, object], pages: int
) -> None:
    result = extract(_image(tmp_path / name, **options))

    assert (result.text, result.status, result.pages) == ("", DocumentStatus.NEEDS_OCR, pages)


@pytest.mark.parametrize("name", ["a.png", "a.jpg", "a.tif", "a.gif"])
def test_a_cut_off_image_is_corrupt(tmp_path: Path, name: str) -> None:
    whole = _image(tmp_path / name).read_bytes()
    cut = tmp_path / f"cut-{name}"
    cut.write_bytes(whole[: len(whole) // 2] if name != "a.tif" else whole[:12])

    with pytest.raises(ExtractionError) as caught:
        extract(cut)

    assert caught.value.reason == "corrupt"
