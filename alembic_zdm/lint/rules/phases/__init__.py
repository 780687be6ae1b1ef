"""Rules of the phases family."""
