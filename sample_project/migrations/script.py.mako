"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Phased revision (alembic-zdm): run with
    alembic upgrade zdm-phase:1   # expand, before the new code ships
    alembic upgrade zdm-phase:2   # migrate (backfills, validations)
    alembic upgrade head          # contract, after every server runs the new code
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def expand() -> None:
    """Phase 1 - additive, backward-compatible changes (old code keeps working).

    New nullable columns, new tables, op.add_index_concurrently(...), constraints
    added NOT VALID, dual-write triggers. Pattern ops (op.safe_rename_column,
    op.add_required_column, op.safe_change_column_type, ...) are written here once;
    alembic-zdm runs their migrate and contract parts in those phases.
    """
    ${upgrades if upgrades else "pass"}


def migrate() -> None:
    """Phase 2 - data movement: op.backfill(...), VALIDATE, consistency checks."""
    pass


def contract() -> None:
    """Phase 3 - destructive or restricting changes, once no running code needs the old shape.

    Drop old columns and triggers, SET NOT NULL (op.set_not_null_safe), ...
    """
    pass


def undo_contract() -> None:
    """Undo contract()."""
    pass


def undo_migrate() -> None:
    """Undo migrate() (usually nothing: backfilled data can stay)."""
    pass


def undo_expand() -> None:
    """Undo expand()."""
    ${downgrades if downgrades else "pass"}


def upgrade() -> None:
    """Every phase in one go, for runs outside the alembic-zdm phase runner."""
    expand()
    migrate()
    contract()


def downgrade() -> None:
    """Every undo step in one go, for runs outside the alembic-zdm phase runner."""
    undo_contract()
    undo_migrate()
    undo_expand()
