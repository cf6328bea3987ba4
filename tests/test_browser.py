"""The web desk in a real browser: Debian's Chromium driven by Playwright against a live
``gongkai serve`` on 127.0.0.1 (with its inbox watcher).

Playwright cannot download its browsers here, so it launches the system Chromium
(``executable_path``). Without Chromium these tests skip; CI sets
``GONGKAI_REQUIRE_BROWSER=1`` and they must run. Screenshots of the main pages go to
``$GONGKAI_SCREENSHOTS`` (``docs/screenshots`` to refresh the README's) or a temp folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.builders import build_docx
from tests.conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = os.environ.get("GONGKAI_REQUIRE_BROWSER") == "1"
SIGNERS = ("clerk", "reviewer", "approver")  # 拟定意见, 审查, 批准
if CHROMIUM is None:
    message = "Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)"
    if REQUIRED:
        raise RuntimeError(f"GONGKAI_REQUIRE_BROWSER=1 but {message}")
    pytest.skip(message, allow_module_level=True)

SCREEN = {"width": 1366, "height": 768}  # the office PC's screen
PASSWORD = "browser-test-pass"
OFFICE = """agency = "某某市人民政府办公室"
letter_code = "某政办信公开"
reconsideration_body = "某某市人民政府"
court = "某某市某某区人民法院"
office = "某某市人民政府办公室政务公开科"
office_address = "某某市某某路1号"
office_phone = "0471-7654321"
org_code = "000014349"
"""


@dataclass
class LiveDesk:
    url: str
    home: Path
    screenshots: Path

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _gongkai(env: dict[str, str], *args: str, stdin: str = "") -> None:
    subprocess.run(
        [str(Path(sys.executable).with_name("gongkai")), *args],
        env=env,
        input=stdin,
        text=True,
        check=True,
        capture_output=True,
    )


def _wait_healthy(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gongkai serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gongkai serve did not become healthy")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDesk]:
    """``gongkai serve`` on a fresh archive, with a user for each role."""
    root = tmp_path_factory.mktemp("live")
    home = root / "archive"
    env = {
        **os.environ,
        "GONGKAI_HOME": str(home),
        "GONGKAI_DATABASE_URL": "",
        "GONGKAI_SETTLE_SECONDS": "0.3",
        "GONGKAI_USER": "test",
    }
    _gongkai(env, "init")
    (home / "office.toml").write_text(OFFICE, encoding="utf-8")
    for role in ("clerk", "reviewer", "approver", "admin"):
        _gongkai(env, "user", "add", f"{role}1", "--role", role, "--password-stdin", stdin=PASSWORD)
    port = _free_port()
    log = (root / "serve.log").open("wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gongkai")), "serve", "--port", str(port)],
        env=env,
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    shots = Path(os.environ.get("GONGKAI_SCREENSHOTS") or root / "screenshots")
    if not shots.is_absolute():
        shots = REPO / shots
    shots.mkdir(parents=True, exist_ok=True)
    try:
        _wait_healthy(url, server)
        yield LiveDesk(url, home, shots)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": SCREEN, "locale": "zh-CN"}


def log_in(page: Page, live: LiveDesk, role: str) -> None:
    page.goto(f"{live.url}/login")
    page.get_by_label("用户名").fill(f"{role}1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text(f"{role}1 ·")).to_be_visible()


def snapshot(page: Page, live: LiveDesk, name: str) -> None:
    """Save the page as the clerk sees it; nothing may overflow the 1366-pixel screen."""
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(live.screenshots / f"{name}.png"), full_page=False)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= SCREEN["width"], f"{name}: the page is {overflow}px wide"


def wait_until_found(page: Page, live: LiveDesk, query: str, timeout: float = 60) -> None:
    """The watcher files a dropped file within seconds; search until it is found."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(f"{live.url}/search?q={query}")
        if page.locator(".hit").count():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{query} was not found within {timeout} s")
        time.sleep(0.5)


# --- flows --------------------------------------------------------------------


def test_log_in_and_out(page: Page, live: LiveDesk) -> None:
    page.goto(f"{live.url}/search")
    expect(page).to_have_url(f"{live.url}/login?next=/search")
    page.get_by_label("用户名").fill("clerk1")
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    log_in(page, live, "clerk")
    expect(page).to_have_url(f"{live.url}/search")
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(f"{live.url}/login")


