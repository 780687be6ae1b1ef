"""Helpers users get too: database provisioning for tests, SQL capture."""
