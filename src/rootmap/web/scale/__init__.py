"""Synthetic organisations at scale for benchmarks (`rootmap demo --clients N`, decision 0028)."""
