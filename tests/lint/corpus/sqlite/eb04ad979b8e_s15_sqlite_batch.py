"""Sqlite batch migration.

Revision ID: eb04ad979b8e
Revises: 
Create Date: 2024-03-01 09:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "eb04ad979b8e"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pinned", sa.Boolean(), nullable=True))
        batch_op.create_index("ix_notes_pinned", ["pinned"])
        batch_op.alter_column("title", existing_type=sa.String(length=50), type_=sa.String(length=200))


def downgrade() -> None:
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.alter_column("title", existing_type=sa.String(length=200), type_=sa.String(length=50))
        batch_op.drop_index("ix_notes_pinned")
        batch_op.drop_column("pinned")
