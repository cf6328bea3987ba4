"""The classifier: the rule table walked, the safety rules, personal data, 保密期限,
the JSON contract, the labelled dev set and learning from staff decisions."""

from __future__ import annotations

import csv
import json
import random
import re
import statistics
import time
from datetime import date
from pathlib import Path

import pytest

from engine.classify import (
    HINTS,
    MIN_TRAINING_SAMPLES,
    RULES,
    Classification,
    Hint,
    NotEnoughData,
    RedactionKind,
    ReviewCause,
    Rule,
    TrainedModel,
    Where,
    classify,
    declassification_date,
    find_personal_data,
    is_valid_id_number,
    load_model,
    luhn_valid,
    review_due,
    save_model,
    train_model,
)
from engine.classify.classifier import hint_hits, rule_hits
from engine.classify.rules import PROACTIVE_ITEMS, proactive_basis
from engine.classify.zones import find_zones
from engine.codes import REGULATION, Attribute, Reason, ThirdPartyKind
from engine.metadata import DocumentMetadata, parse_metadata
from engine.text import normalize_text

NO_METADATA = DocumentMetadata()
FILLER = "　　为做好有关工作，现将有关事项说明如下。\n　　一、总体要求。按照职责分工抓好落实。\n"
VALID_ID = "11010519491231002X"  # the example number of GB 11643-1999
NOTICE = "江临市交通运输局\n关于阳光大街道路改造工程施工期间交通管制的通告\n\n" + FILLER


def _document(example: str, where: Where) -> str:
    """A document that carries ``example`` in the zone ``where``."""
    if where is Where.BODY:
        return f"江临市某某局\n关于有关事项的说明\n\n　　{example}\n{FILLER}"
    if where is Where.HEADER:
        return f"江临市某某局\n{example}\n\n{FILLER}"
    return f"{example}\n\n{FILLER}"


def _fired(text: str, metadata: DocumentMetadata = NO_METADATA) -> set[str]:
    return {hit.rule.name for hit in rule_hits(find_zones(text, metadata))}


# ── the rule table ───────────────────────────────────────────────────────────


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_every_rule_fires_on_its_example(rule: Rule) -> None:
    assert rule.name in _fired(_document(rule.example, rule.where))


@pytest.mark.parametrize(
    "rule", [r for r in RULES if r.where is not Where.BODY], ids=lambda rule: rule.name
)
def test_title_and_header_rules_do_not_read_the_body(rule: Rule) -> None:
    buried = f"江临市某某局\n关于有关事项的说明\n\n{FILLER}　　另据反映，{rule.example}。\n"
    assert rule.name not in _fired(buried)


@pytest.mark.parametrize("hint", HINTS, ids=lambda hint: hint.name)
def test_every_hint_fires_on_its_example(hint: Hint) -> None:
    text = _document(hint.example, hint.where)
    assert hint.name in {h.hint.name for h in hint_hits(find_zones(text, NO_METADATA))}


def test_rule_table_is_well_formed_and_covers_the_law() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert {rule.item for rule in RULES if rule.item} == set(PROACTIVE_ITEMS)
    withheld_reasons = {rule.reason for rule in RULES if rule.reason}
    assert withheld_reasons == {
        Reason.PROCESS_INFO,
        Reason.INTERNAL_AFFAIRS,
        Reason.ENFORCEMENT_CASE,
        Reason.THIRD_PARTY_RIGHTS,
        Reason.SECURITY_STABILITY,
    }
    with pytest.raises(ValueError):
        Rule("bad", re.compile("x"), Attribute.PROACTIVE, None, None, 1.0, Where.BODY, "x")


def test_a_title_kind_outweighs_a_body_mention() -> None:
    regulation = (
        "江临市村级干部管理办法\n\n" + FILLER + "　　第九条 年度考核结果作为报酬发放依据。\n"
    )
    assert classify(regulation, NO_METADATA).attribute is Attribute.PROACTIVE
    request = "江临市交通运输局\n关于编制综合交通运输发展规划的请示\n\n市人民政府：\n" + FILLER
    result = classify(request, NO_METADATA)
    assert (result.attribute, result.reason) == (Attribute.WITHHELD, Reason.PROCESS_INFO)


def test_nothing_recognised_is_on_request_with_low_confidence() -> None:
    result = classify("江临市某某局\n关于有关事项的说明\n\n" + FILLER, NO_METADATA)
    assert result.attribute is Attribute.ON_REQUEST
    assert result.confidence < 0.5 and result.needs_review
    assert result.basis == f"{REGULATION}第二十七条"


