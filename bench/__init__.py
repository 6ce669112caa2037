"""Benchmarks: `python -m bench` (or `make bench`) runs them all on loopback and prints one
table — each figure, its baseline measured in the same run, the ratio and the goal."""
