"""Scanned images (PNG, JPEG, TIFF, GIF): filed as they are, their text left to OCR.

An image has no text to extract: like a PDF without a text layer it comes back
``NEEDS_OCR`` with empty text, and the OCR queue (:mod:`engine.ocr`) reads it
later, off the filing path. Here the bytes are only checked to be the image they
claim to be, from their structure: the decoders (Pillow, OpenCV) come with the
optional OCR engine, and a scan must be filed, or quarantined, without them. The
pixels are decoded when OCR reads them.

``pages``: 1, or a TIFF's frames (a multi-page scan is one TIFF). A GIF's frames
are an animation, not pages: OCR reads its first.
"""

from __future__ import annotations

import struct
import zlib

from engine.codes import DocumentStatus
from engine.extract import Extraction, ExtractionError

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers, which carry the size: SOF0-SOF15 but DHT, JPG and DAC.
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}  # RSTn and TEM have no length
_TIFF_WIDTH, _TIFF_HEIGHT = 256, 257
_MAX_TIFF_PAGES = 10_000  # an IFD chain longer than any scan is a loop or junk


def _scan(label: str, pages: int = 1) -> Extraction:
    return Extraction("", label, DocumentStatus.NEEDS_OCR, pages=pages)


def _corrupt(what: str, why: str) -> ExtractionError:
    return ExtractionError("corrupt", f"not a readable {what} image: {why}")


def png(data: bytes) -> Extraction:
    """A PNG: a valid IHDR with a size, then chunks up to IEND (a cut download has none)."""
    offset = len(_PNG_SIGNATURE)
    header = data[offset : offset + 25]
    if len(header) < 25 or header[4:8] != b"IHDR" or struct.unpack(">I", header[:4])[0] != 13:
        raise _corrupt("PNG", "no image header (IHDR)")
    if zlib.crc32(header[4:21]) != struct.unpack(">I", header[21:25])[0]:
        raise _corrupt("PNG", "the image header is damaged (checksum)")
    width, height = struct.unpack(">II", header[8:16])
    if not width or not height:
        raise _corrupt("PNG", f"{width}×{height} pixels")
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"IEND":
            return _scan("png")
        offset += 12 + length  # length, type, data, checksum
    raise _corrupt("PNG", "the file is cut short (no IEND)")


def jpeg(data: bytes) -> Extraction:
    """A JPEG: a frame header with a size before the scan, and the end-of-image marker
    after it (a cut download has none)."""
    offset, size = 2, None
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            raise _corrupt("JPEG", f"no marker at byte {offset}")
        marker = data[offset + 1]
        if marker == 0xFF:  # fill bytes before a marker
            offset += 1
            continue
        if marker in _JPEG_STANDALONE:
            offset += 2
            continue
        length = struct.unpack(">H", data[offset + 2 : offset + 4])[0]
        if marker in _JPEG_FRAMES and offset + 9 <= len(data):
            size = struct.unpack(">HH", data[offset + 5 : offset + 9])  # height, width
        if marker == 0xDA:  # start of scan: the compressed image follows
            if size is None or 0 in size:
                raise _corrupt("JPEG", "no image size before the scan")
            if data.find(b"\xff\xd9", offset) < 0:
                raise _corrupt("JPEG", "the file is cut short (no end-of-image marker)")
            return _scan("jpeg")
        offset += 2 + length
    raise _corrupt("JPEG", "no image data")


def tiff(data: bytes) -> Extraction:
    """A TIFF: the chain of image directories, one a page, each with a width and height."""
    order = "<" if data.startswith(b"II") else ">"
    offset = _read(data, order + "I", 4, "TIFF")
    pages, seen = 0, set()
    while offset:
        if offset in seen or pages >= _MAX_TIFF_PAGES:
            raise _corrupt("TIFF", "the page directories loop")
        seen.add(offset)
        count = _read(data, order + "H", offset, "TIFF")
        tags = {_read(data, order + "H", offset + 2 + 12 * index, "TIFF") for index in range(count)}
        if not {_TIFF_WIDTH, _TIFF_HEIGHT} <= tags:
            raise _corrupt("TIFF", f"page {pages + 1} has no size")
        pages += 1
        offset = _read(data, order + "I", offset + 2 + 12 * count, "TIFF")
    if not pages:
        raise _corrupt("TIFF", "no pages")
    return _scan("tiff", pages)


def gif(data: bytes) -> Extraction:
    """A GIF: a screen size, extension blocks, then the first image, whole (a cut
    download ends inside its data)."""
    width, height = _read(data, "<H", 6, "GIF"), _read(data, "<H", 8, "GIF")
    if not width or not height:
        raise _corrupt("GIF", f"{width}×{height} pixels")
    offset = 13 + _colour_table(_read(data, "B", 10, "GIF"))
    while (block := _read(data, "B", offset, "GIF")) == 0x21:  # an extension
        offset = _sub_blocks(data, offset + 2)
    if block != 0x2C:
        raise _corrupt("GIF", "no image")
    offset += 10 + _colour_table(_read(data, "B", offset + 9, "GIF"))
    _sub_blocks(data, offset + 1)  # after the LZW code size, the image data
    return _scan("gif")


def _colour_table(flags: int) -> int:
    """The size of the colour table a GIF's flags announce."""
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _sub_blocks(data: bytes, offset: int) -> int:
    """Where a GIF's chain of sized sub-blocks at ``offset`` ends."""
    while size := _read(data, "B", offset, "GIF"):
        offset += 1 + size
    return offset + 1


def _read(data: bytes, layout: str, offset: int, what: str) -> int:
    """One number at ``offset``; a file that ends before it is damaged."""
    end = offset + struct.calcsize(layout)
    if end > len(data):
        raise _corrupt(what, f"the file ends at byte {len(data)}, a directory at {offset}")
    (value,) = struct.unpack(layout, data[offset:end])
    return int(value)
