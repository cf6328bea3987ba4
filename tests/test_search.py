"""The search index kept in step with the register: filed, reviewed, lost and rebuilt."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.archive import Archive
from engine.cli import app
from engine.codes import Attribute, Reason
from engine.config import Settings
from engine.register.models import Document
from engine.review import Action, Level, Position
from engine.review import SignOff as Signature
from engine.signoff import sign
from indexer import SearchQuery
from indexer._backend import SCHEMA_VERSION
from tests.builders import build_docx, build_pdf
from tests.webdesk import Desk, file_documents

NOTICE = [
    "乌海市人民政府办公厅文件",
    "乌海政办发〔2007〕55号",
    "乌海市人民政府办公厅关于印发乌海市政务公开示范点建设工作方案的通知",
    "各区人民政府，市府各部门：",
    "现将《乌海市政务公开示范点建设工作方案》印发给你们，请认真贯彻执行。",
    "二○○七年十二月二十八日",
]
REQUEST = [
    "澄住建〔2022〕47号",
    "关于追加老旧城区排水管网改造资金的请示",
    "区人民政府：",
    "拟追加排水管网改造资金，请予审批。以上意见当否，请批示。",
    "2022年6月8日",
]


@pytest.fixture
def filed(archive: Archive, tmp_path: Path) -> Archive:
    archive.ingest_files(
        [build_docx(tmp_path / "示范点.docx", NOTICE), build_pdf(tmp_path / "请示.pdf", REQUEST)]
    )
    return archive


def ids(archive: Archive, **query: object) -> list[int]:
    found = archive.search_index().search(SearchQuery(**query))  # type: ignore[arg-type]
    return [hit["id"] for hit in found["hits"]]  # type: ignore[attr-defined, index]


def test_filed_documents_are_found_by_word_number_and_filter(filed: Archive) -> None:
    found = filed.search_index().search(SearchQuery("示范点"))
    [hit] = found["hits"]  # type: ignore[misc]
    assert hit["doc_number"] == "乌海政办发〔2007〕55号"
    assert hit["file_names"] == ["示范点.docx"]
    assert "【示范点】" in hit["snippet"]
    assert ids(filed, text="乌海政办发[2007]55号") == [hit["id"]]
    assert len(ids(filed, text="排水管网")) == 1
    assert ids(filed, text="排水管网", attribute="proactive") == []


def test_a_new_file_name_reaches_the_hits(filed: Archive, tmp_path: Path) -> None:
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(tmp_path / "示范点.docx", again / "示范点（重发）.docx")
    filed.ingest_files([again / "示范点（重发）.docx"])
    filed.search_index().sync()
    [hit] = filed.search_index().search(SearchQuery("示范点"))["hits"]  # type: ignore[misc]
    assert hit["file_names"] == ["示范点.docx", "示范点（重发）.docx"]


def test_a_review_decision_reaches_the_index(filed: Archive) -> None:
    [request_id] = ids(filed, text="排水管网")
    assert ids(filed, text="排水管网", attribute="withheld", reason="process_info") == [request_id]
    public = Position(Attribute.PROACTIVE)
    with filed.sessions.begin() as session:
        document = session.get(Document, request_id)
        assert document is not None
        now = datetime.now(UTC)
        first = Signature(Level.DRAFTER, "甲", now, Action.OVERRIDE, public, "已办结")
        sign(session, document, first, filed.settings.signoff_levels)
        for level in (Level.REVIEWER, Level.APPROVER):
            sign(session, document, Signature(level, "乙", now, Action.CONFIRM, public),
                 filed.settings.signoff_levels)  # fmt: skip
    report = filed.search_index().sync()
    assert (report.rebuilt, report.indexed) == (False, 1)
    assert ids(filed, text="排水管网", attribute="proactive") == [request_id]
    assert ids(filed, text="排水管网", reason=Reason.PROCESS_INFO.value) == []


def test_deleting_the_index_loses_nothing(filed: Archive, settings: Settings) -> None:
    before = ids(filed, text="示范点 OR 排水管网")
    filed.close()
    shutil.rmtree(settings.index_dir)
    with Archive.open(settings) as again:
        assert ids(again, text="示范点 OR 排水管网") == before
        assert again.search_index().sync().indexed == 0, "rebuilt once, then in step"


def test_a_corrupt_index_is_set_aside_and_rebuilt(filed: Archive, settings: Settings) -> None:
    filed.close()
    settings.index_dir.mkdir(exist_ok=True)  # the index was never opened: garbage in its place
    (settings.index_dir / "meta.json").write_text("{ not json", encoding="utf-8")
    with Archive.open(settings) as again:
        assert len(ids(again, text="示范点 OR 排水管网")) == 2
    assert any(p.name.startswith("index.corrupt-") for p in settings.home.iterdir())


def test_an_index_of_an_older_format_is_rebuilt_in_place(
    filed: Archive, settings: Settings
) -> None:
    before = ids(filed, text="示范点 OR 排水管网")
    filed.close()
    marker = settings.index_dir / "gongkai-index.json"
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "version": 1}))
    with Archive.open(settings) as again:
        assert ids(again, text="示范点 OR 排水管网") == before
        assert again.search_index().sync().indexed == 0, "rebuilt once, then in step"
    assert json.loads(marker.read_text())["version"] == SCHEMA_VERSION
    assert [p.name for p in settings.home.iterdir() if p.name.startswith("index")] == ["index"]


def test_search_counts_the_matches_per_facet(filed: Archive) -> None:
    found = filed.search_index().search(SearchQuery("通知 OR 请示", limit=1, facets=True))
    assert found["total"] == 2 and len(found["hits"]) == 1  # type: ignore[arg-type]
    facets = found["facets"]
    assert facets["year"] == [[2022, 1], [2007, 1]]  # type: ignore[index]
    assert dict(facets["issuer"])["乌海市人民政府办公厅"] == 1  # type: ignore[index]
    assert json.loads(json.dumps(facets)) == facets, "plain data, for --json"
    assert filed.search_index().search(SearchQuery("通知"))["facets"] == {}


def test_the_search_page_shows_the_counts_per_filter(desk: Desk, tmp_path: Path) -> None:
    file_documents(
        desk.archive,
        build_docx(tmp_path / "示范点.docx", NOTICE),
        build_pdf(tmp_path / "请示.pdf", REQUEST),
    )
    page = desk.client("clerk").get("/search", params={"q": "通知 OR 请示"})
    assert page.status_code == 200
    facets = page.text.split('<aside class="facets"')[1].split("</aside>")[0]
    assert re.search(r'year=2007">2007</a> <span class="count">1</span>', facets)
    assert "<h3>发文机关</h3>" in facets and "乌海市人民政府办公厅" in facets
    narrowed = desk.client("clerk").get("/search", params={"q": "通知 OR 请示", "year": 2007})
    assert 'year=2022"' not in narrowed.text, "counts follow the filters"
    empty = desk.client("clerk").get("/search", params={"q": "没有这个词"})
    assert 'class="facets"' not in empty.text


def test_changes_made_while_the_index_was_closed_are_caught_up(
    filed: Archive, settings: Settings, tmp_path: Path
) -> None:
    filed.close()
    with Archive.open(settings) as other:  # another process files without the index
        other.ingest_files([build_docx(tmp_path / "新.docx", ["关于防汛抗旱工作的通知", "内容。"])])
    with Archive.open(settings) as again:
        assert len(ids(again, text="防汛抗旱")) == 1


def test_search_and_reindex_commands(cli: CliRunner, tmp_path: Path, seeds: Path) -> None:
    result = cli.invoke(app, ["ingest", str(seeds), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["indexed"] == 16

    found = cli.invoke(app, ["search", "保密审查", "--json"])
    assert found.exit_code == 0, found.output
    data = json.loads(found.stdout)
    assert data["total"] >= 3
    assert data["hits"][0]["file_names"][0].startswith("keyouqianqi")
    for key in ("id", "title", "doc_number", "issue_date", "file_names", "attribute", "score",
                "snippet"):  # fmt: skip
        assert key in data["hits"][0]

    dated = json.loads(cli.invoke(app, ["search", "--year", "2007", "--json"]).stdout)
    assert {hit["issue_date"][:4] for hit in dated["hits"]} == {"2007"}

    bad = cli.invoke(app, ["search", ""])
    assert bad.exit_code == 1 and "Enter words" in bad.stderr
    assert cli.invoke(app, ["search", '"unbalanced', "--json"]).exit_code == 0

    rebuilt = cli.invoke(app, ["reindex"])
    assert rebuilt.exit_code == 0 and "indexed 16 documents" in rebuilt.stdout


def test_ingest_while_another_writer_holds_the_index_files_and_catches_up_later(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.tantivy_backend

    monkeypatch.setattr(indexer.tantivy_backend, "LOCK_TIMEOUT", 0.3)
    Archive.open(sqlite_settings).close()
    with Archive.open(sqlite_settings) as watcher_side:
        holder = watcher_side.search_index()
        holder.index.delete([0])  # takes the writer's lock, as a writer in mid-batch does
        docx = build_docx(tmp_path / "忙.docx", ["关于索引忙时归档的通知", "内容。"])
        result = cli.invoke(app, ["ingest", str(docx), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["counts"]["filed"] == 1
        assert "index is busy" in result.stderr
        holder.index.commit()
        assert holder.sync().indexed == 1, "the writer takes it in at its next sync"
