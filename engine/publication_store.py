"""The publication desk's shell: the rules of engine.publication over the register.

Publishing a document records the publication, gives the document its 索引号 at
the first one (the next number of the publication's year, never reused) and
writes an audit event, in one transaction: a publication the rules refuse
writes nothing and takes no number. A validity change (废止, 修改) keeps the
document's ``repealed_on`` in step, which the annual report's table 二 counts.
The catalog is exported as CSV (UTF-8 with a BOM, for Excel) or XLSX, whole or
not at all.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.codes import Attribute, Reason
from engine.deadlines import USER_FILE_NAME, Calendar, load_calendar
from engine.office import load_office
from engine.pipeline import SYSTEM_ACTOR
from engine.publication import (
    CATALOG_COLUMNS,
    CatalogEntry,
    ChangeKind,
    Channel,
    ClockStart,
    FinalDecision,
    IndexPattern,
    PublicationError,
    Standing,
    ValidityChange,
    catalog_row,
    check_publication,
    check_validity_change,
    clock_start,
    publication_due,
    standing,
    validity,
)
from engine.register.audit import audit
from engine.register.models import Document, IndexNumber, Publication, SignOff
from engine.register.models import ValidityChange as ValidityRow
from engine.register.numbering import with_next_seq
from engine.review import Action, Level, Position, review_state
from engine.review import SignOff as Signature
from engine.store import replace_file

_IN_CHUNK = 500  # ids in one IN list: well under the databases' limits on bound parameters
# The decision in force is 主动公开: a reopened document keeps it (and its place in the
# catalog and on the clock) while the levels review it again (review_status "pending").
_FINAL_PROACTIVE = (
    Document.attribute == Attribute.PROACTIVE.value,
    Document.attribute_source == "decision",
)


EXPORT_ACTION = "catalog.export"  # the audit log's action for a catalog export


def unknown_document(document_id: int) -> PublicationError:
    return PublicationError(
        f"档案中没有编号为 {document_id} 的文件 (no document {document_id} in the archive)"
    )


class CatalogFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass
class PublicationDesk:
    """Publications, the clock, validity and the catalog; ``today`` is injectable for tests."""

    sessions: sessionmaker[Session]
    home: Path
    calendar: Calendar
    required: tuple[Level, ...]
    today: Callable[[], date] = date.today

    @classmethod
    def open(
        cls, sessions: sessionmaker[Session], home: Path, required: tuple[Level, ...]
    ) -> PublicationDesk:
        return cls(sessions, home, load_calendar(home / USER_FILE_NAME), required)

    # --- publishing ----------------------------------------------------------------

    def publish(
        self,
        document_id: int,
        channel: Channel,
        published_on: date,
        by: str,
        *,
        url: str = "",
        topic: str = "",
        index_number: str = "",
    ) -> dict[str, object]:
        """Record a publication; the document's 索引号 (given now if it is the first) and clock.

        ``index_number``: the 索引号 the document already carries elsewhere (a catalog
        import), given instead of the next one if it fits the office's pattern and is
        no other document's; a document already numbered keeps its number.
        """
        office = load_office(self.home)
        pattern = IndexPattern(office.index_pattern)
        claimed = pattern.claim(index_number, office.org_code) if index_number else None
        year = claimed[0] if claimed else published_on.year

        def record(session: Session, seq: int) -> dict[str, object]:
            document = session.get(Document, document_id)
            if document is None:
                raise unknown_document(document_id)
            decisions = final_decisions(session, [document_id], self.required)[document_id]
            earlier = session.execute(
                select(Publication.channel, Publication.published_on).where(
                    Publication.document_id == document_id
                )
            ).all()
            start = check_publication(
                document.issue_date,
                decisions,
                channel,
                published_on,
                [(Channel(kind), day) for kind, day in earlier],
                self.today(),
            )
            number = session.scalar(
                select(IndexNumber).where(IndexNumber.document_id == document_id)
            )
            if number is None:
                if claimed:
                    seq = claimed[1]
                    _check_unclaimed(session, index_number, year, seq)
                number = IndexNumber(
                    document_id=document_id,
                    number=pattern.format(office.org_code, year, seq),
                    year=year,
                    seq=seq,
                    assigned_on=published_on,
                )
                session.add(number)
            session.add(
                Publication(
                    document_id=document_id,
                    channel=channel.value,
                    url=url.strip(),
                    published_on=published_on,
                    topic=topic.strip(),
                    recorded_at=datetime.now(UTC),
                    recorded_by=by,
                )
            )
            first = min([published_on, *(day for _, day in earlier)])
            clock = standing(
                publication_due(start, self.calendar), first, self.today(), self.calendar
            )
            detail = {
                "index_number": number.number,
                "channel": channel.value,
                "url": url.strip(),
                "published_on": published_on.isoformat(),
                "due": clock.due.isoformat(),
                "status": clock.status.value,
            }
            audit(
                session, by, "publication.publish", number.number, detail, document_id=document_id
            )
            session.flush()
            return {
                "document_id": document_id,
                "title": document.title,
                **detail,
                "channel_label": channel.label,
                "first_published_on": first.isoformat(),
                **_clock_view(start, clock),
                "on_time": clock.status.value == "on_time",
            }

        busy = PublicationError("could not allocate a 索引号: the register is busy, try again")
        return with_next_seq(self.sessions, IndexNumber.seq, IndexNumber.year, year, record, busy)

    # --- the clock -----------------------------------------------------------------

    def clock(
        self, *, due_within: int | None = None, overdue: bool = False
    ) -> list[dict[str, object]]:
        """The unpublished 主动公开 documents on the clock, the earliest due first, grouped
        by 发文机关 in the views; with ``due_within`` N working days and/or ``overdue``, only
        those (the dashboard: what is due this week, what is late)."""
        today = self.today()
        with self.sessions() as session:
            published = select(Publication.document_id)
            rows = session.execute(
                select(
                    Document.id,
                    Document.title,
                    Document.doc_number,
                    Document.issuer,
                    Document.issue_date,
                ).where(*_FINAL_PROACTIVE, Document.id.not_in(published))
            ).all()
            decisions = final_decisions(session, [row.id for row in rows], self.required)
        views = []
        for row in rows:
            start = clock_start(row.issue_date, decisions[row.id])
            if start is None:  # decided otherwise since: not on the clock
                continue
            clock = standing(publication_due(start, self.calendar), None, today, self.calendar)
            late = clock.status.value == "overdue"
            left = clock.working_days_left
            if (due_within is not None or overdue) and not (
                (overdue and late)
                or (due_within is not None and not late and left is not None and left <= due_within)
            ):
                continue
            views.append(
                {
                    "document_id": row.id,
                    "title": row.title,
                    "doc_number": row.doc_number,
                    "issuer": row.issuer or "",
                    "issue_date": row.issue_date.isoformat() if row.issue_date else None,
                    **_clock_view(start, clock),
                }
            )
        views.sort(key=lambda view: (view["issuer"], view["due"], view["document_id"]))
        return views

    def document_view(self, document_id: int) -> dict[str, object]:
        """A document's page on the publication books: its 索引号, publications, clock
        (while it is decided 主动公开) and 有效性 with the changes made to it and by it."""
        with self.sessions() as session:
            document = session.get(Document, document_id)
            if document is None:
                raise unknown_document(document_id)
            publications = (
                session.execute(
                    select(Publication)
                    .where(Publication.document_id == document_id)
                    .order_by(Publication.published_on, Publication.id)
                )
                .scalars()
                .all()
            )
            number = session.scalar(
                select(IndexNumber.number).where(IndexNumber.document_id == document_id)
            )
            decisions = final_decisions(session, [document_id], self.required)[document_id]
            changes = _changes(session, [document_id])[document_id]
            made = session.execute(
                select(ValidityRow.kind, ValidityRow.effective_on, ValidityRow.document_id)
                .where(ValidityRow.by_document_id == document_id)
                .order_by(ValidityRow.effective_on, ValidityRow.id)
            ).all()
            titles = dict(
                session.execute(
                    select(Document.id, Document.title).where(
                        Document.id.in_({c.by for c in changes} | {row[2] for row in made})
                    )
                ).all()
            )
            start = clock_start(document.issue_date, decisions)
            first = publications[0].published_on if publications else None
            clock = (
                None
                if start is None
                else _clock_view(
                    start,
                    standing(
                        publication_due(start, self.calendar), first, self.today(), self.calendar
                    ),
                )
            )
            now = validity(document.repealed_on, changes, self.today())
            return {
                "document_id": document_id,
                "index_number": number,
                "publishable": start is not None,
                "clock": clock,
                "publications": [
                    {
                        "channel": row.channel,
                        "channel_label": Channel(row.channel).label,
                        "url": row.url,
                        "published_on": row.published_on.isoformat(),
                        "topic": row.topic,
                        "recorded_by": row.recorded_by,
                    }
                    for row in publications
                ],
                "validity": now.value,
                "validity_label": now.label,
                "changes": [
                    _change_view(change.kind, change.on, change.by, titles) for change in changes
                ],
                "changes_made": [
                    _change_view(ChangeKind(kind), on, other, titles) for kind, on, other in made
                ],
            }

    # --- validity ------------------------------------------------------------------

    def change_validity(
        self, document_id: int, kind: ChangeKind, by_document: int, on: date, by: str
    ) -> dict[str, object]:
        """Record that ``by_document`` repealed or amended the document on ``on``."""
        change = ValidityChange(kind, on, by_document)
        with self.sessions.begin() as session:
            document = session.get(Document, document_id)
            other = session.get(Document, by_document)
            for wanted, found in ((document_id, document), (by_document, other)):
                if found is None:
                    raise unknown_document(wanted)
            assert document is not None and other is not None
            check_validity_change(
                document_id, document.issue_date, document.repealed_on, change, other.issue_date
            )
            session.add(
                ValidityRow(
                    document_id=document_id,
                    kind=kind.value,
                    by_document_id=by_document,
                    effective_on=on,
                    recorded_at=datetime.now(UTC),
                    recorded_by=by,
                )
            )
            if kind is ChangeKind.REPEALED:
                document.repealed_on = on  # table 二's 废止 count reads it
            history = _changes(session, [document_id])[document_id] + [change]
            now = validity(document.repealed_on, history, self.today())
            subject = document.doc_number or document.title or f"document {document_id}"
            detail = {"kind": kind.value, "by_document": by_document, "on": on.isoformat()}
            audit(session, by, f"validity.{kind.value}", subject, detail, document_id=document_id)
        return {
            "document_id": document_id,
            **detail,
            "kind_label": kind.label,
            "validity": now.value,
            "validity_label": now.label,
            "history": [
                {"kind": item.kind.value, "on": item.on.isoformat(), "by_document": item.by}
                for item in history
            ],
        }

    # --- the catalog ---------------------------------------------------------------

    def catalog(self, year: int | None = None) -> list[CatalogEntry]:
        """The 政府信息公开目录: every published document still 主动公开, by 索引号;
        ``year``: those numbered in that year (the year of their first publication).
        有效性 is as of today."""
        today = self.today()
        query = (
            select(
                Document.id,
                IndexNumber.number,
                Document.title,
                Document.doc_number,
                Document.issuer,
                Document.issue_date,
                Document.repealed_on,
            )
            .join(IndexNumber, IndexNumber.document_id == Document.id)
            .where(*_FINAL_PROACTIVE)
            .order_by(IndexNumber.year, IndexNumber.seq)
        )
        if year is not None:
            query = query.where(IndexNumber.year == year)
        with self.sessions() as session:
            # Plain rows through the connection: the ORM adds nothing to 100,000 tuples.
            connection = session.connection()
            rows = connection.execute(query).all()
            first: dict[int, date] = {}
            topics: dict[int, str] = {}
            publications = select(
                Publication.document_id, Publication.published_on, Publication.topic
            ).order_by(Publication.published_on, Publication.id)
            for document_id, day, topic in connection.execute(publications):
                first.setdefault(document_id, day)
                if topic:
                    topics.setdefault(document_id, topic)  # the earliest publication's 主题分类
            changes = _changes(session, None)
        return [
            CatalogEntry(
                number,
                title or "",
                doc_number or "",
                issuer or "",
                issued,
                first[document_id],
                topics.get(document_id, ""),
                validity(repealed, changes.get(document_id, []), today),
            )
            for document_id, number, title, doc_number, issuer, issued, repealed in rows
        ]

    def catalog_file(self, fmt: CatalogFormat, year: int | None, by: str) -> tuple[bytes, int]:
        """The catalog as a file's bytes (CSV or XLSX) and its number of entries.

        The export is an audit event (``catalog.export``): the 有效性 re-marking clock
        (:func:`engine.publication.remarked_on`) counts a change as re-marked by it.
        """
        return self._export(fmt, year, by, None)

    def catalog_counts(self) -> dict[int, int]:
        """How many entries the catalog has for each year of 索引号, the latest year first."""
        query = (
            select(IndexNumber.year, func.count())
            .join(Document, IndexNumber.document_id == Document.id)
            .where(*_FINAL_PROACTIVE)
            .group_by(IndexNumber.year)
            .order_by(IndexNumber.year.desc())
        )
        with self.sessions() as session:
            return {year: count for year, count in session.execute(query)}

    def export_catalog(
        self, path: Path, fmt: CatalogFormat, year: int | None = None, by: str = SYSTEM_ACTOR
    ) -> int:
        """Write the catalog to ``path`` atomically, audited; the number of entries written."""
        return self._export(fmt, year, by, lambda data: replace_file(path, data))[1]

    def _export(
        self,
        fmt: CatalogFormat,
        year: int | None,
        by: str,
        write: Callable[[bytes], None] | None,
    ) -> tuple[bytes, int]:
        # The event is dated before the register is read: a change recorded while the
        # file is being built may be missing from it, so it must not count as re-marked.
        started = datetime.now(UTC)
        with collector_paused():
            entries = self.catalog(year)
            data = catalog_csv(entries) if fmt is CatalogFormat.CSV else catalog_xlsx(entries)
        detail = {"format": fmt.value, "year": year, "entries": len(entries)}
        with self.sessions.begin() as session:
            if write is not None:
                write(data)  # inside the transaction: a file that failed is no export
            audit(session, by, EXPORT_ACTION, fmt.value, detail, at=started)
        return data, len(entries)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused, then as it was.

    For the catalog and the compliance report: they make a few hundred thousand objects
    that all live until the file is built, and the collector would go over them again
    and again for nothing (a sixth of the catalog's time, a third of the report's). What
    cycles are left meanwhile are collected once it runs again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def catalog_csv(entries: Iterable[CatalogEntry]) -> bytes:
    """The catalog as CSV: a header row, dates as YYYY-MM-DD, UTF-8 with a BOM so that
    Excel reads the Chinese right."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header for header, _ in CATALOG_COLUMNS)
    writer.writerows(
        [
            "" if cell is None else cell.isoformat() if isinstance(cell, date) else cell
            for cell in catalog_row(entry)
        ]
        for entry in entries
    )
    return text.getvalue().encode("utf-8-sig")


