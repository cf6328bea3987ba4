"""OFD (GB/T 33190) extraction: text in reading order, DocInfo, seals and annotations
left out, and hostile packages refused with a reason."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from engine.archive import Archive
from engine.codes import DocumentStatus
from engine.extract import ExtractionError, extract
from engine.extract import ofd as ofd_extractor
from engine.metadata import parse_metadata
from engine.pipeline import Status
from engine.register.models import Document
from engine.text import normalize_text
from indexer import SearchQuery
from tests.ofd_builder import Variant, build_ofd, typeset, wrap

INDENT = "\u3000\u3000"
HEADER = ["乌海市人民政府办公厅文件", "乌海政办发〔2007〕55号    签发人：张三"]
# A paragraph that wraps over three lines: the lines that reach the margin show where it is.
LONG_SENTENCE = (
    "为进一步深化政务公开工作，全面推行依法行政，建设法治政府、服务政府、责任政府和效能政府，"
    "按照自治区政务公开领导小组办公室的统一部署和要求，经市政务公开领导小组研究，"
    "决定在全市范围内开展政务公开和办事公开示范点建设工作。"
)
BODY = wrap(INDENT + LONG_SENTENCE)
DOC_INFO = {
    "Title": "乌海市人民政府办公厅关于印发乌海市政务公开示范点建设工作方案的通知",
    "Author": "乌海市人民政府办公厅",
    "Abstract": "政务公开示范点建设",
    "CreationDate": "2007-12-28",
}


def seed_paragraphs(seeds: Path) -> list[str]:
    """The wuhai notice's paragraphs: its capture runs them together, parted by
    private-use glyphs and runs of blanks."""
    text = (seeds / "wuhai-2007-demo-sites.txt").read_text(encoding="utf-8")
    parts = re.split(r"[\n\ue000-\uf8ff]|[\s\u3000]{2,}", text)
    return [part.strip() for part in parts if part.strip()]


def rewrite(path: Path, member: str, change: bytes) -> Path:
    """``path`` with ``member`` replaced by ``change``."""
    with zipfile.ZipFile(path) as package:
        members = {name: package.read(name) for name in package.namelist()}
    members[member] = change
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in members.items():
            package.writestr(name, content)
    return path


@pytest.fixture
def seed_ofd(seeds: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """The wuhai notice laid out over three pages, with page numbers, and its paragraphs."""
    paragraphs = seed_paragraphs(seeds)
    pages = typeset([INDENT + paragraph for paragraph in paragraphs], pages=3)
    return build_ofd(tmp_path / "notice.ofd", pages, page_numbers=True), paragraphs


@pytest.mark.parametrize("glyph_runs", [False, True], ids=["line-runs", "glyph-runs"])
def test_seed_over_three_pages_reads_whole_and_in_order(
    seeds: Path, tmp_path: Path, glyph_runs: bool
) -> None:
    paragraphs = seed_paragraphs(seeds)
    pages = typeset([INDENT + paragraph for paragraph in paragraphs], pages=3)
    path = build_ofd(tmp_path / "notice.ofd", pages, page_numbers=True, glyph_runs=glyph_runs)

    result = extract(path)

    assert (result.format, result.status, result.pages) == ("ofd", DocumentStatus.FILED, 3)
    expected = normalize_text("\n".join(paragraphs))
    # Every character once, in order; page numbers gone; lines wrapped inside a
    # sentence rejoined, so each paragraph starts a line of its own.
    assert result.text.replace("\n", "") == expected.replace("\n", "")
    lines = result.text.split("\n")
    assert all(any(line.startswith(p[:12]) for line in lines) for p in expected.split("\n"))
    assert "《中华人民共和国政府信息公开条例》要求" in result.text
    assert result.warnings == ()


def test_gbt9704_metadata_is_read_from_the_ofd_text(seed_ofd: tuple[Path, list[str]]) -> None:
    metadata = parse_metadata(extract(seed_ofd[0]).text)

    assert metadata.doc_number == "乌海政办发〔2007〕55号"
    assert (
        metadata.title == "乌海市人民政府办公厅关于印发《乌海市政务公开示范点建设工作方案》的通知"
    )
    assert metadata.issue_date == date(2007, 12, 28)


def test_reading_order_comes_from_positions_not_from_the_xml(tmp_path: Path) -> None:
    path = build_ofd(tmp_path / "a.ofd", [["第一行。", "第二行。", "第三行。"]])
    with zipfile.ZipFile(path) as package:
        page = etree.fromstring(package.read("Doc_0/Pages/Page_0/Content.xml"))
    layer = page.find(".//{*}Layer")
    assert layer is not None
    layer[:] = list(reversed(layer))
    rewrite(path, "Doc_0/Pages/Page_0/Content.xml", etree.tostring(page))

    assert extract(path).text == "第一行。\n第二行。\n第三行。"


def test_fields_on_one_line_and_a_vertical_gap_are_kept(tmp_path: Path) -> None:
    path = build_ofd(tmp_path / "a.ofd", [[*HEADER, "", *BODY]])

    assert extract(path).text.split("\n") == [
        "乌海市人民政府办公厅文件",
        "乌海政办发〔2007〕55号  签发人：张三",
        "",
        LONG_SENTENCE,
    ]


@pytest.mark.parametrize("prefix", ["ofd", "", None], ids=["ofd-prefix", "default", "none"])
def test_any_namespace_prefix_or_none_reads_alike(tmp_path: Path, prefix: str | None) -> None:
    path = build_ofd(tmp_path / "a.ofd", [[HEADER[0]]], doc_info={"Title": "通知"}, prefix=prefix)

    result = extract(path)

    assert (result.text, result.properties["Title"]) == (HEADER[0], "通知")


def test_docinfo_and_custom_data_become_properties(tmp_path: Path) -> None:
    path = build_ofd(
        tmp_path / "a.ofd",
        [["正文。"]],
        doc_info=DOC_INFO,
        custom_data={"发文字号": "乌海政办发〔2007〕55号", "Title": "不覆盖标题", "密级": ""},
    )

    properties = extract(path).properties

    assert {key: properties[key] for key in (*DOC_INFO, "发文字号")} == {
        **DOC_INFO,
        "发文字号": "乌海政办发〔2007〕55号",
    }
    assert "密级" not in properties, "an empty CustomData says nothing"


def test_template_page_text_is_read_once_with_the_first_page(tmp_path: Path) -> None:
    path = build_ofd(tmp_path / "a.ofd", [BODY, ["第二页正文。"]], template=["乌海市人民政府文件"])

    text = extract(path).text

    assert text.split("\n") == ["乌海市人民政府文件", LONG_SENTENCE, "", "第二页正文。"]


def test_signed_and_sealed_ofd_extracts_the_same_text(tmp_path: Path) -> None:
    pages = [["乌海市人民政府办公厅", "二〇〇七年十二月二十八日"]]
    plain = build_ofd(tmp_path / "plain.ofd", pages)
    signed = build_ofd(tmp_path / "signed.ofd", pages, signed=True)

    with zipfile.ZipFile(signed) as package:
        assert "Doc_0/Signs/Sign_0/Signature.xml" in package.namelist()
    assert extract(signed).text == extract(plain).text


def test_annotation_text_is_not_document_text(tmp_path: Path) -> None:
    path = build_ofd(tmp_path / "a.ofd", [["正文。"]], annotation="请核对此处数字")

    assert extract(path).text == "正文。"


def test_scanned_ofd_needs_ocr(tmp_path: Path) -> None:
    result = extract(build_ofd(tmp_path / "scan.ofd", [], scanned_pages=2))

    assert (result.status, result.text, result.pages) == (DocumentStatus.NEEDS_OCR, "", 2)


def test_ofd_with_some_scanned_pages_warns(tmp_path: Path) -> None:
    result = extract(build_ofd(tmp_path / "mixed.ofd", [["第一页正文。"]], scanned_pages=2))

    assert (result.status, result.text) == (DocumentStatus.FILED, "第一页正文。")
    assert result.warnings == ("pages 2, 3 without text, only images",)


def test_hostile_delta_x_repeat_count_is_harmless(tmp_path: Path) -> None:
    path = build_ofd(tmp_path / "a.ofd", [["正文。"]])
    with zipfile.ZipFile(path) as package:
        content = package.read("Doc_0/Pages/Page_0/Content.xml")
    rewrite(
        path,
        "Doc_0/Pages/Page_0/Content.xml",
        re.sub(rb'DeltaX="[^"]*"', b'DeltaX="g 2000000000 5.571"', content),
    )

    assert extract(path).text == "正文。"


BAD_OFDS: dict[Variant, tuple[str, str]] = {
    "zip_bomb": ("too_large", r"inflates .* the limit is 100:1"),
    "too_many_entries": ("too_large", r"10,00\d members; the limit is 10,000"),
    "path_escape": ("corrupt", r"places page 1 outside the package"),
    "external_entity": ("corrupt", r"OFD.xml declares a DTD"),
    "encrypted": ("encrypted", r"encrypted \(GM/T 0099\)"),
    "missing_page": ("corrupt", r"lacks page 2 \(Doc_0/Pages/Page_1/Content.xml"),
}


@pytest.mark.parametrize("variant", BAD_OFDS)
def test_hostile_and_damaged_ofds_are_refused_with_a_reason(
    tmp_path: Path, variant: Variant
) -> None:
    reason, message = BAD_OFDS[variant]
    path = build_ofd(tmp_path / "bad.ofd", [["正文。"]], variant=variant)

    with pytest.raises(ExtractionError, match=message) as direct:
        ofd_extractor.extract(path.read_bytes())
    with pytest.raises(ExtractionError) as through_the_layer:
        extract(path)

    assert direct.value.reason == through_the_layer.value.reason == reason
    assert str(through_the_layer.value).startswith("bad.ofd: ")


def test_ofd_unpacking_beyond_its_limit_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ofd_extractor, "MAX_UNPACKED_BYTES", 1_000)
    path = build_ofd(tmp_path / "big.ofd", [BODY], signed=True)

    with pytest.raises(ExtractionError, match=r"unpacks to [\d,]+ bytes") as caught:
        extract(path)

    assert caught.value.reason == "too_large"


def test_an_ofd_is_filed_and_found_by_search(
    archive: Archive, seed_ofd: tuple[Path, list[str]]
) -> None:
    [outcome] = archive.ingest_files([seed_ofd[0]])

    assert outcome.status is Status.FILED
    with archive.sessions() as session:
        document = session.get(Document, outcome.document_id)
        assert document is not None
        assert (document.format, document.pages) == ("ofd", 3)
        assert document.doc_number == "乌海政办发〔2007〕55号"
        assert document.original_path.endswith(".ofd")
    found = archive.search_index().search(SearchQuery("示范点"))
    [hit] = found["hits"]  # type: ignore[misc]
    assert (hit["id"], hit["file_names"]) == (outcome.document_id, ["notice.ofd"])
