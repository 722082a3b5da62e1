"""Benchmarks: every hot path timed as a ratio to its raw building block.

Run ``python -m benchmarks`` (``--quick`` for a small version, ``--only NAME`` for one
case). Data is generated from fixed seeds under ``benchmarks/out/`` (git-ignored);
results are printed as one table and written to ``benchmarks/out/latest.json``.
Figures are reported, never asserted: the machines are shared and noisy.
"""
