"""The index contract: the same tests against every backend, on disk.

Read as examples of what a clerk types and finds.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from engine.codes import Attribute, Reason
from engine.text import normalize_text
from indexer import (
    BACKENDS,
    FACET_TOP,
    Facet,
    Index,
    IndexCorrupt,
    IndexDocument,
    IndexLocked,
    IndexOutdated,
    QueryError,
    SearchQuery,
    open_index,
    tantivy_backend,
    whoosh_backend,
)
from indexer._backend import MAX_LIMIT, SCHEMA_VERSION
from indexer.api import FacetValue

INGESTED = datetime(2024, 5, 6, 9, 30)


def doc(doc_id: int, text: str, **fields: Any) -> IndexDocument:
    defaults: dict[str, Any] = {
        "title": f"文件{doc_id}",
        "doc_number": "",
        "issuer": "某市人民政府办公室",
        "doc_kind": "通知",
        "issue_date": date(2020, 1, 1),
        "attribute": Attribute.PROACTIVE,
        "reason": None,
        "ingested_at": INGESTED,
        "source_names": (f"{doc_id}.docx",),
    }
    return IndexDocument(doc_id=doc_id, text=text, **(defaults | fields))


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def index(index_path: Path, backend: str) -> Iterator[Index]:
    with open_index(index_path, backend) as opened:
        yield opened


def filled(index: Index, *docs: IndexDocument) -> Index:
    index.add(docs)
    index.commit()
    return index


def ids(index: Index, text: str = "", **filters: Any) -> list[int]:
    return [hit.doc_id for hit in index.search(SearchQuery(text, **filters)).hits]


def found(index: Index, text: str = "", **filters: Any) -> set[int]:
    return set(ids(index, text, **filters))


BASIC = (
    doc(1, "公民可以依法申请政府信息公开。"),
    doc(2, "本机关主动公开年度报告。"),
    doc(3, "会议纪要不对外。"),
)


# -- words, phrases, operators ------------------------------------------------


def test_an_index_is_the_protocol(index: Index) -> None:
    assert isinstance(index, Index)


def test_two_character_words_and_long_terms_match(index: Index) -> None:
    filled(index, *BASIC)
    assert found(index, "申请") == {1}
    assert found(index, "公开") == {1, 2}
    assert found(index, "政府信息公开") == {1}
    assert found(index, "报告") == {2}  # inside the word 年度报告


def test_a_phrase_matches_only_the_phrase(index: Index) -> None:
    filled(
        index,
        doc(1, "涉及商业秘密和个人隐私的信息"),
        doc(2, "商业活动中的秘密约定"),
        doc(3, "个人隐私和商业秘密"),
    )
    assert found(index, "商业 秘密") == {1, 2, 3}
    assert found(index, '"商业秘密"') == {1, 3}
    assert found(index, "“商业秘密和个人隐私”") == {1}


def test_exclusion(index: Index) -> None:
    filled(index, *BASIC)
    assert found(index, "公开 -年度报告") == {1}
    assert found(index, '公开 -"政府信息"') == {2}
    assert found(index, "公开 －申请") == {2}  # a full-width minus


def test_or_between_terms(index: Index) -> None:
    filled(index, *BASIC)
    assert found(index, "纪要 OR 年度报告") == {2, 3}
    assert found(index, "纪要 | 申请") == {1, 3}
    assert found(index, "对外 纪要 OR 申请") == {3}  # 对外 AND (纪要 OR 申请)


def test_latin_words_and_numbers(index: Index) -> None:
    filled(index, doc(1, "依据 GB/T 9704-2012 排版，iPhone 拍摄，2023 年"), doc(2, "没有编号"))
    assert found(index, "gb/t") == {1}
    assert found(index, "9704") == {1}
    assert found(index, "9704-2012") == {1}
    assert found(index, "IPHONE") == {1}
    assert found(index, "２０２３") == {1}  # full-width digits are normalised
    assert found(index, "9705") == set()


def test_title_issuer_and_file_names_are_searched_too(index: Index) -> None:
    filled(
        index,
        doc(1, "正文", title="年度报告", issuer="乌海市统计局", source_names=("终稿.docx",)),
        doc(2, "正文"),
    )
    assert found(index, "年度报告") == found(index, "统计局") == found(index, "终稿") == {1}


def test_doc_number_in_any_bracket_style(index: Index) -> None:
    filled(
        index,
        doc(1, "根据乌海政办发〔2007〕55号文件的要求", title="转发通知"),
        doc(2, "示范点建设工作方案", doc_number="乌海政办发〔2007〕55号"),
        doc(3, "乌海政办发〔2008〕55号"),
    )
    for typed in (
        "乌海政办发[2007]55号",
        "乌海政办发(2007)55号",
        "乌海政办发（2007）第55号",
        "乌海政办发 〔2007〕 55号",
        "乌海政办发【2007】55号",
    ):
        assert ids(index, typed) == [2, 1], typed  # the document itself, then the one citing it
    assert ids(index, doc_number="乌海政办发[2007]55号") == [2]


# -- filters, sorting, paging --------------------------------------------------

FILED = (
    doc(
        1,
        "关于公开办事指南的通知",
        issue_date=date(2019, 12, 31),
        issuer="乌海市人民政府办公厅",
        ingested_at=datetime(2024, 1, 10, 8),
    ),
    doc(
        2,
        "关于公开会议纪要的请示",
        issue_date=date(2020, 1, 1),
        doc_kind="请示",
        attribute=Attribute.WITHHELD,
        reason=Reason.PROCESS_INFO,
        ingested_at=datetime(2024, 2, 10, 8),
    ),
    doc(
        3,
        "公开征求意见的公告",
        issue_date=date(2021, 6, 30),
        attribute=Attribute.ON_REQUEST,
        doc_number="保政办〔2021〕3号",
        ingested_at=datetime(2024, 3, 10, 8),
    ),
    doc(4, "公开日期不详的材料", issue_date=None, ingested_at=datetime(2024, 3, 10, 23)),
)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"attribute": "withheld"}, {2}),
        ({"attribute": "依申请公开"}, {3}),  # the Chinese label works too
        ({"reason": Reason.PROCESS_INFO}, {2}),
        ({"reason": "属于四类过程性信息"}, {2}),
        ({"year": 2020}, {2}),
        ({"date_from": date(2020, 1, 1)}, {2, 3}),  # bounds are inclusive
        ({"date_to": date(2020, 1, 1)}, {1, 2}),  # undated documents are outside any range
        ({"date_from": date(2019, 12, 31), "date_to": date(2019, 12, 31)}, {1}),
        ({"year": 2021, "date_from": date(2021, 7, 1)}, set()),
        ({"issuer": "乌海市人民政府"}, {1}),  # the issuer contains these words
        ({"issuer": "乌海市人民政府办公厅"}, {1}),
        ({"kind": "请示"}, {2}),
        ({"doc_number": "保政办(2021)3号"}, {3}),
        ({"ingested_from": date(2024, 3, 10)}, {3, 4}),
        ({"ingested_to": date(2024, 2, 10)}, {1, 2}),
        ({"attribute": "proactive", "kind": "通知"}, {1, 4}),
    ],
)
def test_each_filter(index: Index, filters: dict[str, Any], expected: set[int]) -> None:
    filled(index, *FILED)
    assert found(index, "公开", **filters) == expected
    assert found(index, "", **filters) == expected  # no words: the filtered documents


def test_no_words_lists_the_filtered_documents_newest_first(index: Index) -> None:
    filled(index, *FILED)
    result = index.search(SearchQuery(attribute="proactive"))
    assert [hit.doc_id for hit in result.hits] == [1, 4]  # undated last
    assert all(hit.score is None for hit in result.hits)


def test_sort_by_date(index: Index) -> None:
    filled(index, *FILED)
    assert ids(index, "公开", sort="date") == [3, 2, 1, 4]


def test_sort_by_relevance_puts_title_matches_first(index: Index) -> None:
    filled(
        index,
        doc(1, "年度报告在此附上。其余内容与报告无关。" * 3, title="关于工作安排的通知"),
        doc(2, "附件见后。其余内容与此无关。" * 3, title="2023年政府信息公开年度报告"),
    )
    result = index.search(SearchQuery("年度报告"))
    assert [hit.doc_id for hit in result.hits] == [2, 1]
    assert result.hits[0].score is not None
    assert result.hits[0].score > (result.hits[1].score or 0)


def test_pagination_and_total(index: Index) -> None:
    filled(
        index,
        *(doc(n, f"第{n}份公开文件", issue_date=date(2000 + n, 1, 1)) for n in range(1, 26)),
    )
    pages = [
        index.search(SearchQuery("公开", sort="date", limit=10, offset=o)) for o in (0, 10, 20)
    ]
    assert [page.total for page in pages] == [25, 25, 25]
    assert [len(page.hits) for page in pages] == [10, 10, 5]
    assert [hit.doc_id for page in pages for hit in page.hits] == list(range(25, 0, -1))
    assert index.search(SearchQuery("公开", offset=30)).hits == ()
    by_relevance = [index.search(SearchQuery("公开", limit=10, offset=o)) for o in (0, 10, 20)]
    assert sorted(hit.doc_id for page in by_relevance for hit in page.hits) == list(range(1, 26))


def test_a_hit_carries_what_the_results_list_shows(index: Index) -> None:
    filled(index, *FILED)
    (hit,) = index.search(SearchQuery("征求意见")).hits
    assert (hit.doc_id, hit.title, hit.doc_number, hit.issue_date) == (
        3,
        "文件3",
        "保政办〔2021〕3号",
        date(2021, 6, 30),
    )
    assert (hit.attribute, hit.reason, hit.doc_kind) == ("on_request", None, "通知")
    assert hit.issuer == "某市人民政府办公室"
    assert hit.file_names == ("3.docx",)
    assert isinstance(hit.score, float) and hit.score > 0


# -- snippets ------------------------------------------------------------------


def test_snippets_mark_the_matched_words(index: Index) -> None:
    long_text = "前言。" * 80 + "申请人可以依法申请政府信息公开，行政机关应当答复。" + "结语。" * 80
    filled(index, doc(1, long_text))
    (hit,) = index.search(SearchQuery("申请 答复")).hits
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["申请", "申请", "答复"]
    assert "依法【申请】政府信息公开，行政机关应当【答复】" in hit.marked_snippet()
    assert "<mark>答复</mark>" in hit.snippet_html()


def test_snippet_html_is_escaped(index: Index) -> None:
    filled(index, doc(1, "<script>x</script> 申请 & 答复"))
    (hit,) = index.search(SearchQuery("申请")).hits
    assert hit.snippet_html() == "&lt;script&gt;x&lt;/script&gt; <mark>申请</mark> &amp; 答复"


def test_snippet_marks_a_doc_number_whole(index: Index) -> None:
    filled(index, doc(1, "根据乌海政办发〔2007〕55号文件的要求"))
    (hit,) = index.search(SearchQuery("乌海政办发[2007]55号")).hits
    assert hit.marked_snippet() == "根据【乌海政办发〔2007〕55号】文件的要求"


def test_a_filter_only_hit_shows_the_beginning(index: Index) -> None:
    filled(index, doc(1, "第一段。\n\n第二段。"))
    (hit,) = index.search(SearchQuery(kind="通知")).hits
    assert (hit.snippet, hit.highlights) == ("第一段。 第二段。", ())


# -- facets --------------------------------------------------------------------

ISSUERS = [f"第{n}区人民政府" for n in range(1, 14)]  # more than FACET_TOP


def varied(count: int, seed: int = 7) -> list[IndexDocument]:
    """Documents with every facet value varied, some without a date, 文种 or 公开属性."""
    rng = random.Random(seed)
    docs = []
    for n in range(1, count + 1):
        attribute = rng.choice([*Attribute, None])
        docs.append(
            doc(
                n,
                rng.choice(["公开办事指南", "会议纪要不对外", "公开征求意见", "年度报告"]),
                issuer=ISSUERS[min(rng.randrange(len(ISSUERS)), rng.randrange(len(ISSUERS)))],
                doc_kind=rng.choice(["通知", "请示", "会议纪要", "报告", ""]),
                issue_date=rng.choice([None, *(date(y, 3, 1) for y in range(2015, 2024))]),
                attribute=attribute,
                reason=Reason.PROCESS_INFO if attribute is Attribute.WITHHELD else None,
            )
        )
    return docs


def facet_value(document: IndexDocument, facet: Facet) -> FacetValue | None:
    value = {
        Facet.YEAR: document.issue_date.year if document.issue_date else None,
        Facet.ATTRIBUTE: document.attribute,
        Facet.KIND: document.doc_kind,
        Facet.ISSUER: document.issuer,
    }[facet]
    return value or None


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery("公开"),
        SearchQuery("公开 OR 纪要 -指南"),
        SearchQuery('"征求意见"', sort="date"),
        SearchQuery("", attribute="proactive"),
        SearchQuery("", year=2018),
        SearchQuery("报告", kind="通知", date_from=date(2017, 1, 1)),
        SearchQuery("", issuer="第3区人民政府"),
        SearchQuery("不存在的词"),
    ],
)
def test_facets_count_every_match_per_value(index: Index, query: SearchQuery) -> None:
    docs = varied(240)
    for start in range(0, len(docs), 80):  # several commits: several segments to merge
        filled(index, *docs[start : start + 80])
    by_id = {d.doc_id: d for d in docs}
    matched = [by_id[n] for n in ids(index, **{**vars(query), "limit": MAX_LIMIT})]
    result = index.search(replace(query, facets=True, limit=3, offset=1))
    assert result.total == len(matched)
    assert set(result.facets) == set(Facet)
    for facet in Facet:
        truth = Counter(v for d in matched if (v := facet_value(d, facet)) is not None)
        shown = result.facets[facet]
        assert all(truth[value] == count for value, count in shown), facet
        if facet in (Facet.KIND, Facet.ISSUER):
            assert len(shown) == min(FACET_TOP, len(truth)), facet
            assert min((c for _, c in shown), default=0) >= max(
                (c for v, c in truth.items() if v not in dict(shown)), default=0
            ), f"{facet}: the most frequent values"
            assert [c for _, c in shown] == sorted((c for _, c in shown), reverse=True)
        else:
            assert dict(shown) == truth, facet
    assert [year for year, _ in result.facets[Facet.YEAR]] == sorted(
        (y for y, _ in result.facets[Facet.YEAR]), reverse=True
    ), "years newest first"


def test_facets_are_counted_only_when_asked_for(index: Index) -> None:
    filled(index, *BASIC)
    assert index.search(SearchQuery("公开")).facets == {}
    assert index.search(SearchQuery("公开", facets=True)).facets[Facet.KIND] == (("通知", 2),)


def test_facets_follow_replacements_and_deletions(index: Index) -> None:
    filled(index, doc(1, "公开", issue_date=date(2020, 5, 1)), doc(2, "公开"))
    filled(index, doc(1, "公开", issue_date=None, attribute=Attribute.WITHHELD, issuer="新机关"))
    index.delete([2])
    index.commit()
    facets = index.search(SearchQuery("公开", facets=True)).facets
    assert facets[Facet.YEAR] == ()
    assert facets[Facet.ATTRIBUTE] == (("withheld", 1),)
    assert facets[Facet.ISSUER] == (("新机关", 1),)


# -- writing -------------------------------------------------------------------


def test_add_replaces_by_doc_id(index: Index) -> None:
    filled(index, doc(1, "旧的内容"), doc(2, "别的文件"))
    filled(index, doc(1, "新的内容"))
    assert index.count() == 2
    assert found(index, "旧") == set()
    assert found(index, "新") == {1}
    filled(index, doc(3, "第一稿"), doc(3, "第二稿"))  # twice in one batch: the last wins
    assert index.count() == 3
    assert found(index, "稿") == {3}
    assert found(index, "第一稿") == set()


def test_delete(index: Index) -> None:
    filled(index, *BASIC)
    index.delete([1, 999])  # an unknown id is not an error
    index.commit()
    assert index.count() == 2
    assert found(index, "公开") == {2}


def test_clear(index: Index) -> None:
    filled(index, *BASIC)
    index.set_watermark("42")
    index.commit()
    index.clear()
    index.add([doc(7, "清空后加入的文件")])
    index.commit()
    assert index.count() == 1
    assert found(index, "文件") == {7}
    assert index.watermark is None


def test_changes_are_invisible_until_commit_and_close_discards_them(
    index_path: Path, backend: str
) -> None:
    with open_index(index_path, backend) as index:
        filled(index, doc(1, "已提交"))
        index.add([doc(2, "未提交")])
        index.delete([1])
        index.set_watermark("never")
        assert index.count() == 1
        assert found(index, "提交") == {1}
    with open_index(index_path, backend) as index:
        assert index.count() == 1
        assert index.watermark is None


def test_reopen_keeps_documents_and_watermark(index_path: Path, backend: str) -> None:
    with open_index(index_path, backend) as index:
        assert index.watermark is None
        assert index.count() == 0
        filled(index, *BASIC)
        index.set_watermark("2024-05-06T09:30:00/3")
        index.commit()
        index.set_watermark("2024-05-07T09:30:00/4")  # replaced, not added
        index.commit()
    with open_index(index_path, backend) as index:
        assert index.count() == 3
        assert index.watermark == "2024-05-07T09:30:00/4"
        assert found(index, "公开") == {1, 2}
        assert found(index, "", attribute="proactive") == {1, 2, 3}  # not the watermark record


def test_a_writer_killed_mid_commit_does_not_block_the_next(index_path: Path) -> None:
    """kill -9 between writing a delete file and meta.json leaves a file the next
    commit wants to create again: the next writer clears such leftovers first."""
    with open_index(index_path, "tantivy") as index:
        filled(index, *BASIC)
    meta = json.loads((index_path / "meta.json").read_text())
    managed = json.loads((index_path / ".managed.json").read_text())
    for segment in meta["segments"]:
        for opstamp in range(meta["opstamp"], meta["opstamp"] + 20):
            leftover = f"{segment['segment_id'].replace('-', '')}.{opstamp}.del"
            (index_path / leftover).write_bytes(b"half-written")
            managed.append(leftover)
    (index_path / ".managed.json").write_text(json.dumps(managed))
    with open_index(index_path, "tantivy") as index:
        filled(index, doc(1, "改写后的文件"))
        assert index.count() == 3
        assert found(index, "改写") == {1}


def test_threads_share_one_index(index: Index) -> None:
    def work(start: int) -> None:
        for n in range(start, start + 20):
            index.add([doc(n, f"线程写入的第{n}份文件")])
            index.search(SearchQuery("文件"))

    threads = [threading.Thread(target=work, args=(start,)) for start in (0, 100, 200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    index.commit()
    assert index.count() == 60
    assert index.search(SearchQuery("文件")).total == 60


@contextmanager
def writer_lock_held_elsewhere(path: Path, backend: str) -> Iterator[None]:
    """Hold the engine's writer lock as another process would."""
    if backend == "tantivy":
        import tantivy

        tantivy_writer = tantivy.Index.open(str(path)).writer()
        yield
        tantivy_writer.rollback()
    else:
        from whoosh import index as whoosh_index

        whoosh_writer = whoosh_index.open_dir(str(path)).writer()
        yield
        whoosh_writer.cancel()


