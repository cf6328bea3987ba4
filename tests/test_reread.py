"""Reading filed originals again (engine/reread.py, ``gongkai reread``, the watcher's retry).

The Word 95 document is the one tests/test_extract_legacy.py makes: a Word binary
stamped nFib 0x68 (Word 95), which the in-process reader leaves to LibreOffice
(LibreOffice 7.4 writes no Word 95 of its own). It is filed while LibreOffice is
hidden, then read again with the real one (the ``soffice`` fixture) or a stand-in.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from engine import reread as rereading
from engine.archive import Archive
from engine.cli import app
from engine.codes import Attribute, DocumentStatus, Reason
from engine.config import Settings
from engine.extract import legacy
from engine.ocr import OcrResult, file_result
from engine.ocr import pending as ocr_pending
from engine.register.models import AuditEvent, Document, Proposal
from engine.reread import (
    ConversionRetry,
    UnknownDocuments,
    Verdict,
    changes,
    pending,
    reread,
    verdict,
)
from engine.review import Action, Level, Position
from engine.review import SignOff as Signature
from engine.signoff import sign
from engine.watcher import Watcher
from indexer import SearchQuery
from tests.builders import build_image_only_pdf
from tests.conftest import invoke_json
from tests.test_extract_legacy import NOTICE_BODY, _fake_soffice, build_word97
from tests.test_watcher import wait_for

NOTICE_NUMBER = "青政办发〔2023〕12号"
# A stand-in LibreOffice that converts every file to one short text without a date.
_CONVERTING = """
import sys
from pathlib import Path
args = sys.argv[1:]
source = Path(args[-1])
Path(args[args.index("--outdir") + 1], source.stem + ".txt").write_text("转换后的正文。\\n")
"""
_FAILING = "print('Error: source file could not be loaded')\nraise SystemExit(1)\n"


def word95(path: Path) -> Path:
    """The notice of tests/test_extract_legacy.py as a Word 95 document."""
    return build_word97(path, "\r".join(NOTICE_BODY) + "\r", nfib=0x68)


@pytest.fixture
def hidden_soffice(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """LibreOffice is not there while the test files its documents (then it is again)."""
    with monkeypatch.context() as patch:
        patch.setattr(legacy, "find_soffice", lambda: None)
        yield


def file_waiting(archive: Archive, path: Path) -> int:
    """File ``path`` while LibreOffice is hidden: it waits as needs_conversion."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(legacy, "find_soffice", lambda: None)
        [outcome] = archive.ingest_files([path])
    assert outcome.document_id is not None and outcome.message == "needs_conversion", outcome
    return outcome.document_id


def use_soffice(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: str) -> Path:
    fake = _fake_soffice(tmp_path, body)
    monkeypatch.setattr(legacy, "find_soffice", lambda: str(fake))
    return fake


def actions(archive: Archive, document_id: int) -> list[tuple[str, dict[str, object]]]:
    with archive.sessions() as session:
        query = select(AuditEvent).where(AuditEvent.document_id == document_id)
        return [(e.action, e.detail) for e in session.scalars(query.order_by(AuditEvent.id))]


def found(archive: Archive, words: str) -> list[int]:
    hits = archive.search_index().search(SearchQuery(text=words))["hits"]
    return [hit["id"] for hit in hits]  # type: ignore[attr-defined]


# --- the rules --------------------------------------------------------------------

FILED, OCR, CONVERSION = (
    DocumentStatus.FILED,
    DocumentStatus.NEEDS_OCR,
    DocumentStatus.NEEDS_CONVERSION,
)


