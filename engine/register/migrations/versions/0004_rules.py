"""rule documents (规章, 行政规范性文件) and their repeal, for the annual report

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("rule_kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("repealed_on", sa.Date(), nullable=True))
        batch.create_index("ix_documents_rule_kind", ["rule_kind"])


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_rule_kind")
        batch.drop_column("repealed_on")
        batch.drop_column("rule_kind")