def test_bases_quote_the_article() -> None:
    accounts = classify("江临市审计局2021年度部门决算\n\n" + FILLER, NO_METADATA)
    assert accounts.basis == "《中华人民共和国政府信息公开条例》第二十条第（七）项"
    draft = classify("江临市停车管理办法（征求意见稿）\n\n" + FILLER, NO_METADATA)
    assert draft.reason is Reason.PROCESS_INFO
    assert draft.basis == "《中华人民共和国政府信息公开条例》第十六条第二款"
    assert proactive_basis(15).endswith("第二十条第（十五）项")


def test_evidence_points_into_the_text() -> None:
    text = (
        "江临市市场监督管理局\n询 问 笔 录\n\n案由：涉嫌销售过期食品案\n被询问人：张某\n" + FILLER
    )
    result = classify(text, NO_METADATA)
    assert result.reason is Reason.ENFORCEMENT_CASE
    assert result.evidence
    for item in result.evidence:
        assert text[item.start : item.end] == item.text
    assert "笔 录" in {item.text for item in result.evidence}  # spaced as written


# ── safety ───────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("secrecy", ["秘密★1年", "机密★长期", "绝密", "秘密", "机密 ★ 6个月"])
def test_a_secrecy_marking_wins_over_a_public_marking(secrecy: str) -> None:
    text = (
        f"000023\n{secrecy}\n特急\n\n江临市人民政府办公室\n"
        "关于印发《江临市停车管理办法》的通知\n\n各区人民政府：\n" + FILLER + "\n（此件公开发布）\n"
    )
    result = classify(text, NO_METADATA)
    assert (result.attribute, result.reason) == (Attribute.WITHHELD, Reason.STATE_SECRET)
    assert result.basis == f"{REGULATION}第十四条"
    assert result.needs_review  # marked for disclosure, yet classified: a person must look
    assert {"secrecy_marking", "marking"} <= {item.rule for item in result.evidence}


def test_a_secrecy_level_in_metadata_alone_withholds() -> None:
    metadata = DocumentMetadata(secrecy_level="机密", marking=Attribute.PROACTIVE)
    result = classify(NOTICE, metadata)
    assert (result.attribute, result.reason) == (Attribute.WITHHELD, Reason.STATE_SECRET)


def test_a_proactive_document_with_an_id_number_is_reviewed_with_its_redaction() -> None:
    text = NOTICE + f"　　联系人：王某，身份证号码：{VALID_ID}。\n"
    result = classify(text, NO_METADATA)
    assert result.attribute is Attribute.PROACTIVE
    assert result.needs_review
    ids = [r for r in result.redactions if r.kind is RedactionKind.ID_CARD]
    assert [text[r.start : r.end] for r in ids] == [VALID_ID]


def test_without_personal_data_the_same_document_is_not_reviewed() -> None:
    result = classify(NOTICE, NO_METADATA)
    assert result.attribute is Attribute.PROACTIVE and not result.needs_review


PROACTIVE_LOOKING = [
    "江临市人民政府办公室\n关于印发《江临市停车管理办法》的通知\n\n各区人民政府：\n",
    "江临市2022年国民经济和社会发展统计公报\n\n",
    "2023年江临市事业单位公开招聘工作人员公告\n\n",
    "江临市财政局2023年部门预算\n\n",
]
INTERNAL_MARKS = [
    ("内部资料\n", ""),
    ("内部\n", ""),
    ("", "　　本文件请勿外传。\n"),
    ("", "　　本方案仅限专班成员单位掌握。\n"),
]


@pytest.mark.parametrize("document", PROACTIVE_LOOKING)
@pytest.mark.parametrize(("head", "tail"), INTERNAL_MARKS)
@pytest.mark.parametrize("public_marking", ["", "（此件公开发布）\n"])
def test_an_internal_document_is_never_proactive_without_review(
    document: str, head: str, tail: str, public_marking: str
) -> None:
    result = classify(head + document + FILLER + tail + public_marking, NO_METADATA)
    assert not (result.attribute is Attribute.PROACTIVE and not result.needs_review)
    if not public_marking:
        assert result.attribute is not Attribute.PROACTIVE  # content alone never proposes it


