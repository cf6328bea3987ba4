"""Crash safety: a real watcher process killed with SIGKILL at random moments loses nothing.

Each round starts ``python watch.py`` on the same data root, lets it work for a
random while, and kills it with SIGKILL; a last run finishes. Then every file is
filed exactly once, every original in the store belongs to a register row, and
nothing is left claimed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from engine.archive import Archive
from engine.config import Settings
from engine.pipeline import pending_claims
from engine.register.models import Document, Source
from tests.builders import build_docx, build_pdf
from tests.conftest import REPO

ROUNDS = 6


def start_watcher(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "GONGKAI_HOME": str(settings.home),
        "GONGKAI_DATABASE_URL": settings.database_url,
        "GONGKAI_SETTLE_SECONDS": "0.05",
    }
    return subprocess.Popen(
        [sys.executable, str(REPO / "watch.py")],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def sources(archive: Archive) -> int:
    with archive.sessions() as session:
        return session.scalar(select(func.count(Source.id))) or 0


def drop_documents(inbox: Path, staging: Path) -> int:
    """Write 30 distinct documents and 2 byte-identical copies; the number of files."""
    inbox.mkdir(parents=True)
    paragraph = "为进一步做好政府信息公开工作，现就有关事项通知如下。" * 12
    for n in range(15):
        build_docx(inbox / f"通知{n:02d}.docx", [f"关于第{n}项工作的通知", paragraph * 3])
        built = build_pdf(staging / f"报告{n:02d}.pdf", [f"关于第{n}项工作的报告", paragraph * 8])
        built.rename(inbox / built.name)  # a complete file appears at once, as in a move
    (inbox / "通知00-副本.docx").write_bytes((inbox / "通知00.docx").read_bytes())
    (inbox / "报告00-副本.pdf").write_bytes((inbox / "报告00.pdf").read_bytes())
    return 32


def test_kill_9_at_any_moment_loses_nothing_and_duplicates_nothing(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    total = drop_documents(sqlite_settings.inbox, staging)
    rng = random.Random(20261123)
    Archive.open(sqlite_settings).close()  # migrate once, so every round starts at the work

    interrupted = 0  # rounds killed with a file in hand
    for _ in range(ROUNDS):
        process = start_watcher(sqlite_settings)
        # Kill while a file is in hand: once a claim appears, after a random moment.
        deadline = time.monotonic() + 30
        while not pending_claims(sqlite_settings) and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait()
        interrupted += bool(pending_claims(sqlite_settings))
    assert interrupted, "no round was killed mid-ingest: the test proves nothing"

    process = start_watcher(sqlite_settings)
    with Archive.open(sqlite_settings) as archive:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and sources(archive) < total:
            time.sleep(0.2)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        log = stderr.decode()
        assert process.returncode == 0, log
        assert "watcher stopped" in log

        with archive.sessions() as session:
            assert sources(archive) == total, log
            assert session.scalar(select(func.count(Document.id))) == total - 2
            stored = set(session.scalars(select(Document.original_path)))
    originals = {
        p.relative_to(sqlite_settings.home).as_posix()
        for p in (sqlite_settings.home / "originals").rglob("*")
        if p.is_file()
    }
    assert originals == stored, "no orphan original, no row without its original"
    leftovers = [p.name for p in sqlite_settings.inbox.rglob("*") if p.is_file()]
    assert leftovers == [], "nothing left in the inbox or claimed"
    assert [p for p in sqlite_settings.quarantine.iterdir() if not p.name.startswith(".")] == []
