"""GB/T 9704 metadata read from text: the seeds, the dev documents, and each variant."""

from __future__ import annotations

import random
import time
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from engine.codes import Attribute
from engine.metadata import (
    DocumentMetadata,
    canonical_doc_number,
    parse_chinese_date,
    parse_metadata,
)
from engine.text import normalize_text


def read(text: str) -> DocumentMetadata:
    return parse_metadata(normalize_text(text))


def assert_reasons_complete(metadata: DocumentMetadata) -> None:
    """Every field left None says why."""
    for item in fields(metadata):
        if item.name != "unread" and getattr(metadata, item.name) is None:
            assert metadata.unread.get(item.name), item.name


@pytest.fixture(scope="session")
def dev_docs(corpus: Path) -> Path:
    return corpus / "dev" / "docs"


def read_file(path: Path) -> tuple[str, DocumentMetadata]:
    text = normalize_text(path.read_text(encoding="utf-8"))
    return text, parse_metadata(text)


# --- The seeds --------------------------------------------------------------


def test_wuhai_notice_with_the_number_after_its_title(seeds: Path) -> None:
    _, metadata = read_file(seeds / "wuhai-2007-demo-sites.txt")
    assert metadata.doc_number == "乌海政办发〔2007〕55号"
    assert metadata.issue_date == date(2007, 12, 28)  # 二○○七年十二月二十八日
    assert metadata.issuer == "乌海市人民政府办公厅"
    assert metadata.doc_kind == "通知"
    assert (
        metadata.title == "乌海市人民政府办公厅关于印发《乌海市政务公开示范点建设工作方案》的通知"
    )
    assert metadata.recipients == "各区人民政府，市府各部门，各企事业单位"
    assert_reasons_complete(metadata)


def test_wuhai_gb18030_copy_reads_the_same(seeds: Path) -> None:
    raw = (seeds / "wuhai-2007-demo-sites.gb18030.txt").read_bytes().decode("gb18030")
    _, utf8 = read_file(seeds / "wuhai-2007-demo-sites.txt")
    assert read(raw) == utf8


def test_wulanchabu_ascii_zeros_in_the_date(seeds: Path) -> None:
    _, metadata = read_file(seeds / "wulanchabu-2005-ten-rules.txt")
    assert metadata.issue_date == date(2005, 11, 11)  # 二00五年十一月十一日
    assert metadata.recipients == "各旗县市区政务公开领导小组、市直各单位"
    assert metadata.title is None  # the text opens with its 主送机关
    assert_reasons_complete(metadata)


def test_erlianhaote_web_capture(seeds: Path) -> None:
    _, metadata = read_file(seeds / "erlianhaote-2014-plan.txt")
    assert metadata.title == "二连浩特市深化政务公开和加强政务服务工作实施方案"
    assert metadata.published_date == date(2014, 6, 6)
    assert metadata.issue_date == date(2014, 5, 23)
    assert metadata.doc_kind == "方案"
    assert metadata.issuer == "二连浩特市政务公开办"  # from 来源: nothing better
    assert metadata.doc_number is None
    assert "cites" in metadata.unread["doc_number"]
    assert_reasons_complete(metadata)


def test_keyouqianqi_capture_with_marking(seeds: Path) -> None:
    text, metadata = read_file(seeds / "keyouqianqi-2021-rules.txt")
    assert metadata.title == "科右前旗政务公开工作制度规范"
    assert metadata.published_date == date(2021, 3, 26)
    assert metadata.issue_date is None
    assert "only a 发布日期" in metadata.unread["issue_date"]
    assert metadata.marking is Attribute.PROACTIVE
    assert metadata.marking_text is not None
    assert metadata.marking_text in text
    assert "此件公开发布" in metadata.marking_text  # written with half-width brackets here
    assert_reasons_complete(metadata)


def test_baoding_date_that_lost_a_character_is_not_guessed(seeds: Path) -> None:
    _, metadata = read_file(seeds / "baoding-2011-four-rules.txt")
    assert metadata.issue_date is None
    assert "二一年一月二十六日" in metadata.unread["issue_date"]
    assert "unreadable" in metadata.unread["issue_date"]
    assert metadata.issuer == "保定市人民政府办公厅"
    assert metadata.doc_kind == "通知"
    assert_reasons_complete(metadata)


