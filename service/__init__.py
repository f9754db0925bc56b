"""Grounded multi-source summarisation service."""