def test_a_writer_lock_held_elsewhere_gives_index_locked(
    index: Index, index_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tantivy_backend if backend == "tantivy" else whoosh_backend
    monkeypatch.setattr(module, "LOCK_TIMEOUT", 0.2)
    with writer_lock_held_elsewhere(index_path, backend):
        with pytest.raises(IndexLocked, match="another process"):
            index.add([doc(1, "等待")])
            index.commit()
        index.close()
    index.add([doc(1, "不再等待")])  # the lock is free again
    index.commit()
    assert index.count() == 1


# -- bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '"商业秘密',  # unbalanced quote: the rest is the phrase
        "商业秘密”",
        "-",
        "OR",
        "OR 公开",
        "公开 OR",
        "公开 OR OR 申请",
        "AND",
        '""',
        '-""',
        "，。！？",
        "((",
        "*",
        "title:公开",
        "\\",
        "公开 -",
        "--公开",
        "+申请",
        "乌海政办发[2007",
        "\x00\u200b",
        "a" * 150,
    ],
)
def test_bad_queries_give_a_result_or_a_query_error(index: Index, text: str) -> None:
    filled(index, *BASIC, doc(4, "商业秘密"))
    try:
        result = index.search(SearchQuery(text))
    except QueryError as error:
        assert "/" in str(error)  # 中文 / English
    else:
        assert result.total == len(result.hits)


