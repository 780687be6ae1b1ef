"""Api tokens with gen_random_uuid().

Revision ID: 28625df71ed7
Revises: 7ef15dcdde86
Create Date: 2024-03-11 09:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "28625df71ed7"
down_revision: Union[str, None] = '7ef15dcdde86'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column(
        "sessions",
        sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("sessions", "token")
