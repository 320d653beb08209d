#!/usr/bin/env python3
"""Write the ModelScope fixture repositories under tests/fixtures/modelscope/.

    python3 scripts/make-modelscope-fixtures.py

Each fixture is <name>/repo/. Fixture code is harmless: it defines names and imports the
stub packages tsfix_dep_* the oracle provides. Requirement lines name packages that do not
exist, so the oracle (which never runs pip) records them as lines pip would install.
"""
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "modelscope"
FIXTURES = {}


def fixture(name, files):
    FIXTURES[name] = files


def configuration(**keys):
    return json.dumps({"framework": "pytorch", "task": "text-generation", **keys}, indent=2) + "\n"


# allow_remote: every .py runs (skipping __* and *.json / *.md entries), packages get their
# __init__.py first, requirement files anywhere are pip-installed first.
fixture(
    "allow-remote",
    {
        "configuration.json": configuration(allow_remote=True),
        "__init__.py": "from .helper import VALUE\n",
        "helper.py": "VALUE = 1\n",
        "ms_wrapper.py": "import tsfix_dep_a\n",
        "sub/__init__.py": "import tsfix_dep_b\n",
        "sub/mod.py": "from . import leaf_helper\n",
        "sub/leaf_helper.py": "HELP = 2\n",
        "deep/er/leaf.py": "import tsfix_dep_c\n",
        "__private/skipped.py": "import tsfix_dep_d\n",
        "notes.json/inside.py": "import tsfix_dep_e\n",
        "requirements.txt": "tsfix-not-installed-alpha==1.0\n\ntsfix-not-installed-beta>=2\n",
        "deep/dev-requirements.cfg": "tsfix-not-installed-gamma\n",
        "README.md": "not code\n",
    },
)

# A requirement line that is not a requirement stops the load before pip or any import.
fixture(
    "invalid-requirement",
    {
        "configuration.json": configuration(allow_remote=True),
        "model.py": "import tsfix_dep_a\n",
        "requirements.txt": "# pinned deps\ntsfix-not-installed-alpha==1.0\n",
    },
)

# An absolute import of a repository module resolves through the copy directory that
# ModelScope appends to sys.path.
fixture(
    "absolute-import-of-repo-module",
    {
        "configuration.json": configuration(allow_remote="yes"),
        "entry.py": "import shared_utils\n",
        "shared_utils.py": "import tsfix_dep_a\n",
    },
)

# A dotted directory name yields an unimportable module name: the imports stop there, so
# which files ran depends on directory order.
fixture(
    "dotted-directory",
    {
        "configuration.json": configuration(allow_remote=True),
        "good.py": "import tsfix_dep_a\n",
        "v1.2/bad.py": "import tsfix_dep_b\n",
    },
)

# Without allow_remote nothing from the repository runs.
fixture(
    "no-allow-remote",
    {
        "configuration.json": configuration(allow_remote=False),
        "model.py": "import tsfix_dep_a\n",
        "requirements.txt": "tsfix-not-installed-alpha\n",
    },
)


def main():
    if ROOT.exists():
        shutil.rmtree(ROOT)
    for name, files in sorted(FIXTURES.items()):
        for rel, text in files.items():
            path = ROOT / name / "repo" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    print(f"wrote {len(FIXTURES)} fixtures to {ROOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
