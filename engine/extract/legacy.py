"""Legacy Word .doc and Kingsoft WPS .wps: the Word 97-2003 binary format, in-process.

WPS Office (2007 and later) saves .wps in the same binary format as Word 97-2003,
an OLE2 compound file with a WordDocument stream, so one reader serves both. The
text is read through the piece table: the FIB (File Information Block) at the
start of the WordDocument stream locates the Clx in the table stream (0Table or
1Table), whose pieces map character positions (CPs) to 8-bit (cp1252) or UTF-16
runs of the WordDocument stream. The text reads like a .docx's: headers (where
offices put the 发文机关标志 or the 发文字号), the body then its text boxes,
footnotes and endnotes, then footers; a table row is one line, its cells joined by
a tab; of a field (页码, 超链接 …) only the shown result is kept.

Word 6.0/95 files (an older FIB, no piece table in a table stream) are handed to
LibreOffice headless (Debian's libreoffice-writer-nogui) when it is installed,
each conversion with its own temporary profile, a timeout and at most
:data:`SOFFICE_CONCURRENCY` at once per process. Where LibreOffice is absent, times
out or fails, the document comes back with status ``NEEDS_CONVERSION`` and empty
text, so the original is filed unchanged and can be converted later.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import itertools
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import olefile

from engine.codes import DocumentStatus
from engine.extract import Extraction, ExtractionError
from engine.extract.docx import _furniture

SOFFICE_TIMEOUT = 60.0  # seconds; a LibreOffice that hangs on a file is killed after it
SOFFICE_CONCURRENCY = 2  # each LibreOffice needs a few hundred MB and a CPU
_SOFFICE_SLOTS = threading.BoundedSemaphore(SOFFICE_CONCURRENCY)
INSTALL_HINT = "install LibreOffice (Debian: apt install libreoffice-writer-nogui) to read it"

WORD_IDENT = 0xA5EC  # wIdent of Word 6.0 and later
NFIB_WORD6 = 0x65  # 101, Word 6.0; Word 95 is 0x68
NFIB_WORD97 = 0xC1  # 193, Word 97; later versions are higher or say 0xC1 here too

# FibBase.flags bits
_F_ENCRYPTED = 0x0100
_F_WHICH_TABLE = 0x0200
# Indexes of (fc, lcb) pairs in FibRgFcLcb97: the header stories, the paragraph
# properties' bin table and the piece table.
_PLCF_HDD, _PLCF_BTE_PAPX, _CLX = 11, 13, 33
# The stories of the text, in CP order, as FibRgLw97 counts them (from its 4th field).
_STORIES = ("text", "footnotes", "headers", "macros", "comments", "endnotes", "boxes", "hdr_boxes")
_CCP_AT = 3
_COMPRESSED = 0x40000000
_FC_MASK = 0x3FFFFFFF
_PAGE = 512  # an FKP (formatted disk page) of paragraph properties
# Header stories: the first six are footnote and endnote separators, then six per
# section: even header, odd header, even footer, odd footer, first header, first footer.
_SEPARATOR_STORIES = 6
_FOOTER_SLOTS = frozenset({2, 3, 5})

# Paragraph property modifiers (sprms) that place a paragraph in a table, and end a row.
_SPRM_IN_TABLE, _SPRM_ROW_END = 0x2416, 0x2417
_SPRM_TABLE_DEFINITION, _SPRM_CHANGE_TABS = 0xD608, 0xC615
_OPERAND_BYTES = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}  # by spra; 6 is variable

_FIELD_BEGIN, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"
_PARAGRAPH_END, _CELL_END = "\r", "\x07"
_STRUCTURE = re.compile("[\x13\x14\x15\r\x07]")
# Word's other special characters in running text: breaks become line ends, the
# non-breaking hyphen a hyphen; anchors of pictures, drawings, notes and comments,
# the separators and the optional hyphen are dropped.
_SPECIALS = str.maketrans(
    {"\x0b": "\n", "\x0c": "\n", "\x0e": "\n", "\x1e": "-"}
    | dict.fromkeys(["\x00", "\x01", "\x02", "\x03", "\x04", "\x05", "\x08", "\x1f"])
)
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")
_PICTURE_ANCHORS = re.compile("[\x01\x08]")  # an inline picture, a drawn object
# Compressed pieces are 8-bit cp1252; its five unassigned bytes are read as Latin-1.
_CP1252 = str.maketrans(
    {
        byte: bytes([byte]).decode("cp1252")
        for byte in range(0x80, 0xA0)
        if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
    }
)


def extract(data: bytes) -> Extraction:
    """The text of a .doc or .wps: read in-process if it is Word 97 or later,
    else by LibreOffice (``NEEDS_CONVERSION`` where that is not possible)."""
    try:
        return read_word97(data)
    except OlderFormat as older:
        return convert_with_libreoffice(data, str(older))


class OlderFormat(Exception):
    """A Word binary of a version before Word 97, which only LibreOffice reads here."""


def read_word97(data: bytes) -> Extraction:
    """The text of a Word 97-2003 binary; :class:`OlderFormat` for Word 6.0/95."""
    word, tables = _streams(data)
    fib = _Fib(word)
    if fib.table_stream not in tables:
        raise ExtractionError("corrupt", f"the .doc lacks its table stream {fib.table_stream}")
    document = _Document(word, tables[fib.table_stream], fib)
    groups = (
        _furniture(document.header_lines(footers=False) + document.lines("hdr_boxes")),
        document.lines("text") + [line for line in document.lines("boxes") if line],
        [line for story in ("footnotes", "endnotes") for line in document.lines(story) if line],
        _furniture(document.header_lines(footers=True)),
    )
    joined = "\n\n".join("\n".join(group) for group in groups if group)
    status = DocumentStatus.FILED
    if not joined.strip() and _PICTURE_ANCHORS.search(document.text, 0, fib.story_end):
        status = DocumentStatus.NEEDS_OCR  # pictures and no text: a scan pasted into Word
    return Extraction(joined, "doc", status)


def _streams(data: bytes) -> tuple[bytes, dict[str, bytes]]:
    """The WordDocument stream and whichever table streams (0Table, 1Table) exist."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        with ole:
            word = ole.openstream("WordDocument").read()
            tables = {
                name: ole.openstream(name).read()
                for name in ("0Table", "1Table")
                if ole.exists(name)
            }
    except (OSError, ValueError, struct.error, IndexError) as exc:  # olefile's damage signals
        raise ExtractionError("corrupt", f"the .doc is not a readable OLE2 file ({exc})") from exc
    return word, tables


