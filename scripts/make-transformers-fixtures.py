#!/usr/bin/env python3
"""Write the transformers fixture repositories under tests/fixtures/transformers/.

    python3 scripts/make-transformers-fixtures.py

Each fixture is <name>/repo/ (the repository) plus <name>/calls.txt (the loader calls it
exists to exercise). Fixture code is harmless: it defines classes and imports the stub
packages tsfix_dep_* that the oracle provides; nothing else. The differential test
(crates/trustscan-load/tests/oracle_transformers.rs) loads each with transformers itself.
"""
import json
import shutil
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "transformers"


def cls(name, base="", body=""):
    """A harmless class with the classmethods transformers calls on loaded classes."""
    parent = f"({base})" if base else ""
    return textwrap.dedent(
        f"""
        class {name}{parent}:
            @classmethod
            def register_for_auto_class(cls, auto_class=None):
                pass

            @classmethod
            def from_pretrained(cls, *args, **kwargs):
                return cls.__new__(cls)

            @classmethod
            def from_dict(cls, *args, **kwargs):
                return cls.__new__(cls)
        {body}"""
    )


def config_module(name="TsConfig", model_type="tsfix-remote", header=""):
    return header + textwrap.dedent(
        f"""
        from transformers import PretrainedConfig


        class {name}(PretrainedConfig):
            model_type = "{model_type}"
        """
    )


FIXTURES = {}


def fixture(name, calls, files):
    if '"configuration_ts.TsConfig"' in files.get("config.json", ""):
        with_config(files)
    FIXTURES[name] = (calls, files)


def cfg(auto_map, model_type="tsfix-remote", **extra):
    """config.json; a remote configuration class is added unless the fixture names one,
    since AutoConfig must resolve before any model class loads."""
    auto_map = {"AutoConfig": "configuration_ts.TsConfig", **auto_map}
    d = {"model_type": model_type, "auto_map": auto_map}
    d.update(extra)
    return json.dumps(d, indent=2) + "\n"


def with_config(files):
    files.setdefault("configuration_ts.py", config_module())
    return files


# A model whose relative imports reach two levels deep, one of them only named in a
# docstring: 5.x copies the whole regex closure; 4.57 copies only the entry file's direct
# matches and then fails on the deeper one.
fixture(
    "automodel-closure",
    ["AutoConfig", "model:AutoModel", "model:AutoModelForCausalLM"],
    {
        "config.json": cfg(
            {
                "AutoConfig": "configuration_ts.TsConfig",
                "AutoModel": "modeling_ts.TsModel",
                "AutoModelForCausalLM": "modeling_ts.TsForCausalLM",
            }
        ),
        "configuration_ts.py": config_module(),
        "modeling_ts.py": '''"""Model code.

Usage notes mention an import on its own line:
    from .doc_helpers import render
"""
import tsfix_dep_a
from .configuration_ts import TsConfig
from .layers import Layer
'''
        + cls("TsModel")
        + cls("TsForCausalLM"),
        "layers.py": "import tsfix_dep_b\nfrom .deeper import Deep\n" + cls("Layer"),
        "deeper.py": cls("Deep"),
        "doc_helpers.py": "def render():\n    return 'docs'\n",
    },
)

# A docstring names a relative import whose file does not exist: transformers copies (or
# hashes) every regex match, so loading fails before any repository code runs.
fixture(
    "docstring-names-missing-file",
    ["AutoConfig", "model:AutoModel"],
    {
        "config.json": cfg({"AutoConfig": "configuration_ts.TsConfig", "AutoModel": "modeling_ts.TsModel"}),
        "configuration_ts.py": config_module(),
        "modeling_ts.py": '''"""Example:

    from .ghost import Phantom
"""
from .configuration_ts import TsConfig
'''
        + cls("TsModel"),
    },
)

# check_imports: imports inside try blocks and inside `if is_*_available()` blocks are not
# imported first; imports inside functions are (get_imports walks the whole tree).
fixture(
    "check-imports-exclusions",
    ["model:AutoModel"],
    {
        "config.json": cfg({"AutoModel": "modeling_ts.TsModel"}),
        "modeling_ts.py": '''import tsfix_dep_a
from transformers.utils import is_torch_available

try:
    import tsfix_dep_c
except ImportError:
    tsfix_dep_c = None

if is_torch_available():
    import tsfix_dep_d


def build():
    import tsfix_dep_b
    return tsfix_dep_b
'''
        + cls("TsModel"),
    },
)

