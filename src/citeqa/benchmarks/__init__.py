"""Benchmarks that run outside the test suite: `python -m citeqa.benchmarks speed [--quick]`."""
