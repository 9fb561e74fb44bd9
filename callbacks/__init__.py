"""Callbacks, grouped by panel."""
