#!/usr/bin/env python3
"""Write the demo zoo under examples/: small model repositories, one per loading mechanism,
plus tricky ones. `cargo run --release -- scan examples/*/` runs on them.

    python3 scripts/make-examples.py

All code in the zoo is harmless (it defines classes and imports common packages). Binary
files (a torch-style zip holding a pickle of an empty OrderedDict, a safetensors file) are
generated here with the standard library.
"""
import hashlib
import io
import json
import os
import pickle
import shutil
import struct
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "examples"
EXAMPLES = {}


def example(name, files, about):
    EXAMPLES[name] = (files, about)


def cls(name, base=""):
    parent = f"({base})" if base else ""
    return f"\n\nclass {name}{parent}:\n    pass\n"


def torch_zip(prefix="pytorch_model"):
    """A file laid out like torch.save's zip format; data.pkl pickles an empty OrderedDict."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        # Fixed timestamps keep the file byte-identical across runs.
        for name, data in [
            ("data.pkl", pickle.dumps(OrderedDict(), protocol=2)),
            ("byteorder", b"little"),
            ("version", b"3\n"),
        ]:
            z.writestr(zipfile.ZipInfo(f"{prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def safetensors():
    header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "__metadata__": {"format": "pt"}}).encode()
    return struct.pack("<Q", len(header)) + header + struct.pack("<f", 1.0)


CONFIG_ARGS = {"model_type": "demo-glm", "num_layers": 2}

example(
    "transformers-remote-code",
    {
        "config.json": json.dumps(
            {
                **CONFIG_ARGS,
                "auto_map": {
                    "AutoConfig": "configuration_demoglm.DemoGLMConfig",
                    "AutoModel": "modeling_demoglm.DemoGLMForConditionalGeneration",
                    "AutoModelForCausalLM": "modeling_demoglm.DemoGLMForConditionalGeneration",
                },
            },
            indent=2,
        ),
        "configuration_demoglm.py": "from transformers import PretrainedConfig\n" + cls("DemoGLMConfig", "PretrainedConfig"),
        "modeling_demoglm.py": "import math\nimport torch\nfrom .configuration_demoglm import DemoGLMConfig\nfrom .quantization import quantize\n" + cls("DemoGLMForConditionalGeneration"),
        "quantization.py": "import torch\n\n\ndef quantize(weight, bits):\n    return weight\n",
        "tokenizer_config.json": json.dumps(
            {
                "tokenizer_class": "DemoGLMTokenizer",
                "auto_map": {"AutoTokenizer": ["tokenization_demoglm.DemoGLMTokenizer", None]},
                "chat_template": "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}",
            },
            indent=2,
        ),
        "tokenization_demoglm.py": "import sentencepiece\n" + cls("DemoGLMTokenizer"),
        "pytorch_model.bin": torch_zip(),
    },
    "ChatGLM-style remote code: auto_map for config, model and tokenizer, a relative import, "
    "a pickle-based checkpoint and a chat template.",
)

example(
    "transformers-docstring-import",
    {
        "config.json": json.dumps({**CONFIG_ARGS, "auto_map": {"AutoConfig": "configuration_demo.DemoConfig", "AutoModel": "modeling_demo.DemoModel"}}, indent=2),
        "configuration_demo.py": "from transformers import PretrainedConfig\n" + cls("DemoConfig", "PretrainedConfig"),
        "modeling_demo.py": '"""Demo model.\n\nFor visualisation, load the helper:\n    from .plotting import draw\n"""\nfrom .configuration_demo import DemoConfig\n' + cls("DemoModel"),
        "plotting.py": "import matplotlib\n\n\ndef draw():\n    return None\n",
        "model.safetensors": safetensors(),
    },
    "A relative import that only appears inside a docstring: transformers' regex still copies "
    "plotting.py (and would fail if it were missing), but Python never runs it at load.",
)

example(
    "transformers-cross-repo",
    {
        "config.json": json.dumps(
            {**CONFIG_ARGS, "auto_map": {"AutoConfig": "demo-org/shared-code--configuration_shared.SharedConfig", "AutoModel": "demo-org/shared-code--modeling_shared.SharedModel"}},
            indent=2,
        ),
        "model.safetensors": safetensors(),
    },
    "auto_map points at code in another repository (org/repo--module.Class): that code runs, "
    "and the revision pinned for this model does not apply to it.",
)

example(
    "transformers-custom-generate",
    {
        "config.json": json.dumps({"model_type": "gpt2", "n_layer": 2}, indent=2),
        "custom_generate/generate.py": "import torch\n\n\ndef generate(model, **kwargs):\n    return model\n",
        "custom_generate/requirements.txt": "torch>=2.0\n",
        "model.safetensors": safetensors(),
    },
    "custom_generate/generate.py beside a built-in model: transformers 4.57 runs it for a "
    "local directory even without trust_remote_code; 5.x requires it.",
)

example(
    "transformers-builtin-safetensors",
    {
        "config.json": json.dumps({"model_type": "bert", "hidden_size": 8}, indent=2),
        "model.safetensors": safetensors(),
        "tokenizer_config.json": json.dumps({"tokenizer_class": "BertTokenizer"}),
        "vocab.txt": "[PAD]\n[UNK]\nhello\n",
    },
    "A built-in architecture with safetensors weights: nothing from the repository runs.",
)

example(
    "transformers-lfs-pointer-config",
    {
        "config.json": "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1024\n",
        "modeling_demo.py": "import torch\n" + cls("DemoModel"),
    },
    "config.json is a Git LFS pointer (the real file was never downloaded): what it configures "
    "is unknown, so the verdict is inconclusive.",
)

example(
    "transformers-study-miss",
    {
        "config.json": json.dumps(
            {"model_type": "demo-rw", "auto_map": {"AutoConfig": "configRW.RWConfig", "AutoModelForCausalLM": "modelling_RW.RWForCausalLM"}},
            indent=2,
        ),
        "configRW.py": "from transformers import PretrainedConfig\n" + cls("RWConfig", "PretrainedConfig"),
        "modelling_RW.py": "import torch\nfrom .configRW import RWConfig\n" + cls("RWForCausalLM"),
        "model.safetensors": safetensors(),
    },
    "Falcon-style file names (modelling_RW.py, configRW.py) that the study's name criteria "
    "miss, although loading runs them.",
)

import base64 as _b64

HIDDEN_PAYLOAD = _b64.b64encode(b'print("trustscan demo: this line would run when the model loads")').decode()

example(
    "transformers-hidden-payload",
    {
        "config.json": json.dumps(
            {
                **CONFIG_ARGS,
                "auto_map": {
                    "AutoConfig": "configuration_hidden.HiddenConfig",
                    "AutoModel": "modeling_hidden.HiddenModel",
                },
            },
            indent=2,
        ),
        "configuration_hidden.py": "from transformers import PretrainedConfig\n" + cls("HiddenConfig", "PretrainedConfig"),
        "modeling_hidden.py": f"""import base64

