"""orders.user_id references users; products.sku unique; index on orders.created_at

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

The foreign key is added NOT VALID (expand) and validated (migrate); the unique
constraint is built from an index made CONCURRENTLY; the index is built
CONCURRENTLY outside the migration's transaction.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def expand() -> None:
    op.add_index_concurrently("ix_orders_created_at", "orders", ["created_at"])
    op.add_foreign_key_safe("fk_orders_user_id_users", "orders", "users", ["user_id"], ["id"])
    op.add_unique_constraint_safe("uq_products_sku", "products", ["sku"])


def undo_expand() -> None:
    op.drop_index_concurrently("ix_orders_created_at", "orders")
