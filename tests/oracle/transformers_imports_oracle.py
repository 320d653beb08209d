#!/usr/bin/env python3
"""Oracle: transformers' own relative-import regexes and import check, on many files.

    python transformers_imports_oracle.py FILE...

For each file prints what `transformers.dynamic_module_utils.get_relative_imports` and
`get_imports` return (the names transformers copies and the packages check_imports imports
first), or the exception they raise. Nothing is imported from the files themselves.
"""
import sys

from oracle_common import print_result


def main():
    from transformers import dynamic_module_utils as dmu

    out = {}
    for path in sys.argv[1:]:
        entry = {}
        try:
            entry["relative"] = sorted(set(dmu.get_relative_imports(path)))
        except Exception as e:  # noqa: BLE001 - the oracle reports every failure
            entry["relative_error"] = type(e).__name__
        try:
            entry["imports"] = dmu.get_imports(path)
        except BaseException as e:  # noqa: BLE001 - RecursionError, MemoryError included
            entry["imports_error"] = type(e).__name__
        out[path] = entry
    print_result(out)


if __name__ == "__main__":
    main()
