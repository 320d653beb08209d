#!/usr/bin/env python3
"""Write a synthetic 10,000-file model repository for the planning benchmark.

    python3 bench/make_synthetic_repo.py OUT_DIR [N_FILES]

It combines the mechanisms that make planning work hard: a transformers auto_map whose
modeling file pulls a long chain of relative imports, a ModelScope allow_remote config (so
every .py file is imported), a hubconf.py importing a package tree, and thousands of data
files. All code is harmless (definitions and relative imports only).
"""
import json
import os
import sys


def main():
    out = sys.argv[1]
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    py_modules = total // 5
    os.makedirs(out, exist_ok=True)

    def write(rel, text):
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    count = 0
    write("config.json", json.dumps({"model_type": "synthetic", "auto_map": {"AutoConfig": "configuration_syn.SynConfig", "AutoModel": "modeling_syn.SynModel"}}))
    write("configuration_syn.py", "class SynConfig:\n    pass\n")
    chain = 200
    write("modeling_syn.py", "from .layer_0000 import Layer0\n\nclass SynModel:\n    pass\n")
    for i in range(chain):
        nxt = f"from .layer_{i + 1:04d} import Layer{i + 1}\n" if i + 1 < chain else ""
        write(f"layer_{i:04d}.py", f"import math\n{nxt}\nclass Layer{i}:\n    pass\n")
    write("configuration.json", json.dumps({"framework": "pytorch", "task": "text-generation", "allow_remote": True}))
    write("hubconf.py", "dependencies = ['torch']\nfrom pkg.sub_0 import entry_0\n\ndef model():\n    return entry_0\n")
    count += 5 + chain
    remaining_py = py_modules - chain
    per_pkg = 50
    for i in range(remaining_py):
        pkg = f"pkg/sub_{i // per_pkg}"
        if i % per_pkg == 0:
            write(f"{pkg}/__init__.py", f"from .mod_{i} import entry_{i}\n")
            count += 1
        write(f"{pkg}/mod_{i}.py", f"import os\n\ndef entry_{i}():\n    return {i}\n")
        count += 1
    write("pkg/__init__.py", "")
    count += 1
    i = 0
    while count < total:
        write(f"data/shard_{i // 1000:02d}/item_{i:05d}.json", "{}")
        i += 1
        count += 1
    print(f"wrote {count} files to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