# --- The dev documents ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "d28.txt",
            {
                "secrecy_level": "秘密",
                "secrecy_period": "1年",
                "urgency": "特急",
                "copy_number": "000023",
                "doc_number": "泸府办发〔2023〕19号",
                "issuer": "泸源县人民政府办公室",
                "title": "泸源县人民政府办公室"
                "关于做好2023年初中学业水平考试试卷保管和押运工作的通知",
                "recipients": "县教育局、县公安局、县保密局、各考点学校",
                "issue_date": date(2023, 6, 5),
                "doc_kind": "通知",
                "marking": None,  # （此件发至收文单位，不得翻印） states no 公开属性
            },
        ),
        (
            "d22.txt",
            {
                "doc_number": "澄住建〔2022〕47号",
                "signer": "邓立新",
                "doc_kind": "请示",
                "issuer": "澄江区住房和城乡建设局",
                "title": "关于追加2022年度老旧城区排水管网改造资金的请示",
                "recipients": "区人民政府",
                "issue_date": date(2022, 6, 8),
                "secrecy_level": None,
            },
        ),
        (
            "d02.txt",
            {
                "doc_number": "共政办〔2022〕352号",  # the body cites 国办发〔2022〕2号 after it
                "title": "共和县人民政府办公室关于全面实行行政许可事项清单管理的通知",
                "issuer": "共和县人民政府办公室",
                "recipients": "各乡镇人民政府，县政府各部门",
                "issue_date": date(2022, 10, 20),
            },
        ),
        (
            "d04.txt",
            {
                "doc_number": "梅政纪〔2022〕23号",
                "doc_kind": "纪要",
                "issuer": "梅岭县人民政府",
                # 二〇二二年四月二十一日 in the signature, not the 十九日 of the first line
                "issue_date": date(2022, 4, 21),
                "marking": Attribute.ON_REQUEST,
            },
        ),
        (
            "d15.txt",
            {
                "title": "嘉宁县卫生健康局转发市卫生健康委关于做好2022年度县级医院骨干医师"
                "进修选派工作的通知",
                "issuer": "嘉宁县卫生健康局",
                "doc_number": "嘉卫发〔2022〕26号",
                "doc_kind": "通知",
            },
        ),
        (
            "d21.txt",
            {
                "doc_number": "南环函〔2021〕86号",
                "doc_kind": "函",
                "issuer": "南岭市生态环境局",
                "recipients": "市城市管理局",
                "marking": Attribute.WITHHELD,
                "marking_text": "（此件不予公开）",
            },
        ),
        (
            "d03.txt",
            {
                "title": "东阳市人民政府办公室关于印发《东阳市促进残疾人就业行动实施方案"
                "（2023—2025年）》的通知",
                "doc_kind": "通知",
                "issue_date": date(2023, 3, 13),
                "marking": Attribute.PROACTIVE,
                "doc_number": None,
            },
        ),
        ("d20.txt", {"doc_number": "桐综执立〔2023〕第0217号", "issuer": "桐庐县综合行政执法局"}),
        ("d27.txt", {"doc_kind": "函", "doc_number": "澜应急函〔2021〕33号"}),
        ("d06.txt", {"doc_kind": "公报", "issuer": "丹寨县统计局", "issue_date": None}),
    ],
)
def test_dev_documents(dev_docs: Path, name: str, expected: dict[str, object]) -> None:
    _, metadata = read_file(dev_docs / name)
    assert {key: getattr(metadata, key) for key in expected} == expected
    assert_reasons_complete(metadata)


def test_dev_document_with_only_a_month(dev_docs: Path) -> None:
    _, metadata = read_file(dev_docs / "d06.txt")
    assert metadata.unread["issue_date"] == "the date has no day: 2016年4月"


def test_dev_document_citing_numbers_only_in_the_body(dev_docs: Path) -> None:
    _, metadata = read_file(dev_docs / "d31.txt")
    assert metadata.doc_number is None
    assert "皖政办〔2020〕10号" in metadata.unread["doc_number"]


def test_every_corpus_document_is_read_fast_and_fully_explained(
    seeds: Path, dev_docs: Path
) -> None:
    for path in [*sorted(seeds.glob("*.txt")), *sorted(dev_docs.glob("*.txt"))]:
        if "gb18030" in path.name:
            continue
        _, metadata = read_file(path)
        assert_reasons_complete(metadata)
        assert DocumentMetadata.from_dict(metadata.to_dict()) == metadata


# --- Variants, as small strings ---------------------------------------------