def test_random_input_never_raises_anything_but_query_error(index: Index) -> None:
    filled(index, *BASIC)
    pieces = ['"', "“", "”", "-", "－", "OR", "|", "AND", "+", " ", "\u3000", "(", "〔", "】"]
    pieces += ["公开", "申请", "乌海政办发", "2007", "55号", "第", "GB", "*", ":", "\\", "，", "\n"]
    rng = random.Random(7)
    for _ in range(150):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        try:
            result = index.search(SearchQuery(text))
        except QueryError:
            continue
        assert result.total >= len(result.hits), text


def test_forgiving_parses_find_the_obvious(index: Index) -> None:
    filled(index, *BASIC, doc(4, "商业秘密"))
    assert found(index, '"商业秘密') == {4}
    assert found(index, "OR 公开") == {1, 2}
    assert found(index, "公开 OR") == {1, 2}
    assert found(index, "+申请") == {1}
    assert found(index, "-公开") == {3, 4}  # only an exclusion: everything else


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(""),
        SearchQuery("   "),
        SearchQuery("-"),
        SearchQuery("，。"),
        SearchQuery("公开", limit=0),
        SearchQuery("公开", limit=100_000),
        SearchQuery("公开", offset=-1),
        SearchQuery("公开", sort="title"),  # type: ignore[arg-type]
        SearchQuery("公开", year=0),
        SearchQuery("公开", date_from=date(2021, 1, 1), date_to=date(2020, 1, 1)),
        SearchQuery("公开", attribute="secret"),
        SearchQuery("公开", reason="unknown"),
        SearchQuery("公开", issuer="，"),
        SearchQuery("公开" * 101),
    ],
)
def test_queries_that_cannot_run_raise_query_error(index: Index, query: SearchQuery) -> None:
    filled(index, *BASIC)
    with pytest.raises(QueryError) as error:
        index.search(query)
    assert "/" in str(error.value)