def test_a_dropped_file_is_filed_and_found_with_highlights(
    page: Page, live: LiveDesk, tmp_path: Path
) -> None:
    build_docx(
        tmp_path / "示范点通知.docx",
        [
            "某市人民政府办公室文件",
            "某政办发〔2026〕7号",
            "关于开展政务公开示范点建设的通知",
            "各区人民政府：为推进政务公开示范点建设，现将有关事项通知如下。",
            "（此件公开发布）",
        ],
    )
    shutil.copy(tmp_path / "示范点通知.docx", live.inbox / "示范点通知.docx")
    log_in(page, live, "clerk")
    wait_until_found(page, live, "示范点")
    expect(page.locator(".hit mark").first).to_have_text("示范点")
    expect(page.locator(".hit .title").first).to_contain_text("关于开展政务公开示范点建设的通知")
    snapshot(page, live, "search")
    page.locator(".hit .title").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("示范点建设的通知")
    expect(page.get_by_text("某政办发〔2026〕7号", exact=True)).to_be_visible()
    expect(page.locator(".tag.proactive").first).to_be_visible()  # classified 主动公开
    snapshot(page, live, "document")


def test_an_uploaded_file_is_filed_then_signed_off_at_every_level(
    page: Page, live: LiveDesk, tmp_path: Path
) -> None:
    notice = build_docx(
        tmp_path / "关于公布行政权力清单的通知.docx",
        [
            "某市人民政府办公室文件",
            "某政办发〔2026〕21号",
            "关于公布行政权力清单的通知",
            "各区人民政府、市政府各部门：现将市级行政权力清单予以公布，请遵照执行。",
            "（此件公开发布）",
        ],
    )
    log_in(page, live, "clerk")
    page.goto(f"{live.url}/inbox")
    page.set_input_files("#upload-files", str(notice))
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_role("heading", name="上传完成")).to_be_visible(timeout=60_000)
    outcome = page.locator("tr.outcome").filter(has_text="关于公布行政权力清单的通知.docx")
    expect(outcome).to_contain_text("归档")
    snapshot(page, live, "inbox")

    page.goto(f"{live.url}/review")
    page.get_by_role("link", name="关于公布行政权力清单的通知").click()
    expect(page.locator("mark.evidence").first).to_be_visible()  # why it proposes 主动公开
    snapshot(page, live, "review")
    page.get_by_role("button", name="同意：主动公开").click()
    expect(page.get_by_text("待审查").first).to_be_visible()
    sign_as(page, live, page.url, "reviewer", "approver")
    expect(page.get_by_text("已签批完毕").first).to_be_visible()


def sign_as(page: Page, live: LiveDesk, review_url: str, *roles: str) -> None:
    """Each of ``roles`` logs in and agrees to the proposal (主动公开) at the review page."""
    for role in roles:
        page.context.clear_cookies()
        log_in(page, live, role)
        page.goto(review_url)
        page.get_by_role("button", name="同意：主动公开").click()


def test_a_request_from_arrival_to_the_letter(page: Page, live: LiveDesk, tmp_path: Path) -> None:
    from datetime import date

    from docx import Document as DocxDocument

    build_docx(
        tmp_path / "老旧小区改造立项批复.docx",
        [
            "某市发展和改革委员会文件",
            "某发改投资〔2026〕88号",
            "关于老旧小区改造项目立项的批复",
            "同意实施2026年老旧小区改造项目。",
            "（此件公开发布）",
        ],
    )
    shutil.copy(tmp_path / "老旧小区改造立项批复.docx", live.inbox / "老旧小区改造立项批复.docx")
    log_in(page, live, "clerk")
    wait_until_found(page, live, "老旧小区")

    page.goto(f"{live.url}/requests/new")
    page.get_by_role("button", name="登记").click()  # the browser's own check: required fields
    expect(page).to_have_url(f"{live.url}/requests/new")
    page.get_by_label("姓名或名称").fill("张三")
    page.get_by_label("申请人类型").select_option("natural_person")
    page.get_by_label("提交方式").select_option("online")
    page.get_by_label("收到申请之日").fill(date.today().isoformat())
    page.get_by_label("所需政府信息的名称").fill("2026年老旧小区改造项目的立项批复")
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("heading", name="答复期限")).to_be_visible()
    number = page.url.rsplit("/", 1)[1]

    page.get_by_label("在档案中检索").fill("老旧小区")
    found = page.locator("#find-results .hit").filter(has_text="关于老旧小区改造项目立项的批复")
    expect(found).to_be_visible()
    found.get_by_role("button", name="关联").click()
    expect(page.locator("ul.linked")).to_contain_text("关于老旧小区改造项目立项的批复")

    page.locator("summary", has_text="作出答复决定").click()
    page.get_by_label("答复结果").select_option("granted")
    page.get_by_role("button", name="作出答复决定").click()
    expect(page.locator("ul.letters")).to_be_visible()
    page.get_by_role("button", name="生成 .docx").click()
    snapshot(page, live, "request")
    with page.expect_download() as download_info:
        page.locator("ul.letters a").first.click()
    letter = tmp_path / "答复书.docx"
    download_info.value.save_as(letter)
    text = "\n".join(p.text for p in DocxDocument(str(letter)).paragraphs)
    assert number in text
    assert "第三十六条" in text


