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
