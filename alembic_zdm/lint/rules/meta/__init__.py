"""Rules of the meta family."""
