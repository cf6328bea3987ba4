"""Legacy Word .doc and WPS .wps (engine/extract/legacy.py).

Fixtures in tests/data/legacy/, made by LibreOffice 7.4 from .docx files built by
tests/builders.py out of the fictional text below (the corpus's seed texts stay in
../shared/corpus; tests that need them build their .doc at run time):

* notice.doc — a notice of the NOTICE_* text below: header, footnote, a table, two
  fields, footer;
* picture.doc — nothing but a pasted scan (builders.build_docx(scan=True));
  ``.venv/bin/python -m tests.test_extract_legacy`` makes these two again;
* protected.doc — a .docx of the one paragraph "青山县人民政府办公室文件" stored
  through LibreOffice's UNO API as "MS Word 97" with the password "secret".

Tests that run LibreOffice skip without ``soffice`` unless GONGKAI_REQUIRE_SOFFICE=1.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.archive import Archive
from engine.codes import DocumentStatus
from engine.extract import Extraction, ExtractionError, extract, legacy, sniff
from engine.metadata import parse_metadata
from engine.register.models import Document
from tests.builders import build_docx, build_ole2
from tests.test_seeds import STATED

DATA = Path(__file__).parent / "data" / "legacy"
NOTICE_DOC, PICTURE_DOC, PROTECTED_DOC = (
    DATA / name for name in ("notice.doc", "picture.doc", "protected.doc")
)

NOTICE_BODY = [
    "青山县人民政府办公室文件",
    "青政办发〔2023〕12号",
    "青山县人民政府办公室关于做好2022年度政府信息公开工作年度报告编制发布工作的通知",
    "各乡镇人民政府，县政府各部门：",
    "根据《中华人民共和国政府信息公开条例》规定，各行政机关应当在每年1月31日前公布"
    "本行政机关上一年度政府信息公开工作年度报告。现将有关事项通知如下。",
    "一、各单位要按照统一格式编制年度报告，任务分工见附件。",
    "二、年度报告经本单位主要负责人审定后，于2023年1月20日前报县政务公开办。",
    "青山县人民政府办公室",
    "2023年1月5日",
    "（此件公开发布）",
]
NOTICE_HEADER = "青山县人民政府办公室"
NOTICE_FOOTER = "青山县人民政府办公室 2023年1月5日印发"
NOTICE_FOOTNOTE = "依据《中华人民共和国政府信息公开条例》第五十条。"
# After the body: the attachment's table (an empty cell, a cell of two paragraphs, an
# empty row) and two fields, a hyperlink and a page count, in a name beyond the BMP.
_W_TABLE_CELL = "<w:tc>{}</w:tc>"
_W_PARAGRAPH = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>"
NOTICE_TABLE = [
    ["事项", "责任单位", "完成时限"],
    ["数据统计", "县政务公开办", ""],
    ["报告审定", "各单位主要负责人\n（分管负责人协助）", "2023年1月20日"],
    ["", "", ""],
]


def _field(instruction: str, result: str) -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:t>{result}</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


NOTICE_BLOCKS = [
    _W_PARAGRAPH.format("附件：年度报告编制任务分工表"),
    "<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>"
    + "".join(
        "<w:tr>"
        + "".join(
            _W_TABLE_CELL.format("".join(_W_PARAGRAPH.format(p) for p in cell.split("\n")))
            for cell in row
        )
        + "</w:tr>"
        for row in NOTICE_TABLE
    )
    + "</w:tbl>",
    '<w:p><w:r><w:t xml:space="preserve">联系人：王𠮷，网址：</w:t></w:r>'
    + _field('HYPERLINK "http://www.qingshan.example.gov.cn/"', "青山县人民政府门户网站")
    + "</w:p>",
    "<w:p><w:r><w:t>本通知共</w:t></w:r>"
    + _field("NUMPAGES", "1")
    + "<w:r><w:t>页。</w:t></w:r></w:p>",
]

# Runs of characters that Word stores 8-bit (cp1252 has five unassigned bytes).
_CP1252_RUN = re.compile(
    "([{}]{{2,}})".format(
        re.escape(
            bytes(b for b in range(256) if b not in {0x81, 0x8D, 0x8F, 0x90, 0x9D}).decode("cp1252")
        )
    )
)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory of the test's own for LibreOffice's work directories,
    so a test can see that none is left behind."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    return scratch


@pytest.fixture
def without_soffice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(legacy, "find_soffice", lambda: None)


@pytest.fixture
def older_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process reader refuses every file, as it does a Word 6.0/95 one."""

    def refuse(data: bytes) -> Extraction:
        raise legacy.OlderFormat("a file the in-process reader refuses (test)")

    monkeypatch.setattr(legacy, "read_word97", refuse)


