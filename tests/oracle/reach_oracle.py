#!/usr/bin/env python3
"""Oracle: load a reachability fixture for real and report which of its functions ran.

    python reach_oracle.py --fixture DIR

`DIR/load.json` says how: {"kind": "transformers", "auto": "AutoConfig" | "AutoTokenizer"}
loads `DIR/repo` with transformers' Auto class and `trust_remote_code=True`, offline;
{"kind": "torch_hub", "entry": NAME} imports `hubconf.py` the way torch.hub does (repository
first on sys.path, importlib) and calls the entry point, as `torch.hub.load(repo, NAME)`
does. A stub `torch` module stands in sys.modules (torch is not installed here).

Function entries are observed with `sys.setprofile` ("call" events) and mapped back to
repository files by content, so transformers' copies in its module cache count as the
repository file. Each is reported as [path, scope] where scope is the code object's
`co_qualname`, except for code that trustscan counts as part of its enclosing scope: class
bodies (a class body runs when its `class` statement does), lambdas and comprehensions
(`f.<locals>.<listcomp>` is reported as `f`; at top level, `<module>`).

Prints: TSFIX-RESULT {"ran": [[path, qualname], ...], "error": "Type: message" or null}
"""
import argparse
import importlib.machinery
import importlib.util
import json
import os
import sys
import tempfile
import types

from oracle_common import content_index


CO_OPTIMIZED = 0x1
INLINE = ("<lambda>", "<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>")


def execution_scope(code):
    qualname = code.co_qualname
    parts = qualname.split(".")
    is_function = bool(code.co_flags & CO_OPTIMIZED)
    if qualname != "<module>" and not is_function:
        parts = parts[:-1]  # a class body: its enclosing scope
    while parts and parts[-1] in INLINE:
        parts = parts[:-1]
        if parts and parts[-1] == "<locals>":
            parts = parts[:-1]
    return ".".join(parts) if parts else "<module>"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixture", required=True)
    args = ap.parse_args()
    fixture = os.path.abspath(args.fixture)
    repo = os.path.join(fixture, "repo")
    with open(os.path.join(fixture, "load.json")) as f:
        load = json.load(f)
    index = content_index(repo)
    ran = set()
    digests = {}

    def profile(frame, event, _arg):
        if event != "call":
            return
        code = frame.f_code
        filename = code.co_filename
        if filename not in digests:
            try:
                import hashlib

                with open(filename, "rb") as fh:
                    digests[filename] = index.get(hashlib.sha256(fh.read()).hexdigest())
            except OSError:
                digests[filename] = None
        rel = digests[filename]
        if rel is not None and rel.endswith(".py"):
            ran.add((rel, execution_scope(code)))

    error = None
    sys.dont_write_bytecode = True
    try:
        if load["kind"] == "transformers":
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["HF_MODULES_CACHE"] = tempfile.mkdtemp(prefix="tsfix-modules-")
            import transformers

            auto = getattr(transformers, load["auto"])
            sys.setprofile(profile)
            try:
                auto.from_pretrained(repo, trust_remote_code=True)
            finally:
                sys.setprofile(None)
        elif load["kind"] == "torch_hub":
            torch = types.ModuleType("torch")
            torch.__spec__ = importlib.machinery.ModuleSpec("torch", None)
            sys.modules["torch"] = torch
            sys.path.insert(0, repo)
            sys.setprofile(profile)
            try:
                spec = importlib.util.spec_from_file_location("hubconf.py", os.path.join(repo, "hubconf.py"))
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                getattr(module, load["entry"])()
            finally:
                sys.setprofile(None)
        else:
            raise SystemExit(f"unknown load kind {load['kind']}")
    except Exception as e:  # the test shows it
        error = f"{type(e).__name__}: {e}"
    print("TSFIX-RESULT " + json.dumps({"ran": sorted(ran), "error": error}))


if __name__ == "__main__":
    main()