HEADER = (
    "某市人民政府办公室文件\n\n{number}\n\n关于做好某项工作的通知\n\n各乡镇人民政府：\n　　正文。"
)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("乌海政办发〔2007〕55号", "乌海政办发〔2007〕55号"),
        ("泸府办发[2023]19号", "泸府办发〔2023〕19号"),
        ("泸府办发［2023］19号", "泸府办发〔2023〕19号"),
        ("澄住建(2022)47号", "澄住建〔2022〕47号"),
        ("澄住建（2022）47号", "澄住建〔2022〕47号"),
        ("澄住建【2022】47号", "澄住建〔2022〕47号"),
        ("国办发 〔2019〕 1 号", "国办发〔2019〕1号"),
        ("桐综执立〔2023〕第0217号", "桐综执立〔2023〕第0217号"),
    ],
)
def test_doc_number_brackets(written: str, canonical: str) -> None:
    assert canonical_doc_number(written) == canonical
    metadata = read(HEADER.format(number=written))
    assert metadata.doc_number == canonical
    assert metadata.issuer == "某市人民政府办公室"


@pytest.mark.parametrize("written", ["乌海政办发2007〕55号", "55号", "关于某事的通知", ""])
def test_not_a_doc_number(written: str) -> None:
    assert canonical_doc_number(written) is None


def test_doc_number_with_signer_on_the_same_line() -> None:
    metadata = read(HEADER.format(number="澄住建〔2022〕47号　　　　　　签发人：邓立新"))
    assert (metadata.doc_number, metadata.signer) == ("澄住建〔2022〕47号", "邓立新")


def test_doc_number_bracketed_after_the_title() -> None:
    metadata = read("某市人民政府关于某事的通知（某政发〔2020〕3号）\n\n各区：\n正文。")
    assert metadata.doc_number == "某政发〔2020〕3号"
    assert metadata.title == "某市人民政府关于某事的通知"


def test_doc_number_cited_in_the_body_is_not_the_documents() -> None:
    metadata = read(
        "关于某事的通知\n\n各单位：\n　　根据《某某办法》(国办发〔2019〕1号)，现通知如下。\n\n"
        "某局\n2020年1月2日"
    )
    assert metadata.doc_number is None
    assert "国办发〔2019〕1号" in metadata.unread["doc_number"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("二〇〇七年十二月二十八日", date(2007, 12, 28)),
        ("二○○七年十二月二十八日", date(2007, 12, 28)),  # U+25CB
        ("二OO七年十二月二十八日", date(2007, 12, 28)),
        ("二00五年十一月十一日", date(2005, 11, 11)),
        ("二零零五年十一月十一日", date(2005, 11, 11)),
        ("二〇二〇年十月十日", date(2020, 10, 10)),
        ("二〇二〇年一月二十日", date(2020, 1, 20)),
        ("二〇二〇年十二月三十一日", date(2020, 12, 31)),
        ("二〇一一年元月五日", date(2011, 1, 5)),
        ("2021年3月26日", date(2021, 3, 26)),
        ("2021年03月26日", date(2021, 3, 26)),
        ("2014-06-06", date(2014, 6, 6)),
        ("二一年一月二十六日", None),  # a lost character: the year is not guessed
        ("2021年2月30日", None),
        ("2016年4月", None),
        ("一二三四年五月六日", None),
        ("明天", None),
    ],
)
def test_parse_chinese_date(written: str, expected: date | None) -> None:
    assert parse_chinese_date(written) == expected


@pytest.mark.parametrize(
    ("closing", "expected"),
    [
        ("某局\n二〇〇七年十二月二十八日", date(2007, 12, 28)),
        ("某局\n二00五年十一月十一日", date(2005, 11, 11)),
        ("某局\n2021年3月26日", date(2021, 3, 26)),
        ("某局\n2014-06-06", date(2014, 6, 6)),
        ("某局　　　　2021年3月26日", date(2021, 3, 26)),
        ("请遵照执行。二〇一一年一月二十六日3附件", date(2011, 1, 26)),  # PDF run-on
    ],
)
def test_issue_date_in_the_signature_area(closing: str, expected: date) -> None:
    text = (
        f"关于某事的通知\n\n各单位：\n　　2020年5月1日起，某事于2020年6月30日前办结。\n\n{closing}"
    )
    assert read(text).issue_date == expected


def test_dates_inside_sentences_are_not_the_issue_date() -> None:
    metadata = read("关于某事的通知\n\n各单位：\n　　2020年5月1日起施行，截至2020年6月30日。")
    assert metadata.issue_date is None
    assert metadata.unread["issue_date"] == "no 成文日期 found"