def build_word97(
    path: Path, text: str, *, nfib: int = legacy.NFIB_WORD97, encrypted: bool = False
) -> Path:
    """A minimal Word 97 binary of ``text`` (paragraphs end in \\r): the FIB, the text
    and the piece table, no formatting; enough for the reader, not for Word. Runs of
    two or more cp1252 characters are stored compressed (8-bit), the rest as UTF-16,
    so the text lies in many pieces of both kinds, as in a file Word saved quickly."""
    text_at = 0x800  # past the FIB
    runs = [(run, bool(_CP1252_RUN.fullmatch(run))) for run in _CP1252_RUN.split(text) if run]
    stored, cps, fcs = b"", [0], []
    for run, compressed in runs:
        offset = text_at + len(stored)
        fcs.append(offset * 2 | 0x40000000 if compressed else offset)
        stored += run.encode("cp1252" if compressed else "utf-16-le", "surrogatepass")
        cps.append(cps[-1] + len(run.encode("utf-16-le", "surrogatepass")) // 2)
    flags = 0x0200 | (0x0100 if encrypted else 0)  # fWhichTblStm (1Table), fEncrypted
    counts = [0] * 22
    counts[3] = cps[-1]  # ccpText
    pairs = [0] * (2 * 93)
    clx = b"\x02" + struct.pack(f"<I{len(cps)}i", 4 * len(cps) + 8 * len(fcs), *cps)
    clx += b"".join(struct.pack("<HIH", 0, fc, 0) for fc in fcs)
    pairs[2 * 33 : 2 * 33 + 2] = [0, len(clx)]  # fcClx, lcbClx
    fib = struct.pack("<6H", 0xA5EC, nfib, 0, 0x0804, 0, flags).ljust(32, b"\0")
    fib += struct.pack("<H", 14) + bytes(28) + struct.pack("<H22i", 22, *counts)
    fib += struct.pack(f"<H{len(pairs)}I", 93, *pairs) + struct.pack("<H", 0)
    return build_ole2(path, {"WordDocument": fib.ljust(text_at, b"\0") + stored, "1Table": clx})


def _seed_as_doc(seeds: Path, stem: str, directory: Path) -> Path:
    """The seed's text (as read from its .txt) in a .doc of its own."""
    text = extract(seeds / f"{stem}.txt").text
    return build_word97(directory / f"{stem}.doc", text.replace("\n", "\r") + "\r")


def convert_to_doc(soffice: str, sources: list[Path], directory: Path) -> None:
    """LibreOffice's .doc of each of ``sources``, written to ``directory``."""
    profile = f"-env:UserInstallation={(directory / 'profile').as_uri()}"
    convert = [soffice, "--headless", "--norestore", profile, "--convert-to", "doc"]
    subprocess.run(
        [*convert, "--outdir", str(directory), *map(str, sources)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    shutil.rmtree(directory / "profile")


# --- the in-process reader ----------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(STATED))
def test_a_seed_as_doc_reads_like_its_text_with_its_metadata(
    seeds: Path, stem: str, tmp_path: Path
) -> None:
    plain = extract(seeds / f"{stem}.txt")

    extraction = extract(_seed_as_doc(seeds, stem, tmp_path))

    assert (extraction.format, extraction.status) == ("doc", DocumentStatus.FILED)
    assert extraction.text == plain.text
    metadata = parse_metadata(extraction.text)
    assert metadata == parse_metadata(plain.text)
    stated = {key: value for key, value in STATED[stem].items() if key != "attribute"}
    assert {key: getattr(metadata, key) for key in stated} == stated


def test_the_wuhai_notice_as_doc_gives_number_title_and_date(seeds: Path, tmp_path: Path) -> None:
    metadata = parse_metadata(extract(_seed_as_doc(seeds, "wuhai-2007-demo-sites", tmp_path)).text)

    assert metadata.doc_number == "乌海政办发〔2007〕55号"
    assert metadata.title is not None and "示范点建设工作方案" in metadata.title
    assert metadata.issue_date is not None and metadata.issue_date.isoformat() == "2007-12-28"


def _notice_docx(directory: Path) -> Path:
    """The .docx that notice.doc was converted from."""
    return build_docx(
        directory / "notice.docx",
        NOTICE_BODY,
        header=NOTICE_HEADER,
        footer=NOTICE_FOOTER,
        footnote=NOTICE_FOOTNOTE,
        xml_blocks=NOTICE_BLOCKS,
    )


def test_a_libreoffice_doc_reads_as_the_docx_it_was_made_from(tmp_path: Path) -> None:
    assert extract(NOTICE_DOC).text == extract(_notice_docx(tmp_path)).text


def test_a_libreoffice_doc_reads_headers_body_table_fields_notes_then_footers() -> None:
    extraction = extract(NOTICE_DOC)

    assert sniff(NOTICE_DOC.read_bytes()) == "doc"
    assert (extraction.format, extraction.status, extraction.warnings) == (
        "doc",
        DocumentStatus.FILED,
        (),
    )
    lines = extraction.text.split("\n")
    assert lines[0] == NOTICE_HEADER, "headers come first"
    assert lines[-1] == NOTICE_FOOTER, "footers come last"
    assert lines.index(NOTICE_BODY[0]) < lines.index(NOTICE_BODY[-1]) < lines.index(NOTICE_FOOTNOTE)
    for paragraph in NOTICE_BODY:
        assert paragraph in lines
    table = lines[lines.index("附件：年度报告编制任务分工表") + 1 :][:3]
    assert table == [
        "事项\t责任单位\t完成时限",
        "数据统计\t县政务公开办",  # the empty last cell's tab goes with trailing blanks
        "报告审定\t各单位主要负责人 （分管负责人协助）\t2023年1月20日",
    ], "a row per line, cells by a tab, an empty cell kept, the empty row dropped"
    assert "联系人：王𠮷，网址：青山县人民政府门户网站" in lines, "a field's result, a non-BMP name"
    assert "本通知共1页。" in lines
    assert "HYPERLINK" not in extraction.text and "NUMPAGES" not in extraction.text


def test_the_metadata_of_a_libreoffice_doc() -> None:
    metadata = parse_metadata(extract(NOTICE_DOC).text)

    assert metadata.doc_number == "青政办发〔2023〕12号"
    assert metadata.title == NOTICE_BODY[2]
    assert metadata.issue_date is not None and metadata.issue_date.isoformat() == "2023-01-05"


def test_a_wps_file_is_a_doc_under_another_name(tmp_path: Path) -> None:
    wps = tmp_path / "通知.wps"
    shutil.copy(NOTICE_DOC, wps)

    assert extract(wps) == extract(NOTICE_DOC)


def test_a_doc_holding_only_a_scan_needs_ocr() -> None:
    extraction = extract(PICTURE_DOC)

    assert (extraction.text, extraction.status) == ("", DocumentStatus.NEEDS_OCR)


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _without_table_stream(data: bytes) -> bytes:
    return data.replace("1Table".encode("utf-16-le"), "9Table".encode("utf-16-le"))


UNREADABLE = {
    "truncated": (lambda d: _truncated(NOTICE_DOC.read_bytes()), "corrupt"),
    "first sectors only": (lambda d: NOTICE_DOC.read_bytes()[:1536], "corrupt"),
    "no table stream": (lambda d: _without_table_stream(NOTICE_DOC.read_bytes()), "corrupt"),
    "password-protected by LibreOffice": (lambda d: PROTECTED_DOC.read_bytes(), "encrypted"),
    "unknown version": (
        lambda d: build_ole2(d / "x", {"WordDocument": b"\xec\xa5"}).read_bytes(),
        "unsupported",
    ),
}


@pytest.mark.parametrize("case", UNREADABLE)
def test_unreadable_docs_raise_with_a_reason_and_never_call_libreoffice(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, reason = UNREADABLE[case]
    path = tmp_path / "a.doc"
    path.write_bytes(make(tmp_path))
    monkeypatch.setattr(legacy, "find_soffice", lambda: pytest.fail("LibreOffice was asked"))

    with pytest.raises(ExtractionError) as caught:
        extract(path)

    assert caught.value.reason == reason
    assert "a.doc" in str(caught.value)


def test_the_encrypted_flag_alone_is_refused(tmp_path: Path) -> None:
    path = build_word97(tmp_path / "a.doc", "机密。\r", encrypted=True)

    with pytest.raises(ExtractionError, match="password-protected") as caught:
        extract(path)

    assert caught.value.reason == "encrypted"


def test_a_piece_table_pointing_past_the_text_is_corrupt(tmp_path: Path) -> None:
    path = build_word97(tmp_path / "a.doc", "正文。\r")
    first_piece = struct.pack("<HIH", 0, 0x800, 0)  # a Pcd: the text begins at byte 0x800
    path.write_bytes(path.read_bytes().replace(first_piece, struct.pack("<HIH", 0, 0x7FFF00, 0)))

    with pytest.raises(ExtractionError, match="beyond its end") as caught:
        extract(path)

    assert caught.value.reason == "corrupt"


def test_damaged_bytes_give_text_or_an_extraction_error_never_another_exception(
    without_soffice: None,
) -> None:
    rng = random.Random(9704)
    original = NOTICE_DOC.read_bytes()
    for _ in range(300):
        damaged = bytearray(original)
        for _ in range(rng.choice([1, 8, 64])):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        with contextlib.suppress(ExtractionError):  # the reason is what it is; no other error
            legacy.extract(bytes(damaged))


# --- where the in-process reader stops: LibreOffice or needs_conversion -----------------


def test_a_word95_doc_without_libreoffice_needs_conversion(
    tmp_path: Path, without_soffice: None
) -> None:
    path = build_word97(tmp_path / "a.doc", "正文。\r", nfib=0x68)

    extraction = extract(path)

    assert (extraction.text, extraction.status) == ("", DocumentStatus.NEEDS_CONVERSION)
    (warning,) = extraction.warnings
    assert "Word 6.0/95" in warning and "libreoffice-writer-nogui" in warning


def test_a_doc_needing_conversion_is_filed_with_that_status(
    archive: Archive, tmp_path: Path, without_soffice: None
) -> None:
    path = build_word97(tmp_path / "旧通知.doc", "正文。\r", nfib=0x68)

    (outcome,) = archive.ingest_files([path])

    assert outcome.document_id is not None, outcome.to_dict()
    with archive.sessions() as session:
        document = session.scalars(select(Document)).one()
        assert (document.format, document.status) == ("doc", DocumentStatus.NEEDS_CONVERSION.value)
        assert document.text == ""
        original = archive.settings.home / document.original_path
    assert original.read_bytes() == path.read_bytes(), "the original is filed unchanged"


@pytest.mark.parametrize("name", ["通知.doc", "通知.wps"])
def test_a_doc_or_wps_is_ingested_and_filed(archive: Archive, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    shutil.copy(NOTICE_DOC, path)

    (outcome,) = archive.ingest_files([path])

    assert outcome.document_id is not None, outcome.to_dict()
    with archive.sessions() as session:
        document = session.scalars(select(Document)).one()
        assert (document.format, document.status) == ("doc", DocumentStatus.FILED.value)
        assert document.doc_number == "青政办发〔2023〕12号"
        assert document.issue_date is not None and document.issue_date.isoformat() == "2023-01-05"
        assert [source.file_name for source in document.sources] == [name]


def test_libreoffice_reads_what_the_reader_refuses(
    soffice: str, scratch: Path, older_format: None
) -> None:
    extraction = extract(NOTICE_DOC)

    assert (extraction.format, extraction.status) == ("doc", DocumentStatus.FILED)
    assert NOTICE_BODY[1] in extraction.text and "青山县人民政府门户网站" in extraction.text
    assert extraction.warnings == (
        "a file the in-process reader refuses (test): read by LibreOffice",
    )
    assert list(scratch.iterdir()) == [], "its profile and files are removed"


def test_concurrent_libreoffice_conversions_do_not_collide(
    soffice: str, scratch: Path, older_format: None
) -> None:
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(extract, [NOTICE_DOC] * 4))

    assert {result.status for result in results} == {DocumentStatus.FILED}
    assert len({result.text for result in results}) == 1
    assert NOTICE_BODY[1] in results[0].text
    assert list(scratch.iterdir()) == []


def test_libreoffice_doc_of_every_seed_reads_like_its_docx(
    soffice: str, seeds: Path, tmp_path: Path
) -> None:
    sources = sorted(seeds.glob("*.docx"))
    convert_to_doc(soffice, sources, tmp_path)

    for source in sources:
        doc = tmp_path / f"{source.stem}.doc"
        assert extract(doc).text == extract(source).text, source.name


def _fake_soffice(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "soffice"
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(0o755)
    return script


# A stand-in that writes the text LibreOffice would and logs when it ran.
_CONVERTING = """
import sys, time
from pathlib import Path
args = sys.argv[1:]
log = Path(__file__).with_name("runs.log")
with log.open("a") as out:
    out.write(f"{time.monotonic()} 1\\n")
time.sleep(0.3)
source = Path(args[-1])
Path(args[args.index("--outdir") + 1], source.stem + ".txt").write_text("\\ufeff转换后的正文\\n")
with log.open("a") as out:
    out.write(f"{time.monotonic()} -1\\n")
"""
# Hangs like a stuck LibreOffice, in a child process that holds the output pipe open.
_HANGING = "import subprocess\nsubprocess.run(['sleep', '30'])\n"
_FAILING = "print('Error: source file could not be loaded')\nraise SystemExit(1)\n"


def test_at_most_a_few_conversions_run_at_once(
    tmp_path: Path, scratch: Path, older_format: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _fake_soffice(tmp_path, _CONVERTING)
    monkeypatch.setattr(legacy, "find_soffice", lambda: str(fake))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(extract, [NOTICE_DOC] * 4))

    assert [result.text for result in results] == ["转换后的正文"] * 4
    log = (tmp_path / "runs.log").read_text().split()
    events = sorted(
        (float(at), int(change)) for at, change in zip(log[::2], log[1::2], strict=True)
    )
    running = list(itertools.accumulate(change for _, change in events))
    assert max(running) == legacy.SOFFICE_CONCURRENCY
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize(
    ("behaviour", "warning"),
    [
        (_HANGING, "did not convert it within 0.5 s"),
        (_FAILING, "could not convert it (exit 1: Error: source file could not be loaded)"),
    ],
    ids=["hangs", "fails"],
)
def test_a_libreoffice_that_hangs_or_fails_leaves_the_doc_needing_conversion(
    tmp_path: Path,
    scratch: Path,
    older_format: None,
    monkeypatch: pytest.MonkeyPatch,
    behaviour: str,
    warning: str,
) -> None:
    fake = _fake_soffice(tmp_path, behaviour)
    monkeypatch.setattr(legacy, "find_soffice", lambda: str(fake))
    monkeypatch.setattr(legacy, "SOFFICE_TIMEOUT", 0.5)
    started = time.monotonic()

    extraction = extract(NOTICE_DOC)

    assert time.monotonic() - started < 10, "the hung process group was killed, not waited for"
    assert (extraction.text, extraction.status) == ("", DocumentStatus.NEEDS_CONVERSION)
    assert warning in extraction.warnings[0]
    assert list(scratch.iterdir()) == [], "no profile directory is left behind"


# --- regenerating the fixtures ----------------------------------------------------------


def make_fixtures(soffice: str, work: Path) -> list[Path]:
    """notice.doc and picture.doc, converted by LibreOffice from .docx built here."""
    sources = [_notice_docx(work), build_docx(work / "picture.docx", [], scan=True)]
    convert_to_doc(soffice, sources, work)
    made = [DATA / f"{source.stem}.doc" for source in sources]
    for path in made:
        shutil.copy(work / path.name, path)
    return made


if __name__ == "__main__":  # .venv/bin/python -m tests.test_extract_legacy
    found = legacy.find_soffice()
    if found is None:
        raise SystemExit("LibreOffice (soffice) is needed to make the fixtures")
    DATA.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch_dir:
        for made in make_fixtures(found, Path(scratch_dir)):
            print(made, made.stat().st_size, "bytes")
