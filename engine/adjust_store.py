"""动态调整 in the register: suggestions computed from the requests and the search index,
and the clerk's decisions on them.

A thin shell around :mod:`engine.adjust`: it reads which documents each request
asks for (linked to it, or found by its words in the search index), the withheld
documents' dates and the 主动公开 documents the index finds by a 过程性 one's
subject, lets the rules propose, and keeps the suggestions. Accepting one never
changes a 公开属性 by itself: it reopens the decision (:func:`engine.signoff.reopen_document`)
and the sign-off levels decide, as everywhere else.
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
    Related,
    Suggested,
    SuggestionKind,
    SuggestionStatus,
    Withheld,
    decision,
    fresh,
    matter_words,
    proactive_suggestions,
    re_review_suggestions,
    request_words,
)
from engine.classify.secrecy import declassification_date
from engine.codes import Attribute, Reason
from engine.metadata import DocumentMetadata
from engine.publication import FinalDecision
from engine.publication_store import final_decisions
from engine.register.audit import audit
from engine.register.models import (
    Document,
    Publication,
    Request,
    RequestDocument,
    SignOff,
    Suggestion,
)
from engine.review import Level, Position, ReviewError
from engine.search import SearchIndex
from engine.signoff import reopen_document
from indexer import QueryError, SearchQuery
from indexer.query import MAX_QUERY_CHARS

# What each kind of suggestion puts before the levels: make_proactive the 主动公开 it
# proposes; re_review the decision in force, for them to confirm or change (None).
_REOPENED_AS: dict[SuggestionKind, Position | None] = {
    SuggestionKind.MAKE_PROACTIVE: Position(Attribute.PROACTIVE),
    SuggestionKind.RE_REVIEW: None,
}


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
            found = linked.get(request_id, set()) | self._found(request_words(content))
            asked.append(AskedFor(number, applicant, frozenset(found)))
        return asked

    def _found(self, words: str, attribute: Attribute | None = None) -> set[int]:
        """The documents ``words`` find (of ``attribute``, if given); none when they find
        too many to mean one matter, or there are no words (a filter alone lists them all)."""
        if not words.strip():
            return set()
        query = SearchQuery(
            text=words[:MAX_QUERY_CHARS],
            attribute=attribute.value if attribute else None,
            limit=MAX_HITS,
        )
        try:
            result = self.index.search(query)
        except QueryError:  # no word left to search for
            return set()
        if cast(int, result["total"]) > MAX_HITS:
            return set()
        return {cast(int, hit["id"]) for hit in cast(list[dict[str, object]], result["hits"])}

    @staticmethod
    def withheld(session: Session) -> list[Withheld]:
        """The 不予公开 documents not under review, with their last decision's day, their
        title and the day they were formed."""
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
                document.title or "",
                _formed_on(document),
            )
            for document in documents
        ]

    def related(self, session: Session, withheld: Sequence[Withheld]) -> dict[int, list[Related]]:
        """Per 过程性 document, the 主动公开 documents the index finds by its subject
        (:func:`engine.adjust.matter_words`), with the days they were decided and published."""
        found = {
            item.document_id: self._found(matter_words(item.title), Attribute.PROACTIVE)
            for item in withheld
            if item.reason is Reason.PROCESS_INFO
        }
        ids = sorted(set().union(*found.values()))
        if not ids:
            return {}
        decided = final_decisions(session, ids, self.required)
        published = dict(
            session.execute(
                select(Publication.document_id, func.min(Publication.published_on))
                .where(Publication.document_id.in_(ids))
                .group_by(Publication.document_id)
            ).all()
        )
        documents = {
            document.id: Related(
                document.id,
                document.title or "",
                document.doc_number or "",
                _formed_on(document),
                _decided_proactive(decided[document.id]),
                published.get(document.id),
            )
            for document in session.scalars(select(Document).where(Document.id.in_(ids)))
        }
        return {
            withheld_id: [documents[i] for i in sorted(hits) if i in documents]
            for withheld_id, hits in found.items()
        }

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
            known = {
                (SuggestionKind(kind), document_id)
                for kind, document_id in session.execute(
                    select(Suggestion.kind, Suggestion.document_id).where(
                        Suggestion.status != SuggestionStatus.ACCEPTED.value
                    )
                )
            }
            withheld = self.withheld(session)
            # a search per document: only for those the clerk has not been asked about yet
            unasked = [
                w for w in withheld if (SuggestionKind.RE_REVIEW, w.document_id) not in known
            ]
            suggested = [
                *proactive_suggestions(self.asked_for(session), attributes, threshold=threshold),
                *re_review_suggestions(
                    withheld,
                    today,
                    process_months=process_months,
                    related=self.related(session, unasked),
                ),
            ]
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
        """Accept or reject an open suggestion; accepting reopens the document's decision
        (重新审查), which puts it back in the review queue; a document still under review
        is refused (:class:`AdjustError`): decide the suggestion once it is final."""
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
                self._reopen(session, row, by, now)
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

    def _reopen(self, session: Session, row: Suggestion, by: str, at: datetime) -> None:
        try:
            reopen_document(
                session,
                row.document_id,
                by=by,
                why=f"动态调整建议 {row.id}：{row.reason}",
                required=self.required,
                position=_REOPENED_AS[SuggestionKind(row.kind)],
                at=at,
            )
        except ReviewError as error:  # not final: the levels are deciding it already
            raise AdjustError(
                f"文件 {row.document_id} 正在审核中，待签批完毕后再处理此建议 "
                f"(document {row.document_id} is under review: decide suggestion {row.id} "
                f"once its decision is final) — {error}"
            ) from error


def _title(session: Session, document_id: int) -> str | None:
    return session.scalar(select(Document.title).where(Document.id == document_id))


def _formed_on(document: Document) -> date:
    """成文日期, else the day the document was filed."""
    return document.issue_date or document.ingested_at.date()


def _decided_proactive(decisions: Sequence[FinalDecision]) -> date | None:
    """The day the decision in force became final, if it is 主动公开."""
    last = decisions[-1] if decisions else None
    return last.on if last and last.attribute is Attribute.PROACTIVE else None