class _Fib:
    """What the reader needs of the File Information Block ([MS-DOC] 2.5.1)."""

    def __init__(self, word: bytes) -> None:
        if len(word) < 34:
            raise ExtractionError("corrupt", "the WordDocument stream is shorter than its header")
        ident, nfib, _, _, _, flags = struct.unpack_from("<6H", word)
        if ident != WORD_IDENT:
            raise ExtractionError("corrupt", f"the WordDocument stream's magic is {ident:#06x}")
        if flags & _F_ENCRYPTED:
            raise ExtractionError(
                "encrypted",
                "a password-protected .doc/.wps: open it in Word or WPS, remove the password, "
                "and file it again",
            )
        if NFIB_WORD6 <= nfib < NFIB_WORD97:
            raise OlderFormat(f"a Word 6.0/95 document (nFib {nfib:#x})")
        if nfib < NFIB_WORD6:
            raise ExtractionError(
                "unsupported", f"a legacy Word/WPS document of an unknown version (nFib {nfib:#x})"
            )
        self.table_stream = "1Table" if flags & _F_WHICH_TABLE else "0Table"
        try:
            csw = _u16(word, 32)
            counts_at = 34 + 2 * csw + 2
            cslw = _u16(word, counts_at - 2)
            pairs_at = counts_at + 4 * cslw + 2
            pair_count = _u16(word, pairs_at - 2)
            counts = struct.unpack_from(f"<{cslw}i", word, counts_at)
            pairs = struct.unpack_from(f"<{2 * pair_count}I", word, pairs_at)
        except struct.error as exc:
            raise ExtractionError("corrupt", "the .doc's header (FIB) is cut short") from exc
        if cslw < _CCP_AT + len(_STORIES) or pair_count <= _CLX:
            raise ExtractionError("corrupt", "the .doc's header (FIB) is too short for Word 97")
        lengths = counts[_CCP_AT : _CCP_AT + len(_STORIES)]
        if min(lengths) < 0:
            raise ExtractionError("corrupt", "the .doc's header gives a negative text length")
        self.stories: dict[str, tuple[int, int]] = {}
        start = 0
        for name, length in zip(_STORIES, lengths, strict=True):
            self.stories[name] = (start, start + length)
            start += length
        self.story_end = start
        self.clx, self.headers, self.paragraphs = (
            (pairs[2 * index], pairs[2 * index + 1]) for index in (_CLX, _PLCF_HDD, _PLCF_BTE_PAPX)
        )