def test_a_public_marking_with_personal_data_or_a_secrecy_hint_is_reviewed() -> None:
    marked = NOTICE + "\n（此件公开发布）\n"
    assert not classify(marked, NO_METADATA).needs_review
    with_mobile = NOTICE + "　　联系人：王某，手机13912345678。\n（此件公开发布）\n"
    assert classify(with_mobile, NO_METADATA).needs_review
    with_hint = NOTICE + "　　试卷存放于标准化保密室。\n（此件公开发布）\n"
    assert classify(with_hint, NO_METADATA).needs_review


def test_markings_give_the_attribute_and_content_the_reason() -> None:
    request = "关于追加排水管网改造资金的请示\n\n区人民政府：\n" + FILLER + "（此件不予公开）\n"
    result = classify(request, NO_METADATA)
    assert (result.attribute, result.reason) == (Attribute.WITHHELD, Reason.PROCESS_INFO)
    on_request = classify(NOTICE + "（此件依申请公开）\n", NO_METADATA)
    assert on_request.attribute is Attribute.ON_REQUEST and on_request.needs_review
    no_reason = classify(
        "江临市某某局\n关于有关事项的说明\n\n" + FILLER + "（此件不予公开）", NO_METADATA
    )
    assert no_reason.attribute is Attribute.WITHHELD
    assert no_reason.reason is None and no_reason.basis is None and no_reason.needs_review


@pytest.mark.parametrize(
    ("marking", "attribute"),
    [
        ("（此件公开发布）", Attribute.PROACTIVE),
        ("(此件主动公开)", Attribute.PROACTIVE),
        ("（此件依申请公开）", Attribute.ON_REQUEST),
        ("（此件不予公开）", Attribute.WITHHELD),
        ("公开方式：主动公开", Attribute.PROACTIVE),
        ("（公开属性：依申请公开）", Attribute.ON_REQUEST),
        ("信息公开选项：不予公开", Attribute.WITHHELD),
    ],
)
def test_marking_forms(marking: str, attribute: Attribute) -> None:
    result = classify(NOTICE + marking + "\n", NO_METADATA)
    assert result.attribute is attribute
    assert "marking" in {item.rule for item in result.evidence}


def test_a_marking_phrase_inside_a_table_row_is_not_a_marking() -> None:
    text = NOTICE + "　　事项名称　公开方式：主动公开　公开时限：20个工作日\n"
    assert "marking" not in {item.rule for item in classify(text, NO_METADATA).evidence}


# ── personal data ────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        (VALID_ID, True),
        ("11010519491231002x", True),
        ("440301199001011234", True),
        ("440301199001011235", False),  # check digit off by one
        ("110105194913310028", False),  # month 13
        ("990105194912310021", False),  # no such province
        ("36042819851106241", False),  # 17 digits
    ],
)
def test_id_number_check_digit(number: str, valid: bool) -> None:
    assert is_valid_id_number(number) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [("4111111111111111", True), ("6222021234567890128", True), ("6222021234567890127", False)],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        (f"身份证号码：{VALID_ID}，", RedactionKind.ID_CARD, VALID_ID),
        (
            "身份证号码：１１０１０５１９４９１２３１００２Ｘ，",
            RedactionKind.ID_CARD,
            "１１０１０５１９４９１２３１００２Ｘ",
        ),
        ("卡号6222 0212 3456 7890 128。", RedactionKind.BANK_CARD, "6222 0212 3456 7890 128"),
        ("联系电话：13912345678", RedactionKind.MOBILE, "13912345678"),
        ("手机+86 139 1234 5678。", RedactionKind.MOBILE, "+86 139 1234 5678"),
        ("电话：0571-87654321。", RedactionKind.LANDLINE, "0571-87654321"),
        ("电话（0755）83001234转12。", RedactionKind.LANDLINE, "（0755）83001234转12"),
        ("车辆京A12345停放", RedactionKind.LICENCE_PLATE, "京A12345"),
        ("新能源车粤B·D12345", RedactionKind.LICENCE_PLATE, "粤B·D12345"),
        ("邮箱zhang.san@example.com。", RedactionKind.EMAIL, "zhang.san@example.com"),
        (
            "住址：江临市人民北路18号3栋2单元402室",
            RedactionKind.ADDRESS,
            "江临市人民北路18号3栋2单元402室",
        ),
    ],
)
def test_personal_data_is_found_with_its_kind_and_span(
    text: str, kind: RedactionKind, found: str
) -> None:
    spans = [(r.kind, text[r.start : r.end]) for r in find_personal_data(text)]
    assert spans == [(kind, found)]


