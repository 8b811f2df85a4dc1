"""Copies of examples/*.json shipped inside the package for `rootmap demo` (a test keeps them equal)."""
