"""Sections of the handout, one module per family; each takes finished data."""
