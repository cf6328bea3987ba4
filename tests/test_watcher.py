"""The inbox watcher, running in a thread against a real folder and register."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.archive import Archive
from engine.config import Settings
from engine.pipeline import Outcome, Status
from engine.register.models import Document, Source
from engine.watcher import Watcher
from indexer import SearchQuery
from tests.builders import build_docx, build_pdf


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the watcher")
        time.sleep(0.05)


@contextmanager
def watching(
    settings: Settings, *, polling: bool = False
) -> Iterator[tuple[Archive, list[Outcome]]]:
    outcomes: list[Outcome] = []
    stop = threading.Event()
    with Archive.open(settings) as archive:
        watcher = Watcher(archive, polling=polling, on_outcome=outcomes.append)
        thread = threading.Thread(target=watcher.run, args=(stop,))
        thread.start()
        try:
            yield archive, outcomes
        finally:
            stop.set()
            thread.join(timeout=30)
            assert not thread.is_alive(), "the watcher stops when asked"


def documents(archive: Archive) -> int:
    with archive.sessions() as session:
        return session.scalar(select(func.count(Document.id))) or 0


def inbox_files(settings: Settings) -> list[Path]:
    return [p for p in settings.inbox.rglob("*") if p.is_file() and ".gongkai" not in str(p)]


@pytest.mark.parametrize("polling", [False, True], ids=["inotify", "polling"])
def test_files_dropped_before_and_after_start_are_filed(
    sqlite_settings: Settings, tmp_path: Path, polling: bool
) -> None:
    inbox = sqlite_settings.inbox
    inbox.mkdir(parents=True)
    build_docx(inbox / "早到.docx", ["关于早到文件的通知", "内容。"])
    with watching(sqlite_settings, polling=polling) as (archive, outcomes):
        wait_for(lambda: len(outcomes) == 1)
        (inbox / "子目录").mkdir()
        build_pdf(inbox / "子目录" / "后到.pdf", ["关于后到文件的通知", "内容。"])
        (inbox / "后到.txt").write_text("关于文本文件的通知\n内容。", encoding="utf-8")
        wait_for(lambda: len(outcomes) == 3)
        assert {o.status for o in outcomes} == {Status.FILED}
        assert documents(archive) == 3
    assert inbox_files(sqlite_settings) == []


def test_temporary_lock_and_hidden_files_are_left_alone(sqlite_settings: Settings) -> None:
    inbox = sqlite_settings.inbox
    inbox.mkdir(parents=True)
    ignored = [
        "~$通知.docx",
        "a.tmp",
        "b.part",
        ".~lock.通知.docx#",
        "Thumbs.db",
        "desktop.ini",
        ".hidden.txt",
    ]
    for name in ignored:
        (inbox / name).write_text("关于忽略的通知", encoding="utf-8")
    with watching(sqlite_settings) as (archive, outcomes):
        (inbox / "真的.txt").write_text("关于真正文件的通知\n内容。", encoding="utf-8")
        wait_for(lambda: len(outcomes) == 1)
        time.sleep(sqlite_settings.settle_seconds * 3)
        assert documents(archive) == 1
    assert sorted(p.name for p in inbox_files(sqlite_settings)) == sorted(ignored)


def test_a_file_still_being_written_is_taken_only_when_complete(sqlite_settings: Settings) -> None:
    inbox = sqlite_settings.inbox
    inbox.mkdir(parents=True)
    content = ("关于分段写入的通知\n" + "这是正文的一段，用来模拟网络复制。\n" * 400).encode()
    with watching(sqlite_settings) as (archive, outcomes):
        with (inbox / "慢.txt").open("wb") as handle:
            for start in range(0, len(content), 2000):
                handle.write(content[start : start + 2000])
                handle.flush()
                time.sleep(sqlite_settings.settle_seconds / 3)
        wait_for(lambda: len(outcomes) == 1)
        with archive.sessions() as session:
            document = session.scalars(select(Document)).one()
        assert document.size == len(content), "the whole file, not a prefix"


def test_a_bad_file_does_not_stop_the_watcher(sqlite_settings: Settings) -> None:
    inbox = sqlite_settings.inbox
    inbox.mkdir(parents=True)
    with watching(sqlite_settings) as (archive, outcomes):
        (inbox / "坏.docx").write_bytes(b"PK\x03\x04garbage")
        wait_for(lambda: len(outcomes) == 1)
        (inbox / "好.txt").write_text("关于好文件的通知\n内容。", encoding="utf-8")
        wait_for(lambda: len(outcomes) == 2)
    assert [o.status for o in outcomes] == [Status.QUARANTINED, Status.FILED]
    assert documents(archive) == 1


def test_many_files_at_once_are_each_filed_exactly_once(sqlite_settings: Settings) -> None:
    inbox = sqlite_settings.inbox
    inbox.mkdir(parents=True)
    with watching(sqlite_settings) as (archive, outcomes):
        for n in range(24):
            (inbox / f"通知{n:02d}.txt").write_text(
                f"关于第{n}号事项的通知\n内容{n}。", encoding="utf-8"
            )
        (inbox / "通知00-副本.txt").write_text("关于第0号事项的通知\n内容0。", encoding="utf-8")
        wait_for(lambda: len(outcomes) == 25)
        time.sleep(0.5)
        assert len(outcomes) == 25
        with archive.sessions() as session:
            assert session.scalar(select(func.count(Document.id))) == 24
            assert session.scalar(select(func.count(Source.id))) == 25
    assert inbox_files(sqlite_settings) == []


def test_a_dropped_file_is_searchable_once_filed(sqlite_settings: Settings) -> None:
    inbox = sqlite_settings.inbox
    inbox.mkdir(parents=True)
    with watching(sqlite_settings) as (archive, outcomes):
        (inbox / "防汛.txt").write_text("关于做好防汛抗旱工作的通知\n内容。", encoding="utf-8")
        wait_for(lambda: len(outcomes) == 1)
        found = archive.search_index().search(SearchQuery("防汛抗旱"))
        assert found["total"] == 1
