"""`rootmap fhir questionnaire|export|import`: FHIR R4 from and to case files, without a server.

    rootmap fhir questionnaire [--version V]        the instrument as a Questionnaire
    rootmap fhir export CASE.json -o BUNDLE.json     a case file as a Bundle
    rootmap fhir import BUNDLE.json -o CASE.json     a Bundle back to a case file

Bad input exits with status 2 and one line per problem (file, path in it, value, what was
expected), as `rootmap score` does. Output is written beside its target and renamed, so a
failed run never leaves half a file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rootmap.cli._output import output_problem, write_private
from rootmap.cli.documents import load
from rootmap.core.case import CaseFile
from rootmap.core.limits import MAX_FILE_BYTES, read_document_json
from rootmap.core.problems import CaseFileError, Problem


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    questionnaire = sub.add_parser("questionnaire", help="print the instrument version as a FHIR Questionnaire")
    questionnaire.add_argument("--version", metavar="V", help="instrument version (default: the current one)")
    questionnaire.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    export = sub.add_parser("export", help="write a case file as a FHIR Bundle")
    export.add_argument("case", metavar="CASE.json", help="the case file")
    export.add_argument("-o", "--output", metavar="BUNDLE.json", help="where to write (default: standard output)")
    export.add_argument("--type", choices=["collection", "searchset"], default="collection",
                        help="the Bundle type (default: collection)")
    imported = sub.add_parser("import", help="write a FHIR Bundle (Patient + QuestionnaireResponses) as a case file")
    imported.add_argument("bundle", metavar="BUNDLE.json", help="the FHIR Bundle (JSON)")
    imported.add_argument("-o", "--output", metavar="CASE.json", help="where to write (default: standard output)")


def _write(data: Any, output: str | None, example: str) -> int:
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output is None or output == "-":
        sys.stdout.write(text)
        return 0
    target = Path(output)
    problem = output_problem(target, "-o", example)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    write_private(target, text.encode("utf-8"), ".rootmap-fhir-")
    return 0


def _report(path: Path | str, problems: list[Problem]) -> int:
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    return 2


def _questionnaire(args: argparse.Namespace) -> int:
    from rootmap.instruments import CURRENT_VERSION, available_versions, load_instrument
    from rootmap.interop.fhir import questionnaire

    version = args.version or CURRENT_VERSION
    if version not in available_versions():
        print(f"--version: {version!r} is not an instrument version (expected one of "
              f"{', '.join(available_versions())})", file=sys.stderr)
        return 2
    return _write(questionnaire(load_instrument(version)), args.output, "questionnaire.json")


def _export(args: argparse.Namespace) -> int:
    from rootmap.interop.fhir import bundle_from_case

    path = Path(args.case)
    loaded = load(path)
    if loaded.document is None:
        return _report(path, loaded.problems)
    if not isinstance(loaded.document, CaseFile):
        expected = '"rootmap-household/1" is a household file; expected a case file ("rootmap-case/1"): ' \
            "FHIR export is per client"
        return _report(path, [Problem("format", expected, "rootmap-household/1")])
    try:
        bundle = bundle_from_case(loaded.document, bundle_type=args.type)
    except CaseFileError as error:
        return _report(path, error.problems)
    return _write(bundle, args.output, "bundle.json")


def _import(args: argparse.Namespace) -> int:
    from rootmap.interop.fhir import case_from_bundle

    path = Path(args.bundle)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return _report(path, [Problem("$", f"the file is {path.stat().st_size / 1024 / 1024:.1f} MB; "
                                               f"a Bundle may be at most {MAX_FILE_BYTES // 1024 // 1024} MB")])
        data = read_document_json(path.read_bytes())
        case = case_from_bundle(data)
    except FileNotFoundError:
        return _report(path, [Problem("$", "no such file")])
    except OSError as error:
        return _report(path, [Problem("$", f"cannot be read ({error.__class__.__name__}: {error})")])
    except CaseFileError as error:
        return _report(path, error.problems)
    return _write(case.model_dump(mode="json", exclude_none=True), args.output, "case.json")


def run(args: argparse.Namespace) -> int:
    actions = {"questionnaire": _questionnaire, "export": _export, "import": _import}
    return actions[args.action](args)
