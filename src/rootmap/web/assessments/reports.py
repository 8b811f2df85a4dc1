"""What the renderer makes for an assessment: the clinician and family reports (PDF and
HTML) and the inline SVGs of the results and presentation pages."""

from __future__ import annotations

from rootmap import render
from rootmap.core.case import CaseFileError, parse_case
from rootmap.web.assessments.models import Assessment
from rootmap.web.assessments.review_selectors import signatures_of
from rootmap.web.assessments.selectors import ResultsContext, results_context


class ReportUnavailable(Exception):
    pass


def report(assessment: Assessment, *, audience: str, fmt: str) -> bytes | str:
    """The clinician or family report of a finalised assessment, from the stored results
    and the case file it was signed with."""
    ctx = results_context(assessment)
    try:
        case = parse_case(ctx.case)
    except CaseFileError as error:
        raise ReportUnavailable(f"The case file does not validate any more: {error}") from None
    # Who signed and co-signed, printed on every report of it (decision 0022).
    signatures = signatures_of(assessment)
    if fmt == "pdf":
        return render.report_pdf(case=case, results=ctx.history, assessment_id=assessment.reference,
                                 audience=audience, signatures=signatures)
    return render.report_html(case=case, results=ctx.history, assessment_id=assessment.reference,
                              audience=audience, signatures=signatures)


def _inline(svg: str) -> str:
    """An SVG document as markup to place inside a page (no XML declaration)."""
    svg = svg.strip()
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:].lstrip()
    return svg


def result_svgs(ctx: ResultsContext, *, family: bool = False) -> dict[str, str]:
    """The brain map and charts as inline SVG markup (the renderer escapes every text)."""
    # The map's arrows come from the result's own stored change, like the change table.
    svgs = {"brain_map": _inline(render.brain_map_svg(
        instrument=ctx.instrument, result=ctx.result, family=family)),
        # The map as text, beside the drawing: readable where the drawing is small (a phone).
        "brain_map_list": render.brain_map_list_html(instrument=ctx.instrument, result=ctx.result,
                                                     family=family)}
    if ctx.result.kind != Assessment.Kind.ER and ctx.result.period_risk:
        svgs["risk"] = _inline(render.risk_chart_svg(instrument=ctx.instrument, result=ctx.result))
    if len(ctx.history) > 1:
        svgs["over_time"] = _inline(render.domains_over_time_svg(instrument=ctx.instrument,
                                                                 results=ctx.history))
    return svgs
