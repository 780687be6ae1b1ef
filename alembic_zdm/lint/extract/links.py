"""Relations between actions of one revision: objects created earlier in it."""

from __future__ import annotations

from ..model import BEFORE_DEPLOY, FORWARD_PHASES, Kind, Revision


def _same_window(created: str | None, now: str | None) -> bool:
    """Whether no application code can have used an object created in phase *created* by *now*.

    Within one function nothing else sees the object yet; a table made in ``expand()``
    is still unknown to the running (old) code during ``migrate()``, but the new code
    uses it by the time ``contract()`` runs.
    """
    return created == now or (created in BEFORE_DEPLOY and now in BEFORE_DEPLOY)


def _is_new(
    table: str | None,
    tables: dict[str, str | None],
    forward_tables: dict[str, str | None],
    phase: str | None,
    is_forward: bool,
) -> bool:
    if table is None:
        return False
    if table in tables and _same_window(tables[table], phase):
        return True
    return not is_forward and table in forward_tables


def mark_new_objects(rev: Revision) -> None:
    """Set ``new_table`` on actions that touch a table or index created earlier in *rev*.

    Tables are told apart by schema too: ``events.principals`` is not ``categories.principals``.

    In the forward functions that is a table (or index) created earlier in the same
    window (see :func:`_same_window`). In an undo function (``downgrade``,
    ``undo_*``) it is also a table the forward functions create: during a rollback
    the application runs the old code, which never knew it. (An index created
    forward on an old table is not new: dropping it still locks that table.) A
    table renamed earlier in the same window counts as new under its new name: no
    running code uses that name yet (the rename itself is reported, ZDM205).
    """
    forward_tables: dict[str, str | None] = {}
    scopes: dict[str, tuple[dict[str, str | None], dict[str, tuple[str | None, str | None]]]] = {}
    for action in rev.actions:
        is_forward = action.phase in FORWARD_PHASES or action.phase is None
        tables, indexes = scopes.setdefault("" if is_forward else action.phase or "", ({}, {}))
        seen = (tables, forward_tables, action.phase, is_forward)
        relation = action.relation
        index = f"{action.schema}.{action.name}" if action.schema else action.name
        if action.kind is Kind.CREATE_TABLE and relation:
            tables.setdefault(relation, action.phase)
            if is_forward:
                forward_tables.setdefault(relation, action.phase)
            continue
        if action.kind is Kind.CREATE_INDEX:
            action.new_table = _is_new(relation, *seen)
            if index:
                indexes.setdefault(index, (relation, action.phase))
            continue
        if action.kind is Kind.DROP_INDEX and index in indexes:
            table, phase = indexes[index]
            action.new_table = _same_window(phase, action.phase) or _is_new(
                table or relation, *seen
            )
            continue
        action.new_table = _is_new(relation, *seen)
        if action.kind is Kind.RENAME_TABLE and action.name:
            # no running code knows the table under the name it is renamed to (yet)
            renamed = f"{action.schema}.{action.name}" if action.schema else action.name
            tables.setdefault(renamed, action.phase)
