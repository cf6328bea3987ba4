"""The parts of the index that need no engine: analysis, query syntax, snippets."""

from __future__ import annotations

import pytest

from indexer import QueryError
from indexer.analysis import (
    doc_number_key,
    index_terms,
    looks_like_doc_number,
    query_terms,
)
from indexer.query import ParsedQuery, TermKind, parse
from indexer.snippets import Highlighter

# -- analysis ------------------------------------------------------------------


def test_index_terms_add_the_short_words_of_long_ones() -> None:
    assert index_terms("商业秘密") == ["商业", "秘密", "商业秘密"]
    assert query_terms("商业秘密") == ["商业秘密"]
    assert query_terms("政府信息公开") == ["政府", "信息", "公开"]


def test_latin_is_lower_cased_and_split_from_digits() -> None:
    assert index_terms("GB/T 9704-2012，iPhone15 ３．５％") == [
        "gb",
        "t",
        "9704",
        "2012",
        "iphone",
        "15",
        "3",
        "5",
    ]


def test_punctuation_and_blanks_are_not_terms() -> None:
    assert index_terms("“”，。、 \n\t！") == []
    assert index_terms("a" * 45) == ["a" * 40, "a" * 5]  # no term beyond 40 characters


@pytest.mark.parametrize(
    "written",
    [
        "乌海政办发〔2007〕55号",
        "乌海政办发[2007]55号",
        "乌海政办发(2007)55号",
        "乌海政办发（2007）55号",
        "乌海政办发［2007］55号",
        "乌海政办发【2007】55号",
        "乌海政办发 〔 2007 〕 55 号",
        "乌海政办发〔2007〕第55号",
        "乌海政办发〔２００７〕５５号",
    ],
)
def test_doc_number_variants_share_one_key(written: str) -> None:
    assert doc_number_key(written) == "乌海政办发〔2007〕55号"
    assert looks_like_doc_number(written)


@pytest.mark.parametrize("text", ["公开", "2007年55号", "〔2007〕55号", "中办发2005〕12号", ""])
def test_other_text_is_not_a_doc_number(text: str) -> None:
    assert not looks_like_doc_number(text)


# -- query syntax --------------------------------------------------------------


def shape(parsed: ParsedQuery) -> tuple[list[list[str]], list[str]]:
    """Groups (AND of ORs) and exclusions, each term as kind:text."""
    groups = [[f"{t.kind.value}:{t.text}" for t in group] for group in parsed.groups]
    return groups, [f"{t.kind.value}:{t.text}" for t in parsed.excluded]


@pytest.mark.parametrize(
    ("text", "groups", "excluded"),
    [
        ("申请 公开", [["word:申请"], ["word:公开"]], []),
        ('"商业秘密" 公开', [["phrase:商业秘密"], ["word:公开"]], []),
        ("「个人隐私」", [["phrase:个人隐私"]], []),
        ("公开 -草稿 -“内部 讨论”", [["word:公开"]], ["word:草稿", "phrase:内部 讨论"]),
        ("a b OR c d", [["word:a"], ["word:b", "word:c"], ["word:d"]], []),
        ("示范点 | 试点", [["word:示范点", "word:试点"]], []),
        ("x -a OR b", [["word:x"], ["word:b"]], ["word:a"]),  # OR next to an exclusion
        ('"商业秘密', [["phrase:商业秘密"]], []),  # unbalanced: the rest is the phrase
        ('公开 "商业 秘密', [["word:公开"], ["phrase:商业 秘密"]], []),
        ("OR 公开 OR", [["word:公开"]], []),
        ("+申请 AND 公开", [["word:申请"], ["word:公开"]], []),
        ("- 公开", [["word:公开"]], []),  # a lone minus
        ("，。", [], []),
        ('""', [], []),
        ("乌海政办发[2007]55号", [["doc_number:乌海政办发[2007]55号"]], []),
        ("乌海政办发 〔2007〕 55号", [["doc_number:乌海政办发 〔2007〕 55号"]], []),
        ("示范点 乌海政办发(2007)55号", [["word:示范点"], ["doc_number:乌海政办发(2007)55号"]], []),
    ],
)
def test_parse(text: str, groups: list[list[str]], excluded: list[str]) -> None:
    assert shape(parse(text)) == (groups, excluded)


def test_a_term_knows_its_words_and_its_sequence() -> None:
    (term,) = parse("“政府信息公开”").positive_terms
    assert term.kind is TermKind.PHRASE
    assert term.words == ("政府", "信息", "公开")
    (number,) = parse("乌海政办发[2007]第55号").positive_terms
    assert number.key == "乌海政办发〔2007〕55号"


def test_an_overlong_query_is_refused() -> None:
    with pytest.raises(QueryError, match="too long"):
        parse("公开" * 101)


# -- snippets ------------------------------------------------------------------


def test_the_snippet_is_the_passage_with_most_distinct_words() -> None:
    text = "申请。" * 60 + "依法申请并及时答复。" + "其他。" * 60
    snippet = Highlighter(["申请", "答复"]).snippet(text, width=40)
    assert "依法申请并及时答复" in snippet.text
    assert [snippet.text[a:b] for a, b in snippet.highlights][-2:] == ["申请", "答复"]


def test_adjacent_words_are_one_highlight() -> None:
    snippet = Highlighter(["政府", "信息", "公开"]).snippet("推进政府信息公开工作")
    assert snippet.highlights == ((2, 8),)


def test_latin_and_numbers_are_highlighted_whole() -> None:
    snippet = Highlighter(["55", "gb"]).snippet("第155号 GBK 与 GB 及 55号")
    assert [snippet.text[a:b] for a, b in snippet.highlights] == ["GB", "55"]


def test_blanks_collapse_without_shifting_highlights() -> None:
    snippet = Highlighter(["答复"]).snippet("第一段\n\n\u3000\u3000依法答复。")
    assert snippet.text == "第一段 依法答复。"
    assert snippet.highlights == ((6, 8),)
