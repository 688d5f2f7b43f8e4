"""Benchmarks: chainrule against PyTorch and a hand-written NumPy floor, and its per-op overhead."""
