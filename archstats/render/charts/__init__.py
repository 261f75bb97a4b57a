"""Figures of measured time, drawn from finished data (no torch, no zoo)."""
