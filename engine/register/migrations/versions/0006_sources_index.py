"""index a document's sources (its file names are shown on every page of the desk)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sources_document", "sources", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_sources_document", table_name="sources")
