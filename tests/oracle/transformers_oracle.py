#!/usr/bin/env python3
"""Oracle: load a fixture repository with transformers' own loaders and report which of its
files Python actually executed.

    python transformers_oracle.py --repo DIR --call CALL [--hub org/name]

CALL is one of
    AutoConfig | AutoTokenizer | AutoProcessor | AutoImageProcessor | AutoFeatureExtractor
    | AutoVideoProcessor | model:<AutoClass> | pipeline
`model:<AutoClass>` does what `<AutoClass>.from_pretrained` does before it needs torch:
`AutoConfig.from_pretrained(trust_remote_code=True)`, then
`get_class_from_dynamic_module(config.auto_map[<AutoClass>], repo)`. `pipeline` resolves the
custom pipeline class the way `pipeline(model=...)` does, through transformers' own
`get_class_from_dynamic_module`.

With --hub the fixture is laid out as a Hugging Face cache entry (models--org--name with
refs/main and snapshots/<commit>) and loaded by repository id in offline mode, so the Hub
code path runs.

Everything runs with trust_remote_code=True (or None with --trust none, stdin closed, so
any prompt is refused) in a fresh module cache. Fixture code is
harmless: fixture files only define classes. Execution is observed with an audit hook on
the "exec" event (every module body Python executes), mapped back to repository files by
content; imports of the stub packages `tsfix_*` are observed on the "import" event.

Prints JSON: {"version", "executed": [paths in order of first execution],
"imported": [stub packages in import order], "sequence": [["exec", path] | ["import",
package], first occurrences in order], "error": "Type: message" or null,
"error_in_dynamic_load": bool}
"""
import argparse
import os
import shutil
import sys
import tempfile
import traceback

from oracle_common import Recorder, content_index, make_stubs, print_result

COMMIT = "0123456789abcdef0123456789abcdef01234567"
REPO_DIR = []


