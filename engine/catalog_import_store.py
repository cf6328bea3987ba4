"""The catalog import's shell: the plan of engine.catalog_import over the register, and
its rows recorded through :meth:`PublicationDesk.publish`.

The whole file is planned first, from one reading of the register. Each row that
passes is then recorded as ``gongkai publish`` records a publication, in a
transaction of its own (all or nothing per row; audited; checked again there, so a
row the register no longer allows is refused, not forced). A dry run stops after
the plan: it writes nothing, not even an audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.catalog_import import (
    IMPORT_ACTION,
    CatalogRow,
    Filed,
    Filing,
    Given,
    Matcher,
    Outcome,
    PlannedRow,
    plan_import,
    summary,
    write_order,
)
from engine.office import load_office
from engine.publication import Channel, IndexPattern, PublicationError
from engine.publication_store import PublicationDesk, final_decisions
from engine.register.audit import audit
from engine.register.models import Document, IndexNumber, Publication

_IN_CHUNK = 500  # ids in one IN list: well under the databases' limits on bound parameters


@dataclass(frozen=True)
class ImportReport:
    """An import's rows (in the file's order) and whether it was only planned."""

    source: str
    channel: Channel
    dry_run: bool
    rows: list[PlannedRow]

    @property
    def ok(self) -> bool:
        """Every row recorded (or, in a dry run, recordable)."""
        return not any(item.outcome.failed for item in self.rows)

    def view(self) -> dict[str, object]:
        """The report as ``--json`` shows it."""
        return {
            "source": self.source,
            "channel": self.channel.value,
            "dry_run": self.dry_run,
            "counts": summary(self.rows),
            "rows": [item.view() for item in self.rows],
        }


def plan_catalog_import(
    desk: PublicationDesk, rows: Sequence[CatalogRow], channel: Channel
) -> list[PlannedRow]:
    """Each row's fate, planned from the register as it is now; nothing is written."""
    office = load_office(desk.home)
    pattern = IndexPattern(office.index_pattern)
    with desk.sessions() as session:
        connection = session.connection()  # plain rows: the whole register's titles
        documents = connection.execute(select(Document.id, Document.doc_number, Document.title))
        matcher = Matcher(Filed(*document) for document in documents)
        given = [
            Given(*entry)
            for entry in connection.execute(
                select(
                    IndexNumber.number, IndexNumber.year, IndexNumber.seq, IndexNumber.document_id
                )
            )
        ]
        matched = sorted({found for row in rows if isinstance(found := matcher.match(row), int)})
        filings = _filings(session, matched, desk, given)
    return plan_import(
        rows, matcher, filings, given, pattern, office.org_code, channel, desk.today()
    )


def import_catalog(
    desk: PublicationDesk,
    rows: Sequence[CatalogRow],
    channel: Channel,
    by: str,
    *,
    source: str = "",
    dry_run: bool = False,
) -> ImportReport:
    """Plan the rows, then (unless ``dry_run``) record each that passes, those bringing
    their own 索引号 first; the import itself is audited (``catalog.import``)."""
    planned = plan_catalog_import(desk, rows, channel)
    if dry_run:
        return ImportReport(source, channel, True, planned)
    done = {item.row.line: item for item in planned}
    passing = {item.row.line for item in planned if item.outcome is Outcome.PUBLISH}
    for row in write_order(item.row for item in planned):
        if row.line in passing:
            done[row.line] = _record(desk, done[row.line], channel, by)
    report = ImportReport(source, channel, False, list(done.values()))
    with desk.sessions.begin() as session:
        detail = {"channel": channel.value, "counts": summary(report.rows)}
        audit(session, by, IMPORT_ACTION, source, detail)
    return report


def _record(desk: PublicationDesk, item: PlannedRow, channel: Channel, by: str) -> PlannedRow:
    """Record one planned row as ``gongkai publish`` does: the row, recorded or refused."""
    row = item.row
    assert item.document_id is not None and row.published_on is not None
    try:
        view = desk.publish(
            item.document_id,
            channel,
            row.published_on,
            by,
            url=row.url,
            topic=row.topic,
            index_number=item.claim,
        )
    except PublicationError as error:  # the register changed since the plan
        return replace(item, outcome=Outcome.REFUSED, reason=str(error))
    return replace(
        item,
        outcome=Outcome.PUBLISHED,
        index_number=str(view["index_number"]),
        status=str(view["status_label"]),
    )


def _filings(
    session: Session, document_ids: list[int], desk: PublicationDesk, given: list[Given]
) -> dict[int, Filing]:
    """The matched documents' standing: 成文日期, final decisions, publications, 索引号."""
    numbers = {entry.document_id: entry.number for entry in given}
    decisions = final_decisions(session, document_ids, desk.required)
    issued: dict[int, date | None] = {}
    published: dict[int, list[tuple[Channel, date]]] = {i: [] for i in document_ids}
    for start in range(0, len(document_ids), _IN_CHUNK):
        chunk = document_ids[start : start + _IN_CHUNK]
        found = select(Document.id, Document.issue_date).where(Document.id.in_(chunk))
        issued.update((i, day) for i, day in session.execute(found))
        publications = select(
            Publication.document_id, Publication.channel, Publication.published_on
        ).where(Publication.document_id.in_(chunk))
        for document_id, kind, day in session.execute(publications):
            published[document_id].append((Channel(kind), day))
    return {
        i: Filing(issued[i], tuple(decisions[i]), tuple(published[i]), numbers.get(i))
        for i in document_ids
    }