# `from .sub.mod import X`: the regex yields `sub.mod`, so transformers looks for a file
# named `sub.mod.py` and fails.
fixture(
    "dotted-relative-import",
    ["model:AutoModel"],
    {
        "config.json": cfg({"AutoModel": "modeling_ts.TsModel"}),
        "modeling_ts.py": "from .sub.mod import Helper\n" + cls("TsModel"),
        "sub/__init__.py": "",
        "sub/mod.py": cls("Helper"),
    },
)

# `from ..shared import x`: the regex yields `.shared`, a file `.shared.py`.
fixture(
    "parent-relative-import",
    ["model:AutoModel"],
    {
        "config.json": cfg({"AutoModel": "modeling_ts.TsModel"}),
        "modeling_ts.py": "from ..shared import helper\n" + cls("TsModel"),
        "shared.py": "def helper():\n    return 1\n",
    },
)

# `from . import helpers` is not matched by the regexes, so helpers.py is never copied and
# the import fails at runtime, after modeling_ts.py started running.
fixture(
    "from-dot-import",
    ["model:AutoModel"],
    {
        "config.json": cfg({"AutoModel": "modeling_ts.TsModel"}),
        "modeling_ts.py": "import tsfix_dep_a\nfrom . import helpers\n" + cls("TsModel"),
        "helpers.py": "VALUE = 2\n",
    },
)

# Two modules importing each other.
fixture(
    "import-cycle",
    ["model:AutoModel"],
    {
        "config.json": cfg({"AutoModel": "modeling_ts.TsModel"}),
        "modeling_ts.py": "from .blocks import Block\n" + cls("TsModel"),
        "blocks.py": "from . import modeling_ts as _parent_unused\nfrom .modeling_ts import TsModel\n" + cls("Block"),
    },
)

# The auto_map module lives in a subdirectory: `models/modeling_sub.SubModel`.
fixture(
    "module-in-subdirectory",
    ["model:AutoModel"],
    {
        "config.json": cfg({"AutoModel": "models/modeling_sub.SubModel"}),
        "models/modeling_sub.py": "import tsfix_dep_a\nfrom .helper import Helper\n" + cls("SubModel"),
        "models/helper.py": "import tsfix_dep_b\n" + cls("Helper"),
    },
)

# A known model_type without auto_map: the built-in configuration class is used and no
# repository file runs, whatever .py files the repository ships.
fixture(
    "builtin-config-with-stray-code",
    ["AutoConfig"],
    {
        "config.json": json.dumps({"model_type": "bert", "hidden_size": 32}) + "\n",
        "modelling_RW.py": "import tsfix_dep_a\n" + cls("RWModel"),
        "tokenization_extra.py": cls("ExtraTokenizer"),
    },
)

# auto_map names a model class but no configuration class, and model_type is unknown to
# transformers: AutoConfig raises before any repository file runs.
fixture(
    "model-without-config-class",
    ["model:AutoModel"],
    {
        "config.json": json.dumps(
            {"model_type": "tsfix-unknown", "auto_map": {"AutoModel": "modeling_ts.TsModel"}}
        )
        + "\n",
        "modeling_ts.py": "import tsfix_dep_a\n" + cls("TsModel"),
    },
)

# The auto_map class is not defined by the module that runs: AttributeError after the
# module executed.
fixture(
    "class-missing-from-module",
    ["model:AutoModel"],
    {
        "config.json": cfg({"AutoModel": "modeling_ts.Missing"}),
        "modeling_ts.py": "import tsfix_dep_a\n" + cls("TsModel"),
    },
)

# Relative imports under conditions: an `if TYPE_CHECKING:` import never runs, an import in
# a function does not run at load, a conditional one may.
fixture(
    "conditional-relative-imports",
    ["model:AutoModel"],
    {
        "config.json": cfg({"AutoModel": "modeling_ts.TsModel"}),
        "modeling_ts.py": '''from typing import TYPE_CHECKING
from .always import Always

if TYPE_CHECKING:
    from .typing_only import TypingOnly


def later():
    from .lazy_part import Lazy
    return Lazy
'''
        + cls("TsModel"),
        "always.py": cls("Always"),
        "typing_only.py": cls("TypingOnly"),
        "lazy_part.py": cls("Lazy"),
    },
)


