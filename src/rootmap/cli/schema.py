"""`rootmap schema`: the JSON Schema of the case file (or the household file)."""

from __future__ import annotations

import argparse
import json

from rootmap.core.case import CaseFile, Household


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", nargs="?", choices=["case", "household"], default="case",
                        help="which file format (default: case)")


def run(args: argparse.Namespace) -> int:
    model = CaseFile if args.kind == "case" else Household
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Rootmap case file, format rootmap-case/1" if args.kind == "case" \
        else "Rootmap household file, format rootmap-household/1"
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0
