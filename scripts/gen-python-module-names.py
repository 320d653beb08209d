#!/usr/bin/env python3
"""Write the module-name lists the load stage needs to decide what a repository file shadows.

Run with the interpreter whose behaviour the lists describe (CPython 3.11 here):
    python3 scripts/gen-python-module-names.py crates/trustscan-load/data
The oracle tests re-run this logic and compare, so a stale list fails the test suite.
"""
import sys
from pathlib import Path


def main(out_dir: str) -> None:
    out = Path(out_dir)
    tag = f"python{sys.version_info.major}{sys.version_info.minor}"
    (out / f"{tag}-stdlib.txt").write_text("\n".join(sorted(sys.stdlib_module_names)) + "\n")
    (out / f"{tag}-builtin.txt").write_text("\n".join(sorted(sys.builtin_module_names)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
