"""`rootmap score FILE...`: score case files and household files without a server."""

from __future__ import annotations

import argparse
import json
import sys

from rootmap.cli.documents import expand, load
from rootmap.core.caregiving import score_household
from rootmap.core.case import CaseFile
from rootmap.core.scoring import score_case


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="case files or household files (JSON); a folder means its *.json files")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per file, one per line, instead of a table")
    parser.add_argument("--assessment", metavar="ID",
                        help="score this assessment instead of the latest")


def run(args: argparse.Namespace) -> int:
    status = 0
    paths = list(expand(args.files))
    if not paths:
        print(f"rootmap score: no JSON files in {' '.join(args.files)}", file=sys.stderr)
        return 2
    for path in paths:
        loaded = load(path)
        if loaded.document is None:
            for problem in loaded.problems:
                print(f"{path}: {problem}", file=sys.stderr)
            status = 2
            continue
        document = loaded.document
        if isinstance(document, CaseFile):
            if not document.assessments:
                print(f"{path}: assessments: the file has no assessment to score", file=sys.stderr)
                status = 2
                continue
            ids = [a.id for a in document.assessments]
            if args.assessment is not None and args.assessment not in ids:
                print(f"{path}: --assessment: {args.assessment!r} is not an assessment of this file "
                      f"(expected one of {', '.join(ids)})", file=sys.stderr)
                status = 2
                continue
            result = score_case(document, args.assessment)
            if args.json:
                print(json.dumps(result.to_dict(), ensure_ascii=False))
            else:
                from rootmap.cli.summary import print_case_summary

                print_case_summary(path, document, result)
        else:
            household_result = score_household(document)
            if args.json:
                print(json.dumps(household_result.to_dict(), ensure_ascii=False))
            else:
                from rootmap.cli.summary import print_household_summary

                print_household_summary(path, document, household_result)
    return status