from transformers import PreTrainedModel

from .configuration_hidden import HiddenConfig
from .setup_utils import prepare

# Decoded and executed at import time: the code that runs is not the code a reader sees.
exec(base64.b64decode("{HIDDEN_PAYLOAD}"))


class HiddenModel(PreTrainedModel):
    config_class = HiddenConfig

    def __init__(self, config):
        super().__init__(config)
        prepare(config)

    def export_legacy(self, path):
        import pickle

        with open(path, "rb") as f:
            return pickle.load(f)
""",
        "setup_utils.py": """import subprocess
import sys


def prepare(config):
    # Runs from HiddenModel.__init__, i.e. inside from_pretrained.
    if getattr(config, "install_extras", False):
        subprocess.run([sys.executable, "-m", "pip", "install", "trustscan-demo-extra"], check=False)
""",
        "model.safetensors": safetensors(),
    },
    "Remote code with a base64-encoded statement executed at import (harmless: it prints), a "
    "pip install reachable from the model's constructor, and a pickle load no loader calls: "
    "scan shows each finding's reachability with the call path.",
)

example(
    "torchhub-namespace-package",
    {
        "hubconf.py": 'dependencies = ["torch"]\nimport os\nimport sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), "third_party"))\nfrom nets.resnet import resnet18\nimport vendored_ops\n\n\ndef tiny(pretrained=False):\n    return resnet18()\n',
        "nets/resnet.py": "import torch\n\n\ndef resnet18():\n    return None\n",
        "third_party/vendored_ops.py": "import numpy\n",
    },
    "torch.hub: hubconf.py imports a namespace package (nets/ has no __init__.py) and a module "
    "made importable by a literal sys.path.insert; no opt-in is needed.",
)

example(
    "modelscope-allow-remote",
    {
        "configuration.json": json.dumps({"framework": "pytorch", "task": "text-generation", "allow_remote": True, "plugins": ["demo-plugin>=0.1"]}, indent=2),
        "ms_wrapper.py": "from modelscope.pipelines import Pipeline\n" + cls("DemoPipeline"),
        "models/__init__.py": "from .backbone import Backbone\n",
        "models/backbone.py": "import torch\n" + cls("Backbone"),
        "requirements.txt": "einops>=0.6\n",
    },
    "ModelScope: allow_remote imports every .py file and pip-installs requirement files; "
    "plugins are pip-installed first.",
)

example(
    "diffusers-custom-pipeline",
    {
        "model_index.json": json.dumps(
            {"_class_name": ["pipeline_demo", "DemoPipeline"], "_diffusers_version": "0.42.1", "unet": ["my_unet", "DemoUNet"], "vae": ["diffusers", "AutoModel"], "scheduler": ["diffusers", "DDIMScheduler"]},
            indent=2,
        ),
        "pipeline_demo.py": "import torch\nfrom diffusers import DiffusionPipeline\n" + cls("DemoPipeline", "DiffusionPipeline"),
        "unet/my_unet.py": "import torch\n" + cls("DemoUNet"),
        "unet/diffusion_pytorch_model.safetensors": safetensors(),
        "vae/config.json": json.dumps({"_class_name": "DemoVAE", "auto_map": {"AutoModel": "my_vae.DemoVAE"}}),
        "vae/my_vae.py": "import torch\n" + cls("DemoVAE"),
    },
    "diffusers: a custom pipeline file, a custom component named by model_index.json, and a "
    "component whose config.json auto_map names its class (diffusers' AutoModel).",
)

example(
    "diffusers-community-pipeline",
    {
        "model_index.json": json.dumps({"_class_name": ["lpw_stable_diffusion", "StableDiffusionLongPromptWeightingPipeline"], "_diffusers_version": "0.42.1"}, indent=2),
    },
    "diffusers: _class_name names a community pipeline that is not in the repository, so "
    "diffusers downloads it from the community mirror and runs it without any trust check.",
)

example(
    "sentence-transformers-custom-module",
    {
        "modules.json": json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "custom_st.DemoEncoder"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            ],
            indent=2,
        ),
        "custom_st.py": "import torch\n" + cls("DemoEncoder"),
        "1_Pooling/config.json": json.dumps({"pooling_mode_mean_tokens": True}),
    },
    "sentence-transformers: a module type outside sentence_transformers is repository code.",
)

example(
    "mmdet-config",
    {
        "configs/_base_/default_runtime.py": "default_scope = 'mmdet'\nlog_level = 'INFO'\n",
        "configs/_base_/models/demo_net.py": "model = dict(type='DemoNet', backbone=dict(type='ResNet', depth=50))\n",
        "configs/demo/demo_net_1x.py": "_base_ = ['../_base_/models/demo_net.py', '../_base_/default_runtime.py']\ncustom_imports = dict(imports=['projects.demo.hooks'], allow_failed_imports=False)\nload_from = 'https://download.example.org/demo_net_1x.pth'\n",
        "configs/demo/demo_net.yaml": "model:\n  type: DemoNet\n",
        "configs/demo/metafile.yml": "Models:\n  - Name: demo_net_1x\n    Config: configs/demo/demo_net_1x.py\n    Weights: https://download.example.org/demo_net_1x.pth\n",
    },
    "OpenMMLab: a Python config with a _base_ chain and custom_imports, a checkpoint URL that "
    "loads with full pickle, and a YAML config read with PyYAML's unsafe loader.",
)


class _ShellCall:
    """Pickles as a call of os.system with a harmless command (resolved as posix.system)."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        import os

        return (os.system, (self.command,))