# --- tokenizers ---------------------------------------------------------------------

def tok_module(*names):
    return "import tsfix_dep_c\n" + "".join(cls(n) for n in names)


# A [slow, fast] pair: both versions pick the fast class. 4.57 skips AutoConfig because
# tokenizer_class is set; 5.x always runs the configuration code first.
fixture(
    "tokenizer-pair",
    ["AutoTokenizer"],
    {
        "config.json": cfg({}),
        "tokenizer_config.json": json.dumps(
            {
                "tokenizer_class": "TsTokenizer",
                "auto_map": {"AutoTokenizer": ["tokenization_ts.TsTokenizer", "tokenization_ts_fast.TsTokenizerFast"]},
            },
            indent=2,
        ),
        "tokenization_ts.py": tok_module("TsTokenizer"),
        "tokenization_ts_fast.py": "from .tokenization_ts import TsTokenizer\n" + cls("TsTokenizerFast"),
    },
)

# The legacy list form without tokenizer_class: 4.57 runs AutoConfig and lets config.json's
# auto_map.AutoTokenizer override; 5.x never reads config.json's entry.
fixture(
    "tokenizer-legacy-list-and-config-override",
    ["AutoTokenizer"],
    {
        "config.json": cfg({"AutoTokenizer": ["tokenization_other.OtherTokenizer", None]}),
        "tokenizer_config.json": json.dumps({"auto_map": ["tokenization_ts.TsTokenizer", None]}),
        "tokenization_ts.py": tok_module("TsTokenizer"),
        "tokenization_other.py": "import tsfix_dep_d\n" + cls("OtherTokenizer"),
    },
)

# A plain string where a [slow, fast] pair belongs: transformers indexes it and fails.
fixture(
    "tokenizer-string-auto-map",
    ["AutoTokenizer"],
    {
        "config.json": cfg({}),
        "tokenizer_config.json": json.dumps(
            {"tokenizer_class": "TsTokenizer", "auto_map": {"AutoTokenizer": "tokenization_ts.TsTokenizer"}}
        ),
        "tokenization_ts.py": tok_module("TsTokenizer"),
    },
)

# --- processors -------------------------------------------------------------------------

# AutoProcessor keeps reading until a processor_class appears; config.json's auto_map, read
# last, overrides processor_config.json's.
fixture(
    "processor-last-auto-map-wins",
    ["AutoProcessor"],
    {
        "config.json": cfg({"AutoProcessor": "processing_late.LateProcessor"}),
        "processor_config.json": json.dumps({"auto_map": {"AutoProcessor": "processing_early.EarlyProcessor"}}),
        "processing_early.py": "import tsfix_dep_a\n" + cls("EarlyProcessor"),
        "processing_late.py": "import tsfix_dep_b\n" + cls("LateProcessor"),
    },
)

# An image processor from preprocessor_config.json; 5.x runs the configuration code first
# because image_processor_type is missing.
fixture(
    "image-processor",
    ["AutoImageProcessor"],
    {
        "config.json": cfg({}),
        "preprocessor_config.json": json.dumps({"auto_map": {"AutoImageProcessor": "image_processing_ts.TsImageProcessor"}}),
        "image_processing_ts.py": "import tsfix_dep_e\n" + cls("TsImageProcessor"),
    },
)

# Only a feature-extractor entry: AutoFeatureExtractor uses it, AutoImageProcessor rewrites
# "FeatureExtractor" to "ImageProcessor" in the whole reference.
fixture(
    "feature-extractor-rewrite",
    ["AutoFeatureExtractor", "AutoImageProcessor"],
    {
        "config.json": cfg({}),
        "preprocessor_config.json": json.dumps(
            {"auto_map": {"AutoFeatureExtractor": "feature_extraction_ts.TsFeatureExtractor"}}
        ),
        "feature_extraction_ts.py": "import tsfix_dep_a\n" + cls("TsFeatureExtractor") + cls("TsImageProcessor"),
    },
)

