"""disclosure requests, their events, letters, appeals and corrections

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def _request_fk(nullable: bool = False) -> sa.Column:
    return sa.Column(
        "request_id",
        sa.Integer(),
        sa.ForeignKey("requests.id", ondelete="CASCADE"),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(16), nullable=False, unique=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("applicant_name", sa.String(200), nullable=False),
        sa.Column("applicant_kind", sa.String(32), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("form", sa.String(16), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(48), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("registered_at", TZ_DATETIME, nullable=False),
        sa.Column("registered_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("year", "seq", name="uq_requests_year_seq"),
    )
    for column in ("applicant_name", "received", "status", "outcome", "decided_on"):
        op.create_index(f"ix_requests_{column}", "requests", [column])

    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        _request_fk(),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("at", TZ_DATETIME, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_request_events_request_id", "request_events", ["request_id"])

    op.create_table(
        "request_documents",
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("documents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )

    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(16), nullable=False, unique=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("applicant_name", sa.String(200), nullable=False),
        sa.Column("applicant_kind", sa.String(32), nullable=True),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=True),
        sa.Column(
            "corrected_document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=True
        ),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("registered_at", TZ_DATETIME, nullable=False),
        sa.Column("registered_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("year", "seq", name="uq_corrections_year_seq"),
    )

    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), primary_key=True),
        _request_fk(nullable=True),
        sa.Column(
            "correction_id",
            sa.Integer(),
            sa.ForeignKey("corrections.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("template", sa.String(200), nullable=False),
        sa.Column("letter_number", sa.String(100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("letter_date", sa.Date(), nullable=False),
        sa.Column("generated_at", TZ_DATETIME, nullable=False),
        sa.Column("generated_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("path", name="uq_letters_path"),
    )
    op.create_index("ix_letters_request_id", "letters", ["request_id"])
    op.create_index("ix_letters_correction_id", "letters", ["correction_id"])

    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), primary_key=True),
        _request_fk(),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("filed", sa.Date(), nullable=False),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("closed", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_appeals_request_id", "appeals", ["request_id"])


def downgrade() -> None:
    for table in ("appeals", "letters", "corrections", "request_documents", "request_events"):
        op.drop_table(table)
    op.drop_table("requests")