@pytest.mark.parametrize(
    "text",
    [
        "身份证号码：440301199001011235",  # bad check digit
        "工单号：2023041800356",
        "卡号6222021234567890127",  # fails Luhn
        "蒙ICP备05002755号",
        "办公地址：江临市人民路1号",  # an office address is public
        "发文字号〔2023〕19号，共计5916人",
    ],
)
def test_numbers_that_are_not_personal_data(text: str) -> None:
    assert find_personal_data(text) == ()


def test_a_landline_is_listed_but_does_not_by_itself_put_a_notice_under_review() -> None:
    result = classify(NOTICE + "　　咨询电话：0571-87654321。\n", NO_METADATA)
    assert [r.kind for r in result.redactions] == [RedactionKind.LANDLINE]
    assert not result.needs_review


# ── 保密期限 and re-review ─────────────────────────────────────────────────────


def _secret(level: str | None, period: str | None, issued: date | None) -> DocumentMetadata:
    return DocumentMetadata(secrecy_level=level, secrecy_period=period, issue_date=issued)


@pytest.mark.parametrize(
    ("level", "period", "issued", "expected"),
    [
        ("秘密", "1年", date(2023, 6, 5), date(2024, 6, 5)),
        ("机密", "6个月", date(2023, 8, 31), date(2024, 2, 29)),
        ("秘密", "十年", date(2020, 1, 1), date(2030, 1, 1)),
        ("秘密", "1年", date(2024, 2, 29), date(2025, 2, 28)),
        ("秘密", None, date(2020, 3, 1), date(2030, 3, 1)),  # unmarked: 10 years
        ("机密", None, date(2020, 3, 1), date(2040, 3, 1)),  # unmarked: 20 years
        ("绝密", None, date(2020, 3, 1), date(2050, 3, 1)),  # unmarked: 30 years
        ("机密", "长期", date(2020, 3, 1), None),
        ("秘密", "1年", None, None),  # no 成文日期
        (None, None, date(2020, 3, 1), None),  # not a secret
    ],
)
def test_declassification_date(
    level: str | None, period: str | None, issued: date | None, expected: date | None
) -> None:
    assert declassification_date(_secret(level, period, issued)) == expected


def test_review_due_quarterly_for_withheld_information() -> None:
    due = review_due(
        Attribute.WITHHELD, Reason.PROCESS_INFO, date(2024, 2, 10), NO_METADATA, date(2024, 3, 1)
    )
    assert due is not None
    assert (due.due, due.cause, due.overdue) == (date(2024, 6, 30), ReviewCause.QUARTERLY, False)
    late = review_due(
        Attribute.WITHHELD, Reason.PROCESS_INFO, date(2023, 11, 2), NO_METADATA, date(2024, 4, 1)
    )
    assert late is not None and late.due == date(2024, 3, 31) and late.overdue
    assert (
        review_due(Attribute.PROACTIVE, None, date(2024, 2, 10), NO_METADATA, date(2024, 3, 1))
        is None
    )


def test_review_due_when_the_secrecy_period_ends() -> None:
    metadata = _secret("秘密", "1年", date(2023, 6, 5))
    due = review_due(
        Attribute.WITHHELD, Reason.STATE_SECRET, date(2024, 5, 1), metadata, date(2024, 7, 1)
    )
    assert due is not None
    assert (due.due, due.cause, due.overdue) == (
        date(2024, 6, 5),
        ReviewCause.DECLASSIFICATION,
        True,
    )
    lasting = _secret("机密", "长期", date(2023, 6, 5))
    quarterly = review_due(
        Attribute.WITHHELD, Reason.STATE_SECRET, date(2024, 5, 1), lasting, date(2024, 5, 2)
    )
    assert quarterly is not None and quarterly.cause is ReviewCause.QUARTERLY


# ── the JSON contract ────────────────────────────────────────────────────────

CONTRACT_KEYS = {
    "attribute",
    "attribute_label",
    "reason",
    "reason_label",
    "basis",
    "confidence",
    "needs_review",
    "evidence",
    "redactions",
}


