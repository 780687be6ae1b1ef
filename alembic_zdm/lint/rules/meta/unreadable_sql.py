"""ZDM903 unreadable-sql: SQL text the target database's parser could not read, so no rule checked it.

## What it does
Reports, once per `op.execute(...)` / `connection.execute(...)` call (or per
statement of a `--sql` script), SQL that the parser of the configured target
(pglast for PostgreSQL, sqlglot for MySQL, MariaDB and SQLite) rejects after bind
parameters (`:name`, `%s`, `%(name)s`, `?`, `$1`) have been accounted for. The
finding is informational: the file is valid Python, the run does not fail on it
(exit code 2 stays for files Python cannot parse).

Most often the SQL is for another database than the target: set `target` in
`[tool.alembic_zdm.lint]` (or let the linter read it from the project's
`sqlalchemy.url`), or put the statement under
`if op.get_bind().dialect.name == "mysql":`, which the linter follows.

## Why is this bad?
Nothing is known about what this SQL does: a table rewrite or a blocking index
build in it would go unseen.

## Example
```python
def upgrade() -> None:
    op.execute("ALTER TABLE `users` MODIFY `email` VARCHAR(320)")  # under a PostgreSQL target
```

## Use instead
```python
def upgrade() -> None:
    if op.get_bind().dialect.name == "mysql":
        op.execute("ALTER TABLE `users` MODIFY `email` VARCHAR(320)")
```
"""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Revision, Severity
from ...registry import Hit, rule
from ...target import Target


@rule("ZDM903", "unreadable-sql", severity=Severity.INFO)
def check(rev: Revision, target: Target) -> Iterator[Hit]:
    for problem in rev.unreadable:
        yield Hit(problem.line, problem.col, problem.message, "", problem.span)
