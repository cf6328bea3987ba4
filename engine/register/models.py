"""The register's tables (SQLAlchemy 2.0 typed declarative models).

The register is the source of truth: the store holds the bytes, the index can
be rebuilt from here at any time.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Document(Base):
    """A filed 公文: one row per distinct original (by SHA-256)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str] = mapped_column(String(16))  # by content: docx, pdf, txt …
    original_path: Mapped[str] = mapped_column(String(200))  # relative to the data root
    status: Mapped[str] = mapped_column(String(32))  # engine.codes.DocumentStatus
    text: Mapped[str] = mapped_column(Text)
    pages: Mapped[int | None]
    encoding: Mapped[str | None] = mapped_column(String(32))
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)

    # GB/T 9704 fields, as columns for listing and filtering; the full parse is in `fields`.
    doc_number: Mapped[str | None] = mapped_column(String(100), index=True)  # 发文字号
    title: Mapped[str | None] = mapped_column(Text)  # 标题
    issuer: Mapped[str | None] = mapped_column(String(200))  # 发文机关
    issue_date: Mapped[date | None] = mapped_column(Date, index=True)  # 成文日期
    doc_kind: Mapped[str | None] = mapped_column(String(16))  # 文种
    secrecy_level: Mapped[str | None] = mapped_column(String(8))  # 密级
    fields: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

    # 公开属性 as filed: stated by a marking now; the classifier's proposal later.
    attribute: Mapped[str | None] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(32))
    attribute_source: Mapped[str | None] = mapped_column(String(32))
    review_status: Mapped[str | None] = mapped_column(String(16), index=True)  # pending, final

    # 规章 / 行政规范性文件 (the annual report's table 二), as the clerk marks them;
    # the day a rule is repealed (废止) ends its validity.
    rule_kind: Mapped[str | None] = mapped_column(String(16), index=True)  # engine.report.RuleKind
    repealed_on: Mapped[date | None] = mapped_column(Date)

    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    sources: Mapped[list[Source]] = relationship(
        back_populates="document", order_by="Source.id", cascade="all, delete-orphan"
    )


