"""Filing documents through the pipeline into the store and the register (both backends)."""

from __future__ import annotations

import hashlib
import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.archive import Archive
from engine.codes import Attribute, DocumentStatus, Reason
from engine.pipeline import SIDECAR, Pipeline, Stage, Status, claim, new_claim_id, pending_claims
from engine.register.models import AuditEvent, Document, Proposal, Source
from tests.builders import build_docx, build_image_only_pdf, build_pdf

NOTICE = [
    "乌海市人民政府办公厅文件",
    "乌海政办发〔2007〕55号",
    "乌海市人民政府办公厅关于印发乌海市政务公开示范点建设工作方案的通知",
    "各区人民政府，市府各部门，各企事业单位：",
    "现将《乌海市政务公开示范点建设工作方案》印发给你们，请认真贯彻执行。",
    "二○○七年十二月二十八日",
    "（此件公开发布）",
]


def drop(settings_inbox: Path, source: Path) -> Path:
    """Put a file into the inbox as a clerk would."""
    settings_inbox.mkdir(parents=True, exist_ok=True)
    target = settings_inbox / source.name
    target.write_bytes(source.read_bytes())
    return target


def file_from_inbox(archive: Archive, path: Path) -> Status:
    arrival = claim(archive.settings, path)
    assert arrival is not None
    return archive.pipeline.process(arrival).status


def audit_actions(archive: Archive) -> list[str]:
    with archive.sessions() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_docx_is_filed_with_its_original_and_metadata(archive: Archive, tmp_path: Path) -> None:
    source = build_docx(tmp_path / "乌海示范点.docx", NOTICE)
    dropped = drop(archive.settings.inbox, source)

    assert file_from_inbox(archive, dropped) is Status.FILED

    assert not dropped.exists(), "the inbox is empty again"
    assert list(archive.settings.claims.iterdir()) == []
    with archive.sessions() as session:
        document = session.scalars(select(Document)).one()
        assert document.doc_number == "乌海政办发〔2007〕55号"
        assert document.issue_date is not None and document.issue_date.isoformat() == "2007-12-28"
        assert document.attribute == Attribute.PROACTIVE.value
        assert (document.attribute_source, document.review_status) == ("classifier", "pending")
        proposal = session.scalars(select(Proposal)).one()
        assert proposal.details["basis"] == proposal.basis
        assert "marking" in {e["rule"] for e in proposal.details["evidence"]}  # type: ignore[index, union-attr]
        assert document.format == "docx"
        assert document.status == DocumentStatus.FILED.value
        assert "示范点建设工作方案" in document.text
        assert [s.file_name for s in document.sources] == ["乌海示范点.docx"]
        original = archive.settings.home / document.original_path
    data = source.read_bytes()
    assert original.read_bytes() == data, "the original is kept byte for byte"
    assert original.name == f"{hashlib.sha256(data).hexdigest()}.docx"
    assert not original.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert audit_actions(archive) == ["ingested"]


def test_same_bytes_twice_make_one_document_with_both_names(
    archive: Archive, tmp_path: Path
) -> None:
    first = build_pdf(tmp_path / "通知.pdf", NOTICE)
    second = tmp_path / "copy" / "通知（副本）.pdf"
    second.parent.mkdir()
    second.write_bytes(first.read_bytes())

    assert file_from_inbox(archive, drop(archive.settings.inbox, first)) is Status.FILED
    assert file_from_inbox(archive, drop(archive.settings.inbox, second)) is Status.DUPLICATE

    with archive.sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 1
        names = session.scalars(select(Source.file_name).order_by(Source.id)).all()
    assert names == ["通知.pdf", "通知（副本）.pdf"]
    assert audit_actions(archive) == ["ingested", "duplicate"]
    originals = [p for p in (archive.settings.home / "originals").rglob("*") if p.is_file()]
    assert len(originals) == 1


def test_bulk_ingest_leaves_files_in_place_and_is_idempotent(
    archive: Archive, tmp_path: Path
) -> None:
    tree = tmp_path / "old"
    (tree / "2007").mkdir(parents=True)
    build_docx(tree / "2007" / "a.docx", NOTICE)
    (tree / "b.txt").write_bytes(
        "关于做好防汛工作的通知\n各乡镇：\n请做好准备。\n".encode("gb18030")
    )
    files = sorted(p for p in tree.rglob("*") if p.is_file())

    first = archive.ingest_files(files)
    again = archive.ingest_files(files)

    assert [o.status for o in first] == [Status.FILED, Status.FILED]
    assert [o.status for o in again] == [Status.ALREADY_FILED, Status.ALREADY_FILED]
    assert all(p.exists() for p in files), "a back-fill never moves the user's files"
    with archive.sessions() as session:
        assert session.scalar(select(func.count(Source.id))) == 2
        txt = session.scalars(select(Document).where(Document.format == "txt")).one()
        assert txt.encoding is not None and "18030" in txt.encoding
        assert txt.text.startswith("关于做好防汛工作的通知")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.docx", b"", "empty"),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 40, "corrupt"),
        ("noise.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8, "corrupt"),
        ("program.exe", b"MZ\x90\x00" + bytes(range(256)) * 4, "unsupported"),
    ],
)
def test_bad_files_go_to_quarantine_with_a_reason(
    archive: Archive, name: str, content: bytes, reason: str
) -> None:
    inbox = archive.settings.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(content)

    assert file_from_inbox(archive, inbox / name) is Status.QUARANTINED

    kept = [
        p
        for p in archive.settings.quarantine.iterdir()
        if not p.name.endswith(".reason.txt") and not p.name.startswith(".")
    ]
    assert len(kept) == 1 and kept[0].name.endswith(name)
    assert kept[0].read_bytes() == content, "a bad file is kept, never deleted"
    reason_file = kept[0].with_name(kept[0].name + ".reason.txt")
    reason_text = reason_file.read_text(encoding="utf-8")
    assert f"reason: {reason}" in reason_text
    assert f"message: {name}" in reason_text, "named as the clerk named it, not as claimed"
    assert not (inbox / name).exists()
    with archive.sessions() as session:
        event = session.scalars(select(AuditEvent)).one()
        assert (event.action, event.detail["reason"]) == ("quarantined", reason)
        assert session.scalar(select(func.count(Document.id))) == 0


