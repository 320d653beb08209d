"""Shared by the oracle scripts: the stub packages fixtures may import, the map from file
contents back to repository paths, the audit hook that records which files Python executes,
and the result line the Rust tests read.

Execution is observed with `sys.addaudithook` on the "exec" event, which CPython raises for
every module body it runs (importlib's exec_module included); each code object's file is
mapped back to a repository file by content, so copies in a loader's module cache count as
the repository file they came from. A code object carrying a constant
"TSFIX-BYTECODE:<path>" is reported as <path> (bytecode that ran instead of a source file).
"""
import hashlib
import json
import os
import sys

STUBS = ["tsfix_dep_a", "tsfix_dep_b", "tsfix_dep_c", "tsfix_dep_d", "tsfix_dep_e"]


def make_stubs(directory):
    """Harmless installed packages the fixtures may import; each is seen when it executes."""
    os.makedirs(directory, exist_ok=True)
    for name in STUBS:
        with open(os.path.join(directory, name + ".py"), "w") as f:
            f.write(f"NAME = {name!r}\n")


def content_index(repo, label=""):
    """sha256 of each file -> its path in the repository (prefixed with `label`)."""
    index = {}
    for dirpath, _dirs, files in os.walk(repo):
        for name in files:
            path = os.path.join(dirpath, name)
            if not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            rel = os.path.relpath(path, repo).replace(os.sep, "/")
            if digest in index and name.endswith(".py"):
                raise SystemExit(f"fixture files {index[digest]} and {rel} have the same content")
            index.setdefault(digest, label + rel)
    return index


class Recorder:
    """Records ("exec", repository path) and ("import", stub package) events in order."""

    def __init__(self, index, stubs_dir):
        self.index = index
        self.stubs_dir = stubs_dir
        self.events = []
        self._digests = {}

    def hook(self, event, args):
        if event != "exec" or not args:
            return
        code = args[0]
        for const in getattr(code, "co_consts", ()):
            if isinstance(const, str) and const.startswith("TSFIX-BYTECODE:"):
                self.events.append(("exec", const.split(":", 1)[1]))
                return
        filename = getattr(code, "co_filename", None)
        if not filename:
            return
        if os.path.dirname(filename) == self.stubs_dir:
            self.events.append(("import", os.path.basename(filename)[:-3]))
            return
        if filename not in self._digests:
            try:
                with open(filename, "rb") as f:
                    self._digests[filename] = hashlib.sha256(f.read()).hexdigest()
            except OSError:
                self._digests[filename] = None
        rel = self.index.get(self._digests[filename])
        if rel is not None:
            self.events.append(("exec", rel))

    def install(self):
        sys.addaudithook(self.hook)

    def result(self, **extra):
        """The first occurrence of each event, in order, plus `extra` fields."""
        sequence = []
        for event in self.events:
            if list(event) not in sequence:
                sequence.append(list(event))
        out = {
            "executed": [w for k, w in sequence if k == "exec"],
            "imported": [w for k, w in sequence if k == "import"],
            "sequence": sequence,
        }
        out.update(extra)
        return out


def print_result(result):
    # A refused interactive prompt leaves text on stdout: the result goes on its own line.
    print("\nTSFIX-RESULT " + json.dumps(result))
