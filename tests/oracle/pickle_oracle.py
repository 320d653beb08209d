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


class _AcceptAnything:
    """A method that works on the class and its instances alike (BUILD may target either)."""

    def __get__(self, obj, owner):
        return lambda *args, **kwargs: None


class StandIn:
    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return StandIn()

    # BUILD and the container opcodes (SETITEM(S), APPEND(S), ADDITEMS) may target it.
    __setstate__ = _AcceptAnything()
    __setitem__ = _AcceptAnything()
    append = _AcceptAnything()
    extend = _AcceptAnything()
    add = _AcceptAnything()


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
