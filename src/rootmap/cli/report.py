"""`rootmap report FILE -o out.pdf`: a clinician report, a family summary, or a household's
caregiver estimator report, as PDF or HTML.

Bad input exits with status 2 and one line per problem; nothing is written then.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rootmap.cli._output import output_problem, write_private
from rootmap.cli.documents import load
from rootmap.core.case import CaseFile, Household
from rootmap.core.problems import CaseFileError

if TYPE_CHECKING:
    from rootmap.render import WhatIf


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a case file or a household file (JSON)")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="where to write the report (default, or -: standard output)")
    parser.add_argument("--audience", choices=("clinician", "family"), default="clinician",
                        help="clinician report (all scores) or family summary (plain language)")
    parser.add_argument("--format", choices=("pdf", "html"), dest="fmt",
                        help="pdf or html (default: from the output's suffix, else pdf)")
    parser.add_argument("--assessment", metavar="ID",
                        help="report on this assessment instead of the latest")
    parser.add_argument("--add-child", metavar="AGE[:B,E,M,D,S,V]", action="append", default=[],
                        help="household what-if: a prospective child of AGE months, with its six "
                             "challenge ratings 0-4 in the estimator's order (default 2 each); "
                             "repeatable")
    parser.add_argument("--raise", metavar="ITEM=VALUE", action="append", default=[],
                        dest="raise_items",
                        help="household what-if: a resource item set to VALUE (0-4); repeatable, "
                             "all raises form one scenario")


def _error(path: str, message: str) -> None:
    print(f"{path}: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.output == "-":  # standard output, as for `rootmap fhir`
        args.output = None
    fmt = args.fmt or ("html" if args.output and args.output.lower().endswith((".html", ".htm"))
                       else "pdf")
    if args.output:
        problem = output_problem(Path(args.output), "-o", f"report.{fmt}")
        if problem:
            print(problem, file=sys.stderr)
            return 2
    loaded = load(Path(args.file))
    if loaded.document is None:
        for problem in loaded.problems:
            _error(args.file, str(problem))
        return 2
    document = loaded.document
    try:
        if isinstance(document, CaseFile):
            output = _case_report(args, document, fmt)
        else:
            output = _household_report(args, document, fmt)
    except _UsageError as error:
        for line in error.lines:
            _error(args.file, line)
        return 2
    if args.output:
        write_private(Path(args.output), output, ".rootmap-report-")
    else:
        sys.stdout.buffer.write(output)
        sys.stdout.flush()
    return 0


class _UsageError(Exception):
    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _case_report(args: argparse.Namespace, case: CaseFile, fmt: str) -> bytes:
    from rootmap.core.scoring import score_history
    from rootmap.render import report_html, report_pdf

    if args.add_child or args.raise_items:
        raise _UsageError(["--add-child and --raise are for household files only"])
    if not case.assessments:
        raise _UsageError(["assessments: the file has no assessment to report on"])
    ids = [a.id for a in case.assessments]
    if args.assessment is not None and args.assessment not in ids:
        raise _UsageError([f"--assessment: {args.assessment!r} is not an assessment of this file "
                           f"(expected one of {', '.join(ids)})"])
    results = score_history(case)
    if fmt == "html":
        return report_html(case=case, results=results, assessment_id=args.assessment,
                           audience=args.audience).encode("utf-8")
    return report_pdf(case=case, results=results, assessment_id=args.assessment,
                      audience=args.audience)


def _household_report(args: argparse.Namespace, household: Household, fmt: str) -> bytes:
    from rootmap.core.caregiving import score_household
    from rootmap.render import household_report_html, household_report_pdf

    if args.assessment is not None:
        raise _UsageError(["--assessment is for case files only"])
    result = score_household(household)  # a household file names no version: the current one
    what_ifs = _what_ifs(args, household)
    if fmt == "html":
        return household_report_html(household=household, result=result,
                                     what_ifs=what_ifs).encode("utf-8")
    return household_report_pdf(household=household, result=result, what_ifs=what_ifs)


def _what_ifs(args: argparse.Namespace, household: Household) -> list[WhatIf]:
    from rootmap.core.caregiving import what_if
    from rootmap.instruments import current
    from rootmap.render import WhatIf

    instrument = current()
    challenge_ids = [i.id for i in instrument.challenge_items]
    labels = {i.id: i.label for i in (*instrument.internal_items, *instrument.external_items)}
    problems: list[str] = []
    scenarios: list[WhatIf] = []
    for spec in args.add_child:
        age_text, _, ratings_text = spec.partition(":")
        try:
            age = int(age_text)
            values = [int(v) for v in ratings_text.split(",")] if ratings_text else [2] * 6
        except ValueError:
            problems.append(f"--add-child: {spec!r} is not AGE or AGE:B,E,M,D,S,V (whole numbers)")
            continue
        if len(values) != len(challenge_ids):
            problems.append(f"--add-child: {spec!r} needs {len(challenge_ids)} ratings, got {len(values)}")
            continue
        child = {"age_months": age, "challenge": dict(zip(challenge_ids, values, strict=True))}
        try:
            scenarios.append(WhatIf(f"A child of {age} months added (challenge {','.join(map(str, values))})",
                                    what_if(household, add_children=[child])))
        except CaseFileError as error:
            problems += [f"--add-child {spec}: {p.message}" for p in error.problems]
    raised: dict[str, int] = {}
    for spec in args.raise_items:
        item, _, value = spec.partition("=")
        if item not in labels:
            problems.append(f"--raise: {item!r} is not a resource item (one of {', '.join(labels)})")
            continue
        try:
            raised[item] = int(value)
        except ValueError:
            problems.append(f"--raise: {spec!r} is not ITEM=VALUE with a whole number")
    if raised and not problems:
        words = ", ".join(f"{labels[i]} set to {v}" for i, v in raised.items())
        try:
            scenarios.append(WhatIf(words, what_if(household, raise_resources=raised)))
        except CaseFileError as error:
            problems += [f"--raise: {p.message}" for p in error.problems]
    if problems:
        raise _UsageError(problems)
    if not args.add_child and not args.raise_items:
        from rootmap.render import suggested_what_ifs

        scenarios = suggested_what_ifs(household)
    return scenarios