def hub_layout(repo, cache, repo_id):
    entry = os.path.join(cache, "models--" + repo_id.replace("/", "--"))
    os.makedirs(os.path.join(entry, "refs"))
    with open(os.path.join(entry, "refs", "main"), "w") as f:
        f.write(COMMIT)
    shutil.copytree(repo, os.path.join(entry, "snapshots", COMMIT), symlinks=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--call", required=True)
    ap.add_argument("--hub")
    ap.add_argument("--trust", choices=["true", "none"], default="true")
    ap.add_argument(
        "--extra-hub",
        action="append",
        default=[],
        metavar="ORG/NAME=DIR",
        help="another repository to place in the Hugging Face cache (for org/name--module.Class)",
    )
    args = ap.parse_args()
    trust = True if args.trust == "true" else None

    work = tempfile.mkdtemp(prefix="tsfix-oracle-")
    stubs = os.path.join(work, "site")
    make_stubs(stubs)
    sys.path.insert(0, stubs)
    os.environ["HF_HOME"] = os.path.join(work, "hf_home")
    os.environ["HF_MODULES_CACHE"] = os.path.join(work, "modules")
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    repo = os.path.abspath(args.repo)
    REPO_DIR.append(repo)
    index = content_index(repo)
    target = repo
    cache = os.path.join(work, "hub")
    os.environ["HF_HUB_CACHE"] = cache
    for extra in args.extra_hub:
        other_id, other_dir = extra.split("=", 1)
        hub_layout(os.path.abspath(other_dir), cache, other_id)
        for digest, rel in content_index(os.path.abspath(other_dir), f"{other_id}:").items():
            index.setdefault(digest, rel)
    if args.hub:
        hub_layout(repo, cache, args.hub)
        target = args.hub
    else:
        # transformers names the local module package after the directory: keep it tame.
        target = os.path.join(work, "repo")
        shutil.copytree(repo, target, symlinks=True)

    recorder = Recorder(index, stubs)

    import transformers  # noqa: E402  (imported before the hook: its own files are not ours)
    from transformers import dynamic_module_utils  # noqa: E402

    in_dynamic = {"error": False}
    original = dynamic_module_utils.get_class_from_dynamic_module

    def watched(*a, **k):
        try:
            return original(*a, **k)
        except BaseException:
            in_dynamic["error"] = True
            raise

    # Every Auto class imports the function by name from dynamic_module_utils at call time
    # or at import time; patch both places so errors inside it are attributed to it.
    dynamic_module_utils.get_class_from_dynamic_module = watched
    for mod in list(sys.modules.values()):
        if getattr(mod, "__name__", "").startswith("transformers.") and hasattr(
            mod, "get_class_from_dynamic_module"
        ):
            try:
                setattr(mod, "get_class_from_dynamic_module", watched)
            except Exception:
                pass

    recorder.install()
    error = None
    try:
        run_call(args.call, target, watched, trust)
    except BaseException as e:  # noqa: BLE001 - the oracle reports every failure
        error = f"{type(e).__name__}: {e}"
        if os.environ.get("TSFIX_TRACE"):
            traceback.print_exc()
    print_result(
        recorder.result(
            version=transformers.__version__,
            error=error,
            error_in_dynamic_load=in_dynamic["error"],
        )
    )


def model_call(auto_class, target, get_class, trust):
    """What <auto_class>.from_pretrained does before it needs torch: AutoConfig, the trust
    decision, get_class_from_dynamic_module; then, as from_pretrained ends for a model that
    can generate, load_custom_generate."""
    import transformers
    from transformers import dynamic_module_utils as dmu

    config = transformers.AutoConfig.from_pretrained(target, trust_remote_code=trust)
    ref = (getattr(config, "auto_map", None) or {}).get(auto_class)
    if ref is not None:
        has_local = type(config).__module__.startswith("transformers.")
        upstream = ref.split("--")[0] if "--" in ref else None
        allowed = dmu.resolve_trust_remote_code(trust, target, has_local, True, upstream)
        if allowed:
            get_class(ref, target)
    if os.path.exists(os.path.join(REPO_DIR[0], "custom_generate", "generate.py")):
        load_custom_generate(target, trust)


def load_custom_generate(target, trust):
    """Run transformers' own GenerationMixin.load_custom_generate. generation/utils.py imports
    torch, so that one function's source is compiled on its own, with transformers' own
    helpers as its globals."""
    import ast
    import typing

    import transformers
    from transformers import dynamic_module_utils as dmu
    import transformers.utils.hub as hub

    path = os.path.join(os.path.dirname(transformers.__file__), "generation", "utils.py")
    with open(path) as f:
        tree = ast.parse(f.read())
    fn = next(
        n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "load_custom_generate"
    )
    fn.decorator_list = []
    namespace = dict(vars(typing))
    namespace.update(
        os=os,
        has_file=hub.has_file,
        get_cached_module_file=dmu.get_cached_module_file,
        get_class_in_module=dmu.get_class_in_module,
        resolve_trust_remote_code=dmu.resolve_trust_remote_code,
        check_python_requirements=dmu.check_python_requirements,
        logger=transformers.utils.logging.get_logger("tsfix"),
    )
    exec(compile(ast.Module(body=[fn], type_ignores=[]), path, "exec"), namespace)
    namespace["load_custom_generate"](None, target, trust_remote_code=trust)


def run_call(call, target, get_class, trust):
    import transformers

    if call.startswith("model:"):
        model_call(call.split(":", 1)[1], target, get_class, trust)
    elif call == "pipeline":
        # pipeline(): AutoConfig, the custom pipeline class, then the first "pt" model class.
        config = transformers.AutoConfig.from_pretrained(target, trust_remote_code=trust)
        custom = config.custom_pipelines
        (task,) = list(custom)
        if not trust:
            raise ValueError("custom pipeline needs trust_remote_code=True")
        get_class(custom[task]["impl"], target)
        for auto_class in custom[task].get("pt", [])[:1]:
            model_call(auto_class, target, get_class, trust)
    elif call == "AutoVideoProcessor":
        # The top-level name is a placeholder without torchvision; the class itself is not.
        from transformers.models.auto.video_processing_auto import AutoVideoProcessor

        AutoVideoProcessor.from_pretrained(target, trust_remote_code=trust)
    else:
        getattr(transformers, call).from_pretrained(target, trust_remote_code=trust)


if __name__ == "__main__":
    main()
