#!/usr/bin/env python3
"""Write the torch.hub fixture repositories under tests/fixtures/torch_hub/.

    python3 scripts/make-torchhub-fixtures.py

Each fixture is <name>/repo/. Fixture code is harmless: it defines names and imports the
stub packages tsfix_dep_* the oracle provides. Bytecode fixtures are compiled here with
py_compile from sources that are not shipped; their code carries a constant
"TSFIX-BYTECODE:<path>" so the oracle can tell that the bytecode ran.
"""
import importlib.util
import py_compile
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "torch_hub"
FIXTURES = {}
BYTECODE = {}


def fixture(name, files, bytecode=None):
    FIXTURES[name] = files
    BYTECODE[name] = bytecode or {}


# Packages, plain modules, a namespace package, and the kinds of public names list() sees.
fixture(
    "packages-and-entry-points",
    {
        "hubconf.py": '''dependencies = ["torch", "tsfix_dep_a"]
import tsfix_dep_a
from models import resnet18, Head as _Head
from nspkg.tools import build_tool
import helpers
from os.path import join


def vgg(pretrained=False):
    import tsfix_dep_e
    return tsfix_dep_e


class Detector:
    pass


alexnet = lambda: None
VERSION = "1.0"
_private = vgg
''',
        "models/__init__.py": "from .resnet import resnet18\nfrom .heads import Head\n",
        "models/resnet.py": "import tsfix_dep_b\n\ndef resnet18():\n    return 'r18'\n",
        "models/heads.py": "class Head:\n    pass\n",
        "models/unused.py": "import tsfix_dep_d\n",
        "nspkg/tools.py": "import tsfix_dep_c\n\ndef build_tool():\n    return 1\n",
        "helpers.py": "HELP = 1\n",
    },
)

# A literal sys.path insertion before the import it enables.
fixture(
    "sys-path-insert",
    {
        "hubconf.py": '''import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "third_party"))
import vendored


def model():
    return vendored.VALUE
''',
        "third_party/vendored.py": "import tsfix_dep_a\nVALUE = 3\n",
    },
)

# FileFinder precedence: a package directory beats a module file; a module file beats a
# namespace directory.
fixture(
    "module-precedence",
    {
        "hubconf.py": "import pkgfirst\nimport modfirst\n\ndef model():\n    return 1\n",
        "pkgfirst/__init__.py": "WHICH = 'package'\n",
        "pkgfirst.py": "WHICH = 'module (never runs)'\n",
        "modfirst.py": "WHICH = 'module'\n",
        "modfirst/readme.txt": "a directory without __init__.py\n",
    },
)

# Imports that fail are fine inside try; conditional and function-level imports.
fixture(
    "guarded-imports",
    {
        "hubconf.py": '''try:
    import not_installed_anywhere
except ImportError:
    not_installed_anywhere = None

try:
    import localopt
except ImportError:
    localopt = None


def entry():
    import lazy_local
    return lazy_local
''',
        "localopt.py": "import tsfix_dep_b\n",
        "lazy_local.py": "import tsfix_dep_c\n",
    },
)

# A dotted dependency: find_spec imports the parent package, from the repository.
fixture(
    "dotted-dependency",
    {
        "hubconf.py": 'dependencies = ["localpkg.sub"]\n\ndef model():\n    return 1\n',
        "localpkg/__init__.py": "import tsfix_dep_a\n",
        "localpkg/sub.py": "import tsfix_dep_b\n",
    },
)

# A missing dependency fails after hubconf.py already ran.
fixture(
    "missing-dependency",
    {
        "hubconf.py": 'import tsfix_dep_a\ndependencies = ["definitely_not_installed_pkg"]\n\ndef model():\n    return 1\n',
    },
)

# Bytecode: an unchecked hash-based .pyc in __pycache__ runs instead of helper.py, and a
# sourceless legacy.pyc runs though no legacy.py exists.
fixture(
    "bytecode",
    {
        "hubconf.py": "import helper\nimport legacy\n\ndef model():\n    return helper.WHICH\n",
        "helper.py": "WHICH = 'source'\n",
    },
    bytecode={
        "__pycache__/helper.cpython-311.pyc": (
            "helper.py",
            "MARK = 'TSFIX-BYTECODE:__pycache__/helper.cpython-311.pyc'\nWHICH = 'bytecode'\n",
            py_compile.PycInvalidationMode.UNCHECKED_HASH,
        ),
        "legacy.pyc": (
            "legacy.py",
            "MARK = 'TSFIX-BYTECODE:legacy.pyc'\n",
            py_compile.PycInvalidationMode.UNCHECKED_HASH,
        ),
    },
)

# A relative import at the top of hubconf.py: torch.hub names the module "hubconf.py", so
# its package is "hubconf", and importing that re-runs hubconf.py as module "hubconf".
fixture(
    "relative-import-in-hubconf",
    {
        "hubconf.py": "import tsfix_dep_a\nfrom . import sibling\n\ndef model():\n    return 1\n",
        "sibling.py": "VALUE = 1\n",
    },
)


def compile_bytecode(target: Path, source_name: str, source: str, mode) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / source_name
        src.write_text(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        py_compile.compile(str(src), cfile=str(target), dfile=source_name, invalidation_mode=mode, doraise=True)


def main():
    if sys.version_info[:2] != (3, 11):
        sys.exit("run with CPython 3.11: the bytecode fixtures are for cpython-311")
    if ROOT.exists():
        shutil.rmtree(ROOT)
    for name, files in sorted(FIXTURES.items()):
        base = ROOT / name / "repo"
        for rel, text in files.items():
            path = base / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        for rel, (source_name, source, mode) in BYTECODE[name].items():
            compile_bytecode(base / rel, source_name, source, mode)
    print(f"wrote {len(FIXTURES)} fixtures to {ROOT} (magic {importlib.util.MAGIC_NUMBER!r})", file=sys.stderr)


if __name__ == "__main__":
    main()
