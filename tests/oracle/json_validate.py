"""Validate trustscan's JSON output against its published JSON Schemas (docs/schema/).

    json_validate.py SCHEMA FILE...

SCHEMA is one of docs/schema/*.schema.json; every schema of that directory is registered
under its `$id`, so references between them (scan-2 uses plan-1's definitions) resolve
locally, without the network. Each schema is first checked against its own metaschema
(Draft 2020-12).

Prints every error as `FILE: PATH: MESSAGE` and exits 1 when there is any, else prints
`FILE: valid` and exits 0.
"""
import argparse
import json
import pathlib
import sys

import jsonschema.validators
from referencing import Registry, Resource


def load_validator(schema_path):
    schemas = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(schema_path.parent.glob("*.schema.json"))
    ]
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas
    )
    for s in schemas:
        jsonschema.validators.validator_for(s).check_schema(s)
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def errors(validator, doc):
    # best_match descends into oneOf/anyOf branches: the message names the field at fault
    # rather than "is not valid under any of the given schemas".
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        e = jsonschema.exceptions.best_match([e])
        path = "/".join(str(p) for p in e.absolute_path) or "(root)"
        yield f"{path}: {e.message}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("schema", type=pathlib.Path)
    ap.add_argument("files", nargs="+", type=pathlib.Path)
    args = ap.parse_args()
    validator = load_validator(args.schema)
    failed = False
    for f in args.files:
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            print(f"{f}: cannot read JSON: {e}")
            failed = True
            continue
        found = list(errors(validator, doc))
        for e in found:
            print(f"{f}: {e}")
        failed |= bool(found)
        if not found:
            print(f"{f}: valid")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
