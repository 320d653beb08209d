"""joblib's own loader as an oracle for what a joblib file looks up, without running it.

Each file is loaded with joblib.load, whose NumpyUnpickler (also used for the nested
pickles of object arrays) has find_class replaced by a recorder: every (module, name) is
recorded; NumPy's and joblib's reconstruction classes are returned for real (the arrays must
be rebuilt for the stream to stay in step), anything else is a harmless stand-in, so no
payload is ever called. Prints one JSON document: file -> {"imports": [[module, name], ...],
"error": message or null}.
"""
import json
import sys

import joblib
from joblib import numpy_pickle

REAL = ("numpy", "joblib.numpy_pickle", "copyreg", "copy_reg", "_codecs")


class StandIn:
    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return StandIn()

    def __setstate__(self, state):
        pass


seen = []
original = numpy_pickle.NumpyUnpickler.find_class


def recording_find_class(self, module, name):
    seen.append([module, name])
    if module.split(".")[0] == "numpy" or module in REAL:
        return original(self, module, name)
    return StandIn


numpy_pickle.NumpyUnpickler.find_class = recording_find_class


def run(path):
    seen.clear()
    error = None
    try:
        joblib.load(path)
    except Exception as e:  # a malformed file: record where joblib stops
        error = f"{type(e).__name__}: {e}"
    return {"imports": list(seen), "error": error}


print(json.dumps({p: run(p) for p in sys.argv[1:]}))