class Source(Base):
    """One arrival of a document's bytes: the file name and where it came from.

    ``arrival_key`` makes an ingest idempotent: redoing an interrupted ingest
    finds its own arrival instead of adding a second one.
    """

    __tablename__ = "sources"
    # a document's file names: every list and page of the desk looks them up
    __table_args__ = (Index("ix_sources_document", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    arrival_key: Mapped[str] = mapped_column(String(600), unique=True)
    file_name: Mapped[str] = mapped_column(String(255))
    source_path: Mapped[str] = mapped_column(Text)
    arrived_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    document: Mapped[Document] = relationship(back_populates="sources")


class AuditEvent(Base):
    """Who did what, when: every ingest, duplicate, quarantine and failure."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_document", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(Text)  # a file name, a request number …
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class Proposal(Base):
    """The classifier's proposal for a document's 公开属性 (kept as history)."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attribute: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    basis: Mapped[str | None] = mapped_column(Text)  # None: a withheld reason still open
    confidence: Mapped[float] = mapped_column(Float)
    needs_review: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(32))  # rules, rules+model
    details: Mapped[dict[str, object]] = mapped_column(JSON)  # evidence, redactions …


class SignOff(Base):
    """One signature of the review: 拟定意见 / 审查 / 批准, confirming or overriding."""

    __tablename__ = "signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The proposal the review started from (the first signature's; kept on each).
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    by: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))  # engine.review.Level
    action: Mapped[str] = mapped_column(String(16))  # engine.review.Action
    attribute: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class Request(Base):
    """政府信息公开申请 — one request, from registration to its decision.

    The status and the decision are kept in step with the events by
    engine.request_store; the reply deadline is computed from the events, not stored.
    """

    __tablename__ = "requests"
    __table_args__ = (UniqueConstraint("year", "seq", name="uq_requests_year_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # 申请编号 2026-0001
    year: Mapped[int]
    seq: Mapped[int]
    applicant_name: Mapped[str] = mapped_column(String(200), index=True)
    applicant_kind: Mapped[str] = mapped_column(String(32))  # engine.outcomes.ApplicantKind
    contact: Mapped[str] = mapped_column(Text, default="")
    id_number: Mapped[str] = mapped_column(String(32), default="")
    channel: Mapped[str] = mapped_column(String(32))  # engine.outcomes.Channel
    received: Mapped[date] = mapped_column(Date, index=True)  # 收到申请之日 (第三十一条)
    content: Mapped[str] = mapped_column(Text)
    form: Mapped[str] = mapped_column(String(16))
    items: Mapped[int] = mapped_column(default=1)  # for the per-item fee (一事一申请)
    topic: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(32), index=True)  # engine.requests.RequestStatus
    outcome: Mapped[str | None] = mapped_column(String(48), index=True)
    decided_on: Mapped[date | None] = mapped_column(Date, index=True)
    decision: Mapped[dict[str, object] | None] = mapped_column(JSON)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[str] = mapped_column(String(100))

    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(secondary="request_documents")
    letters: Mapped[list[Letter]] = relationship(
        back_populates="request", order_by="Letter.id", cascade="all, delete-orphan"
    )
    appeals: Mapped[list[Appeal]] = relationship(
        back_populates="request", order_by="Appeal.id", cascade="all, delete-orphan"
    )


class RequestEvent(Base):
    """One dated step of a request (engine.requests.Step) and who recorded it."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(32))
    happened_on: Mapped[date] = mapped_column(Date)  # the day it happened
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when it was recorded
    by: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

    request: Mapped[Request] = relationship(back_populates="events")


class RequestDocument(Base):
    """A document of the archive found for a request (检索到的政府信息)."""

    __tablename__ = "request_documents"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )


class Letter(Base):
    """A generated letter or notice (.docx in generated/), registered with its checksum.

    Regenerating a letter adds a version and keeps the earlier ones; all versions of
    one letter share its 文号 (``letter_number``).
    """

    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("path", name="uq_letters_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    correction_id: Mapped[int | None] = mapped_column(
        ForeignKey("corrections.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))  # reply, or an engine.outcomes.NoticeKind
    template: Mapped[str] = mapped_column(String(200))
    letter_number: Mapped[str] = mapped_column(String(100))  # 文号
    year: Mapped[int]
    seq: Mapped[int]  # the 序号 of its 文号, per year
    version: Mapped[int]
    path: Mapped[str] = mapped_column(String(300))  # relative to the data root
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    letter_date: Mapped[date] = mapped_column(Date)
    generated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    generated_by: Mapped[str] = mapped_column(String(100))

    request: Mapped[Request | None] = relationship(back_populates="letters")
    correction: Mapped[Correction | None] = relationship(back_populates="letters")


class Appeal(Base):
    """行政复议 or 行政诉讼 brought against a reply (the annual report's table 四)."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))  # reconsideration, litigation_direct …
    filed: Mapped[date] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(String(16))  # None: 尚未审结
    closed: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[Request] = relationship(back_populates="appeals")


class Correction(Base):
    """更正 / 澄清 / 勘误 — a correction request (第四十一条) or a correcting notice.

    ``kind``: record (a person asks to correct a record about them), clarification
    (澄清虚假或不完整信息, 第六条), erratum (更正/勘误 of a published document: the
    archived original and its corrected version are both kept and linked).
    """

    __tablename__ = "corrections"
    __table_args__ = (UniqueConstraint("year", "seq", name="uq_corrections_year_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)  # C2026-0001
    year: Mapped[int]
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    received: Mapped[date] = mapped_column(Date)
    applicant_name: Mapped[str] = mapped_column(String(200), default="")
    applicant_kind: Mapped[str | None] = mapped_column(String(32))
    contact: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    corrected_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(32))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[dict[str, object] | None] = mapped_column(JSON)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    registered_by: Mapped[str] = mapped_column(String(100))

    letters: Mapped[list[Letter]] = relationship(
        back_populates="correction", order_by="Letter.id", cascade="all, delete-orphan"
    )


class User(Base):
    """An account at the web desk: its role and argon2 password hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Publication(Base):
    """公开发布 — one publication of a 主动公开 document in one channel (条例第二十六条).

    ``channel`` is an engine.publication.Channel; ``topic`` the 主题分类 the clerk
    filed it under, which the 政府信息公开目录 shows.
    """

    __tablename__ = "publications"
    __table_args__ = (
        UniqueConstraint(
            "document_id", "channel", "published_on", name="uq_publications_channel_day"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[date] = mapped_column(Date, index=True)
    topic: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(100))


class IndexNumber(Base):
    """索引号 — a document's number in the 政府信息公开目录, assigned at its first publication.

    Never deleted, so a number (year, seq) is never given twice.
    """

    __tablename__ = "index_numbers"
    __table_args__ = (UniqueConstraint("year", "seq", name="uq_index_numbers_year_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    assigned_on: Mapped[date] = mapped_column(Date)


class ValidityChange(Base):
    """有效性 history: a document repealed (废止) or amended (修改) by another, on a day."""

    __tablename__ = "validity_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # engine.publication.ChangeKind
    by_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    effective_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(100))


class Suggestion(Base):
    """动态调整 — a suggestion to change a document's 公开属性, and the clerk's decision.

    ``kind`` is an engine.adjust.SuggestionKind, ``status`` an engine.adjust.SuggestionStatus;
    ``evidence`` the request numbers or the day the withholding reason lapsed.
    """

    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
