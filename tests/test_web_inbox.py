"""收件: today's filings, the quarantine with its reasons, scans waiting for OCR, uploads."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.config import Settings
from engine.pipeline import RECEIVING, UPLOADS, upload_name
from engine.register.models import AuditEvent, Document, Source
from engine.store import quarantine, quarantined
from tests.builders import build_docx, build_image_only_pdf
from tests.webdesk import USERS, Desk, csrf_of, file_documents, open_desk

HTMX = {"HX-Request": "true"}
HOSTILE = "<img src=x onerror=alert(2)>"
NOTICE = [
    "某市人民政府办公室文件",
    "某政办发〔2024〕31号",
    "关于做好防汛抗旱工作的通知",
    "各区政府：现就做好今年防汛抗旱工作通知如下。",
]


def upload(client: TestClient, *files: tuple[str, bytes], htmx: bool = True) -> Any:
    """POST files to /inbox/upload as the page's script does (htmx) or as a bare form."""
    token = csrf_of(client, "/inbox")
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    if htmx:
        return client.post("/inbox/upload", files=parts, headers={**HTMX, "X-CSRF-Token": token})
    return client.post("/inbox/upload", files=parts, data={"csrf_token": token})


def job_id(partial: str) -> str:
    found = re.search(r'id="job-([\w-]+)"', partial)
    assert found, partial
    return found[1]


def finished(client: TestClient, partial: str) -> Any:
    """Poll the job of ``partial`` as the page does until it says it is done."""
    deadline = time.monotonic() + 60
    while True:
        response = client.get(f"/inbox/jobs/{job_id(partial)}", headers=HTMX)
        assert response.status_code == 200, response.text
        if 'data-finished="yes"' in response.text:
            return response
        assert time.monotonic() < deadline, "the upload job never finished"
        time.sleep(0.05)


def leftovers(settings: Settings) -> list[Path]:
    """Files still in the inbox: staged uploads or claims not finished."""
    return [path for path in settings.inbox.rglob("*") if path.is_file()]


@pytest.fixture
def notice(tmp_path: Path) -> Path:
    return build_docx(tmp_path / "防汛通知.docx", NOTICE)


# --- the engine's part ----------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("通知.docx", "通知.docx"),
        ("../../etc/passwd", "passwd"),
        ("C:\\公文\\2024\\请示.pdf", "请示.pdf"),
        ("..", "upload"),
        (".hidden.txt", "hidden.txt"),
        ("a\nb\x00c\u202e.docx", "abc.docx"),
        (f"{HOSTILE}.docx", f"{HOSTILE}.docx"),  # kept as named; pages escape it
    ],
)
def test_an_upload_keeps_the_clerks_name_without_its_path(sent: str, kept: str) -> None:
    assert upload_name(sent) == kept


def test_a_long_upload_name_is_cut_to_fit_keeping_its_extension() -> None:
    name = upload_name("很长的文件名" * 40 + ".docx")
    assert name.endswith(".docx") and len(name.encode()) <= 180


def test_the_quarantine_is_listed_newest_first_with_reasons(tmp_path: Path) -> None:
    folder = tmp_path / "quarantine"
    source = tmp_path / "x.docx"
    source.write_bytes(b"PK junk")
    for second, (name, reason) in enumerate([("旧.docx", "empty"), ("新.docx", "corrupt")]):
        quarantine(
            folder,
            source,
            file_name=name,
            reason=reason,
            message="line one\nreason: not a key here",
            move=False,
            now=datetime(2026, 3, 1, 9, 0, second, tzinfo=UTC),
        )
    entries, total = quarantined(folder, limit=1)
    assert total == 2 and [entry.file_name for entry in entries] == ["新.docx"]
    newest = entries[0]
    assert (newest.reason, newest.reason_label) == ("corrupt", "文件已损坏或内容与格式不符")
    assert newest.message == "line one\nreason: not a key here"
    assert newest.at == "2026-03-01T09:00:01+00:00"
    assert source.exists() and len(list(folder.glob("2026*"))) == 4  # nothing removed
    assert quarantined(tmp_path / "none") == ([], 0)


# --- the page ----------------------------------------------------------------------


def test_every_role_sees_the_inbox_and_anonymous_is_sent_to_login(desk: Desk) -> None:
    for role in USERS:
        page = desk.client(role).get("/inbox")
        assert page.status_code == 200
        assert 'type="file"' in page.text and "今日归档" in page.text
        assert 'src="/static/desk.js"' in page.text
    assert desk.anonymous.get("/inbox").headers["location"].startswith("/login")
    assert desk.anonymous.get("/static/desk.js").status_code == 200


