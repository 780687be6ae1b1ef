"""Fk in two steps.

Revision ID: faadb32181b5
Revises: f4baf68d879b
Create Date: 2024-03-05 09:32:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "faadb32181b5"
down_revision: Union[str, None] = 'f4baf68d879b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.execute(
        "ALTER TABLE comments ADD CONSTRAINT fk_comments_user_id FOREIGN KEY (user_id) "
        "REFERENCES users (id) NOT VALID"
    )


def undo_expand() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.drop_constraint("fk_comments_user_id", "comments", type_="foreignkey")


def migrate() -> None:
    op.execute("ALTER TABLE comments VALIDATE CONSTRAINT fk_comments_user_id")


def undo_migrate() -> None:
    pass