def catalog_xlsx(entries: Sequence[CatalogEntry]) -> bytes:
    """The catalog as an .xlsx: a frozen header row, column widths, dates as dates.

    openpyxl writes the workbook, the header and the first entry; the other
    entries' rows are written as openpyxl's write-only mode writes them (inline
    strings, dates as serial numbers in the first entry's date style), at a
    fraction of its cost per cell: 100,000 entries in seconds, not half a minute.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet("政府信息公开目录")
    for index, (_, width) in enumerate(CATALOG_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([header for header, _ in CATALOG_COLUMNS])
    if entries:
        sheet.append(catalog_row(entries[0]))  # a date cell gets the yyyy-mm-dd format
    written = io.BytesIO()
    book.save(written)
    if len(entries) < 2:
        return written.getvalue()
    with zipfile.ZipFile(written) as package:
        xml = package.read(_SHEET).decode("utf-8")
        date_style = re.search(r'<c r="F2" s="(\d+)"', xml)
        assert date_style is not None, "openpyxl styles the first entry's 发布日期"
        rows = _xlsx_rows(entries[1:], 3, date_style[1])
        xml = xml.replace("</sheetData>", rows + "</sheetData>", 1)
        result = io.BytesIO()
        # The fastest deflate: the sheet's repetitive XML shrinks nearly as well.
        with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
            for item in package.infolist():
                data = xml.encode("utf-8") if item.filename == _SHEET else package.read(item)
                out.writestr(item, data, zipfile.ZIP_DEFLATED, compresslevel=1)
    return result.getvalue()


_SHEET = "xl/worksheets/sheet1.xml"
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()  # serial day 0 of the 1900 date system
_COLUMNS = tuple(get_column_letter(index) for index in range(1, len(CATALOG_COLUMNS) + 1))
# Characters XML 1.0 cannot hold (openpyxl refuses them): dropped from the text.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")  # what the text cannot keep as it is


def _xlsx_rows(entries: Sequence[CatalogEntry], first: int, date_style: str) -> str:
    """The entries' rows of sheetData, numbered from ``first``, as openpyxl's write-only
    mode writes them; empty cells left out. One loop, no call per cell: a few microseconds
    a row."""
    parts: list[str] = []
    add, search = parts.append, _SPECIAL.search
    for number, entry in enumerate(entries, start=first):
        add(f'<row r="{number}">')
        for column, value in zip(_COLUMNS, catalog_row(entry), strict=True):
            if not value:
                continue
            if isinstance(value, str):
                # Most text needs no escaping: looking is cheaper than escaping.
                text = escape(_ILLEGAL.sub("", value)) if search(value) else value
                space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
                add(f'<c r="{column}{number}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
            else:
                serial = value.toordinal() - _EXCEL_EPOCH
                add(f'<c r="{column}{number}" s="{date_style}" t="n"><v>{serial}</v></c>')
        add("</row>")
    return "".join(parts)


# --- reading the register ----------------------------------------------------------


def _check_unclaimed(session: Session, number: str, year: int, seq: int) -> None:
    """Refuse a 索引号 given from outside that is, or has the year and sequence of,
    another document's: numbers are never given twice."""
    holder = session.scalar(
        select(IndexNumber.document_id).where(
            (IndexNumber.number == number.strip())
            | ((IndexNumber.year == year) & (IndexNumber.seq == seq))
        )
    )
    if holder is not None:
        raise PublicationError(
            f"索引号{number.strip()}已编给文件{holder} (already the number of document {holder})"
        )


