"""Rules of the locking family."""
