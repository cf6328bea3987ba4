"""The clerk's query syntax, parsed to a small AST.

What a clerk can guess, as in a web search engine:

* ``申请 公开`` — words; a document must contain all of them. A word written
  without spaces (政府信息公开) is cut into its words (政府 信息 公开).
* ``"商业秘密"`` — a phrase, matched only as written (Chinese quotes “” 「」
  work too).
* ``-草稿`` / ``-"内部讨论"`` — leave out documents containing it.
* ``示范点 OR 试点`` — either word (``|`` works too); OR binds the two terms
  next to it: ``a b OR c d`` is a AND (b OR c) AND d.
* ``乌海政办发[2007]55号`` — a 发文字号 in any bracket style.

Bad input is forgiven rather than refused: an unbalanced quote makes the rest
of the query a phrase, a lone ``-``, ``OR``, ``AND`` or ``+`` is ignored, and
punctuation that carries no word is dropped. A query with no word left gives
an empty :class:`ParsedQuery`; what that means (a date-sorted list when
there are filters, a :class:`~indexer.api.QueryError` when there are none) is
decided by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from engine.text import normalize_text
from indexer import analysis
from indexer.api import QueryError

MAX_QUERY_CHARS = 200

_QUOTES = '"“”＂「」『』'
_NEGATIONS = "-－"
_OR = frozenset({"OR", "|", "||", "｜"})
_IGNORED = frozenset({"AND", "&&", "&", "+", "＋"})
_QUOTE = re.compile(f"[{_QUOTES}]")
_LEXEME = re.compile(rf"[{_QUOTES}]|[^\s{_QUOTES}]+")


class TermKind(Enum):
    WORD = "word"  # all of its words, anywhere in the document
    PHRASE = "phrase"  # its terms in this order
    DOC_NUMBER = "doc_number"  # the 发文字号 field, or the number cited in the text


@dataclass(frozen=True)
class Term:
    """One term of a query.

    ``words`` are its 精确模式 words (what an unquoted word requires and what a
    snippet highlights); ``sequence`` its 搜索引擎模式 terms (what a phrase or an
    exclusion must match in order); ``key`` the canonical 发文字号 of a
    DOC_NUMBER term.
    """

    kind: TermKind
    text: str
    words: tuple[str, ...]
    sequence: tuple[str, ...]
    key: str = ""


@dataclass(frozen=True)
class ParsedQuery:
    """Groups that must all match, each the OR of its terms; terms to exclude."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded

    @property
    def positive_terms(self) -> tuple[Term, ...]:
        return tuple(term for group in self.groups for term in group)


@dataclass(frozen=True)
class _Lexeme:
    text: str
    quoted: bool
    negated: bool
    is_or: bool = False


def parse(text: str) -> ParsedQuery:
    """Parse a query; raise :class:`QueryError` only for a query too long to run."""
    text = normalize_text(text)
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"检索式过长（最多 {MAX_QUERY_CHARS} 字）/ "
            f"The query is too long (at most {MAX_QUERY_CHARS} characters)."
        )
    unquoted = _QUOTE.sub("", text).strip()
    if analysis.looks_like_doc_number(unquoted):
        return ParsedQuery(groups=((_doc_number_term(unquoted),),))
    return _group(_lex(text))


def _lex(text: str) -> list[_Lexeme]:
    lexemes: list[_Lexeme] = []
    negated = False
    position = 0
    while (match := _LEXEME.search(text, position)) is not None:
        token = match.group()
        position = match.end()
        if token in _QUOTES:
            close = _QUOTE.search(text, position)
            end = close.start() if close else len(text)  # unbalanced: the rest is the phrase
            lexemes.append(_Lexeme(text[position:end], quoted=True, negated=negated))
            position = end + 1
            negated = False
            continue
        bare = token.lstrip(_NEGATIONS)
        if bare != token and not bare and _starts_quote(text, position):
            negated = True  # -"phrase"
            continue
        if token in _OR:
            lexemes.append(_Lexeme(token, quoted=False, negated=False, is_or=True))
        elif bare and bare not in _IGNORED:
            lexemes.append(_Lexeme(bare.lstrip("+＋"), quoted=False, negated=bare != token))
        negated = False
    return lexemes


def _starts_quote(text: str, position: int) -> bool:
    return position < len(text) and text[position] in _QUOTES


def _group(lexemes: list[_Lexeme]) -> ParsedQuery:
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    after_positive = join_next = False
    for lexeme in lexemes:
        if lexeme.is_or:
            join_next = after_positive  # OR joins two positive terms, nothing else
            continue
        term = _term(lexeme)
        if term is None:
            continue
        if lexeme.negated:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        after_positive = not lexeme.negated
        join_next = False
    return ParsedQuery(tuple(tuple(group) for group in groups), tuple(excluded))


def _term(lexeme: _Lexeme) -> Term | None:
    if not lexeme.quoted and analysis.looks_like_doc_number(lexeme.text):
        return _doc_number_term(lexeme.text)
    words = tuple(analysis.query_terms(lexeme.text))
    if not words:
        return None
    sequence = tuple(analysis.index_terms(lexeme.text))
    kind = TermKind.PHRASE if lexeme.quoted else TermKind.WORD
    return Term(kind, lexeme.text.strip(), words, sequence)


def _doc_number_term(text: str) -> Term:
    # Texts cite a number in its canonical form: match that, not the typed variant.
    key = analysis.doc_number_key(text)
    return Term(
        TermKind.DOC_NUMBER,
        text,
        tuple(analysis.query_terms(key)),
        tuple(analysis.index_terms(key)),
        key=key,
    )