def torch_zip_with(obj, prefix="pytorch_model"):
    """torch.save's zip layout with `obj` pickled as data.pkl."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in [
            ("data.pkl", pickle.dumps(obj, protocol=2)),
            ("byteorder", b"little"),
            ("version", b"3\n"),
        ]:
            z.writestr(zipfile.ZipInfo(f"{prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


example(
    "transformers-pickle-payload",
    {
        "config.json": json.dumps({"model_type": "bert", "hidden_size": 8, "num_hidden_layers": 1}, indent=2),
        # Deserialized by from_pretrained (no safetensors weights): its pickle calls os.system.
        "pytorch_model.bin": torch_zip_with({"weight": _ShellCall("echo trustscan demo: this would run at load")}),
        # Loaded by nothing the plan models, but still a payload: a protocol-0 pickle in gzip.
        "extras/rng_state.pkl.gz": __import__("gzip").compress(
            pickle.dumps(_ShellCall("echo trustscan demo: nested payload"), protocol=0), mtime=0
        ),
    },
    "a built-in architecture whose pytorch_model.bin pickle calls os.system when torch.load reads it, "
    "and a gzip-wrapped protocol-0 pickle payload elsewhere in the repository.",
)


def hf_cache_entry():
    """A Hugging Face cache entry: refs/main, blobs named by content, snapshot symlinks."""
    base = ROOT / "models--demo-org--cached-remote-code"
    commit = "3c7a5a2f8d1e4b6a9c0d2e4f6a8b0c1d3e5f7a9b"
    files = {
        "config.json": json.dumps({**CONFIG_ARGS, "auto_map": {"AutoConfig": "configuration_cached.CachedConfig", "AutoModel": "modeling_cached.CachedModel"}}, indent=2).encode(),
        "configuration_cached.py": ("from transformers import PretrainedConfig\n" + cls("CachedConfig", "PretrainedConfig")).encode(),
        "modeling_cached.py": ("import torch\nfrom .configuration_cached import CachedConfig\n" + cls("CachedModel")).encode(),
        "model.safetensors": safetensors(),
    }
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(commit)
    snap = base / "snapshots" / commit
    snap.mkdir(parents=True)
    (base / "blobs").mkdir()
    for name, data in files.items():
        blob = hashlib.sha256(data).hexdigest() if name.endswith(".safetensors") else hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        (base / "blobs" / blob).write_bytes(data)
        os.symlink(f"../../blobs/{blob}", snap / name)
    (base / "about.txt").write_text(
        "A Hugging Face cache entry (models--org--name with refs/, blobs/ and snapshot symlinks): "
        "transformers loads it by repository id, through its Hub code path.\n"
    )


def main():
    if ROOT.exists():
        shutil.rmtree(ROOT)
    ROOT.mkdir()
    lines = ["# The demo zoo", "", "Generated by `scripts/make-examples.py`; each directory is one model repository.", ""]
    for name, (files, about) in EXAMPLES.items():
        for rel, content in files.items():
            path = ROOT / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        lines.append(f"- `{name}/`: {about}")
    hf_cache_entry()
    lines.append("- `models--demo-org--cached-remote-code/`: a Hugging Face cache entry (refs, blobs, snapshot symlinks), planned with transformers' Hub code path.")
    (ROOT / "README.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {len(EXAMPLES) + 1} examples to {ROOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
