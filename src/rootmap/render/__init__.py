"""Rootmap's pictures and documents: the brain map, charts, and reports (HTML and PDF).

Everything here is drawn by Rootmap itself: SVG written directly, HTML built with
escaped text, PDF through WeasyPrint (imported only when a PDF is made).

>>> from rootmap.render import brain_map_svg, report_html  # doctest: +SKIP
"""

from __future__ import annotations

from rootmap.render.brain_map import brain_map_svg
from rootmap.render.brain_map_list import brain_map_list_html
from rootmap.render.charts import domains_over_time_svg, reserve_chart_svg, risk_chart_svg
from rootmap.render.household import WhatIf, household_report_html, household_report_pdf, suggested_what_ifs
from rootmap.render.report import report_html, report_pdf

__all__ = [
    "WhatIf",
    "brain_map_list_html",
    "brain_map_svg",
    "domains_over_time_svg",
    "household_report_html",
    "household_report_pdf",
    "report_html",
    "report_pdf",
    "reserve_chart_svg",
    "risk_chart_svg",
    "suggested_what_ifs",
]