def test_an_empty_query_says_what_to_do(index: Index) -> None:
    with pytest.raises(QueryError, match="请输入检索词"):
        index.search(SearchQuery(""))


# -- the index directory -------------------------------------------------------


def test_garbage_in_the_directory_is_index_corrupt(index_path: Path, backend: str) -> None:
    index_path.mkdir()
    (index_path / "meta.json").write_bytes(b"\x00garbage")
    with pytest.raises(IndexCorrupt):
        open_index(index_path, backend)


def is_segment(path: Path) -> bool:
    """A data file, not the engine's table of contents (meta.json, *.toc) or a lock."""
    return not (path.name.startswith((".", "_")) or path.suffix in (".json", ".toc"))


@pytest.mark.parametrize("damaged", ["every file", "segments only"])
def test_damaged_engine_files_are_index_corrupt(
    index_path: Path, backend: str, damaged: str
) -> None:
    with open_index(index_path, backend) as index:
        filled(index, *BASIC)
    for path in index_path.iterdir():
        if path.name != "gongkai-index.json" and (damaged == "every file" or is_segment(path)):
            path.write_bytes(b"garbage" * 10)
    with pytest.raises(IndexCorrupt, match="rebuild"), open_index(index_path, backend) as index:
        index.search(SearchQuery("公开"))