@dataclass(frozen=True)
class _Piece:
    cp: int  # first character position
    fc: int  # byte offset of the first character in the WordDocument stream
    compressed: bool  # 8-bit cp1252 rather than UTF-16LE

    def offset(self, cp: int) -> int:
        """The byte offset of the character at ``cp`` (in this piece)."""
        return self.fc + (cp - self.cp) * (1 if self.compressed else 2)


class _Document:
    """The text of all stories by CP, and what a paragraph mark at a CP ends."""

    def __init__(self, word: bytes, table: bytes, fib: _Fib) -> None:
        self._word, self._table, self._fib = word, table, fib
        self._pieces, ends = _piece_table(_slice(table, fib.clx, "piece table"))
        parts = []
        for piece, end in zip(self._pieces, ends, strict=True):
            size = (end - piece.cp) * (1 if piece.compressed else 2)
            raw = word[piece.fc : piece.fc + size]
            if len(raw) < size:
                raise ExtractionError("corrupt", "a piece of the .doc's text lies beyond its end")
            if piece.compressed:
                parts.append(raw.decode("latin-1").translate(_CP1252))
            else:
                parts.append(_code_units(raw))
        self.text = "".join(parts)
        if len(self.text) < fib.story_end:
            raise ExtractionError("corrupt", "the .doc's piece table covers less than its text")
        self._piece_starts = [piece.cp for piece in self._pieces]
        self._runs: _ParagraphRuns | None = None

    def lines(self, story: str) -> list[str]:
        return self._lines(*self._fib.stories[story])

    def header_lines(self, *, footers: bool) -> list[str]:
        """Lines of the headers (or of the footers) of all sections, in section order."""
        start, end = self._fib.stories["headers"]
        if start == end or not self._fib.headers[1]:
            return []
        plc = _slice(self._table, self._fib.headers, "header table")
        bounds = struct.unpack_from(f"<{len(plc) // 4}i", plc)
        lines = []
        for index in range(_SEPARATOR_STORIES, len(bounds) - 1):
            is_footer = (index - _SEPARATOR_STORIES) % 6 in _FOOTER_SLOTS
            if is_footer == footers:
                lines += self._lines(start + bounds[index], min(start + bounds[index + 1], end))
        return lines

    def _lines(self, start: int, end: int) -> list[str]:
        """Lines of the text from ``start`` to ``end``: one per paragraph, one per table
        row (cells joined by a tab, a cell's paragraphs by a space), fields by their
        results, Word's special characters replaced or dropped."""
        lines: list[str] = []
        cells: list[str] = []
        cell: list[str] = []  # paragraphs of the current cell
        run: list[str] = []  # text of the current paragraph
        fields: list[bool] = []  # for each open field: still in its instruction
        position = start
        for mark in _STRUCTURE.finditer(self.text, start, end):
            if not any(fields):
                run.append(self.text[position : mark.start()])
            position = mark.end()
            char = mark.group()
            if char == _FIELD_BEGIN:
                fields.append(True)
            elif char == _FIELD_SEPARATOR:
                if fields:
                    fields[-1] = False
            elif char == _FIELD_END:
                if fields:
                    fields.pop()
            elif any(fields):
                continue  # a paragraph mark inside a field instruction
            else:
                paragraph = _clean("".join(run))
                run = []
                in_table, row_end = self._paragraph_kind(mark.start())
                if char == _PARAGRAPH_END and not in_table:
                    lines.append(paragraph)
                elif char == _PARAGRAPH_END or not row_end:
                    cell.append(paragraph)
                    if char == _CELL_END:
                        cells.append(" ".join(filter(None, cell)))
                        cell = []
                else:  # the row-end mark; its own paragraph holds no text
                    if any(cells):
                        lines.append("\t".join(cells))
                    cells = []
        if not any(fields):
            run.append(self.text[position:end])
        if tail := _clean("".join(run)):
            lines.append(tail)
        return lines

    def _paragraph_kind(self, cp: int) -> tuple[bool, bool]:
        """(in a table, ends a table row) for the paragraph whose mark is at ``cp``.
        A document without cell marks has no tables: its paragraph properties are
        not read at all."""
        if self._runs is None:
            if _CELL_END not in self.text:
                return False, False
            self._runs = _ParagraphRuns(self._word, self._table, self._fib.paragraphs)
        piece = self._pieces[bisect.bisect_right(self._piece_starts, cp) - 1]
        return self._runs.kind(piece.offset(cp))


