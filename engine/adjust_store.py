"""动态调整 in the register: suggestions computed from the requests and the search index,
and the clerk's decisions on them.

A thin shell around :mod:`engine.adjust`: it reads which documents each request
asks for (linked to it, or found by its words in the search index) and the
withheld documents' dates, lets the rules propose, and keeps the suggestions.
Accepting one never changes a 公开属性 by itself: the document goes back to the
review queue and the sign-off levels decide, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.adjust import (
    MAX_HITS,
    AdjustError,
    AskedFor,
    Suggested,
    SuggestionKind,
    SuggestionStatus,
    Withheld,
    decision,
    fresh,
    proactive_suggestions,
    re_review_suggestions,
    request_words,
)
from engine.classify import Classification
from engine.classify.secrecy import declassification_date
from engine.codes import Attribute, Reason
from engine.metadata import DocumentMetadata
from engine.register.audit import audit
from engine.register.models import Document, Request, RequestDocument, SignOff, Suggestion
from engine.review import Level
from engine.search import SearchIndex
from engine.signoff import record_proposal
from indexer import QueryError, SearchQuery
from indexer.query import MAX_QUERY_CHARS

# The proposal an accepted make_proactive suggestion puts before the sign-off levels.
_PROACTIVE = Classification(
    Attribute.PROACTIVE,
    None,
    "《中华人民共和国政府信息公开条例》第四十四条",
    1.0,
    needs_review=True,
)


class UnknownSuggestion(AdjustError):
    """No suggestion with that id."""


def suggestion_view(row: Suggestion, title: str | None) -> dict[str, object]:
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_label": SuggestionKind(row.kind).label,
        "document_id": row.document_id,
        "title": title,
        "reason": row.reason,
        "evidence": row.evidence,
        "status": row.status,
        "status_label": SuggestionStatus(row.status).label,
        "created_at": row.created_at.isoformat(timespec="seconds"),
        "decided_at": row.decided_at.isoformat(timespec="seconds") if row.decided_at else None,
        "decided_by": row.decided_by,
        "note": row.note,
    }


@dataclass
class AdjustDesk:
    sessions: sessionmaker[Session]
    index: SearchIndex
    required: Sequence[Level]  # the sign-off levels a decision needs

    def asked_for(self, session: Session) -> list[AskedFor]:
        """Every request with the documents it asks for: linked, or found by its words."""
        linked: dict[int, set[int]] = {}
        for request_id, document_id in session.execute(
            select(RequestDocument.request_id, RequestDocument.document_id)
        ):
            linked.setdefault(request_id, set()).add(document_id)
        asked = []
        rows = session.execute(
            select(Request.id, Request.number, Request.applicant_name, Request.content)
        )
        for request_id, number, applicant, content in rows:
            found = linked.get(request_id, set()) | self._found(content)
            asked.append(AskedFor(number, applicant, frozenset(found)))
        return asked

    def _found(self, content: str) -> set[int]:
        """The documents a request's words find; none when they find too many to mean one."""
        words = request_words(content)[:MAX_QUERY_CHARS]
        try:
            result = self.index.search(SearchQuery(text=words, limit=MAX_HITS))
        except QueryError:  # no word left to search for
            return set()
        if cast(int, result["total"]) > MAX_HITS:
            return set()
        return {cast(int, hit["id"]) for hit in cast(list[dict[str, object]], result["hits"])}

    @staticmethod
    def withheld(session: Session) -> list[Withheld]:
        """The 不予公开 documents not under review, with their last decision's day."""
        last_signed = {
            document_id: at
            for document_id, at in session.execute(
                select(SignOff.document_id, func.max(SignOff.at)).group_by(SignOff.document_id)
            )
        }
        documents = session.scalars(
            select(Document).where(
                Document.attribute == Attribute.WITHHELD.value,
                Document.review_status.is_distinct_from("pending"),
            )
        )
        return [
            Withheld(
                document.id,
                Reason(document.reason) if document.reason else None,
                last_signed.get(document.id, document.ingested_at).date(),
                declassification_date(DocumentMetadata.from_dict(document.fields)),
            )
            for document in documents
        ]

    def refresh(
        self, today: date, *, threshold: int, process_months: int, by: str
    ) -> list[dict[str, object]]:
        """Add the suggestions that are new (not open or rejected already); their views."""
        with self.sessions.begin() as session:
            attributes = {
                document_id: attribute
                for document_id, attribute, status in session.execute(
                    select(Document.id, Document.attribute, Document.review_status)
                )
                if status != "pending"  # already before the sign-off levels
            }
            suggested = [
                *proactive_suggestions(self.asked_for(session), attributes, threshold=threshold),
                *re_review_suggestions(
                    self.withheld(session), today, process_months=process_months
                ),
            ]
            known = {
                (SuggestionKind(kind), document_id)
                for kind, document_id in session.execute(
                    select(Suggestion.kind, Suggestion.document_id).where(
                        Suggestion.status != SuggestionStatus.ACCEPTED.value
                    )
                )
            }
            added = [self._add(session, item, by) for item in fresh(suggested, known)]
            session.flush()
            return [suggestion_view(row, _title(session, row.document_id)) for row in added]

    @staticmethod
    def _add(session: Session, item: Suggested, by: str) -> Suggestion:
        row = Suggestion(
            kind=item.kind.value,
            document_id=item.document_id,
            reason=item.reason,
            evidence=item.evidence,
            status=SuggestionStatus.OPEN.value,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        audit(
            session,
            by,
            "adjust.suggest",
            item.kind.value,
            {"reason": item.reason, "evidence": item.evidence},
            document_id=item.document_id,
        )
        return row

    def list(
        self, status: SuggestionStatus | None = SuggestionStatus.OPEN
    ) -> list[dict[str, object]]:
        """The suggestions (default: the open ones), oldest first."""
        with self.sessions() as session:
            query = select(Suggestion, Document.title).join(
                Document, Document.id == Suggestion.document_id
            )
            if status is not None:
                query = query.where(Suggestion.status == status.value)
            rows = session.execute(query.order_by(Suggestion.id))
            return [suggestion_view(row, title) for row, title in rows]

    def decide(
        self, suggestion_id: int, status: SuggestionStatus, by: str, note: str | None = None
    ) -> dict[str, object]:
        """Accept or reject an open suggestion; accepting puts the document up for review."""
        decision(status, note)
        with self.sessions.begin() as session:
            row = session.get(Suggestion, suggestion_id)
            if row is None:
                raise UnknownSuggestion(f"no suggestion {suggestion_id}")
            if row.status != SuggestionStatus.OPEN.value:
                raise AdjustError(
                    f"suggestion {suggestion_id} is already {row.status} "
                    f"({SuggestionStatus(row.status).label})"
                )
            document = session.get(Document, row.document_id)
            assert document is not None  # documents are never deleted under a suggestion
            now = datetime.now(UTC)
            row.status, row.decided_at, row.decided_by = status.value, now, by
            row.note = (note or "").strip() or None
            if status is SuggestionStatus.ACCEPTED:
                self._to_review(session, document, SuggestionKind(row.kind), now)
            audit(
                session,
                by,
                f"adjust.{status.value}",
                row.kind,
                {"suggestion": row.id, "note": row.note, "evidence": row.evidence},
                document_id=row.document_id,
                at=now,
            )
            session.flush()
            return suggestion_view(row, document.title)

    def _to_review(
        self, session: Session, document: Document, kind: SuggestionKind, at: datetime
    ) -> None:
        if kind is SuggestionKind.MAKE_PROACTIVE:
            record_proposal(
                session, document, _PROACTIVE, source="adjust", at=at, required=self.required
            )
        # A decided document keeps the position its signers agreed on (signoff._resting),
        # so the queue is told directly; the levels re-decide by override and confirmation.
        document.review_status = "pending"


def _title(session: Session, document_id: int) -> str | None:
    return session.scalar(select(Document.title).where(Document.id == document_id))
