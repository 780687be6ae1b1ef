"""The rules, one module each, grouped by family (``phases``, ``locking``, ``compat``, ``meta``)."""
