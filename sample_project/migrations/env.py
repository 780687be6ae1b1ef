"""Alembic environment of the sample project: an ordinary env.py, nothing alembic-zdm specific."""

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from sample_project.app.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def database_url() -> str:
    url = (
        config.attributes.get("database_url")
        or config.get_main_option("sqlalchemy.url")  # set by alembic-zdm trace and the checks
        or os.environ.get("DATABASE_URL")
    )
    if not url:
        raise SystemExit("Set DATABASE_URL (e.g. postgresql+psycopg://postgres@localhost/shop).")
    return url


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
