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
