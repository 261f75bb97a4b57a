"""Sections of archstats pages, one module each; each takes finished data (no torch, no zoo, no engine)."""
