"""Plain text in the encodings Chinese offices save: UTF-8 (with or without BOM),
GB18030 (a superset of GBK and GB2312, what Windows Notepad wrote for years) and
UTF-16 with a BOM (Notepad's "Unicode")."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from engine.codes import DocumentStatus
from engine.extract import Extraction, ExtractionError

# Longest first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Tried in this order before any guessing: strict UTF-8 rarely accepts anything else,
# and GB18030 is what a Chinese desktop writes when it is not UTF-8.
_PREFERRED = ("utf-8", "gb18030")
_CERTAIN = frozenset(_PREFERRED) | {encoding for _, encoding in _BOMS}
# Control characters that text does not hold (tab, line ends, form feed and the DOS
# end-of-file mark \x1a are allowed); above a small share, decodable bytes are binary.
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01
_MAX_DAMAGE_SHARE = 0.001  # undecodable bytes tolerated in a text, per character
_MIN_GUESS_BYTES = 64  # on fewer, charset-normalizer finds an encoding for anything
_REPLACEMENT = "\ufffd"


def decode(data: bytes, *, final: bool = True) -> tuple[str, str] | None:
    """(text, encoding) of ``data``, or None when it is not text. With ``final=False``
    ``data`` may be a prefix that ends inside a multi-byte character."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decode(data, encoding, final)
            return (text, encoding) if text is not None else None
    if b"\0" in data:  # no 8-bit text encoding has NUL; binaries are full of it
        return None
    for encoding in _PREFERRED:
        text = _decode(data, encoding, final)
        if text:  # "" when a prefix holds only the start of one character: undecided
            return (text, encoding) if _looks_like_text(text) else None
    # A few damaged bytes (a file cut inside a character) must not send a UTF-8 text
    # to GB18030 as mojibake: the preferred encoding that needs fewest replacements
    # wins if they are few. UTF-8 Chinese read as GB18030 needs hundreds, and back.
    text, encoding = min(
        ((_decode(data, encoding, final, "replace") or "", encoding) for encoding in _PREFERRED),
        key=lambda decoded: decoded[0].count(_REPLACEMENT),
    )
    if _slightly_damaged(text):
        return (text, encoding) if _looks_like_text(text) else None
    if len(data) < _MIN_GUESS_BYTES:
        return None
    guess = charset_normalizer.from_bytes(data).best()
    if guess is None or not _looks_like_text(str(guess)):
        return None
    return str(guess), guess.encoding


def _decode(data: bytes, encoding: str, final: bool, errors: str = "strict") -> str | None:
    try:
        return codecs.getincrementaldecoder(encoding)(errors).decode(data, final=final)
    except UnicodeDecodeError:
        return None


def _slightly_damaged(text: str) -> bool:
    """Few replacements: a small share of the text, plus one at its very end (where a
    file cut inside a character ends), and not all of it."""
    damage = text.count(_REPLACEMENT)
    tolerated = _MAX_DAMAGE_SHARE * len(text) + text.endswith(_REPLACEMENT)
    return damage <= tolerated and damage < len(text.strip())


def _looks_like_text(text: str) -> bool:
    return len(_BINARY_CONTROLS.findall(text)) <= _MAX_CONTROL_SHARE * len(text)


def extract(data: bytes) -> Extraction:
    decoded = decode(data)
    if decoded is None:
        raise ExtractionError("corrupt", "the text is in no encoding it could be read as")
    text, encoding = decoded
    if not text.strip():
        raise ExtractionError("empty", "the text file holds only blanks")
    warnings = [] if encoding in _CERTAIN else [f"encoding guessed as {encoding}"]
    if damaged := text.count(_REPLACEMENT):
        plural = "s" * (damaged > 1)
        warnings.append(f"{damaged} undecodable byte sequence{plural} replaced by {_REPLACEMENT}")
    return Extraction(
        text, "txt", DocumentStatus.FILED, encoding=encoding, warnings=tuple(warnings)
    )