def _piece_table(clx: bytes) -> tuple[list[_Piece], list[int]]:
    """The pieces of the Clx's PlcPcd and the CP where each ends ([MS-DOC] 2.9.38)."""
    at = 0
    while at + 3 <= len(clx) and clx[at] == 0x01:  # Prc: property modifiers for pieces
        prc_size = struct.unpack_from("<h", clx, at + 1)[0]
        if prc_size < 0:  # would loop here for ever
            raise ExtractionError("corrupt", "the .doc's piece table is damaged")
        at += 3 + prc_size
    if at + 5 > len(clx) or clx[at] != 0x02:
        raise ExtractionError("corrupt", "the .doc's piece table is missing")
    size = struct.unpack_from("<I", clx, at + 1)[0]
    plc = clx[at + 5 : at + 5 + size]
    count = (len(plc) - 4) // 12
    if count < 1 or len(plc) != 4 + 12 * count:
        raise ExtractionError("corrupt", "the .doc's piece table is damaged")
    cps = struct.unpack_from(f"<{count + 1}i", plc)
    if any(later < earlier for earlier, later in itertools.pairwise(cps)) or cps[0]:
        raise ExtractionError("corrupt", "the .doc's piece table is out of order")
    pieces = []
    for index in range(count):
        fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * index + 2)[0]  # Pcd: 8 bytes
        compressed = bool(fc & _COMPRESSED)
        offset = (fc & _FC_MASK) // 2 if compressed else fc & _FC_MASK
        pieces.append(_Piece(cps[index], offset, compressed))
    return pieces, list(cps[1:])


class _ParagraphRuns:
    """Whether the paragraph ending at a byte offset of the WordDocument stream is in a
    table and ends a row, from the paragraph properties in the FKPs that the bin
    table PlcBtePapx lists ([MS-DOC] 2.8.6, 2.9.175)."""

    def __init__(self, word: bytes, table: bytes, location: tuple[int, int]) -> None:
        plc = _slice(table, location, "paragraph bin table")
        count = (len(plc) - 4) // 8
        pages = struct.unpack_from(f"<{count}I", plc, 4 * (count + 1)) if count > 0 else ()
        runs: list[tuple[int, int, tuple[bool, bool]]] = []
        for page_number in pages:
            page = word[(page_number & 0x3FFFFF) * _PAGE :][:_PAGE]
            if len(page) < _PAGE:
                raise ExtractionError("corrupt", "a page of paragraph properties is missing")
            run_count = page[-1]
            if 4 * (run_count + 1) + 13 * run_count >= _PAGE:
                raise ExtractionError("corrupt", "a page of paragraph properties is damaged")
            bounds = struct.unpack_from(f"<{run_count + 1}I", page)
            for index in range(run_count):
                word_offset = page[4 * (run_count + 1) + 13 * index]
                kind = _table_flags(page, 2 * word_offset) if word_offset else (False, False)
                runs.append((bounds[index], bounds[index + 1], kind))
        runs.sort()
        self._starts = [start for start, _, _ in runs]
        self._runs = runs

    def kind(self, offset: int) -> tuple[bool, bool]:
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0 or offset >= self._runs[index][1]:
            return False, False
        return self._runs[index][2]