@pytest.mark.parametrize(
    ("current", "read", "text", "expected"),
    [
        (CONVERSION, FILED, "正文", Verdict.READ),
        (CONVERSION, CONVERSION, "", Verdict.UNREADABLE),
        (CONVERSION, OCR, "", Verdict.READ),  # a .doc of pasted scans: now it waits for OCR
        (OCR, FILED, "正文", Verdict.READ),  # a fixed PDF reader finds the text layer
        (OCR, OCR, "", Verdict.UNREADABLE),
        (OCR, OCR, "第一页", Verdict.READ),
        (FILED, FILED, "正文", Verdict.READ),
        (FILED, OCR, "", Verdict.KEPT),  # its text came from OCR: it stands
        (FILED, OCR, "第一页", Verdict.KEPT),
        (FILED, CONVERSION, "", Verdict.UNREADABLE),  # LibreOffice gone: the text stands
    ],
)
def test_what_a_reading_does_to_a_document(
    current: DocumentStatus, read: DocumentStatus, text: str, expected: Verdict
) -> None:
    assert verdict(current, read, text) is expected


def test_changes_names_what_differs_in_order() -> None:
    before = {"status": "needs_conversion", "text": "", "title": None, "pages": None}
    after = {"status": "filed", "text": "正文", "title": None, "pages": None}
    assert changes(before, after) == ("status", "text")
    assert changes(before, before) == ()


# --- reading again ------------------------------------------------------------------


def test_a_word95_doc_filed_without_libreoffice_is_read_once_it_is_there(
    archive: Archive, tmp_path: Path, soffice: str
) -> None:
    document_id = file_waiting(archive, word95(tmp_path / "旧通知.doc"))
    with archive.sessions() as session:
        assert session.scalar(select(func.count(Proposal.id))) == 0
    assert found(archive, "年度报告") == []

    [outcome] = reread(archive, pending(archive))

    assert (outcome.verdict, outcome.before, outcome.status) == (
        "read",
        "needs_conversion",
        "filed",
    )
    assert {"status", "text", "warnings", "doc_number", "proposal"} <= set(outcome.changed)
    assert outcome.proposed is not None and outcome.decided is None
    with archive.sessions() as session:
        document = session.get(Document, document_id)
        assert document is not None
        assert document.status == DocumentStatus.FILED.value
        assert NOTICE_BODY[2] in document.text
        assert (document.doc_number, document.issue_date) == (NOTICE_NUMBER, date(2023, 1, 5))
        assert document.fields["source"]["doc_number"] == "text"  # type: ignore[index]
        assert document.warnings == ["a Word 6.0/95 document (nFib 0x68): read by LibreOffice"], (
            "the old reason (LibreOffice missing) is gone with the old reading"
        )
        proposal = session.scalars(select(Proposal)).one()
        assert (document.attribute, document.attribute_source) == (proposal.attribute, "classifier")
        assert document.review_status == "pending"
    [(_, ingested), (action, detail)] = actions(archive, document_id)
    assert ingested["status"] == "needs_conversion"
    assert action == "reread"
    assert detail["verdict"] == "read" and detail["before"] == "needs_conversion"
    assert detail["status"] == "filed" and "text" in detail["changed"]  # type: ignore[operator]
    assert found(archive, "年度报告") == [document_id]
    assert pending(archive) == [], "no document waits for conversion any more"


