"""Comparison reports across engines (compare)."""
