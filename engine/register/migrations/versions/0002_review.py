"""classifier proposals and review sign-offs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ_DATETIME = sa.DateTime(timezone=True)


def _document_fk() -> sa.Column:
    return sa.Column(
        "document_id",
        sa.Integer(),
        sa.ForeignKey("documents.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("review_status", sa.String(16), nullable=True))
        batch.create_index("ix_documents_review_status", ["review_status"])

    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        _document_fk(),
        sa.Column("at", TZ_DATETIME, nullable=False),
        sa.Column("attribute", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_proposals_document_id", "proposals", ["document_id"])

    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _document_fk(),
        sa.Column("at", TZ_DATETIME, nullable=False),
        sa.Column("proposal_id", sa.Integer(), sa.ForeignKey("proposals.id"), nullable=True),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("attribute", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_signoffs_document_id", "signoffs", ["document_id"])


def downgrade() -> None:
    op.drop_table("signoffs")
    op.drop_table("proposals")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_review_status")
        batch.drop_column("review_status")
