"""Validate SARIF files against the official SARIF 2.1.0 JSON schema and GitHub code scanning's
documented extra requirements.

    sarif_validate.py [--schema SCHEMA] FILE...

The schema (sarif-2.1.0.json from @microsoft/sarif-multitool-linux 5.7.0, placed by
scripts/setup-oracles.sh) declares JSON Schema Draft 2020-12; the validator class comes from
the schema itself. Formats (`uri`, `uri-reference`) are checked too (rfc3986-validator), so an
unescaped space in an artifact URI fails.

GitHub's extra requirements ("SARIF support for code scanning" and "SARIF results exceed one or
more limits", docs.github.com/en/code-security): rules need an id, a shortDescription, a
fullDescription and a help text; `security-severity` is a score from 0.0 to 10.0; `precision` is
very-high, high, medium or low; a result names a rule of its run (ruleId, with a matching ruleIndex
when given), has a message text, at least one location, each with an artifact URI and a region
whose startLine is at least 1, and partialFingerprints. Hard limits: 20 runs per file, 25,000
results and 25,000 rules per run, 1,000 locations per result, 10,000 thread flow locations per
result, 20 tags per rule, 10 MB gzip-compressed.

Prints every error as `FILE: PATH: MESSAGE` and exits 1 when there is any, else prints
`FILE: valid` and exits 0.
"""
import argparse
import gzip
import json
import pathlib
import sys

import jsonschema
import jsonschema.validators

PRECISIONS = {"very-high", "high", "medium", "low"}
LEVELS = {"none", "note", "warning", "error"}


def default_schema():
    import os

    root = pathlib.Path(__file__).resolve().parents[2]
    oracles = os.environ.get("TRUSTSCAN_ORACLES") or str(root / ".venv-oracles")
    return pathlib.Path(oracles) / "sarif-schema" / "sarif-2.1.0.json"


def schema_errors(validator, log):
    for e in sorted(validator.iter_errors(log), key=lambda e: list(map(str, e.absolute_path))):
        path = "/".join(str(p) for p in e.absolute_path) or "(root)"
        yield f"{path}: {e.message}"


def github_errors(log):
    """GitHub code scanning's documented requirements beyond the schema."""
    runs = log.get("runs")
    if not isinstance(runs, list):
        return
    if len(runs) > 20:
        yield f"runs: {len(runs)} runs, GitHub accepts at most 20"
    for ri, run in enumerate(runs):
        here = f"runs/{ri}"
        driver = run.get("tool", {}).get("driver", {})
        if not driver.get("name"):
            yield f"{here}/tool/driver: no name"
        rules = driver.get("rules", [])
        if len(rules) > 25000:
            yield f"{here}/tool/driver/rules: {len(rules)} rules, GitHub accepts at most 25,000"
        ids = {}
        for i, rule in enumerate(rules):
            at = f"{here}/tool/driver/rules/{i}"
            rid = rule.get("id")
            if not rid:
                yield f"{at}: no id"
            elif rid in ids:
                yield f"{at}: id {rid} repeats rule {ids[rid]}"
            else:
                ids[rid] = i
            for field in ("shortDescription", "fullDescription", "help"):
                if not rule.get(field, {}).get("text"):
                    yield f"{at}: no {field}.text"
            level = rule.get("defaultConfiguration", {}).get("level")
            if level is not None and level not in LEVELS:
                yield f"{at}: defaultConfiguration.level {level!r}"
            props = rule.get("properties", {})
            if "security-severity" in props:
                s = props["security-severity"]
                try:
                    ok = isinstance(s, str) and 0.0 <= float(s) <= 10.0
                except ValueError:
                    ok = False
                if not ok:
                    yield f"{at}: security-severity {s!r} is not a score from 0.0 to 10.0"
            if "precision" in props and props["precision"] not in PRECISIONS:
                yield f"{at}: precision {props['precision']!r}"
            tags = props.get("tags", [])
            if len(tags) > 20:
                yield f"{at}: {len(tags)} tags, GitHub accepts at most 20"
        results = run.get("results", [])
        if len(results) > 25000:
            yield f"{here}/results: {len(results)} results, GitHub accepts at most 25,000"
        for i, res in enumerate(results):
            at = f"{here}/results/{i}"
            rid = res.get("ruleId")
            if not rid:
                yield f"{at}: no ruleId"
            elif rid not in ids:
                yield f"{at}: ruleId {rid} names no rule of the run"
            elif "ruleIndex" in res and res["ruleIndex"] != ids[rid]:
                yield f"{at}: ruleIndex {res['ruleIndex']} is not rule {rid} (index {ids[rid]})"
            if not res.get("message", {}).get("text"):
                yield f"{at}: no message.text"
            if not res.get("partialFingerprints"):
                yield f"{at}: no partialFingerprints"
            locations = res.get("locations", [])
            if not 1 <= len(locations) <= 1000:
                yield f"{at}: {len(locations)} locations, GitHub needs 1 to 1,000"
            steps = sum(
                len(tf.get("locations", []))
                for cf in res.get("codeFlows", [])
                for tf in cf.get("threadFlows", [])
            )
            if steps > 10000:
                yield f"{at}: {steps} thread flow locations, GitHub accepts at most 10,000"
            for li, loc in enumerate(locations):
                phys = loc.get("physicalLocation", {})
                if not phys.get("artifactLocation", {}).get("uri"):
                    yield f"{at}/locations/{li}: no physicalLocation.artifactLocation.uri"
                start = phys.get("region", {}).get("startLine")
                if not isinstance(start, int) or start < 1:
                    yield f"{at}/locations/{li}: region.startLine {start!r}, GitHub needs >= 1"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", type=pathlib.Path, default=None)
    ap.add_argument("files", nargs="+", type=pathlib.Path)
    args = ap.parse_args()
    schema_path = args.schema or default_schema()
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    failed = False
    for f in args.files:
        try:
            raw = f.read_bytes()
            log = json.loads(raw.decode("utf-8"))
        except (OSError, ValueError) as e:
            print(f"{f}: cannot read JSON: {e}")
            failed = True
            continue
        errors = list(schema_errors(validator, log))
        compressed = len(gzip.compress(raw))
        if compressed > 10 * 1024 * 1024:
            errors.append(f"(file): {compressed} bytes gzip-compressed, GitHub accepts 10 MB")
        if isinstance(log, dict):
            errors += list(github_errors(log))
        for e in errors:
            print(f"{f}: {e}")
        if errors:
            failed = True
        else:
            print(f"{f}: valid")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
