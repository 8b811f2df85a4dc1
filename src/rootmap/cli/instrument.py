"""`rootmap instrument check FOLDER` and `rootmap instrument list`: instrument versions as data.

An organisation brings its own version as a folder like ``rootmap/instruments/v1`` and adds
it with ``ROOTMAP_INSTRUMENTS_DIR``; `check` says, before anyone scores with it, whether
Rootmap will accept it (docs/decisions/0015-instrument-versions.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rootmap.instruments import (
    ENV_VAR,
    InstrumentError,
    available_versions,
    current_version,
    load_instrument,
    version_folder,
)
from rootmap.instruments.check import check_folder, configured_problems


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="validate an instrument version folder (exit 2 with one line per problem)",
                           description="Validate an instrument version folder: one line per problem, "
                                       "naming the file, the path inside it and what was expected.")
    check.add_argument("folder", type=Path, metavar="FOLDER", help="a folder like rootmap/instruments/v1")
    sub.add_parser("list", help=f"list the available instrument versions (built in and from {ENV_VAR})")


def run(args: argparse.Namespace) -> int:
    if args.action == "check":
        if not args.folder.is_dir():
            print(f"{args.folder}: is not a folder; expected a folder like rootmap/instruments/v1", file=sys.stderr)
            return 2
        result = check_folder(args.folder)
        if not result.ok:
            for problem in result.problems:
                print(f"{args.folder}/{problem}", file=sys.stderr)
            return 2
        print(result.summary())
        return 0
    problems = configured_problems()
    if problems:
        for problem in problems:
            print(f"rootmap instrument list: {problem}", file=sys.stderr)
        return 2
    try:
        for version in available_versions():
            instrument = load_instrument(version)
            marks = " (current: new assessments start on it)" if version == current_version() else ""
            print(f"{version}\t{instrument.name}\t{version_folder(version)}{marks}")
    except InstrumentError as error:  # pragma: no cover - configured_problems found none above
        print(f"rootmap instrument list: {error}", file=sys.stderr)
        return 2
    return 0
