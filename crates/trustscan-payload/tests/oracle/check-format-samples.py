#!/usr/bin/env python3
"""Cross-check the format samples against the real readers (optional oracle, not run by
cargo test): numpy for .npy, the safetensors library, onnx for .onnx protobufs, gguf-py for .gguf
(which reads v2/v3 only).

Never unpickles, never loads external data, never renders: npy files are loaded with
allow_pickle=False (object arrays must then be refused), onnx models with
load_external_data=False. Usage:
    python3 -m venv /tmp/fmtvenv && /tmp/fmtvenv/bin/pip install numpy safetensors onnx gguf
    /tmp/fmtvenv/bin/python crates/trustscan-payload/tests/oracle/check-format-samples.py
"""
import os
import sys

import numpy as np
import onnx
from gguf import GGUFReader
from safetensors import safe_open

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(os.path.dirname(HERE), "fixtures", "formats")


def loads(fn):
    try:
        fn()
        return True, ""
    except Exception as e:  # the reader's own rejection
        return False, f"{type(e).__name__}: {e}"


def main():
    bad = 0
    for line in open(os.path.join(FIX, "expected.tsv")):
        if line.startswith("#"):
            continue
        rel, verdict, _ = line.rstrip("\n").split("\t")
        path = os.path.join(FIX, rel)
        if rel.endswith(".npy"):
            ok, err = loads(lambda: np.load(path, allow_pickle=False))
            # safe: numpy loads it; suspicious (object dtype): numpy refuses without
            # allow_pickle; inconclusive: numpy fails.
            want = verdict == "safe"
            if verdict == "suspicious" and "allow_pickle" not in err:
                ok = True  # wrong kind of failure
        elif rel.endswith(".safetensors"):
            ok, err = loads(lambda: safe_open(path, "np").keys())
            want = verdict == "safe"
        elif rel.endswith(".onnx"):
            def load():
                m = onnx.load(path, load_external_data=False)
                if not m.HasField("graph") or not m.opset_import:
                    raise ValueError("no graph or opset_import")
            ok, err = loads(load)
            want = verdict != "inconclusive"
        elif rel.endswith(".gguf"):
            if open(path, "rb").read(8)[4:] == b"\x01\x00\x00\x00":
                continue  # gguf-py refuses version 1
            ok, err = loads(lambda: GGUFReader(path))
            want = verdict != "inconclusive"
        else:
            continue
        status = "ok " if ok == want else "BAD"
        bad += ok != want
        print(f"{status} {rel}: expected {verdict}, reader {'loads it' if ok else 'refuses: ' + err[:90]}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