def test_to_dict_has_exactly_the_contract_keys() -> None:
    text = (
        "关于追加排水管网改造资金的请示\n\n区人民政府：\n"
        + FILLER
        + "　　联系人：周某，13912345678。\n"
    )
    data = classify(text, NO_METADATA).to_dict()
    assert set(data) == CONTRACT_KEYS
    assert data["attribute"] == "withheld" and data["attribute_label"] == "不予公开"
    assert data["reason"] == "process_info" and data["reason_label"] == "属于四类过程性信息"
    assert data["basis"] == "《中华人民共和国政府信息公开条例》第十六条第二款"
    assert isinstance(data["confidence"], float) and 0 <= data["confidence"] <= 1
    evidence = data["evidence"]
    assert isinstance(evidence, list) and evidence
    assert set(evidence[0]) == {"text", "start", "end", "rule"}
    mobile = text.index("13912345678")
    assert data["redactions"] == [{"kind": "mobile", "start": mobile, "end": mobile + 11}]
    json.dumps(data, ensure_ascii=False)


def test_to_dict_names_the_third_party_kind_for_third_party_rights() -> None:
    text = (
        "关于赵某户申请农村最低生活保障的入户调查报告\n\n"
        + FILLER
        + f"　　身份证号码：{VALID_ID}。\n"
    )
    result = classify(text, NO_METADATA)
    assert result.reason is Reason.THIRD_PARTY_RIGHTS
    assert result.third_party_kind is ThirdPartyKind.PERSONAL_PRIVACY
    data = result.to_dict()
    assert set(data) == CONTRACT_KEYS | {"third_party_kind"}
    assert data["third_party_kind"] == "personal_privacy"
    proactive = classify(NOTICE, NO_METADATA).to_dict()
    assert proactive["reason"] is None and proactive["reason_label"] is None


def test_a_classification_rejects_inconsistent_parts() -> None:
    with pytest.raises(ValueError):
        Classification(Attribute.PROACTIVE, Reason.PROCESS_INFO, None, 0.5, False)
    with pytest.raises(ValueError):
        Classification(Attribute.WITHHELD, Reason.PROCESS_INFO, None, 1.5, False)


def test_classifying_5000_characters_takes_under_20_ms() -> None:
    text = (NOTICE + FILLER * 200)[:5000]
    classify(text, NO_METADATA)
    timings = []
    for _ in range(20):
        start = time.perf_counter()
        classify(text, NO_METADATA)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.020


# ── the labelled dev set ─────────────────────────────────────────────────────

MARKING_ATTRIBUTE = {
    "（此件公开发布）": Attribute.PROACTIVE,
    "（此件主动公开）": Attribute.PROACTIVE,
    "（此件依申请公开）": Attribute.ON_REQUEST,
    "（此件不予公开）": Attribute.WITHHELD,
}