def test_a_decided_document_keeps_its_decision_and_gets_its_text(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id = file_waiting(archive, word95(tmp_path / "旧通知.doc"))
    decision = Position(Attribute.WITHHELD, Reason.INTERNAL_AFFAIRS)
    with archive.sessions.begin() as session:  # decided from the paper copy
        document = session.get(Document, document_id)
        assert document is not None
        at = datetime(2026, 11, 23, 10, tzinfo=UTC)
        signature = Signature(Level.APPROVER, "主任", at, Action.OVERRIDE, decision, "纸质件已阅")
        assert sign(session, document, signature, archive.settings.signoff_levels).final
    use_soffice(monkeypatch, tmp_path, _CONVERTING)

    [outcome] = reread(archive, pending(archive))

    assert (outcome.verdict, outcome.status) == ("read", "filed")
    assert outcome.decided == "withheld" and outcome.proposed is None
    assert "proposal" not in outcome.changed and "text" in outcome.changed
    assert "the decision stands" in rereading.summary(outcome)
    with archive.sessions() as session:
        document = session.get(Document, document_id)
        assert document is not None
        assert document.text == "转换后的正文。"
        assert (document.attribute, document.reason) == ("withheld", "internal_affairs")
        assert (document.attribute_source, document.review_status) == ("decision", "final")
        assert session.scalar(select(func.count(Proposal.id))) == 0
    (action, detail) = actions(archive, document_id)[-1]
    assert (action, detail["decided"], detail["proposed"]) == ("reread", "withheld", None)
    assert found(archive, "转换后的正文") == [document_id]


def test_a_document_still_unreadable_keeps_its_status_with_the_new_reason(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id = file_waiting(archive, word95(tmp_path / "旧通知.doc"))
    use_soffice(monkeypatch, tmp_path, _FAILING)

    [outcome] = reread(archive, pending(archive))

    assert (outcome.verdict, outcome.status, outcome.changed) == (
        "unreadable",
        "needs_conversion",
        ("warnings",),
    )
    assert "could not convert it (exit 1" in outcome.message
    with archive.sessions() as session:
        document = session.get(Document, document_id)
        assert document is not None
        assert (document.status, document.text, document.attribute) == (
            "needs_conversion",
            "",
            None,
        )
        first, second = document.warnings
        assert "libreoffice-writer-nogui" in first and "could not convert it" in second
    assert actions(archive, document_id)[-1][0] == "reread"
    assert [job.document_id for job in pending(archive)] == [document_id], "it still waits"

    [again] = reread(archive, pending(archive))

    assert (again.verdict, again.changed) == ("unreadable", ())
    assert len(actions(archive, document_id)) == 2, "a reading that changes nothing leaves no trace"


def test_a_field_the_new_reading_does_not_state_keeps_the_clerks_value(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id = file_waiting(archive, word95(tmp_path / "旧通知.doc"))
    with archive.sessions.begin() as session:  # as `gongkai rules mark --issued` does
        document = session.get(Document, document_id)
        assert document is not None
        document.issue_date = date(2023, 1, 5)
    use_soffice(monkeypatch, tmp_path, _CONVERTING)

    [outcome] = reread(archive, pending(archive))

    assert "issue_date" not in outcome.changed
    with archive.sessions() as session:
        document = session.get(Document, document_id)
        assert document is not None
        assert (document.text, document.issue_date) == ("转换后的正文。", date(2023, 1, 5))


def test_a_text_read_by_ocr_stands_when_the_extractor_reads_none(
    archive: Archive, tmp_path: Path
) -> None:
    [scan] = archive.ingest_files([build_image_only_pdf(tmp_path / "扫描件.pdf")])
    assert scan.document_id is not None
    [job] = ocr_pending(archive)
    read = OcrResult("青山县人民政府办公室文件\n关于扫描件的通知", 1, (1,), (0.95,), "test-ocr")
    assert file_result(archive.pipeline, job, read).status == "filed"

    [outcome] = reread(archive, pending(archive, [scan.document_id]))

    assert (outcome.verdict, outcome.before, outcome.status) == ("kept", "filed", "filed")
    assert outcome.changed == () and "needs_ocr" in outcome.message
    with archive.sessions() as session:
        document = session.get(Document, scan.document_id)
        assert document is not None
        assert "关于扫描件的通知" in document.text and "ocr" in document.fields
        assert session.scalar(select(func.count(Proposal.id))) == 1, "OCR's, and no other"


def test_unknown_ids_are_named(archive: Archive, tmp_path: Path) -> None:
    document_id = file_waiting(archive, word95(tmp_path / "旧通知.doc"))

    with pytest.raises(UnknownDocuments, match="no document with id 98, 99") as raised:
        pending(archive, [99, document_id, 98])

    assert raised.value.ids == (98, 99)


def test_an_original_missing_from_the_store_is_reported_and_nothing_changes(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id = file_waiting(archive, word95(tmp_path / "旧通知.doc"))
    [job] = pending(archive)
    job.path.unlink()
    use_soffice(monkeypatch, tmp_path, _CONVERTING)

    [outcome] = reread(archive, [job])

    assert outcome.verdict == "missing" and "cannot be read" in outcome.message
    assert actions(archive, document_id)[-1][0] == "ingested"


# --- the command ----------------------------------------------------------------------


def test_gongkai_reread_reads_the_waiting_documents(
    cli: CliRunner, tmp_path: Path, soffice: str, hidden_soffice: None
) -> None:
    doc = word95(tmp_path / "旧通知.doc")
    filed = invoke_json(cli, "ingest", str(doc))
    [document_id] = [f["document_id"] for f in filed["files"]]
    assert invoke_json(cli, "search", "年度报告")["total"] == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(legacy, "find_soffice", lambda: soffice)  # LibreOffice installed
        done = invoke_json(cli, "reread")
        again = invoke_json(cli, "reread")

    assert done["counts"] == {"read": 1}
    [document] = done["documents"]
    assert (document["document_id"], document["before"], document["status"]) == (
        document_id,
        "needs_conversion",
        "filed",
    )
    assert again == {"counts": {}, "documents": []}
    assert [hit["id"] for hit in invoke_json(cli, "search", "年度报告")["hits"]] == [document_id]
    shown = invoke_json(cli, "show", str(document_id))
    assert shown["doc_number"] == NOTICE_NUMBER
    assert [event["action"] for event in shown["history"]] == ["ingested", "reread"]


def test_gongkai_reread_by_id_says_what_it_did(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hidden_soffice: None
) -> None:
    [filed] = invoke_json(cli, "ingest", str(word95(tmp_path / "旧通知.doc")))["files"]
    use_soffice(monkeypatch, tmp_path, _FAILING)

    result = cli.invoke(app, ["reread", str(filed["document_id"])])

    assert result.exit_code == 0, result.output
    assert "unreadable" in result.stderr and "could not convert it" in result.stderr
    assert result.stdout.rstrip().endswith("1 unreadable")


def test_gongkai_reread_refuses_unknown_ids_and_ids_with_a_status(cli: CliRunner) -> None:
    unknown = cli.invoke(app, ["reread", "41", "42", "--json"])
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert "no document with id 41, 42" in unknown.stderr

    both = cli.invoke(app, ["reread", "1", "--status", "filed"])
    assert both.exit_code == 1 and "not both" in both.stderr

    none = cli.invoke(app, ["reread", "--status", "needs_ocr", "--json"])
    assert none.exit_code == 0 and json.loads(none.stdout) == {"counts": {}, "documents": []}


# --- the watcher's retry ----------------------------------------------------------------


def test_the_retry_waits_for_a_libreoffice_and_tries_each_document_once_per_version(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document_id = file_waiting(archive, word95(tmp_path / "旧通知.doc"))
    retry = ConversionRetry(archive)
    monkeypatch.setattr(legacy, "find_soffice", lambda: None)
    assert retry.once() == [], "no LibreOffice: nothing is tried"

    fake = use_soffice(monkeypatch, tmp_path, _FAILING)  # installed, but it fails on this one
    [failed] = retry.once()
    assert (failed.document_id, failed.verdict) == (document_id, "unreadable")
    assert retry.once() == [], "not tried again by the same LibreOffice"

    fake.write_text(f"#!{sys.executable}\n{_CONVERTING}")
    os.utime(fake, ns=(0, fake.stat().st_mtime_ns + 10**9))  # an upgrade
    [read] = retry.once()
    assert (read.document_id, read.verdict, read.status) == (document_id, "read", "filed")


def test_the_watcher_reads_the_waiting_documents_when_libreoffice_is_there(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Archive.open(sqlite_settings) as archive:
        document_id = file_waiting(archive, word95(tmp_path / "旧通知.doc"))
    use_soffice(monkeypatch, tmp_path, _CONVERTING)
    stop = threading.Event()
    with Archive.open(sqlite_settings) as archive:
        thread = threading.Thread(target=Watcher(archive).run, args=(stop,))
        thread.start()
        try:

            def read() -> bool:
                with archive.sessions() as session:
                    document = session.get(Document, document_id)
                    return document is not None and document.status == "filed"

            wait_for(read)
            wait_for(lambda: found(archive, "转换后的正文") == [document_id])
        finally:
            stop.set()
            thread.join(timeout=30)
        assert not thread.is_alive()
