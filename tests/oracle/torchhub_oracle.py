#!/usr/bin/env python3
"""Oracle: import a fixture's hubconf.py exactly the way torch.hub does, and report which
repository files Python executed.

    python torchhub_oracle.py --repo DIR

torch cannot be installed here, so this reproduces torch/hub.py's own steps (`_load_local`,
`_import_module`, `_check_dependencies`, `list`): the repository directory is inserted at
sys.path[0], hubconf.py is loaded with `importlib.util.spec_from_file_location("hubconf.py",
path)` + `exec_module`, `dependencies` are checked with `importlib.util.find_spec` while the
directory is still on sys.path, and the entry points are the callables of the module whose
names do not start with "_". A stub `torch` module stands in sys.modules, as it would when
torch.hub runs. Fixture code is harmless (it defines names and imports stub packages).

Execution is observed with an audit hook on "exec", mapped to repository files by content;
a code object carrying a constant "TSFIX-BYTECODE:<path>" is reported as <path> (bytecode
that Python ran instead of a source file).

Prints JSON: {"executed": [...], "imported": [...], "sequence": [...], "entry_points": [...],
"error": "Type: message" or null}
"""
import argparse
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import types

from oracle_common import Recorder, content_index, make_stubs, print_result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)
    stubs = tempfile.mkdtemp(prefix="tsfix-stubs-")
    make_stubs(stubs)
    recorder = Recorder(content_index(repo), stubs)

    torch = types.ModuleType("torch")
    torch.__spec__ = importlib.machinery.ModuleSpec("torch", None)
    sys.modules["torch"] = torch
    sys.path.append(stubs)
    sys.dont_write_bytecode = True
    recorder.install()
    error = None
    entry_points = []
    sys.path.insert(0, repo)  # torch.hub._add_to_sys_path
    try:
        spec = importlib.util.spec_from_file_location("hubconf.py", os.path.join(repo, "hubconf.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        # torch.hub._check_dependencies, still inside _add_to_sys_path for load()
        deps = getattr(module, "dependencies", None)
        if deps is not None:
            missing = [pkg for pkg in deps if importlib.util.find_spec(pkg) is None]
            if missing:
                raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
        # torch.hub.list
        entry_points = [f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")]
    except BaseException as e:  # noqa: BLE001 - the oracle reports every failure
        error = f"{type(e).__name__}: {e}"
    finally:
        sys.path.remove(repo)
    print_result(recorder.result(entry_points=entry_points, error=error))


if __name__ == "__main__":
    main()