def test_a_bad_file_in_a_back_fill_is_copied_to_quarantine_not_moved(
    archive: Archive, tmp_path: Path
) -> None:
    bad = tmp_path / "坏.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    [outcome] = archive.ingest_files([bad])
    assert outcome.status is Status.QUARANTINED
    assert bad.exists()
    assert any(p.name.endswith("坏.docx") for p in archive.settings.quarantine.iterdir())


def test_a_pdf_without_text_layer_is_registered_as_needs_ocr(
    archive: Archive, tmp_path: Path
) -> None:
    scan = build_image_only_pdf(tmp_path / "扫描件.pdf")
    [outcome] = archive.ingest_files([scan])
    assert outcome.status is Status.FILED
    with archive.sessions() as session:
        document = session.scalars(select(Document)).one()
        assert document.status == DocumentStatus.NEEDS_OCR.value
        assert document.text == ""


def test_a_secrecy_marking_wins_over_a_publication_marking(
    archive: Archive, tmp_path: Path
) -> None:
    secret = build_docx(tmp_path / "s.docx", ["000023", "秘密★1年", *NOTICE[1:]])
    archive.ingest_files([secret])
    with archive.sessions() as session:
        document = session.scalars(select(Document)).one()
    assert (document.attribute, document.reason) == (
        Attribute.WITHHELD.value,
        Reason.STATE_SECRET.value,
    )
    with archive.sessions() as session:
        proposal = session.scalars(select(Proposal)).one()
    assert proposal.needs_review is False or proposal.attribute == Attribute.WITHHELD.value
    assert "secrecy_marking" in {e["rule"] for e in proposal.details["evidence"]}  # type: ignore[index, union-attr]


def test_a_failure_after_storing_leaves_the_claim_to_be_redone_once(
    archive: Archive, tmp_path: Path
) -> None:
    dropped = drop(archive.settings.inbox, build_docx(tmp_path / "a.docx", NOTICE))
    arrival = claim(archive.settings, dropped)
    assert arrival is not None

    def database_down(*_args: object) -> None:
        raise ConnectionError("the register went away")

    stages = [s for s in archive.pipeline.stages if s.name != "register"]
    broken = Pipeline(
        archive.settings, archive.sessions, [*stages, Stage("register", database_down)]
    )
    with pytest.raises(ConnectionError):
        broken.process(arrival)
    assert arrival.path.exists(), "the claimed file waits for a redo"

    outcomes = [archive.pipeline.process(a) for a in pending_claims(archive.settings)]
    again = pending_claims(archive.settings)

    assert [o.status for o in outcomes] == [Status.FILED]
    assert again == []
    assert pending_claims(archive.settings) == []
    with archive.sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 1
        assert session.scalar(select(func.count(Source.id))) == 1
        document = session.scalars(select(Document)).one()
        assert [s.file_name for s in document.sources] == ["a.docx"]


def test_a_disk_error_while_reading_keeps_the_file_claimed_not_quarantined(
    archive: Archive, tmp_path: Path
) -> None:
    dropped = drop(archive.settings.inbox, build_docx(tmp_path / "a.docx", NOTICE))
    arrival = claim(archive.settings, dropped)
    assert arrival is not None

    def share_went_away(*_args: object) -> None:
        raise OSError(5, "Input/output error")

    stages = [
        Stage("extract", share_went_away, reads_content=True) if s.name == "extract" else s
        for s in archive.pipeline.stages
    ]
    with pytest.raises(OSError):
        Pipeline(archive.settings, archive.sessions, stages).process(arrival)
    assert arrival.path.exists()
    assert [p for p in archive.settings.quarantine.iterdir() if not p.name.startswith(".")] == []
    assert [o.status for o in map(archive.pipeline.process, pending_claims(archive.settings))] == [
        Status.FILED
    ]


def test_a_half_written_sidecar_of_a_killed_process_is_cleared(archive: Archive) -> None:
    """kill -9 while the sidecar is being written leaves it empty, with no claimed file:
    its name says whose it was, so it is known for an orphan without reading it."""
    import subprocess

    claims = archive.settings.claims
    claims.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = claims / f"{uuid.uuid4().hex}-{dead.pid}{SIDECAR}"
    orphan.write_bytes(b"")  # killed before a byte was written
    live = claims / f"{new_claim_id()}{SIDECAR}"  # this process: a claim in the making
    live.write_bytes(b"")
    assert pending_claims(archive.settings) == []
    assert not orphan.exists()
    assert live.exists()