# 5.x accepts [pil, torchvision] lists and picks by installed backend; 4.57 accepts only a
# string.
fixture(
    "image-processor-backend-list",
    ["AutoImageProcessor"],
    {
        "config.json": cfg({}),
        "preprocessor_config.json": json.dumps(
            {
                "image_processor_type": "TsImageProcessor",
                "auto_map": {"AutoImageProcessor": ["image_processing_ts.TsImageProcessor", "image_processing_ts_fast.TsImageProcessorFast"]},
            }
        ),
        "image_processing_ts.py": "import tsfix_dep_b\n" + cls("TsImageProcessor"),
        "image_processing_ts_fast.py": "import tsfix_dep_c\n" + cls("TsImageProcessorFast"),
    },
)

# A video processor named by video_preprocessor_config.json.
fixture(
    "video-processor",
    ["AutoVideoProcessor"],
    {
        "config.json": cfg({}),
        "video_preprocessor_config.json": json.dumps(
            {"auto_map": {"AutoVideoProcessor": "video_processing_ts.TsVideoProcessor"}}
        ),
        "video_processing_ts.py": "import tsfix_dep_d\n" + cls("TsVideoProcessor"),
    },
)

# --- pipeline and generation --------------------------------------------------------------

fixture(
    "custom-pipeline",
    ["pipeline", "model:AutoModelForCausalLM"],
    {
        "config.json": cfg(
            {"AutoModelForCausalLM": "modeling_ts.TsForCausalLM"},
            custom_pipelines={"ts-task": {"impl": "pipeline_ts.TsPipeline", "pt": ["AutoModelForCausalLM"]}},
        ),
        "pipeline_ts.py": "import tsfix_dep_a\n" + cls("TsPipeline"),
        "modeling_ts.py": "import tsfix_dep_b\n" + cls("TsForCausalLM"),
    },
)

# custom_generate/generate.py beside a built-in model: 4.57 runs a local one even without
# trust_remote_code; 5.x requires it.
fixture(
    "custom-generate",
    ["model:AutoModel"],
    {
        "config.json": json.dumps({"model_type": "gpt2", "n_layer": 1}) + "\n",
        "custom_generate/generate.py": "import tsfix_dep_a\nfrom .gen_helper import helper\n\ndef generate(model, **kwargs):\n    return helper()\n",
        "custom_generate/gen_helper.py": "def helper():\n    return 'custom'\n",
    },
)

# Chat templates: files override the tokenizer_config.json key.
fixture(
    "chat-templates",
    ["AutoTokenizer"],
    {
        "config.json": cfg({}),
        "tokenizer_config.json": json.dumps(
            {
                "tokenizer_class": "TsTokenizer",
                "chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}",
                "auto_map": {"AutoTokenizer": ["tokenization_ts.TsTokenizer", None]},
            }
        ),
        "chat_template.jinja": "{% for m in messages %}[{{ m.role }}] {{ m.content }}{% endfor %}",
        "additional_chat_templates/tool_use.jinja": "{{ tools | tojson }}",
        "tokenization_ts.py": tok_module("TsTokenizer"),
    },
)


# Code from another repository (org/name--module.Class), present in the Hugging Face cache:
# it runs from that repository's default branch, whatever revision this model is pinned to.
fixture(
    "cross-repository-code",
    ["AutoConfig", "model:AutoModel"],
    {
        "config.json": json.dumps(
            {
                "model_type": "tsfix-remote",
                "auto_map": {
                    "AutoConfig": "tsfix-shared/code--configuration_shared.SharedConfig",
                    "AutoModel": "tsfix-shared/code--modeling_shared.SharedModel",
                },
            },
            indent=2,
        ),
        "other-repos/tsfix-shared/code/configuration_shared.py": config_module("SharedConfig"),
        "other-repos/tsfix-shared/code/modeling_shared.py": "import tsfix_dep_a\nfrom .blocks import Block\n" + cls("SharedModel"),
        "other-repos/tsfix-shared/code/blocks.py": "import tsfix_dep_b\n" + cls("Block"),
    },
)


def main():
    if ROOT.exists():
        shutil.rmtree(ROOT)
    for name, (calls, files) in sorted(FIXTURES.items()):
        base = ROOT / name
        for rel, text in files.items():
            path = base / (rel if rel.startswith("other-repos/") else f"repo/{rel}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (base / "calls.txt").write_text("\n".join(calls) + "\n")
    print(f"wrote {len(FIXTURES)} fixtures to {ROOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
