"""Organisation columns: String() for TEXT, an enum for the kind.

Revision ID: 7d4f1a2c8e90
Revises: 3e5a7c9b1d42
Create Date: 2024-04-02 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "7d4f1a2c8e90"
down_revision: Union[str, None] = '3e5a7c9b1d42'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.alter_column("organizations", "display_name", existing_type=sa.TEXT(), type_=sa.String(), existing_nullable=False)
    op.alter_column("organizations", "link_url", existing_type=sa.TEXT(), type_=sa.String(), existing_nullable=True)
    op.execute("CREATE TYPE organizationkind AS ENUM ('Community', 'Company')")
    op.alter_column(
        "organizations",
        "kind",
        existing_type=sa.TEXT(),
        type_=sa.Enum("Community", "Company", name="organizationkind"),
        postgresql_using="kind::organizationkind",
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.alter_column("organizations", "kind", existing_type=sa.Enum("Community", "Company", name="organizationkind"), type_=sa.TEXT())
    op.execute("DROP TYPE organizationkind")
    op.alter_column("organizations", "link_url", existing_type=sa.String(), type_=sa.TEXT())
    op.alter_column("organizations", "display_name", existing_type=sa.String(), type_=sa.TEXT())
