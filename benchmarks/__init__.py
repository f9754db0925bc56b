"""Benchmarks that print figures; run from the repository root (`python -m benchmarks.NAME`).

A regular package on purpose: pysbd installs a top-level `benchmarks` package that would
otherwise shadow this folder.
"""