def _table_flags(page: bytes, at: int) -> tuple[bool, bool]:
    """(in table, row end) from the PapxInFkp at ``at``: its sprms after the style."""
    size = 2 * page[at] - 1 if page[at] else 2 * page[at + 1]
    start = at + (1 if page[at] else 2) + 2  # past the count byte(s) and the istd
    grpprl = page[start : start + size - 2]
    flags = {_SPRM_IN_TABLE: False, _SPRM_ROW_END: False}
    position = 0
    while position + 2 < len(grpprl):
        sprm = grpprl[position] | grpprl[position + 1] << 8
        if sprm in flags:
            flags[sprm] = bool(grpprl[position + 2])
        spra = sprm >> 13
        if spra != 6:
            position += 2 + _OPERAND_BYTES[spra]
        elif sprm == _SPRM_TABLE_DEFINITION:  # the one sprm with a 2-byte length
            if position + 4 > len(grpprl):
                break
            position += 3 + _u16(grpprl, position + 2)
        elif sprm == _SPRM_CHANGE_TABS and grpprl[position + 2] == 255:
            break  # a rare long form whose length needs the operand parsed; the flags came first
        else:
            position += 3 + grpprl[position + 2]
    return flags[_SPRM_IN_TABLE], flags[_SPRM_ROW_END]


def _code_units(raw: bytes) -> str:
    """UTF-16LE ``raw`` one character per code unit, as CPs count: a surrogate pair
    (a character beyond the BMP) stays two, so that string index == CP."""
    text = raw.decode("utf-16-le", "surrogatepass")
    if len(text) == len(raw) // 2:
        return text
    return _BEYOND_BMP.sub(_surrogate_pair, text)


def _surrogate_pair(found: re.Match[str]) -> str:
    return "".join(map(chr, struct.unpack("<2H", found.group().encode("utf-16-le"))))


def _clean(text: str) -> str:
    """Word's special characters replaced or dropped; UTF-16 surrogate pairs joined
    into the characters beyond the BMP (生僻字 of names), a lone half replaced."""
    return (
        text.translate(_SPECIALS)
        .encode("utf-16-le", "surrogatepass")
        .decode("utf-16-le", "replace")
    )


def _slice(stream: bytes, location: tuple[int, int], what: str) -> bytes:
    fc, size = location
    if fc + size > len(stream):
        raise ExtractionError("corrupt", f"the .doc's {what} lies beyond its table stream")
    return stream[fc : fc + size]


def _u16(data: bytes, at: int) -> int:
    return struct.unpack_from("<H", data, at)[0]


# --- LibreOffice, for what the in-process reader does not read ---------------------


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_with_libreoffice(data: bytes, what: str) -> Extraction:
    """The text of ``data`` as LibreOffice headless converts it; ``what`` names the
    format for the warnings. Never raises for LibreOffice's sake: absent, too slow or
    failing, it gives status ``NEEDS_CONVERSION`` with a warning that says why."""
    soffice = find_soffice()
    if soffice is None:
        return _needs_conversion(f"{what}: LibreOffice is not installed here; {INSTALL_HINT}")
    with _SOFFICE_SLOTS, tempfile.TemporaryDirectory(prefix="gongkai-soffice-") as work:
        # A profile of its own: LibreOffice instances sharing one hand their work to
        # the first and collide on its lock files.
        profile = Path(work, "profile").as_uri()
        source = Path(work, "document.doc")
        source.write_bytes(data)
        command = [
            soffice,
            "--headless",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "txt:Text (encoded):UTF8",
            "--outdir",
            work,
            str(source),
        ]
        # A session of its own, so a timeout kills soffice.bin too, not just the wrapper.
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=SOFFICE_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):  # all of it ended meanwhile
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return _needs_conversion(
                f"{what}: LibreOffice did not convert it within {SOFFICE_TIMEOUT:g} s"
            )
        converted = source.with_suffix(".txt")
        if not converted.exists():
            said = output.decode(errors="replace").strip().splitlines()
            detail = f": {said[-1]}" if said else ""
            return _needs_conversion(
                f"{what}: LibreOffice could not convert it (exit {process.returncode}{detail})"
            )
        text = converted.read_bytes().decode("utf-8-sig", errors="replace")
    return Extraction(text, "doc", DocumentStatus.FILED, warnings=(f"{what}: read by LibreOffice",))


def _needs_conversion(warning: str) -> Extraction:
    return Extraction("", "doc", DocumentStatus.NEEDS_CONVERSION, warnings=(warning,))
