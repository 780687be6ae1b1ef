"""Rules of the compat family."""
