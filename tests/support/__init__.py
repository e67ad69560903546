"""Helpers shared by the test suites (real SDK clients, models, fixtures)."""
