"""The ``gongkai`` command as a clerk and other tools use it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from engine.cli import app
from engine.config import Settings
from tests.builders import build_docx
from tests.conftest import invoke_json

NOTICE = [
    "乌海政办发〔2007〕55号",
    "乌海市人民政府办公厅关于做好政务公开工作的通知",
    "正文。",
    "2021年3月26日",
]


def test_ingest_list_and_show_in_json(cli: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "旧档"
    folder.mkdir()
    build_docx(folder / "通知.docx", NOTICE)
    (folder / "~$通知.docx").write_bytes(b"owner file")

    report = invoke_json(cli, "ingest", str(folder))
    assert report["counts"]["filed"] == 1  # type: ignore[index]
    assert len(report["files"]) == 1, "the Office owner file is passed over"  # type: ignore[index]

    [listed] = invoke_json(cli, "list")  # type: ignore[misc]
    assert listed["file_names"] == ["通知.docx"]
    assert listed["doc_number"] == "乌海政办发〔2007〕55号"
    assert listed["issue_date"] == "2021-03-26"
    assert listed["status"] == "filed"
    assert listed["metadata"]["doc_number"] == "乌海政办发〔2007〕55号"

    shown = invoke_json(cli, "show", str(listed["id"]))
    assert shown["id"] == listed["id"]  # type: ignore[index]
    assert [e["action"] for e in shown["history"]] == ["ingested"]  # type: ignore[index]
    assert "正文。" in shown["text"]  # type: ignore[index]
    assert Path(shown["original"]).read_bytes() == (folder / "通知.docx").read_bytes()  # type: ignore[index]


def test_errors_go_to_stderr_with_a_non_zero_exit(cli: CliRunner, tmp_path: Path) -> None:
    missing = cli.invoke(app, ["show", "999", "--json"])
    assert missing.exit_code == 1
    assert missing.stdout == ""
    assert "no document with id 999" in missing.stderr

    nowhere = cli.invoke(app, ["ingest", str(tmp_path / "nowhere")])
    assert nowhere.exit_code == 1
    assert "no such file or folder" in nowhere.stderr


def test_init_creates_the_data_root(cli: CliRunner, sqlite_settings: Settings) -> None:
    info = invoke_json(cli, "init")
    assert info["documents"] == 0  # type: ignore[index]
    assert (sqlite_settings.home / "gongkai.db").exists()
    assert sqlite_settings.inbox.is_dir()
    office = sqlite_settings.home / "office.toml"
    assert "reconsideration_body" in office.read_text(encoding="utf-8")
    office.write_text('agency = "某局"\n', encoding="utf-8")
    invoke_json(cli, "init")  # the office's own file is never overwritten
    assert office.read_text(encoding="utf-8") == 'agency = "某局"\n'
