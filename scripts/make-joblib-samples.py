#!/usr/bin/env python3
"""Generate joblib samples for the payload scanner's tests with the real joblib.dump.

    <python with numpy, joblib and lz4> scripts/make-joblib-samples.py

(`scripts/setup-oracles.sh` builds such an environment under .venv-oracles/joblib.)
joblib writes each NumPy array's bytes straight into the pickle stream after a wrapper
object, so a pickle model that does not know the layout loses step at the first array.
It also writes NumPy random states pickled by CPython into tests/fixtures/pickle.
Samples: benign arrays of every dtype family (numeric, bool, unicode, bytes, datetime,
structured, Fortran order, 0-d, empty, objects), protocols 2-5, every compressor joblib
offers, and payloads placed after an array and inside an object array. The payload is a
harmless `echo`; nothing here is ever loaded by trustscan itself.
"""
import os
import sys
from pathlib import Path

import joblib
import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "joblib"


class ShellCall:
    """Pickles as os.system("echo ...") (posix.system on Linux)."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def arrays():
    return {
        "f4": np.arange(6, dtype="<f4").reshape(2, 3),
        "i8_fortran": np.asfortranarray(np.arange(12, dtype="<i8").reshape(3, 4)),
        "bool": np.array([True, False, True]),
        "unicode": np.array(["ab", "cdefg"]),
        "bytes": np.array([b"x", b"yz"]),
        "dates": np.array(["2026-01-01", "2026-11-26"], dtype="datetime64[ns]"),
        "structured": np.array([(1, 2.5)], dtype=[("a", "<i4"), ("b", "<f8")]),
        "scalar": np.array(3.5),
        "empty": np.zeros((0, 4), dtype="<f8"),
        "objects": np.array(["text", 7, None], dtype=object),
        "nested": [np.ones(2, dtype="<u2"), {"deep": np.zeros(3, dtype="<c8")}],
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.joblib*"):
        old.unlink()
    for protocol in (2, 3, 4, 5):
        joblib.dump(arrays(), OUT / f"arrays-protocol{protocol}.joblib", protocol=protocol)
    for method in ("zlib", "gzip", "bz2", "lzma", "xz", "lz4"):
        joblib.dump(arrays(), OUT / f"arrays-{method}.joblib", compress=(method, 3))
    after = {"weights": np.arange(1000, dtype="<f8"), "hook": ShellCall("echo trustscan joblib sample")}
    joblib.dump(after, OUT / "payload-after-array.joblib", protocol=4)
    joblib.dump(after, OUT / "payload-after-array-xz.joblib", compress=("xz", 3))
    inside = {"table": np.array([1, ShellCall("echo trustscan joblib sample")], dtype=object)}
    joblib.dump(inside, OUT / "payload-in-object-array.joblib", protocol=4)
    print(f"wrote {len(list(OUT.glob('*.joblib')))} samples to {OUT}", file=sys.stderr)
    # NumPy's random state as training checkpoints save it (the legacy state tuple, a
    # RandomState and a Generator), pickled by CPython: benign, must be judged safe.
    import pickle

    pickles = OUT.parent / "pickle"
    (pickles / "numpy-rng-state.pkl").write_bytes(pickle.dumps(np.random.RandomState(0).get_state(), protocol=2))
    (pickles / "numpy-randomstate.pkl").write_bytes(pickle.dumps(np.random.RandomState(0), protocol=4))
    (pickles / "numpy-generator.pkl").write_bytes(pickle.dumps(np.random.default_rng(0), protocol=4))


if __name__ == "__main__":
    main()
