"""publication: publications, 索引号 and the validity history (issue 10)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.UniqueConstraint(
            "document_id", "channel", "published_on", name="uq_publications_channel_day"
        ),
    )
    op.create_index("ix_publications_document_id", "publications", ["document_id"])
    op.create_index("ix_publications_published_on", "publications", ["published_on"])
    op.create_table(
        "index_numbers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False, unique=True
        ),
        sa.Column("number", sa.String(100), nullable=False, unique=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.UniqueConstraint("year", "seq", name="uq_index_numbers_year_seq"),
    )
    op.create_table(
        "validity_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("by_document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_validity_changes_document_id", "validity_changes", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_validity_changes_document_id", table_name="validity_changes")
    op.drop_table("validity_changes")
    op.drop_table("index_numbers")
    op.drop_index("ix_publications_published_on", table_name="publications")
    op.drop_index("ix_publications_document_id", table_name="publications")
    op.drop_table("publications")