def _clock_view(start: ClockStart, clock: Standing) -> dict[str, object]:
    """What the pages and ``--json`` show of a document's publication clock."""
    return {
        "clock_start": start.day.isoformat(),
        "clock_basis": start.basis.value,
        "clock_basis_label": start.basis.label,
        "due": clock.due.isoformat(),
        "working_days_left": clock.working_days_left,
        "status": clock.status.value,
        "status_label": clock.status.label,
        "warnings": [warning.message for warning in clock.warnings],
    }


def _change_view(
    kind: ChangeKind, on: date, other: int, titles: dict[int, str | None]
) -> dict[str, object]:
    """A validity change as shown: its kind, day and the other document (id and title)."""
    return {
        "kind": kind.value,
        "kind_label": kind.label,
        "on": on.isoformat(),
        "document_id": other,
        "title": titles.get(other) or "",
    }


def final_decisions(
    session: Session, document_ids: Sequence[int], required: Sequence[Level]
) -> dict[int, list[FinalDecision]]:
    """Each document's final decisions on its 公开属性, oldest first, from its signatures.

    The review's rules are replayed one signature at a time: a decision is final
    on the day of the signature that completed it.
    """
    signatures: dict[int, list[Signature]] = {i: [] for i in document_ids}
    positions: dict[tuple[str, str | None], Position] = {}  # a handful, shared
    # Plain rows, not ORM objects: a year's report reads tens of thousands.
    columns = (SignOff.level, SignOff.by, SignOff.at, SignOff.action, SignOff.note)
    for start in range(0, len(document_ids), _IN_CHUNK):
        chunk = document_ids[start : start + _IN_CHUNK]
        query = (
            select(SignOff.document_id, SignOff.attribute, SignOff.reason, *columns)
            .where(SignOff.document_id.in_(chunk))
            .order_by(SignOff.id)
        )
        for document_id, attribute, reason, level, by, at, action, note in session.execute(query):
            position = positions.get((attribute, reason))
            if position is None:
                position = positions[attribute, reason] = Position(
                    Attribute(attribute), Reason(reason) if reason else None
                )
            signatures[document_id].append(
                Signature(Level(level), by, at, Action(action), position, note)
            )
    # The levels sign in order: only the highest one's signature can complete a decision
    # (with no level required, the review's rules refuse every signature).
    top = max(required, key=lambda level: level.rank, default=None)
    return {i: _decided(signed, required, top) for i, signed in signatures.items()}


