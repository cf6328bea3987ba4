"""Filing a generated letter: its 文号 and version, the .docx under generated/, its register row.

Shared by the request and correction desks. A letter printed again is a new
version with the same 文号; every version stays, written once and read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from engine.letters import Templates, letter_context, render
from engine.office import Office, load_office
from engine.register.models import Correction, Letter, Request
from engine.register.numbering import next_seq
from engine.store import store_generated


def letter_setup(
    home: Path, office: Office | None, templates: Templates | None
) -> tuple[Office, Templates]:
    """The office's particulars and templates, unless the caller brings its own (tests, bench)."""
    return (
        office or load_office(home),
        templates or Templates(office=home / "templates"),
    )


def file_letter(
    session: Session,
    home: Path,
    owner: Request | Correction,
    *,
    kind: str,
    template: str,
    body: Mapping[str, object],
    office: Office,
    templates: Templates,
    day: date,
    by: str,
) -> Letter:
    """Render ``template`` with ``body``, keep it under generated/ and add its row to ``owner``."""
    year, seq, version = _slot(session, owner, kind, day)
    context = letter_context(office, office.letter_number(year, seq), day, body)
    data = render(templates.path(template), context)
    folder = "requests" if isinstance(owner, Request) else "corrections"
    name = f"{kind.replace(':', '-')}-v{version}.docx"
    relative = Path("generated", folder, str(owner.year), owner.number, name)
    digest = store_generated(home, relative, data)
    letter = Letter(
        kind=kind,
        template=template,
        letter_number=str(context["letter_number"]),
        year=year,
        seq=seq,
        version=version,
        path=relative.as_posix(),
        sha256=digest.sha256,
        size=digest.size,
        letter_date=day,
        generated_at=datetime.now(UTC),
        generated_by=by,
    )
    owner.letters.append(letter)
    return letter


def _slot(
    session: Session, owner: Request | Correction, kind: str, day: date
) -> tuple[int, int, int]:
    """(year, 序号, version): an earlier version's 文号, or the next number of the year."""
    earlier = [letter for letter in owner.letters if letter.kind == kind]
    if earlier:
        first = earlier[0]
        return first.year, first.seq, max(letter.version for letter in earlier) + 1
    return day.year, next_seq(session, Letter.seq, Letter.year, day.year), 1


def letter_view(letter: Letter) -> dict[str, object]:
    """A filed letter as plain data (--json)."""
    return {
        "id": letter.id,
        "kind": letter.kind,
        "letter_number": letter.letter_number,
        "version": letter.version,
        "path": letter.path,
        "sha256": letter.sha256,
        "letter_date": letter.letter_date.isoformat(),
        "generated_by": letter.generated_by,
    }
