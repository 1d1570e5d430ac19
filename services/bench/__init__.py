"""Load benchmarks: the whole pipeline as separate processes, and the bare bus for comparison."""
