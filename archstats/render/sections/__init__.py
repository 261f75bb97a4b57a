"""Sections of archstats pages that take finished data (no torch, no zoo)."""
