"""The 政府信息公开指南 kept and audited: ``gongkai guide`` and the desk's 公开指南 page.

Each guide printed is kept under ``generated/guide/guide-v<N>.docx``, written once
and read-only (:func:`engine.store.store_generated`), and noted in the audit log
with its checksum, as the annual report is. It gets no row in the ``letters``
table: a guide has no 文号 and belongs to no request or correction, which that
table's rows must have.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from engine.guide import TEMPLATE, guide_context
from engine.letters import Templates, render
from engine.office import Office, load_office
from engine.register.audit import audit
from engine.store import Checksum, store_generated

GUIDES = Path("generated", "guide")
_VERSION = re.compile(r"guide-v(\d+)\.docx")


def next_guide_path(home: Path) -> Path:
    """``generated/guide/guide-v<N>.docx``, N one past the last version kept."""
    kept = (_VERSION.fullmatch(path.name) for path in (home / GUIDES).glob("guide-v*.docx"))
    version = 1 + max((int(match[1]) for match in kept if match), default=0)
    return GUIDES / f"guide-v{version}.docx"


def issue_guide(
    sessions: sessionmaker[Session],
    home: Path,
    day: date,
    by: str,
    *,
    office: Office | None = None,
    templates: Templates | None = None,
) -> tuple[Path, Checksum]:
    """Render the guide dated ``day``, keep it as the next version and audit who printed it.

    The office's particulars are office.toml's and the template the office's own
    copy under ``$GONGKAI_HOME/templates`` if it has one, unless the caller brings
    its own. Raises OfficeError (office.toml, or a field the guide needs left
    empty) or TemplateError before anything is written. Returns the kept file's
    path (relative to ``home``) and its checksum.
    """
    office = office or load_office(home)
    template = (templates or Templates(office=home / "templates")).path(TEMPLATE)
    data = render(template, guide_context(office, day))
    relative = next_guide_path(home)
    digest = store_generated(home, relative, data)
    with sessions.begin() as session:
        detail = {
            "path": relative.as_posix(),
            "sha256": digest.sha256,
            "size": digest.size,
            "date": day.isoformat(),
        }
        audit(session, by, "guide.generated", relative.name, detail)
    return relative, digest
