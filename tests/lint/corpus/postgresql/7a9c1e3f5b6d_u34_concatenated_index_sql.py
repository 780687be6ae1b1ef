"""Index built from string parts.

Revision ID: 7a9c1e3f5b6d
Revises: 0a1b2c3d4e5f
Create Date: 2024-05-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "7a9c1e3f5b6d"
down_revision: Union[str, None] = "0a1b2c3d4e5f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


SCHEMA = "events"
TABLE = "registrations"


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_registrations_email "
        + "ON " + SCHEMA + "." + TABLE
        + " (email)"
    )
    op.execute("CREATE INDEX ix_%s_state ON %s.%s (state)" % (TABLE, SCHEMA, TABLE))
    op.execute("DROP INDEX {schema}.ix_{table}_legacy".format(schema=SCHEMA, table=TABLE))


def downgrade() -> None:
    op.execute("DROP INDEX events.ix_registrations_state")
    op.execute("DROP INDEX events.ix_registrations_email")
