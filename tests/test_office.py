"""The office's particulars (office.toml): every mistake named, placeholders refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.office import EXAMPLE, OfficeError, load_office, parse_office, write_example

COMPLETE = """
agency = "某某市人民政府办公室"
letter_code = "某政办信公开"
reconsideration_body = "某某市人民政府"
court = "某某市某某区人民法院"
office_phone = "0471-7654321"
"""


def test_a_complete_file() -> None:
    office = parse_office(COMPLETE, "office.toml")
    assert office.letter_number(2026, 12) == "某政办信公开〔2026〕12号"
    context = office.context()
    assert context["office"] == "某某市人民政府办公室"  # the agency when no office is named
    assert context["office_phone"] == "0471-7654321" and context["office_address"] == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (EXAMPLE, "fill in agency, letter_code, reconsideration_body, court"),
        (COMPLETE + 'seal = "x"\n', r"unknown field\(s\) seal"),
        (COMPLETE + "office_address = 12\n", "office_address must be text"),
        ("agency = ", "not valid TOML"),
    ],
)
def test_mistakes_are_named(text: str, message: str) -> None:
    with pytest.raises(OfficeError, match=message):
        parse_office(text, "office.toml")


def test_load_and_write_example(tmp_path: Path) -> None:
    with pytest.raises(OfficeError, match="gongkai init"):
        load_office(tmp_path)
    assert write_example(tmp_path) == tmp_path / "office.toml"
    assert write_example(tmp_path) is None
    (tmp_path / "office.toml").write_text(COMPLETE, encoding="utf-8")
    assert load_office(tmp_path).court == "某某市某某区人民法院"


GUIDE_FIELDS = (
    "office_hours",
    "office_postcode",
    "website",
    "office_fax",
    "office_email",
    "online_request_url",
    "publication_channels",
)


def test_the_guides_fields_are_optional_read_and_in_the_example() -> None:
    office = parse_office(
        COMPLETE + 'office_hours = " 工作日9:00—17:00 "\nwebsite = "http://www.example.gov.cn"\n',
        "office.toml",
    )
    assert office.office_hours == "工作日9:00—17:00"  # trimmed like every field
    assert office.website == "http://www.example.gov.cn" and office.office_fax == ""
    for name in GUIDE_FIELDS:  # gongkai init shows each, with what to write
        assert f'\n{name} = ""' in EXAMPLE and getattr(parse_office(COMPLETE, "o"), name) == ""


def test_the_index_number_fields_are_optional_with_the_default_pattern() -> None:
    office = parse_office(COMPLETE, "office.toml")
    assert (office.org_code, office.index_pattern) == ("", "{org_code}/{year}-{seq:05d}")
    custom = parse_office(
        COMPLETE + 'org_code = " 000014349 "\nindex_pattern = "GK-{year}-{seq:04d}"\n',
        "office.toml",
    )
    assert (custom.org_code, custom.index_pattern) == ("000014349", "GK-{year}-{seq:04d}")
    example = EXAMPLE.replace('agency = ""', 'agency = "某办"').replace(
        'letter_code = ""', 'letter_code = "某"'
    )
    example = example.replace('reconsideration_body = ""', 'reconsideration_body = "某"')
    example = example.replace('court = ""', 'court = "某"')
    assert parse_office(example, "office.toml").index_pattern == "{org_code}/{year}-{seq:05d}"
    with pytest.raises(OfficeError, match="org_code must be text"):
        parse_office(COMPLETE + "org_code = 14349\n", "office.toml")


def test_the_adjust_settings_default_and_are_read_as_numbers() -> None:
    office = parse_office(COMPLETE, "office.toml")
    assert (office.adjust_threshold, office.adjust_process_months) == (3, 12)
    custom = parse_office(COMPLETE + "adjust_threshold = 5\nadjust_process_months = 6\n", "o")
    assert (custom.adjust_threshold, custom.adjust_process_months) == (5, 6)
    # gongkai init shows both, with the defaults
    assert "\nadjust_threshold = 3 " in EXAMPLE and "\nadjust_process_months = 12 " in EXAMPLE


@pytest.mark.parametrize(
    "line",
    [
        'adjust_threshold = "3"',
        "adjust_threshold = 0",
        "adjust_process_months = -1",
        "adjust_process_months = 1.5",
        "adjust_threshold = true",
    ],
)
def test_the_adjust_settings_must_be_positive_whole_numbers(line: str) -> None:
    name = line.split()[0]
    with pytest.raises(
        OfficeError, match=f"office.toml: {name} must be a whole number of at least"
    ):
        parse_office(f"{COMPLETE}{line}\n", "office.toml")