def _decided(
    signatures: Sequence[Signature], required: Sequence[Level], top: Level | None
) -> list[FinalDecision]:
    if not signatures:
        return []
    # A confirmation signs the proposal under review: its position is the proposal's.
    first = signatures[0]
    proposal = first.position if first.action is Action.CONFIRM else None
    decisions = []
    for count, signature in enumerate(signatures, start=1):
        if top is not None and signature.level is not top:
            continue  # it completes no decision: no need to replay up to it
        state = review_state(proposal, signatures[:count], required)
        if state.final and state.position is not None:
            at = signatures[count - 1].at
            # SQLite gives back the UTC time without its zone; the day is the office's.
            day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone().date()
            decisions.append(FinalDecision(day, state.position.attribute))
    return decisions


def _changes(
    session: Session, document_ids: Sequence[int] | None
) -> dict[int, list[ValidityChange]]:
    """The validity history of ``document_ids`` (None: of every document), oldest first."""
    query = select(
        ValidityRow.document_id,
        ValidityRow.kind,
        ValidityRow.effective_on,
        ValidityRow.by_document_id,
    ).order_by(ValidityRow.effective_on, ValidityRow.id)
    if document_ids is not None:
        query = query.where(ValidityRow.document_id.in_(document_ids))
    found: dict[int, list[ValidityChange]] = {i: [] for i in document_ids or ()}
    for document_id, kind, on, by in session.connection().execute(query):
        found.setdefault(document_id, []).append(ValidityChange(ChangeKind(kind), on, by))
    return found
