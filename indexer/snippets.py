"""Snippets of a document's stored text with the matched words marked.

Built here rather than by the engines' highlighters because both engines index
pre-segmented terms, not the text a clerk reads: the stored (normalised) text
is searched for the query's words, the passage holding most distinct words is
cut out, and the ranges of the words inside it are returned with it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

SNIPPET_CHARS = 120
_LEAD_CHARS = 20  # context kept before the first matched word
_MAX_MATCHES = 200  # enough to find a good passage, cheap in a long text
_BLANKS = re.compile(r"\s+")


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: tuple[tuple[int, int], ...]


class Highlighter:
    """Finds the words of one query in the stored texts of its hits."""

    def __init__(self, words: Iterable[str], patterns: Iterable[str] = ()) -> None:
        """``words`` are analysed query terms (lower case); ``patterns`` extra
        regular expressions (e.g. a 发文字号 in any bracket style)."""
        alternatives = list(patterns)
        alternatives += [_word_pattern(word) for word in sorted(set(words), key=len, reverse=True)]
        self._regex = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None

    def snippet(self, text: str, width: int = SNIPPET_CHARS) -> Snippet:
        matches = self._matches(text)
        if not matches:
            return _render(text, 0, min(len(text), width), [])
        first, last = _best_window(matches, width)
        start = max(0, matches[first][0] - _LEAD_CHARS)
        end = max(min(len(text), start + width), matches[last][1])
        return _render(text, start, end, [m[:2] for m in matches if start <= m[0] and m[1] <= end])

    def _matches(self, text: str) -> list[tuple[int, int, str]]:
        if self._regex is None:
            return []
        matches = []
        for match in self._regex.finditer(text):
            matches.append((match.start(), match.end(), match.group().lower()))
            if len(matches) == _MAX_MATCHES:
                break
        return matches


def _word_pattern(word: str) -> str:
    # A Latin word or a number is matched whole (55 is not found in 155);
    # Chinese has no word boundaries to respect.
    escaped = re.escape(word)
    if word.isdigit():
        return rf"(?<!\d){escaped}(?!\d)"
    if word.isascii():
        return rf"(?<![a-z]){escaped}(?![a-z])"
    return escaped


def _best_window(matches: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    """The first and last match of the passage of ``width`` characters holding
    the most distinct words (then the most matches)."""
    best = (0, 0, 0, 0)  # distinct, count, first, last
    counts: Counter[str] = Counter()
    last = -1
    for first, (start, _, _) in enumerate(matches):
        while last + 1 < len(matches) and matches[last + 1][1] <= start + width:
            last += 1
            counts[matches[last][2]] += 1
        if last < first:  # a single match longer than the window
            last = first
            counts[matches[first][2]] += 1
        candidate = (len(counts), last - first + 1, first, last)
        if candidate[:2] > best[:2]:
            best = candidate
        counts[matches[first][2]] -= 1
        if not counts[matches[first][2]]:
            del counts[matches[first][2]]
    return best[2], best[3]


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> Snippet:
    """``text[start:end]`` with blanks collapsed, ``…`` where cut, and the
    ranges of ``spans`` in the result (touching spans merged)."""
    parts: list[str] = ["…"] if start > 0 else []
    length = len(parts[0]) if parts else 0
    ranges: list[tuple[int, int]] = []
    position = start
    for span_start, span_end in spans:  # sorted, never overlapping (finditer)
        plain = _BLANKS.sub(" ", text[position:span_start])
        word = _BLANKS.sub(" ", text[span_start:span_end])
        length += len(plain)
        parts += [plain, word]
        if ranges and ranges[-1][1] == length:
            ranges[-1] = (ranges[-1][0], length + len(word))
        else:
            ranges.append((length, length + len(word)))
        length += len(word)
        position = span_end
    parts.append(_BLANKS.sub(" ", text[position:end]))
    if end < len(text):
        parts.append("…")
    return Snippet("".join(parts), tuple(ranges))
