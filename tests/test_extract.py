"""The extraction layer: real files in, normalised text or a reasoned ExtractionError out."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest
from builders import build_docx, build_image_only_pdf, build_ole2, build_pdf, build_zip
from ofd_builder import build_ofd
from PIL import Image

from engine import extract as extract_api
from engine.codes import DocumentStatus
from engine.extract import (
    EXTRACTORS,
    Extraction,
    ExtractionError,
    extract,
    sniff,
)
from engine.extract import docx as docx_extractor

# Strings each seed states, as they read after normalisation, in every format.
SEED_STRINGS = {
    "wuhai-2007-demo-sites": ["乌海政办发〔2007〕55号", "二〇〇七年十二月二十八日"],
    "baoding-2011-four-rules": ["保定市人民政府办公厅", "二一年一月二十六日"],
    "erlianhaote-2014-plan": [
        "二连浩特市深化政务公开和加强政务服务工作实施方案",
        "发布日期:2014-06-06 16:45",
        "2014年5月23日",
    ],
    "keyouqianqi-2021-rules": ["发布日期:2021年03月26日 10:02", "(此件公开发布)"],
    "wulanchabu-2005-ten-rules": ["乌兰察布市政务公开暂行规定", "二〇〇五年十一月十一日"],
}
SEED_FILES = [(stem, suffix) for stem in SEED_STRINGS for suffix in (".docx", ".pdf", ".txt")] + [
    ("wuhai-2007-demo-sites", ".gb18030.txt")
]

# A sentence long enough that reportlab wraps it over three lines.
LONG_SENTENCE = (
    "为进一步深化政务公开工作，全面推行依法行政，建设法治政府、服务政府、责任政府和效能政府，"
    "按照自治区政务公开领导小组办公室的统一部署和要求，经市政务公开领导小组研究，"
    "决定在全市范围内开展政务公开和办事公开示范点建设工作。"
)


@pytest.mark.parametrize(("stem", "suffix"), SEED_FILES, ids=lambda value: value)
def test_every_seed_extracts_with_its_distinctive_strings(
    seeds: Path, stem: str, suffix: str
) -> None:
    result = extract(seeds / f"{stem}{suffix}")

    assert result.format == suffix.rsplit(".", 1)[1]
    assert result.status is DocumentStatus.FILED
    for expected in SEED_STRINGS[stem]:
        assert expected in result.text


def test_gb18030_text_reads_the_same_as_utf8(seeds: Path) -> None:
    utf8 = extract(seeds / "wuhai-2007-demo-sites.txt")
    gb18030 = extract(seeds / "wuhai-2007-demo-sites.gb18030.txt")

    assert (utf8.encoding, gb18030.encoding) == ("utf-8", "gb18030")
    assert gb18030.text == utf8.text


def test_seed_pdf_reports_its_pages(seeds: Path) -> None:
    result = extract(seeds / "wuhai-2007-demo-sites.pdf")

    assert result.pages == 3
    assert result.warnings == ()


def test_pdf_lines_wrapped_inside_a_sentence_are_rejoined(tmp_path: Path) -> None:
    path = build_pdf(tmp_path / "notice.pdf", ["一、指导思想", LONG_SENTENCE, "二、工作目标"])

    text = extract(path).text

    assert text.split("\n") == ["一、指导思想", LONG_SENTENCE, "二、工作目标"]


def test_pdf_sentence_running_over_a_page_break_is_whole_and_page_numbers_go(
    tmp_path: Path,
) -> None:
    path = build_pdf(tmp_path / "long.pdf", [LONG_SENTENCE] * 20, page_numbers=True)

    result = extract(path)

    assert result.pages == 3
    assert result.text.split("\n") == [LONG_SENTENCE] * 20


def test_pdf_pages_are_separated_by_a_blank_line_between_paragraphs(seeds: Path) -> None:
    text = extract(seeds / "erlianhaote-2014-plan.pdf").text

    assert "事业单位\n四、公开内容\n\n(一)加强主动公开工作" in text


def test_pdf_one_character_line_is_kept_or_reported(tmp_path: Path) -> None:
    # 32 characters: reportlab puts the last one, alone, on a second line. pdfium cannot
    # measure such a run where no CJK font is installed; it must then say so.
    path = build_pdf(tmp_path / "orphan.pdf", ["政务公开" * 7 + "政务公任"])

    result = extract(path)

    assert result.text.endswith("任") or any("text may be missing" in w for w in result.warnings)


def test_pdf_without_a_text_layer_needs_ocr(tmp_path: Path) -> None:
    result = extract(build_image_only_pdf(tmp_path / "scan.pdf", pages=2))

    assert result == Extraction("", "pdf", DocumentStatus.NEEDS_OCR, pages=2)


def test_pdf_with_some_scanned_pages_warns(tmp_path: Path) -> None:
    path = build_pdf(tmp_path / "mixed.pdf", ["第一页正文。"], scanned_pages=2)

    result = extract(path)

    assert result.status is DocumentStatus.FILED
    assert result.text == "第一页正文。"
    assert result.warnings == ("pages 2, 3 without a text layer",)


def test_docx_yields_body_table_header_footer_and_footnote_in_order(tmp_path: Path) -> None:
    path = build_docx(
        tmp_path / "notice.docx",
        ["乌海市人民政府办公厅文件", "一、示范点名单", "二、工作要求"],
        header="乌海政办发〔2007〕55号",
        footer="乌海市人民政府办公厅印发",
        table=[["单位", "负责人"], ["海勃湾区", "张三"]],
        table_after=1,
        footnote="示范点名单以市政务公开领导小组确定为准。",
    )

    result = extract(path)

    assert result.format == "docx"
    assert result.text.split("\n") == [
        "乌海政办发〔2007〕55号",
        "",
        "乌海市人民政府办公厅文件",
        "一、示范点名单",
        "单位\t负责人",
        "海勃湾区\t张三",
        "二、工作要求",
        "",
        "示范点名单以市政务公开领导小组确定为准。",
        "",
        "乌海市人民政府办公厅印发",
    ]


def test_docx_reads_text_boxes_once_and_tracked_changes_as_accepted(tmp_path: Path) -> None:
    text_box = (  # as Word writes one: DrawingML, and the same box again for old readers
        "<w:p><w:r><mc:AlternateContent>"
        '<mc:Choice Requires="wps"><w:drawing><wps:txbx><w:txbxContent>'
        "<w:p><w:r><w:t>乌海市人民政府文件</w:t></w:r></w:p>"
        "</w:txbxContent></wps:txbx></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><v:textbox><w:txbxContent>"
        "<w:p><w:r><w:t>乌海市人民政府文件</w:t></w:r></w:p>"
        "</w:txbxContent></v:textbox></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>"
    )
    revised = (
        "<w:p><w:r><w:t>现将</w:t></w:r>"
        '<w:ins w:id="1" w:author="办公室"><w:r><w:t>《工作方案》</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="办公室"><w:r><w:delText>草稿</w:delText></w:r></w:del>'
        "<w:r><w:t>印发给你们。</w:t></w:r></w:p>"
    )
    path = build_docx(tmp_path / "boxed.docx", [], xml_blocks=[text_box, revised])

    assert extract(path).text == "乌海市人民政府文件\n现将《工作方案》印发给你们。"


def test_docx_footer_that_is_only_a_page_number_is_dropped(tmp_path: Path) -> None:
    path = build_docx(tmp_path / "numbered.docx", ["正文。"], footer="— 1 —")

    assert extract(path).text == "正文。"


def test_docx_of_a_pasted_scan_needs_ocr(tmp_path: Path) -> None:
    result = extract(build_docx(tmp_path / "scan.docx", [], scan=True))

    assert (result.status, result.text) == (DocumentStatus.NEEDS_OCR, "")


def test_format_is_read_from_content_not_extension(tmp_path: Path) -> None:
    docx_as_txt = build_docx(tmp_path / "notice.txt", ["通知正文。"])
    pdf_as_docx = build_pdf(tmp_path / "notice.docx", ["通知正文。"])

    assert (extract(docx_as_txt).format, extract(docx_as_txt).text) == ("docx", "通知正文。")
    assert (extract(pdf_as_docx).format, extract(pdf_as_docx).text) == ("pdf", "通知正文。")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030"])
def test_text_encodings_offices_save_in(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes("关于政务公开的通知\r\n二○○七年".encode(encoding))

    result = extract(path)

    assert (result.text, result.encoding) == ("关于政务公开的通知\n二〇〇七年", encoding)


def test_utf8_text_cut_inside_a_character_stays_utf8(seeds: Path, tmp_path: Path) -> None:
    whole = seeds / "wuhai-2007-demo-sites.txt"
    cut = _write(tmp_path / "cut.txt", whole.read_bytes().rstrip()[:-1])

    result = extract(cut)

    assert result.encoding == "utf-8"
    assert result.text[:-1] == extract(whole).text[:-1]
    assert result.warnings == ("1 undecodable byte sequence replaced by \ufffd",)


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _truncated(path: Path) -> Path:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


BAD_FILES = {
    "zero-byte pdf": (lambda d: _write(d / "a.pdf", b""), "empty"),
    "zero-byte docx": (lambda d: _write(d / "a.docx", b""), "empty"),
    "blank txt": (lambda d: _write(d / "a.txt", " \n\u3000\n".encode()), "empty"),
    "empty docx": (lambda d: build_docx(d / "a.docx", ["", ""]), "empty"),
    "truncated pdf": (lambda d: _truncated(build_pdf(d / "a.pdf", ["正文。"] * 30)), "corrupt"),
    "truncated docx": (lambda d: _truncated(build_docx(d / "a.docx", ["正文。"])), "corrupt"),
    "pdf header then junk": (lambda d: _write(d / "a.pdf", b"%PDF-1.4\n" + bytes(500)), "corrupt"),
    "docx of junk": (lambda d: _write(d / "a.docx", bytes(range(256)) * 8), "corrupt"),
    "docx of zip header only": (lambda d: _write(d / "a.docx", b"PK\3\4" + bytes(40)), "corrupt"),
    "zip": (lambda d: build_zip(d / "a.zip", {"readme.txt": b"hello"}), "unsupported"),
    "binary of junk": (lambda d: _write(d / "a.bin", bytes(range(256)) * 8), "unsupported"),
    "encrypted pdf": (lambda d: build_pdf(d / "a.pdf", ["机密"], user_password="pw"), "encrypted"),
    "encrypted docx": (
        lambda d: build_ole2(d / "a.docx", {"EncryptionInfo": b"\4", "EncryptedPackage": b""}),
        "encrypted",
    ),
    "doc of unknown version": (
        lambda d: build_ole2(d / "a.doc", {"WordDocument": b"\xec\xa5"}),
        "unsupported",
    ),
    "ofd of an undeclared prefix": (
        lambda d: build_zip(d / "a.ofd", {"OFD.xml": b"<ofd:OFD/>"}),
        "corrupt",
    ),
}


def test_extraction_error_names_the_file_and_survives_pickling(tmp_path: Path) -> None:
    path = build_pdf(tmp_path / "secret.pdf", ["机密"], user_password="pw")

    with pytest.raises(ExtractionError) as caught:
        extract(path)

    assert str(caught.value) == "secret.pdf: the PDF is password-protected"
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.reason, str(copy)) == ("encrypted", str(caught.value))


@pytest.mark.parametrize("case", BAD_FILES)
def test_unreadable_files_raise_extraction_error_with_reason(tmp_path: Path, case: str) -> None:
    build, reason = BAD_FILES[case]

    with pytest.raises(ExtractionError) as caught:
        extract(build(tmp_path))

    assert caught.value.reason == reason
    assert str(caught.value)


def test_legacy_doc_error_names_the_format(tmp_path: Path) -> None:
    path = build_ole2(tmp_path / "old.doc", {"WordDocument": b"\xec\xa5"})

    with pytest.raises(ExtractionError, match=r"legacy Word/WPS document"):
        extract(path)


def test_files_over_the_size_limit_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("engine.extract.MAX_FILE_BYTES", 10)
    path = _write(tmp_path / "a.txt", "政务公开工作方案".encode())

    with pytest.raises(ExtractionError) as caught:
        extract(path)

    assert caught.value.reason == "too_large"


def test_docx_unpacking_beyond_the_limit_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docx_extractor, "MAX_UNPACKED_BYTES", 100_000)
    path = build_docx(
        tmp_path / "bomb.docx", ["正文。"]
    )  # python-docx's styles alone unpack larger

    with pytest.raises(ExtractionError, match=r"unpacks to") as caught:
        extract(path)

    assert caught.value.reason == "too_large"


SNIFFED = {
    b"%PDF-1.7\n": "pdf",
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR": "png",
    b"\xff\xd8\xff\xe0\0\x10JFIF": "jpeg",
    b"II*\0\x08\0\0\0": "tiff",
    b"<!DOCTYPE html><html><head>": "html",
    "政务公开".encode("gb18030"): "txt",
    "政务公开".encode(): "txt",
    "政务公开".encode("utf-16"): "txt",
    bytes(range(256)): None,
}


@pytest.mark.parametrize("head", SNIFFED, ids=lambda head: SNIFFED[head] or "junk")
def test_sniff_names_formats_from_their_first_bytes(head: bytes) -> None:
    assert sniff(head) == SNIFFED[head]


def test_sniff_tells_zip_and_ole2_containers_by_their_members(tmp_path: Path) -> None:
    containers = {
        build_docx(tmp_path / "a", ["正文。"]): "docx",
        build_zip(tmp_path / "b", {"OFD.xml": b"<ofd:OFD/>"}): "ofd",
        build_zip(tmp_path / "c", {"readme.txt": b"hello"}): "zip",
        build_ole2(tmp_path / "d", {"WordDocument": b"\xec\xa5"}): "doc",
        build_ole2(tmp_path / "e", {"EncryptionInfo": b"\4", "EncryptedPackage": b""}): (
            "office-encrypted"
        ),
        build_ole2(tmp_path / "f", {"Workbook": b"\x09\x08"}): "xls",
    }

    assert {path.name: sniff(path.read_bytes()) for path in containers} == {
        path.name: label for path, label in containers.items()
    }


def test_sniff_of_a_text_prefix_cut_inside_a_character() -> None:
    head = "政务公开".encode()[:-1]

    assert sniff(head) == "txt"


IMAGE_KINDS = {"png": "PNG", "jpeg": "JPEG", "tiff": "TIFF", "gif": "GIF"}


def _image(kind: str) -> bytes:
    """A small white image in Pillow's ``kind`` format (a scan, as far as filing goes)."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buffer, kind)
    return buffer.getvalue()


