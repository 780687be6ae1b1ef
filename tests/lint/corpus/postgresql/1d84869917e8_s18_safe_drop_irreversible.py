"""Drop sessions.ip with the plugin.

Revision ID: 1d84869917e8
Revises: 69b21a5e96b5
Create Date: 2024-03-16 09:43:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "1d84869917e8"
down_revision: Union[str, None] = '69b21a5e96b5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.safe_drop_column("sessions", "ip")


def downgrade() -> None:
    raise NotImplementedError("irreversible: sessions.ip is gone")