def test_unreadable_year_is_reported_not_guessed() -> None:
    metadata = read("正文。\n\n某局\n二一年一月二十六日")
    assert metadata.issue_date is None
    assert metadata.unread["issue_date"] == "year of the date is unreadable: 二一年一月二十六日"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("发布日期:2014-06-06 16:45", date(2014, 6, 6)),
        ("发布日期:2021年03月26日 10:02", date(2021, 3, 26)),
        ("发布时间：2022-01-05", date(2022, 1, 5)),
    ],
)
def test_published_date_is_not_copied_to_the_issue_date(line: str, expected: date) -> None:
    metadata = read(f"某某工作制度\n\n来源:某局  {line}\n\n　　第一条 为规范工作，制定本制度。")
    assert metadata.published_date == expected
    assert metadata.issue_date is None
    assert metadata.unread["issue_date"].startswith("only a 发布日期")
    assert metadata.title == "某某工作制度"


def test_labelled_issue_date_of_a_capture() -> None:
    metadata = read("关于某事的通知\n\n成文日期：2021-03-20\n发布日期：2021-03-26\n\n正文。")
    assert (metadata.issue_date, metadata.published_date) == (date(2021, 3, 20), date(2021, 3, 26))


@pytest.mark.parametrize(
    ("marking", "attribute"),
    [
        ("（此件公开发布）", Attribute.PROACTIVE),
        ("（此件主动公开）", Attribute.PROACTIVE),
        ("(此件公开发布)", Attribute.PROACTIVE),
        ("（此件依申请公开）", Attribute.ON_REQUEST),
        ("(此件依申请公开)", Attribute.ON_REQUEST),
        ("（此件不予公开）", Attribute.WITHHELD),
    ],
)
def test_marking(marking: str, attribute: Attribute) -> None:
    metadata = read(f"关于某事的通知\n\n各单位：\n　　正文。\n\n某局\n2021年3月26日\n\n{marking}")
    assert (metadata.marking, metadata.marking_text) == (attribute, marking)


def test_marking_quoted_in_prose_is_not_a_marking() -> None:
    metadata = read("关于标注公开属性的通知\n\n各单位：\n　　文末标注“（此件公开发布）”字样。")
    assert metadata.marking is None


def test_other_bracketed_note_is_not_a_marking() -> None:
    metadata = read("关于某事的通知\n\n各单位：\n　　正文。\n\n（此件发至县级）")
    assert metadata.marking is None
    assert "（此件发至县级）" in metadata.unread["marking"]


@pytest.mark.parametrize(
    ("header", "level", "period"),
    [
        ("秘密★1年", "秘密", "1年"),
        ("秘密 ★ 1年", "秘密", "1年"),
        ("机密★6个月", "机密", "6个月"),
        ("绝密★长期", "绝密", "长期"),
        ("机密", "机密", None),
    ],
)
def test_secrecy_marking(header: str, level: str, period: str | None) -> None:
    metadata = read(f"{header}\n\n某市人民政府文件\n\n关于某事的通知\n\n各单位：\n正文。")
    assert (metadata.secrecy_level, metadata.secrecy_period) == (level, period)
    assert_reasons_complete(metadata)


@pytest.mark.parametrize(
    "text",
    [
        "关于保守国家秘密的通知\n\n各单位：\n　　要保守国家秘密，保护商业秘密。",
        "关于某事的通知\n\n各单位：\n　　第一条 正文。\n秘密★1年\n" + "正文。\n" * 10,
    ],
)
def test_secrecy_words_in_prose_are_not_a_marking(text: str) -> None:
    metadata = read(text)
    assert metadata.secrecy_level is None
    assert metadata.unread["secrecy_level"] == "not marked"


def test_copy_number_and_urgency() -> None:
    metadata = read("000023\n秘密★1年\n加急\n\n某局文件\n\n关于某事的通知\n\n各单位：\n正文。")
    assert (metadata.copy_number, metadata.urgency, metadata.issuer) == ("000023", "加急", "某局")


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("某县人民政府关于印发《某某办法》的通知", "通知"),
        ("转发市卫生健康委关于某事的通知", "通知"),
        ("关于追加资金的请示", "请示"),
        ("某市深化政务公开工作实施方案", "方案"),
        ("关于某事的复函", "函"),
        ("关于某事的反馈意见函", "函"),
        ("某项目推进会议纪要", "纪要"),
        ("某区村级干部管理办法（试行）", "办法"),
        ("关于某事的批复", "批复"),
        ("某县统计公报", "公报"),
        ("关于表彰先进的决定", "决定"),
        ("某某情况公示", None),
    ],
)
def test_doc_kind(title: str, kind: str | None) -> None:
    metadata = read(f"{title}\n\n各单位：\n　　正文。")
    assert metadata.title == title
    assert metadata.doc_kind == kind
    if kind is None:
        assert "文种" in metadata.unread["doc_kind"]


