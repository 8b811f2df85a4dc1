"""`rootmap schema`: the JSON Schema of the case file (or the household file).

`rootmap schema csv` prints instead the data dictionary of every CSV column Rootmap reads
or writes, as a REDCap-style CSV (rootmap.interop.csv_schema).
"""

from __future__ import annotations

import argparse
import json

from rootmap.core.case import CaseFile, Household


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", nargs="?", choices=["case", "household", "csv"], default="case",
                        help="which file format (default: case); csv: the data dictionary of the CSV "
                             "imports and exports")


def run(args: argparse.Namespace) -> int:
    if args.kind == "csv":
        import sys

        from rootmap.interop.csv_format import write_csv
        from rootmap.interop.csv_schema import DICTIONARY_HEADER, dictionary_rows

        write_csv(sys.stdout, DICTIONARY_HEADER, dictionary_rows())
        return 0
    model = CaseFile if args.kind == "case" else Household
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Rootmap case file, format rootmap-case/1" if args.kind == "case" \
        else "Rootmap household file, format rootmap-household/1"
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0
