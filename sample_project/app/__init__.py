"""The sample shop application (models only: the demo plays its traffic)."""