def _dev_set(corpus: Path) -> list[dict[str, str]]:
    with (corpus / "dev" / "labels.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _answers(row: dict[str, str]) -> set[Attribute]:
    also = [item.partition(":")[0] for item in row["also_ok"].split(";") if item]
    return {Attribute.from_label(label) for label in [row["attribute"], *also]}


def _classify_dev(corpus: Path, row: dict[str, str], *, strip: bool) -> tuple[str, Classification]:
    text = normalize_text((corpus / "dev" / "docs" / row["file"]).read_text(encoding="utf-8"))
    if strip:
        lines = text.split("\n")
        text = "\n".join(
            line
            for line in lines
            if not (row["marking"] and line.strip() == row["marking"])
            and not re.match(r"^\s*[（(]此件.*[）)]\s*$", line)
        )
    return text, classify(text, parse_metadata(text))


def test_dev_set_with_markings_present(corpus: Path) -> None:
    wrong = []
    for row in _dev_set(corpus):
        text, result = _classify_dev(corpus, row, strip=False)
        for item in result.evidence:
            assert text[item.start : item.end] == item.text, row["file"]
        marked = row["marking"]
        expected = {MARKING_ATTRIBUTE[marked]} if marked else _answers(row)
        if result.attribute not in expected:
            wrong.append(f"{row['file']} [{row['kind']}]: {result.attribute.value}")
        withheld = Attribute.WITHHELD in _answers(row)
        if withheld and result.attribute is Attribute.PROACTIVE and not result.needs_review:
            wrong.append(f"{row['file']} leaked")
    assert wrong == []


def test_dev_set_with_markings_stripped(corpus: Path) -> None:
    rows = _dev_set(corpus)
    right, leaks = 0, []
    for row in rows:
        _, result = _classify_dev(corpus, row, strip=True)
        right += result.attribute in _answers(row)
        withheld = Attribute.WITHHELD in _answers(row)
        if withheld and result.attribute is Attribute.PROACTIVE and not result.needs_review:
            leaks.append(row["file"])
    assert leaks == []
    assert right / len(rows) >= 0.9


# ── learning from staff ──────────────────────────────────────────────────────

# Subjects no rule knows, so that only a model can tell them apart.
TRAINING_SUBJECTS = {
    (Attribute.WITHHELD, Reason.INTERNAL_AFFAIRS): ["档案整理", "卷宗装订", "库房盘存"],
    (Attribute.PROACTIVE, None): ["水文观测", "雨量站点", "河道水位"],
    (Attribute.ON_REQUEST, None): ["绿化养护", "苗木补植", "行道树修剪"],
}


def _samples(per_outcome: int, seed: int = 7) -> list[tuple[str, Attribute, Reason | None]]:
    rng = random.Random(seed)
    places = ["东城", "西城", "南湖", "北山", "青溪", "白沙", "红岩", "金水"]
    samples = []
    for (attribute, reason), subjects in TRAINING_SUBJECTS.items():
        for _ in range(per_outcome):
            subject, other = rng.sample(subjects, 2)
            place = rng.choice(places)
            text = (
                f"江临市{place}区某某局\n关于{place}{subject}有关事项的说明\n\n"
                f"　　{rng.randint(1, 12)}月以来，{place}{subject}和{other}工作有序推进，"
                f"共完成{rng.randint(10, 500)}处。下一步继续做好{subject}。\n"
            )
            samples.append((text, attribute, reason))
    rng.shuffle(samples)
    return samples


@pytest.fixture(scope="module")
def trained() -> TrainedModel:
    return train_model(_samples(20))


def test_training_reports_cross_validated_accuracy(trained: TrainedModel) -> None:
    model = trained
    assert model.n_samples == 60 and model.folds == 5
    assert 0.9 <= model.cv_accuracy <= 1.0


def test_training_needs_enough_decisions() -> None:
    with pytest.raises(NotEnoughData):
        train_model(_samples(MIN_TRAINING_SAMPLES // 3 - 1))
    single = [(text, Attribute.PROACTIVE, None) for text, _, _ in _samples(20)]
    with pytest.raises(NotEnoughData):
        train_model(single)


def test_the_model_round_trips_through_a_file(trained: TrainedModel, tmp_path: Path) -> None:
    path = tmp_path / "classifier.joblib"
    save_model(trained, path)
    loaded = load_model(path)
    text = _samples(1, seed=99)[0][0]
    assert loaded.predict_proba(text) == trained.predict_proba(text)
    assert loaded.cv_accuracy == trained.cv_accuracy


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    import joblib  # type: ignore[import-untyped]

    path = tmp_path / "old.joblib"
    joblib.dump({"version": 0}, path)
    with pytest.raises(ValueError):
        load_model(path)


def test_the_model_is_combined_with_the_rules(trained: TrainedModel) -> None:
    text = (
        "江临市东城区某某局\n关于东城卷宗装订有关事项的说明\n\n"
        "　　今年以来，档案整理和库房盘存工作有序推进。\n"
    )
    alone = classify(text, NO_METADATA)
    assert alone.attribute is Attribute.ON_REQUEST and alone.needs_review
    combined = classify(text, NO_METADATA, trained)
    assert (combined.attribute, combined.reason) == (Attribute.WITHHELD, Reason.INTERNAL_AFFAIRS)
    assert combined.confidence > alone.confidence


def test_hard_rules_win_over_the_model(trained: TrainedModel) -> None:
    public = (
        "江临市东城区某某局\n关于东城水文观测有关事项的说明\n\n"
        "　　雨量站点和河道水位观测有序推进。\n"
    )
    assert classify(public, NO_METADATA, trained).attribute is Attribute.PROACTIVE
    secret = "秘密★1年\n" + public
    result = classify(secret, NO_METADATA, trained)
    assert (result.attribute, result.reason) == (Attribute.WITHHELD, Reason.STATE_SECRET)
    marked = classify(public + "（此件依申请公开）\n", NO_METADATA, trained)
    assert marked.attribute is Attribute.ON_REQUEST
    with_id = classify(public + f"　　联系人身份证号码：{VALID_ID}。\n", NO_METADATA, trained)
    assert with_id.needs_review
