"""The zero-downtime benchmark of alembic-zdm (``python -m bench [--quick]``).

Not part of the installed package. It runs an application-like load against a
PostgreSQL table while a migration runs, once the naive Alembic way and once with
alembic-zdm's ops and phases, and publishes the latencies the application saw
(``bench/results/`` and ``docs/benchmarks.md``).
"""
