"""Typed view models of the assessment pages: plain data for the templates, built from
what the selectors loaded (no queries here, except where a builder says so).

One module per page: entry, finalise, results, presentation.
"""
