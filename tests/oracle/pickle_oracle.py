"""CPython's unpickler as an oracle for what a pickle stream looks up, without running it.

For each file given, unpickle pickle after pickle with find_class replaced by a recorder:
every (module, name) CPython would resolve is recorded and a harmless stand-in class is
returned instead, so no real callable is ever called. persistent_load accepts any id, as
torch's loader does. Prints one JSON document: file -> {"imports": [[module, name], ...],
"error": message or null}.
"""
import io
import json
import pickle
import sys


class StandIn:
    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return StandIn()

    def __setstate__(self, state):
        pass

    # Container opcodes (SETITEM(S), APPEND(S), ADDITEMS) may target a constructed object.
    def __setitem__(self, key, value):
        pass

    def append(self, item):
        pass

    def extend(self, items):
        pass

    def add(self, item):
        pass


class Recorder(pickle._Unpickler):
    """The pure-Python unpickler: the same opcode semantics as the C one, easier to hook."""

    def __init__(self, f, seen):
        super().__init__(f)
        self.seen = seen

    def find_class(self, module, name):
        self.seen.append([module, name])
        return StandIn

    def persistent_load(self, pid):
        return None


def run(path):
    data = open(path, "rb").read()
    f = io.BytesIO(data)
    seen = []
    error = None
    while f.tell() < len(data):
        try:
            Recorder(f, seen).load()
        except Exception as e:  # the stream is malformed: record where CPython stops
            error = f"{type(e).__name__}: {e}"
            break
    return {"imports": seen, "error": error}


print(json.dumps({p: run(p) for p in sys.argv[1:]}))
