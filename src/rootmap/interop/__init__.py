"""Rootmap in and out of other systems: FHIR R4 (fhir.py) and CSV (csv_*.py).

Free of Django (an import-linter contract keeps it so): the web, the API and the
command line all call these functions on validated case files, and the clinical rules
stay in rootmap.core.
"""
