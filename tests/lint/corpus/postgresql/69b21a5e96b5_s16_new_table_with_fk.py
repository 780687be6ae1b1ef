"""Attachments table.

Revision ID: 69b21a5e96b5
Revises: b987268a2a4b
Create Date: 2024-03-15 09:42:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "69b21a5e96b5"
down_revision: Union[str, None] = 'b987268a2a4b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("comment_id", sa.BigInteger(), sa.ForeignKey("comments.id"), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
    )
    op.create_check_constraint("ck_attachments_url", "attachments", "url <> ''")


def downgrade() -> None:
    op.drop_table("attachments")