def test_the_inbox_lists_todays_filings_the_quarantine_and_waiting_scans(
    desk: Desk, notice: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "损坏.docx"
    broken.write_bytes(b"PK\x03\x04 not a zip at all")
    scan = build_image_only_pdf(tmp_path / "扫描件.pdf")
    filed, waiting = file_documents(desk.archive, notice, broken, scan)
    page = desk.client("clerk").get("/inbox").text
    today = page[page.index("<h2>今日归档") : page.index("<h2>隔离区")]
    assert f'href="/documents/{filed}"' in today and "关于做好防汛抗旱工作的通知" in today
    assert "某政办发〔2024〕31号" in today
    held = page[page.index("<h2>隔离区") : page.index("<h2>等待文字识别")]
    assert "损坏.docx" in held and "文件已损坏或内容与格式不符" in held
    assert "is named .docx but" in held  # the reason file's own message
    scans = page[page.index("<h2>等待文字识别") :]
    assert f'href="/documents/{waiting}"' in scans
    assert broken.exists()  # a bulk ingest leaves the user's file; the page deletes nothing


# --- uploads -----------------------------------------------------------------------


def test_an_uploaded_docx_is_filed_shown_and_searchable(desk: Desk, notice: Path) -> None:
    client = desk.client("clerk")
    started = upload(client, (notice.name, notice.read_bytes()))
    assert started.status_code == 200
    assert 'hx-trigger="every 1s"' in started.text  # the partial polls its job
    done = finished(client, started.text)
    assert done.headers["HX-Trigger"] == "inbox-changed"  # the page's lists are read again
    with desk.archive.sessions() as session:
        document = session.scalars(select(Document)).one()
        names = session.scalars(select(Source.file_name)).all()
        uploaded = session.scalars(select(AuditEvent).where(AuditEvent.action == "upload")).one()
    assert f'<a href="/documents/{document.id}">防汛通知.docx</a>' in done.text
    assert "已归档" in done.text
    assert names == ["防汛通知.docx"]
    assert (uploaded.actor, uploaded.document_id) == (USERS["clerk"], document.id)
    assert document.original_path and (desk.settings.home / document.original_path).is_file()
    assert leftovers(desk.settings) == []  # staged, claimed and filed: the inbox is empty

    lists = client.get("/inbox/lists", headers=HTMX).text
    assert f'href="/documents/{document.id}"' in lists and "<html" not in lists
    found = client.get("/search", params={"q": "防汛抗旱"}).text
    assert f'href="/documents/{document.id}"' in found


def test_a_corrupt_upload_is_quarantined_with_its_reason(desk: Desk) -> None:
    client = desk.client("clerk")
    fake = b"PK\x03\x04" + b"\x00" * 64  # says zip, is not
    done = finished(client, upload(client, ("报告.docx", fake)).text)
    assert "已隔离" in done.text and "文件已损坏或内容与格式不符" in done.text
    entries, total = quarantined(desk.settings.quarantine)
    assert total == 1 and entries[0].file_name == "报告.docx"
    assert (desk.settings.quarantine / entries[0].name).read_bytes() == fake
    with desk.archive.sessions() as session:
        assert session.scalars(select(Document)).all() == []
    page = client.get("/inbox").text
    held = page[page.index("<h2>隔离区") :]
    assert "报告.docx" in held and entries[0].message in held
    assert leftovers(desk.settings) == []


def test_a_bulk_upload_reports_each_outcome(desk: Desk, notice: Path, tmp_path: Path) -> None:
    other = build_docx(tmp_path / "第二份.docx", ["关于召开会议的通知", "定于下周召开会议。"])
    client = desk.client("reviewer")
    started = upload(
        client,
        (notice.name, notice.read_bytes()),
        ("副本.docx", notice.read_bytes()),  # the same bytes again: a duplicate
        (other.name, other.read_bytes()),
        ("空.txt", b""),
    )
    assert 'data-total="4"' in started.text
    done = finished(client, started.text)
    assert 'data-done="4"' in done.text and 'value="4"' in done.text
    rows = re.findall(r'<tr class="outcome (\w+)">\s*<td>(.*?)</td>', done.text, re.DOTALL)
    outcomes = {re.sub(r"<[^>]+>", "", cell): status for status, cell in rows}
    assert outcomes == {
        "防汛通知.docx": "filed",
        "副本.docx": "duplicate",
        "第二份.docx": "filed",
        "空.txt": "quarantined",
    }
    assert "空文件" in done.text


def test_a_form_posted_without_the_script_goes_to_the_jobs_page(desk: Desk, notice: Path) -> None:
    client = desk.client("clerk")
    posted = upload(client, (notice.name, notice.read_bytes()), htmx=False)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/inbox/jobs/")
    page = client.get(posted.headers["location"])
    assert page.status_code == 200 and "上传进度" in page.text and "<html" in page.text
    finished(client, page.text)


def test_an_upload_with_no_file_gets_a_message_beside_the_field(desk: Desk) -> None:
    client = desk.client("clerk")
    token = csrf_of(client, "/inbox")
    empty = client.post("/inbox/upload", headers={**HTMX, "X-CSRF-Token": token})
    assert empty.status_code == 400
    assert re.search(r'class="field-error"[^>]*>请选择要上传的文件', empty.text)
    blank = client.post(
        "/inbox/upload",
        files=[("files", ("", b"", "application/octet-stream"))],
        data={"csrf_token": token},
    )
    assert blank.status_code == 400 and "请选择要上传的文件" in blank.text
    assert "今日归档" in blank.text  # without the script: the whole page again


def test_an_upload_needs_the_csrf_token(desk: Desk, notice: Path) -> None:
    client = desk.client("clerk")
    refused = client.post(
        "/inbox/upload", files=[("files", (notice.name, notice.read_bytes()))], headers=HTMX
    )
    assert refused.status_code == 403
    assert leftovers(desk.settings) == []


@pytest.fixture
def small_desk(sqlite_settings: Settings) -> Iterator[Desk]:
    """A desk that takes files of 64 KB at most."""
    with open_desk(dataclasses.replace(sqlite_settings, upload_limit=64 * 1024)) as opened:
        yield opened


def test_an_oversized_upload_is_refused_and_nothing_is_kept(small_desk: Desk, notice: Path) -> None:
    client = small_desk.client("clerk")
    assert 'data-limit="65536"' in client.get("/inbox").text  # the script checks it first
    assert notice.stat().st_size < 64 * 1024
    big = ("大文件.docx", b"PK" + b"x" * (64 * 1024))
    refused = upload(client, (notice.name, notice.read_bytes()), big)
    assert refused.status_code == 400
    assert re.search(
        r'class="field-error"[^>]*>文件过大：大文件.docx 超过单个文件 64 KB', refused.text
    )
    assert "均未保存" in refused.text
    whole = upload(client, big, htmx=False)  # without the script: the page, with the message
    assert whole.status_code == 400 and "文件过大" in whole.text and "今日归档" in whole.text
    assert leftovers(small_desk.settings) == []
    assert not any((small_desk.settings.inbox / UPLOADS).iterdir())
    assert quarantined(small_desk.settings.quarantine) == ([], 0)
    with small_desk.archive.sessions() as session:
        assert session.scalars(select(Document)).all() == []


def test_a_hostile_file_name_is_sanitised_and_escaped(
    desk: Desk, notice: Path, tmp_path: Path
) -> None:
    client = desk.client("clerk")
    done = finished(client, upload(client, (f"../../{HOSTILE}.docx", notice.read_bytes())).text)
    assert HOSTILE not in done.text and "&lt;img src=x onerror=alert(2)&gt;.docx" in done.text
    with desk.archive.sessions() as session:
        assert session.scalars(select(Source.file_name)).one() == f"{HOSTILE}.docx"
    page = client.get("/inbox").text
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(2)&gt;.docx" in page
    assert not any(tmp_path.parent.glob("*onerror*"))  # nothing written up the tree
    broken = finished(client, upload(client, (f"{HOSTILE}.docx", b"PK\x03\x04 broken")).text)
    assert HOSTILE not in broken.text
    assert HOSTILE not in client.get("/inbox").text  # the quarantine list escapes it too


def test_uploads_a_stopped_desk_left_go_to_the_watchers_inbox(desk: Desk, notice: Path) -> None:
    gone = subprocess.Popen(["true"])  # its pid names a process that has ended
    gone.wait()
    left = desk.settings.inbox / UPLOADS / f"{'0' * 32}-{gone.pid}"
    left.mkdir(parents=True)
    (left / "通知.docx").write_bytes(notice.read_bytes())
    (left / RECEIVING).write_bytes(b"half a file")
    waiting = desk.settings.inbox / "通知.docx"
    waiting.write_bytes(b"another file of that name, dropped meanwhile")
    alive = desk.settings.inbox / UPLOADS / f"{'1' * 32}-{os.getpid()}"
    alive.mkdir()
    (alive / "在传.docx").write_bytes(b"this desk is still filing it")

    client = desk.client("clerk")
    finished(client, upload(client, (notice.name, notice.read_bytes())).text)
    handed = sorted(p.name for p in desk.settings.inbox.iterdir() if p.is_file())
    assert len(handed) == 2 and handed[1] == "通知.docx" and handed[0].endswith("-通知.docx")
    assert not left.exists()  # the half-received file went with its folder
    assert (alive / "在传.docx").exists()


def test_a_job_is_only_its_owners(desk: Desk, notice: Path) -> None:
    clerk = desk.client("clerk")
    started = upload(clerk, (notice.name, notice.read_bytes()))
    finished(clerk, started.text)
    other = desk.client("reviewer").get(f"/inbox/jobs/{job_id(started.text)}", headers=HTMX)
    assert other.status_code == 404
    assert clerk.get("/inbox/jobs/no-such-job").status_code == 404
