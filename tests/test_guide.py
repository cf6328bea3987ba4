"""The 政府信息公开指南: its context, the .docx, the office's own template, the printed page.

Rendering to PDF runs LibreOffice; that test skips without ``soffice`` unless
GONGKAI_REQUIRE_SOFFICE=1.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import docx
import pypdfium2
import pytest
from typer.testing import CliRunner

from engine.archive import Archive
from engine.cli import app
from engine.config import Settings
from engine.deadlines import EXTENSION_LIMIT, REPLY
from engine.fees import SCHEDULES
from engine.guide import SAMPLE_GUIDE_OFFICE, TEMPLATE, GuideError, guide_context
from engine.guide_store import issue_guide
from engine.letters import SAMPLE_OFFICE, SHIPPED, Templates
from engine.office import OfficeError
from engine.register.audit import audit_trail
from templates.build_guide import build
from tests.conftest import invoke_json

OFFICE_TOML = """
agency = "某某县人民政府办公室"
letter_code = "某县政办信公开"
reconsideration_body = "某某市人民政府"
court = "某某市某某区人民法院"
office = "某某县人民政府办公室政务公开股"
office_address = "某某县迎宾路8号"
office_phone = "0482-1234567"
office_hours = "工作日上午8:30—12:00，下午14:30—17:30"
office_postcode = "137400"
website = "http://www.mouxian.gov.cn"
office_fax = "0482-1234568"
publication_channels = "政府公报、政务新媒体"
"""

SECTIONS = (
    "一、政府信息公开工作机构",
    "二、主动公开",
    "（一）公开范围",
    "（二）公开方式",
    "（三）公开时限",
    "（四）政府信息公开目录",
    "三、依申请公开",
    "（二）申请方式",
    "（四）办理时限",
    "（五）收费",
    "四、监督和救济",
)


def text_of(path: Path) -> list[str]:
    return [paragraph.text for paragraph in docx.Document(str(path)).paragraphs]


# --- the context (pure) ----------------------------------------------------------------


def test_the_context_of_a_full_office() -> None:
    context = guide_context(SAMPLE_GUIDE_OFFICE, date(2026, 3, 2))
    assert context["office"] == "某某市人民政府办公室政务公开科"
    assert context["guide_date"] == "2026年3月2日"
    assert context["office_fax"] == "0471-7654322"
    # the numbers the desk counts with, not typed again
    assert (context["reply_days"], context["extension_days"]) == (20, 20)
    assert context["reply_days"] == REPLY.working_days
    assert context["extension_days"] == EXTENSION_LIMIT.working_days
    assert context["reply_article"] == "第三十三条第二款"
    assert (context["correction_days"], context["third_party_days"]) == (7, 15)
    fees = context["fee_schedules"]
    assert [fee["standard"] for fee in fees] == [s.standard_text() for s in SCHEDULES.values()]
    assert "第31–100页每页10元" in fees[1]["standard"]
    items = context["proactive_items"]
    assert len(items) == 15 and items[0] == "行政法规、规章和规范性文件"
    routes = context["routes"]
    assert [r["label"] for r in routes] == ["当面提交", "邮寄", "互联网渠道", "传真", "电子邮件"]
    assert "012000" in routes[1]["how"] and "以行政机关签收之日" in routes[1]["receipt"]


def test_the_routes_are_those_the_office_can_receive() -> None:
    office = replace(
        SAMPLE_GUIDE_OFFICE,
        office_fax="",
        office_email="",
        online_request_url="http://www.example.gov.cn/ysqgk",
    )
    routes = guide_context(office, date(2026, 3, 2))["routes"]
    assert [r["label"] for r in routes] == ["当面提交", "邮寄", "互联网渠道"]
    assert "http://www.example.gov.cn/ysqgk" in routes[2]["how"]


def test_a_guide_without_the_particulars_is_refused_naming_them() -> None:
    with pytest.raises(GuideError, match="fill in office_hours, office_postcode, website"):
        guide_context(SAMPLE_OFFICE, date(2026, 3, 2))  # a letters-only office.toml
    blank = replace(SAMPLE_GUIDE_OFFICE, office_address="", office_phone="  ")
    with pytest.raises(OfficeError, match=r"office.toml: fill in office_address, office_phone —"):
        guide_context(blank, date(2026, 3, 2))


# --- the template ---------------------------------------------------------------------


def test_the_shipped_template_is_what_build_guide_writes() -> None:
    assert (SHIPPED / TEMPLATE).read_bytes() == build()


# --- gongkai guide -------------------------------------------------------------------


def test_gongkai_guide_writes_every_section_with_the_offices_values(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    home = sqlite_settings.home
    invoke_json(cli, "init")
    (home / "office.toml").write_text(OFFICE_TOML, encoding="utf-8")
    output = tmp_path / "指南.docx"
    printed = invoke_json(cli, "guide", "-o", str(output), "--date", "2026-03-02")
    assert printed["kept"] == "generated/guide/guide-v1.docx"
    kept = home / printed["kept"]
    assert kept.read_bytes() == output.read_bytes()
    assert printed["sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()

    paragraphs = text_of(output)
    assert paragraphs[0] == "某某县人民政府办公室政府信息公开指南"
    for heading in SECTIONS:
        assert heading in paragraphs, heading
    text = "\n".join(paragraphs)
    for value in (
        "机构名称：某某县人民政府办公室政务公开股",
        "办公地址：某某县迎宾路8号",
        "办公时间：工作日上午8:30—12:00，下午14:30—17:30",
        "联系电话：0482-1234567",
        "传　　真：0482-1234568",
        "邮政编码：137400",
        "网　　址：http://www.mouxian.gov.cn",
        "并通过政府公报、政务新媒体等途径予以公开",
        "自该政府信息形成或者变更之日起20个工作日内予以公开",
        "从其规定（《条例》第二十六条）",
        "自收到申请之日起20个工作日内予以答复",
        "延长的期限最长不超过20个工作日（《条例》第三十三条第二款）",
        "按件计收（《办法》第四条）：同一申请人一个自然月内累计申请的件数中，第1–10件不收费",
        "第201页起每页40元",
        "60日内向某某市人民政府申请行政复议",
        "6个月内向某某市某某区人民法院提起行政诉讼",
        "2026年3月2日",
    ):
        assert value in text, value
    assert "电子邮箱" not in text and "电子邮件：" not in text  # no e-mail given: not offered
    assert "4．传真：发送至0482-1234568" in text
    assert not any("{" in p or "%}" in p for p in paragraphs)  # every tag filled, no tag lines

    again = invoke_json(cli, "guide", "-o", str(output), "--date", "2026-09-01")
    assert again["kept"] == "generated/guide/guide-v2.docx" and kept.exists()  # v1 stays
    events = invoke_json(cli, "audit", "--action", "guide")
    assert [e["detail"]["path"] for e in events] == [again["kept"], printed["kept"]]


def test_gongkai_guide_refuses_an_office_toml_without_the_particulars(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    home = sqlite_settings.home
    invoke_json(cli, "init")
    letters_only = OFFICE_TOML.replace('office_hours = "', 'office_contact = "')
    letters_only = letters_only.replace('website = "', 'office_email = "')
    (home / "office.toml").write_text(letters_only, encoding="utf-8")
    result = cli.invoke(app, ["guide", "-o", str(tmp_path / "指南.docx")])
    assert result.exit_code == 1
    assert "fill in office_hours, website" in result.stderr
    assert not (tmp_path / "指南.docx").exists() and not (home / "generated" / "guide").exists()


def test_the_offices_own_template_is_used_first(
    cli: CliRunner, sqlite_settings: Settings, tmp_path: Path
) -> None:
    home = sqlite_settings.home
    invoke_json(cli, "init")
    (home / "office.toml").write_text(OFFICE_TOML, encoding="utf-8")
    own = home / "templates" / TEMPLATE
    own.parent.mkdir(parents=True)
    document = docx.Document(str(SHIPPED / TEMPLATE))
    document.add_paragraph("本指南由{{ office }}负责解释。")
    document.save(str(own))
    output = tmp_path / "指南.docx"
    invoke_json(cli, "guide", "-o", str(output))
    assert "本指南由某某县人民政府办公室政务公开股负责解释。" in text_of(output)

    document.add_paragraph("{{ office_motto }}")  # a variable the program does not supply
    document.save(str(own))
    checked = cli.invoke(app, ["templates", "check", "--json"])
    assert checked.exit_code == 1 and '"template": "guide/guide.docx"' in checked.stdout
    refused = cli.invoke(app, ["guide", "-o", str(tmp_path / "other.docx")])
    assert refused.exit_code == 1 and "office_motto" in refused.stderr


def test_issue_guide_keeps_the_file_and_audits_it(archive: Archive) -> None:
    home = archive.settings.home
    relative, digest = issue_guide(
        archive.sessions, home, date(2026, 3, 2), "王丽", office=SAMPLE_GUIDE_OFFICE
    )
    assert hashlib.sha256((home / relative).read_bytes()).hexdigest() == digest.sha256
    with archive.sessions() as session:
        (event,) = audit_trail(session, action="guide")
    assert event["actor"] == "王丽" and event["detail"]["sha256"] == digest.sha256
    assert event["detail"]["date"] == "2026-03-02"


# --- the printed page ------------------------------------------------------------------


def test_the_guide_prints_on_a_sane_number_of_pages(
    soffice: str, sqlite_settings: Settings, tmp_path: Path
) -> None:
    with Archive.open(sqlite_settings) as archive:
        relative, _ = issue_guide(
            archive.sessions,
            sqlite_settings.home,
            date(2026, 3, 2),
            "王丽",
            office=SAMPLE_GUIDE_OFFICE,
            templates=Templates(),
        )
    source = tmp_path / "guide.docx"
    shutil.copyfile(sqlite_settings.home / relative, source)
    profile = f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}"
    convert = [soffice, "--headless", "--norestore", profile, "--convert-to", "pdf"]
    subprocess.run(
        [*convert, "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = pypdfium2.PdfDocument(str(tmp_path / "guide.pdf"))
    try:
        pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()
    assert 4 <= len(pages) <= 9, len(pages)  # a guide of a few pages, not one per paragraph
    assert "政府信息公开指南" in pages[0]
    last = pages[-1]
    # the signature and date never stand alone on the last page (GB/T 9704 7.3.5)
    assert "某某市人民政府办公室" in last and "行政诉讼" in last