def test_title_over_two_lines_with_issuer_above() -> None:
    metadata = read(
        "某县人民政府办公室\n关于全面实行清单管理的通知\n\n某政办〔2022〕3号\n\n各乡镇：\n正文。"
    )
    assert metadata.title == "某县人民政府办公室关于全面实行清单管理的通知"
    assert metadata.issuer == "某县人民政府办公室"
    assert metadata.recipients == "各乡镇"


def test_title_wrapped_inside_the_book_title_marks() -> None:
    metadata = read(
        "某市人民政府办公厅关于印发《某市政务公开示范点建设工作方案\n"
        "》的通知（某政办发〔2007〕55号）\n各区人民政府：\n正文。"
    )
    assert metadata.title == "某市人民政府办公厅关于印发《某市政务公开示范点建设工作方案》的通知"
    assert (metadata.doc_kind, metadata.doc_number) == ("通知", "某政办发〔2007〕55号")
    assert metadata.recipients == "各区人民政府"


def test_issuer_from_the_signature() -> None:
    metadata = read("某某年度报告\n\n　　正文。\n\n某县发展和改革局\n2023年1月5日")
    assert metadata.issuer == "某县发展和改革局"


# --- Robustness and speed ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n\t",
        "\x00\x01\ufffd\ud800",
        bytes(range(256)).decode("latin-1"),
        "〔〕[]()（）年月日号：:★" * 50,
        "（" * 5000 + "此件" + "）" * 5000,
        "二" * 10000 + "年" + "十" * 1000,
        "关于" * 3000,
        "\u3000" * 20000 + "2021年3月26日",
        "\n" * 100000,
        "乌海政办发〔2007〕55号" * 1000,
    ],
)
def test_odd_inputs_never_raise(text: str) -> None:
    metadata = parse_metadata(text)
    assert_reasons_complete(metadata)
    assert DocumentMetadata.from_dict(metadata.to_dict()) == metadata


def test_random_inputs_never_raise() -> None:
    alphabet = list("〔〕[]()（）年月日号：:★秘密此件公开关于的通知局文件签发人")
    alphabet += list("〇一二三十0123456789 \n\u3000\ue004")
    generator = random.Random(9704)
    for _ in range(300):
        text = "".join(generator.choices(alphabet, k=generator.randint(0, 400)))
        assert_reasons_complete(parse_metadata(text))


def test_empty_text_says_so() -> None:
    metadata = parse_metadata("")
    assert metadata.unread["doc_number"] == "empty text"
    assert metadata.issue_date is None


def test_speed() -> None:
    paragraph = "　　根据《某某办法》（国办发〔2019〕1号），2020年5月1日起施行，请遵照执行。\n"
    text = normalize_text(HEADER.format(number="某政办发〔2023〕19号") + paragraph * 120)
    text = text[:5000] + "\n\n某市人民政府办公室\n2023年6月5日\n\n（此件公开发布）"
    timings = []
    for _ in range(20):
        start = time.perf_counter()
        metadata = parse_metadata(text)
        timings.append(time.perf_counter() - start)
    assert metadata.issue_date == date(2023, 6, 5)
    assert min(timings) < 0.005

    start = time.perf_counter()
    parse_metadata(text * 200)  # about 1 MB
    assert time.perf_counter() - start < 1.0


def test_a_files_properties_fill_only_what_its_text_left_unread() -> None:
    from engine.metadata import with_properties

    text = "关于做好2026年政府信息公开工作的通知\n各旗县区人民政府：\n正文。"
    read = parse_metadata(text)
    assert read.doc_number is None
    filled = with_properties(
        read,
        {"发文字号": "乌海政办发[2026]5号", "Title": "别的标题", "CreationDate": "2026-01-05"},
    )
    assert filled.doc_number == "乌海政办发〔2026〕5号"
    assert filled.title == read.title  # the text states it: the text wins
    assert filled.issue_date == read.issue_date  # a file's CreationDate is no 成文日期
    assert "doc_number" not in filled.unread
    assert with_properties(read, {}) is read
