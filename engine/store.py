"""Content-addressed originals and the quarantine.

An original is written once under ``originals/ab/cd/<sha256>.<ext>``: to a
temporary file, fsynced, renamed into place, made read-only, and the folder
fsynced, so that after a crash it is either whole or absent. A file that
cannot be ingested goes to ``quarantine/`` beside a ``.reason.txt``; nothing a
user dropped is ever deleted before it is safe somewhere else. Generated letters
and reports are written the same way under ``generated/``, one file a version.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


@dataclass(frozen=True)
class Checksum:
    sha256: str
    size: int


def checksum(path: Path) -> Checksum:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return Checksum(digest.hexdigest(), size)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


INCOMING = ".incoming"  # unfinished copies, beside their final folders (same file system)


def _durable_write(target: Path, root: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``target`` atomically with ``write``: whole after a crash, or absent.

    The temporary file lives in ``root/.incoming`` and is named after the writing
    process, so that :func:`sweep_incoming` can remove what a killed process left.
    """
    incoming = root / INCOMING
    incoming.mkdir(parents=True, exist_ok=True)
    temp = incoming / f"{os.getpid()}-{uuid.uuid4().hex}.tmp"
    try:
        with temp.open("xb") as writer:
            write(writer)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    _fsync_dir(target.parent)


def _durable_copy(source: Path, target: Path, root: Path) -> None:
    with source.open("rb") as reader:
        _durable_write(target, root, lambda writer: shutil.copyfileobj(reader, writer, CHUNK))


def store_generated(home: Path, relative: Path, data: bytes) -> Checksum:
    """Keep a generated letter or report at ``home/relative``, read-only; its checksum.

    A file already there is never overwritten: each version has a name of its own.
    """
    target = home / relative
    if target.exists():
        raise FileExistsError(f"{target} exists: a generated file is written once")
    target.parent.mkdir(parents=True, exist_ok=True)
    _durable_write(target, home / "generated", lambda writer: writer.write(data))
    target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return Checksum(hashlib.sha256(data).hexdigest(), len(data))


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def sweep_incoming(root: Path) -> list[Path]:
    """Remove the unfinished copies of processes that no longer run (after a kill -9)."""
    removed = []
    incoming = root / INCOMING
    if not incoming.is_dir():
        return removed
    for temp in incoming.glob("*.tmp"):
        pid = temp.name.split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            temp.unlink(missing_ok=True)
            removed.append(temp)
    return removed


def original_relpath(sha256: str, extension: str) -> Path:
    return Path("originals", sha256[:2], sha256[2:4], f"{sha256}.{extension}")


def kept_file(root: Path, path: str | Path) -> Path | None:
    """``path`` (relative to ``root`` or absolute) when it is a file inside ``root``.

    What the web desk serves: ``..``, absolute paths elsewhere and symlinks out of
    ``root`` give None, so a download can never leave the archive.
    """
    base = root.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


def store_original(home: Path, source: Path, digest: Checksum, extension: str) -> Path:
    """Keep ``source`` as the original of ``digest``; its path relative to ``home``.

    Idempotent: an original already in place (same name, same size) is kept.
    """
    relative = original_relpath(digest.sha256, extension)
    target = home / relative
    if target.exists() and target.stat().st_size == digest.size:
        return relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():  # the wrong size can only be tampering or disk damage: keep it aside
        target.chmod(stat.S_IRUSR | stat.S_IWUSR)
        target.rename(target.with_name(f"{target.name}.damaged-{uuid.uuid4().hex[:8]}"))
    _durable_copy(source, target, home / "originals")
    if checksum(target) != digest:
        target.unlink()
        raise OSError(f"the stored copy of {source} does not match its checksum")
    target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return relative


@dataclass(frozen=True)
class Quarantined:
    path: Path
    reason_path: Path


def quarantine(
    folder: Path,
    source: Path,
    *,
    file_name: str,
    reason: str,
    message: str,
    move: bool,
    now: datetime,
) -> Quarantined:
    """Put ``source`` into the quarantine with a reason file; never deletes it first.

    ``move`` takes the file away (a file from the inbox); otherwise it is copied
    and the user's file stays where it is (a bulk ingest of an existing tree).
    """
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{stamp}-{uuid.uuid4().hex[:6]}-{file_name}"
    _durable_copy(source, target, folder)
    reason_path = target.with_name(f"{target.name}.reason.txt")
    reason_path.write_text(
        f"file: {file_name}\nreason: {reason}\nmessage: {message}\n"
        f"quarantined at: {now.isoformat(timespec='seconds')}\n",
        encoding="utf-8",
    )
    if move:
        source.unlink()
    return Quarantined(target, reason_path)


REASON_SUFFIX = ".reason.txt"
# The reasons a file is quarantined (engine.extract's ExtractionError and the pipeline's own).
QUARANTINE_REASONS = {
    "corrupt": "文件已损坏或内容与格式不符",
    "encrypted": "文件已加密",
    "empty": "空文件",
    "unsupported": "不支持的文件格式",
    "too_large": "文件过大",
    "unreadable": "无法读取",
}


@dataclass(frozen=True)
class QuarantineEntry:
    """A quarantined file as its reason file describes it."""

    name: str  # in the quarantine folder
    file_name: str  # as it arrived
    reason: str
    message: str
    at: str  # when, as the reason file says it

    @property
    def reason_label(self) -> str:
        return QUARANTINE_REASONS.get(self.reason, self.reason)


# What quarantine() writes; a message may run over several lines (a reason is a code).
_REASON_FILE = re.compile(
    r"file: (?P<file_name>.*?)\nreason: (?P<reason>[^\n]*)\nmessage: (?P<message>.*)"
    r"\nquarantined at: (?P<at>[^\n]*)\n?",
    re.DOTALL,
)


def quarantined(folder: Path, limit: int = 50) -> tuple[list[QuarantineEntry], int]:
    """The newest ``limit`` files of the quarantine with their reasons, and how many it holds.

    Read only: the quarantine is the clerk's to empty. Names begin with the
    time they were quarantined, so the newest are found without reading the rest.
    """
    if not folder.is_dir():
        return [], 0
    reasons = sorted(folder.glob(f"*{REASON_SUFFIX}"), reverse=True)
    entries = []
    for path in reasons[:limit]:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:  # removed by hand while we looked
            continue
        name = path.name.removesuffix(REASON_SUFFIX)
        found = _REASON_FILE.fullmatch(text)
        if found is None:  # edited by hand: its text is the message
            entries.append(QuarantineEntry(name, name, "", text.strip(), ""))
            continue
        file_name, reason, message, at = (part.strip() for part in found.groups())
        entries.append(QuarantineEntry(name, file_name, reason, message, at))
    return entries, len(reasons)


NEW_FILE_MODE = 0o644  # a file the clerk edits (a figures file), readable by the desk


def replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file beside it, fsynced, renamed over it.

    After a crash the file is the old one or the new one, never a part of either.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp makes it private; the clerk's file keeps the mode it had.
        temp.chmod(path.stat().st_mode if path.exists() else NEW_FILE_MODE)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