def test_the_annual_report_from_figures_to_tables(page: Page, live: LiveDesk) -> None:
    from datetime import date

    year = date.today().year
    log_in(page, live, "clerk")
    page.goto(f"{live.url}/report/{year}")
    form = page.locator("form").filter(has=page.get_by_role("button", name="保存"))
    expect(form).to_be_visible()  # no figures yet: the form, not a dead end
    for code, value in (("licensing", "120"), ("penalty", "35"), ("coercion", "2")):
        form.locator(f"input[name={code}]").fill(value)
    form.locator("input[name=administrative_fees]").fill("abc")
    form.get_by_role("button", name="保存").click()
    expect(page.locator(".field-error").first).to_be_visible()  # refused beside the field
    page.locator("input[name=administrative_fees]").fill("1.25")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("link", name="下载 Word 文档（.docx）")).to_be_visible()
    expect(page.locator("table").first).to_be_visible()
    expect(page.get_by_role("cell", name="120", exact=True).first).to_be_visible()
    snapshot(page, live, "report")


def test_a_signed_document_is_published_and_goes_into_the_catalog(
    page: Page, live: LiveDesk, tmp_path: Path
) -> None:
    from datetime import date, timedelta

    from openpyxl import load_workbook

    formed = date.today() - timedelta(days=60)  # past its 20 working days: late
    title = "关于公布涉企收费目录清单的通知"
    build_docx(
        tmp_path / "收费清单.docx",
        [
            "某市人民政府办公室文件",
            "某政办发〔2026〕30号",
            title,
            "各区人民政府、市政府各部门：现将涉企收费目录清单予以公布。",
            "某市人民政府办公室",
            f"{formed.year}年{formed.month}月{formed.day}日",
            "（此件公开发布）",
        ],
    )
    shutil.copy(tmp_path / "收费清单.docx", live.inbox / "收费清单.docx")
    log_in(page, live, "clerk")
    wait_until_found(page, live, "涉企收费目录清单")
    page.get_by_role("link", name=title).click()
    document_url = page.url
    sign_as(page, live, document_url.replace("/documents/", "/review/"), *SIGNERS)

    page.context.clear_cookies()
    log_in(page, live, "clerk")
    page.goto(f"{live.url}/publication")
    late = page.locator("#overdue + table")
    expect(late).to_contain_text(title)
    snapshot(page, live, "publication")
    late.get_by_role("link", name=title).click()
    card = page.locator("#publication")
    expect(card).to_contain_text("逾期未公开")
    card.get_by_label("公开渠道").select_option("portal")
    card.get_by_label("主题分类").fill("财政")
    card.get_by_label("网址").fill("http://www.example.gov.cn/zwgk/30.html")
    card.get_by_role("button", name="登记公开").click()
    expect(card).to_contain_text(f"000014349/{date.today().year}-00001")  # swapped in place
    expect(card).to_contain_text("逾期公开")
    snapshot(page, live, "publication-card")

    page.goto(f"{live.url}/publication/catalog")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    catalog = tmp_path / "目录.xlsx"
    download_info.value.save_as(catalog)
    sheet = load_workbook(catalog).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == (f"000014349/{date.today().year}-00001", title, "某政办发〔2026〕30号")

    page.goto(f"{live.url}/publication/compliance")
    expect(page.locator("table.compliance").first).to_be_visible()
    snapshot(page, live, "compliance")
