#!/usr/bin/env python3
"""Oracle: load a fixture directory with ModelScope's own `allow_remote` code path and report
which repository files it collects, which requirement lines it would pip-install, and which
files Python executed.

    python modelscope_oracle.py --repo DIR

Runs `modelscope.utils.plugins.register_modelhub_repo(dir, allow_remote=True)` (what
`pipeline()` and `Model.from_pretrained` call once trust is established) in a fresh
MODELSCOPE_CACHE. The traversal is the library's own `FilesAstScanning.traversal_files`.
pip is never run: `PluginsManager.pip_command` is replaced by a recorder that reports
success. Fixture code is harmless (it defines names and imports stub packages).

Prints one line "TSFIX-RESULT <json>": {"python_files", "requirement_files" (the library's
traversal, in its order), "installed" (requirement lines passed to pip), "sequence",
"executed", "imported", "error"}.
"""
import argparse
import json
import os
import sys
import tempfile

from oracle_common import Recorder, content_index, make_stubs, print_result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)
    work = tempfile.mkdtemp(prefix="tsfix-ms-")
    os.environ["MODELSCOPE_CACHE"] = os.path.join(work, "cache")
    stubs = os.path.join(work, "site")
    make_stubs(stubs)
    sys.path.append(stubs)
    recorder = Recorder(content_index(repo), stubs)

    from modelscope.utils import plugins
    from modelscope.utils.ast_utils import FilesAstScanning

    scanner = FilesAstScanning()
    scanner.traversal_files(repo, include_init=True)
    prefix = repo.rstrip(os.sep) + os.sep
    python_files = [f.replace(prefix, "") for f in scanner.file_dirs]
    requirement_files = [f.replace(prefix, "") for f in scanner.requirement_dirs]

    installed = []

    def record_pip(command, command_args):
        installed.extend(a for a in command_args if a not in ("-f",) and not a.startswith("http"))
        return 0, None, list(command_args)

    plugins.PluginsManager.pip_command = staticmethod(record_pip)

    with open(os.path.join(repo, "configuration.json")) as f:
        allow_remote = bool(json.load(f).get("allow_remote"))
    recorder.install()
    error = None
    try:
        # What pipeline() passes once trust is established: allow_remote from the config.
        plugins.register_modelhub_repo(repo, allow_remote=allow_remote)
    except BaseException as e:  # noqa: BLE001 - the oracle reports every failure
        error = f"{type(e).__name__}: {e}"
    print_result(
        recorder.result(
            python_files=python_files,
            requirement_files=requirement_files,
            installed=installed,
            error=error,
        )
    )


if __name__ == "__main__":
    main()
