"""Shared language tools for the text stages: sentence embeddings and the taxonomy."""
