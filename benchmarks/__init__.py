"""Benchmarks (`make bench`): speed and memory targets, measured rather than asserted in tests."""
