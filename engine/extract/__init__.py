"""Bytes -> text: the extraction layer, chosen by content (magic bytes), not by extension.

Contract
--------
* :func:`extract` reads one file and returns an :class:`Extraction` whose text is
  normalised with :func:`engine.text.normalize_text`. For a file it cannot read it
  raises :class:`ExtractionError` and nothing else; ``.reason`` is one of
  ``corrupt``, ``encrypted``, ``empty``, ``unsupported``, ``too_large``. Only an
  :class:`OSError` from reading the file itself (missing, no permission) passes
  through: that is the disk's problem, not the document's, and worth a retry.
* :func:`sniff` names the format of some bytes from their content alone.
* An extractor is a function ``(data: bytes) -> Extraction`` registered in
  :data:`EXTRACTORS` under the label :func:`sniff` gives its format. It MAY return
  raw text (``extract`` normalises once, for all of them) and SHOULD raise
  ``ExtractionError`` with a precise reason; any other exception it lets escape is
  reported as ``corrupt``. A new format (OFD, .doc/.wps, OCR of images) is one more
  entry there, plus its magic in :func:`sniff` if that does not know it yet.
* A PDF without a text layer is not an error: it comes back with status
  ``NEEDS_OCR`` and empty text, so the pipeline can queue it for OCR.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from engine.codes import DocumentStatus
from engine.text import normalize_text

MAX_FILE_BYTES = 200 * 2**20
SNIFF_TEXT_BYTES = 64 * 2**10  # enough of a text file to tell its encoding

ErrorReason = Literal["corrupt", "encrypted", "empty", "unsupported", "too_large"]


class ExtractionError(Exception):
    """A file that cannot be read; ``reason`` is a short code, ``str()`` says why in English."""

    def __init__(self, reason: ErrorReason, message: str) -> None:
        super().__init__(message)
        self.reason: ErrorReason = reason

    def __reduce__(self) -> tuple[type[ExtractionError], tuple[ErrorReason, str]]:
        # Rebuilt from both arguments, so the error survives a process pool's pickling.
        return type(self), (self.reason, str(self))


@dataclass(frozen=True)
class Extraction:
    """The text of one file and how it was read."""

    text: str  # normalised with engine.text.normalize_text
    format: str  # "docx" | "pdf" | "txt" | "ofd" | "doc" | "png" | "jpeg" | "tiff" | "gif"
    status: DocumentStatus  # FILED, or NEEDS_OCR for a PDF with no text layer
    pages: int | None = None  # PDF and OFD pages, image frames
    encoding: str | None = None  # txt: the detected encoding (utf-8, utf-8-sig, gb18030 …)
    warnings: tuple[str, ...] = ()  # e.g. "pages 3, 4 without a text layer"
    # What the file states about itself besides its text, name -> value as written:
    # an OFD's DocInfo (Title, Author, CreationDate …) and CustomData (发文字号 …).
    properties: Mapping[str, str] = field(default_factory=dict)


Extractor = Callable[[bytes], Extraction]

# A line that is nothing but a page number: 3, - 3 -, — 3 —, 第3页, 第 3 页 共 9 页, 3/9.
PAGE_NUMBER = re.compile(
    r"[\s\-－—–]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:(?:/|共)\s*\d{1,4}\s*页?)?[\s\-－—–]*"
)

# Magic numbers of formats recognised by their first bytes.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"{\\rtf", "rtf"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
)
_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
# A zip is told by the member that marks its kind; the first match wins.
_ZIP_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"word/document.xml", "docx"),
    (b"OFD.xml", "ofd"),
    (b"xl/workbook.xml", "xlsx"),
    (b"ppt/presentation.xml", "pptx"),
)
# An OLE2 compound file is told by its streams; EncryptionInfo is an encrypted OOXML file.
_OLE2_KINDS: tuple[tuple[str, str], ...] = (
    ("EncryptionInfo", "office-encrypted"),
    ("WordDocument", "doc"),
    ("Workbook", "xls"),
    ("Book", "xls"),
    ("PowerPoint Document", "ppt"),
)
_HTML = re.compile(rb"\s*<(?:!doctype\s+html|html|head|meta)\b", re.IGNORECASE)

# What to call a recognised format no extractor reads yet, in an error message.
_FORMAT_NAMES: Mapping[str, str] = {
    "doc": "a legacy Word/WPS document (.doc/.wps, OLE2)",
    "xls": "a legacy Excel workbook (.xls, OLE2)",
    "ppt": "a legacy PowerPoint file (.ppt, OLE2)",
    "ole2": "an OLE2 compound file",
    "ofd": "an OFD document",
    "xlsx": "an Excel workbook (.xlsx)",
    "pptx": "a PowerPoint file (.pptx)",
    "zip": "a zip archive",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "tiff": "a TIFF image",
    "gif": "a GIF image",
    "rtf": "an RTF document",
    "html": "an HTML page",
    "rar": "a RAR archive",
    "7z": "a 7-Zip archive",
    "gzip": "a gzip file",
}


def sniff(head: bytes) -> str | None:
    """The format of a file from its content: ``docx``, ``pdf``, ``txt``, the label of
    a recognised format no extractor reads yet (``doc``, ``office-encrypted``, ``ofd``,
    ``zip``, ``png``, ``jpeg``, ``html`` …), or None for unrecognised bytes.

    ``head`` is the whole file or its beginning. Zip and OLE2 containers are told by
    the names of their members; a prefix that stops before the telling member
    gives only ``zip`` or ``ole2``.
    """
    if b"%PDF-" in head[:1024]:  # readers accept a little junk before the header
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        names = _zip_member_names(head)
        return next((kind for member, kind in _ZIP_KINDS if member in names), "zip")
    if head.startswith(_OLE2):
        streams = _ole2_stream_names(head)
        return next((kind for stream, kind in _OLE2_KINDS if stream in streams), "ole2")
    for magic, label in _MAGIC:
        if head.startswith(magic):
            return label
    if _HTML.match(head):
        return "html"
    return "txt" if txt.decode(head[:SNIFF_TEXT_BYTES], final=False) is not None else None


def _zip_member_names(data: bytes) -> set[bytes]:
    """Member names from the zip's local headers and central directory, as far as
    ``data`` reaches; no decompression, so it works on a prefix too."""
    names: set[bytes] = set()
    # (signature, offset of the name's length, offset of the name) in each header kind
    for signature, length_at, name_at in ((b"PK\x03\x04", 26, 30), (b"PK\x01\x02", 28, 46)):
        start = data.find(signature)
        while start >= 0:
            length = int.from_bytes(data[start + length_at : start + length_at + 2], "little")
            names.add(data[start + name_at : start + name_at + length])
            start = data.find(signature, start + 4)
    return names


def _ole2_stream_names(data: bytes) -> set[str]:
    """Which of the telling stream names are in the OLE2 directory. Directory entries
    are 128-byte records after the 512-byte header, name first in UTF-16LE; looking
    only at such aligned records keeps text inside streams from matching."""
    found = set()
    for name, _ in _OLE2_KINDS:
        record = (name + "\0").encode("utf-16-le")
        start = data.find(record, 512)
        while start >= 0 and (start - 512) % 128:
            start = data.find(record, start + 1)
        if start >= 0:
            found.add(name)
    return found


def extract(path: Path, name: str | None = None) -> Extraction:
    """The text of the file at ``path``, read by the extractor for its content's format.

    ``name``: what to call the file in messages (the name it arrived under), and
    whose extension counts as the name it claims; default ``path.name``.
    """
    name = name or path.name
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError("empty", f"{name} is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise ExtractionError(
            "too_large", f"{name} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
        )
    data = path.read_bytes()
    label = sniff(data)
    extractor = EXTRACTORS.get(label) if label else None
    if extractor is None:
        raise _not_readable(name, label)
    try:
        result = extractor(data)
    except ExtractionError as exc:
        raise ExtractionError(exc.reason, f"{name}: {exc}") from exc
    except Exception as exc:  # a parser's own exception means the bytes are damaged
        raise ExtractionError(
            "corrupt", f"{name}: damaged {label} file ({type(exc).__name__}: {exc})"
        ) from exc
    text = normalize_text(result.text)
    if not text and result.status is DocumentStatus.FILED:
        raise ExtractionError("empty", f"{name}: the {label} file holds no text")
    return replace(result, text=text)


def _not_readable(name: str, label: str | None) -> ExtractionError:
    """The error for content no extractor reads. Bytes that are no format at all, or a
    container with nothing telling inside (a zip without word/document.xml), under the
    name of a format we read (x.pdf, x.docx) are a damaged file of that format."""
    claimed = Path(name).suffix.lower().lstrip(".")
    what = _FORMAT_NAMES.get(label, label) if label else "unrecognised content"
    if label in (None, "zip", "ole2") and claimed in EXTRACTORS:
        return ExtractionError(
            "corrupt", f"{name} is named .{claimed} but is {what}, not a readable {claimed}"
        )
    return ExtractionError("unsupported", f"{name} is {what}: not supported yet")


# The extractors import the types above, so they are imported after them.
from engine.extract import docx, image, legacy, ofd, pdf, txt  # noqa: E402

EXTRACTORS: Mapping[str, Extractor] = MappingProxyType(
    {
        "doc": legacy.extract,
        "docx": docx.extract,
        "gif": image.gif,
        "jpeg": image.jpeg,
        "office-encrypted": docx.refuse_encrypted,
        "ofd": ofd.extract,
        "pdf": pdf.extract,
        "png": image.png,
        "tiff": image.tiff,
        "txt": txt.extract,
    }
)
