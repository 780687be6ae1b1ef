"""Statements, lock levels and quoting: the only way SQL leaves an operation."""