def test_another_backends_index_is_index_corrupt(index_path: Path, backend: str) -> None:
    open_index(index_path, backend).close()
    other = next(name for name in BACKENDS if name != backend)
    with pytest.raises(IndexCorrupt, match="rebuild"):
        open_index(index_path, other)


def test_an_index_of_an_older_version_is_index_outdated(index_path: Path, backend: str) -> None:
    with open_index(index_path, backend) as index:
        filled(index, *BASIC)
    marker = {"backend": backend, "version": SCHEMA_VERSION - 1}
    (index_path / "gongkai-index.json").write_text(json.dumps(marker))
    with pytest.raises(IndexOutdated, match="older format"):
        open_index(index_path, backend)


def test_a_tantivy_schema_changed_without_a_new_version_is_index_outdated(
    index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tantivy

    open_index(index_path, "tantivy").close()
    open_index(index_path, "tantivy").close()  # its own schema opens again
    other = tantivy.SchemaBuilder().add_integer_field("other", fast=True).build()
    monkeypatch.setattr(tantivy_backend, "_schema", lambda: other)
    with pytest.raises(IndexOutdated, match="fields differ"):
        open_index(index_path, "tantivy")


def test_an_unknown_backend_is_refused(index_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown index backend"):
        open_index(index_path, "lucene")


# -- the seed corpus -----------------------------------------------------------

SEEDS = {
    "wulanchabu-2005-ten-rules": ("乌兰察布市政务公开十项制度", "", date(2005, 11, 11)),
    "erlianhaote-2014-plan": ("二连浩特市深化政务公开和加强政务服务工作实施方案", "", None),
    "baoding-2011-four-rules": (
        "保定市人民政府办公厅关于印发责任追究办法等4个文件的通知",
        "",
        date(2011, 1, 26),
    ),
    "keyouqianqi-2021-rules": ("科右前旗政务公开工作制度规范", "", date(2021, 3, 26)),
    "wuhai-2007-demo-sites": (
        "乌海市政务公开示范点建设工作方案",
        "乌海政办发〔2007〕55号",
        date(2007, 12, 28),
    ),
}


@pytest.fixture
def seeded(index: Index, seeds: Path) -> tuple[Index, dict[int, str]]:
    names = {}
    for doc_id, (stem, (title, number, issued)) in enumerate(sorted(SEEDS.items()), start=1):
        text = normalize_text((seeds / f"{stem}.txt").read_text(encoding="utf-8"))
        index.add([doc(doc_id, text, title=title, doc_number=number, issue_date=issued)])
        names[doc_id] = stem.split("-")[0]
    index.commit()
    return index, names


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("示范点", "wuhai"),
        ("责任追究 办法", "baoding"),
        ("乌海政办发[2007]55号", "wuhai"),
        ("保密审查", "keyouqianqi"),
        ('"年度报告"', "keyouqianqi"),
        ("社情民意", "wulanchabu"),
        ("政务服务 实施方案", "erlianhaote"),
    ],
)
def test_seed_queries_find_the_right_document_first(
    seeded: tuple[Index, dict[int, str]], text: str, first: str
) -> None:
    index, names = seeded
    hits = index.search(SearchQuery(text)).hits
    assert hits and names[hits[0].doc_id] == first
    assert hits[0].highlights


