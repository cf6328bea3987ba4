"""The issue's "done when": every seed document, in every format, dropped into the
inbox of a running watcher, is filed with the metadata it states."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from engine.config import Settings
from engine.register.models import Document
from tests.test_watcher import wait_for, watching

# What each seed states (corpus/README.md), whatever format it arrives in.
STATED: dict[str, dict[str, object]] = {
    "wuhai-2007-demo-sites": {
        "doc_number": "乌海政办发〔2007〕55号",
        "issue_date": date(2007, 12, 28),
        "issuer": "乌海市人民政府办公厅",
    },
    "wulanchabu-2005-ten-rules": {"issue_date": date(2005, 11, 11)},
    "erlianhaote-2014-plan": {"issue_date": date(2014, 5, 23)},
    "keyouqianqi-2021-rules": {"attribute": "proactive"},
    "baoding-2011-four-rules": {"issue_date": None},  # 二一年: a digit was lost
}


def test_every_seed_in_every_format_is_filed_with_its_metadata(
    sqlite_settings: Settings, seeds: Path
) -> None:
    files = sorted(p for p in seeds.iterdir() if p.suffix in {".docx", ".pdf", ".txt"})
    assert len(files) == 16
    with watching(sqlite_settings) as (archive, outcomes):
        for path in files:
            shutil.copy(path, sqlite_settings.inbox / path.name)
        wait_for(lambda: len(outcomes) == len(files), timeout=60)

    with archive.sessions() as session:
        documents = session.scalars(select(Document).options(selectinload(Document.sources))).all()
        by_name = {d.sources[0].file_name: d for d in documents}
    assert len(documents) == 16, [o.to_dict() for o in outcomes if o.document_id is None]
    for name, document in by_name.items():
        stem = name.split(".")[0]
        for field, value in STATED[stem].items():
            assert getattr(document, field) == value, (name, field)
        assert document.status == "filed", name
        assert len(document.text) > 1000, name
    assert [p for p in sqlite_settings.inbox.rglob("*") if p.is_file()] == []