def test_every_registered_format_is_one_sniff_can_name(tmp_path: Path) -> None:
    samples = {
        "docx": build_docx(tmp_path / "a", ["正文。"]).read_bytes(),
        "office-encrypted": build_ole2(tmp_path / "b", {"EncryptionInfo": b"\4"}).read_bytes(),
        "pdf": build_pdf(tmp_path / "c", ["正文。"]).read_bytes(),
        "txt": "正文。".encode(),
        "ofd": build_ofd(tmp_path / "g", [["正文。"]]).read_bytes(),
        "doc": build_ole2(tmp_path / "d", {"WordDocument": b"\xec\xa5"}).read_bytes(),
        **{label: _image(kind) for label, kind in IMAGE_KINDS.items()},
    }

    assert set(EXTRACTORS) == set(samples)
    assert {label: sniff(data) for label, data in samples.items()} == {
        label: label for label in samples
    }


def test_every_label_sniff_gives_is_read_or_named_in_errors() -> None:
    labels = {label for _, label in extract_api._MAGIC + extract_api._ZIP_KINDS}
    labels |= {label for _, label in extract_api._OLE2_KINDS} | {"zip", "ole2", "html", "pdf"}

    assert labels - set(EXTRACTORS) <= set(extract_api._FORMAT_NAMES)


def test_extracted_text_is_normalised(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.txt", "二00五年十一月十一日\r\n第１２条\u200b".encode())

    assert extract(path).text == "二〇〇五年十一月十一日\n第12条"