def test_a_seed_phrase_is_found_where_it_is_written(
    seeded: tuple[Index, dict[int, str]],
) -> None:
    index, _ = seeded
    for hit in index.search(SearchQuery('"商业秘密"', limit=10)).hits:
        assert "商业秘密" in hit.marked_snippet().replace("【", "").replace("】", "")


def test_replace_keeps_the_metadata_current(index: Index) -> None:
    original = doc(1, "关于公开的通知", attribute=Attribute.ON_REQUEST)
    filled(index, original)
    filled(index, replace(original, attribute=Attribute.WITHHELD, reason=Reason.STATE_SECRET))
    assert found(index, "公开", attribute="on_request") == set()
    assert found(index, "公开", attribute="withheld", reason="state_secret") == {1}


def test_a_large_batch_is_analysed_in_helper_processes_with_the_same_result(
    tmp_path: Path,
) -> None:
    from indexer.tantivy_backend import PARALLEL_FROM, TantivyIndex, _analyse

    count = PARALLEL_FROM + 50
    docs = [doc(n, f"第{n}号文件 关于防汛抗旱的通知 编号{n}") for n in range(1, count + 1)]
    with open_index(tmp_path / "big") as index:
        assert isinstance(index, TantivyIndex)
        analysed = list(index._analysed(docs))
        assert analysed == [_analyse(d) for d in docs], "helpers analyse exactly as inline"
        index.add(docs)
        index.commit()
        assert index.count() == count
        hits = index.search(SearchQuery(f"编号{count - 1}")).hits
        assert [hit.doc_id for hit in hits][:1] == [count - 1]
