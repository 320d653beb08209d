#!/usr/bin/env python3
"""Write the reachability fixtures under tests/fixtures/reach/: small repositories whose
code calls across modules, through self, super(), class instantiation, decorators, nested
functions, loader hooks and a torch.hub entry point, plus decoys no loader calls.

    python3 scripts/make-reach-fixtures.py

Each fixture is `repo/` plus `load.json` naming how to load it (AutoConfig, AutoTokenizer, a
torch.hub entry point). `tests/oracle/reach_oracle.py` loads it for real and records which
functions ran; `crates/trustscan/tests/reach_oracle.rs` checks trustscan's reachability
against that. Every function whose name contains "decoy" must never run and must be
reported not-reached. All code is harmless: it computes small values.
"""
import json
import shutil
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reach"
FIXTURES = {}


def fixture(name, load, files):
    FIXTURES[name] = (load, files)


def src(text):
    return textwrap.dedent(text).lstrip()


# AutoConfig: the config class's constructor calls helpers in another module, a method
# through self, a base method through super(), a class's constructor, and a nested
# function; a decorator runs at import; an overridden to_dict is called by the loader's
# own code (logging the config); decoys are defined everywhere.
fixture(
    "config-call-graph",
    {"kind": "transformers", "auto": "AutoConfig"},
    {
        "config.json": json.dumps(
            {"model_type": "tsfix-reach", "auto_map": {"AutoConfig": "configuration_reach.ReachConfig"}},
            indent=2,
        ),
        "configuration_reach.py": src(
            '''
            from transformers import PretrainedConfig

            from .reach_helpers import Registry, normalize, register
            from .reach_unused import decoy_elsewhere


            def decoy_module_function():
                return decoy_elsewhere()


            class ReachBase(PretrainedConfig):
                model_type = "tsfix-reach"

                def __init__(self, width=4, **kwargs):
                    self.width = normalize(width)
                    super().__init__(**kwargs)

                def describe(self):
                    return Registry("base").lookup("width")

                def decoy_base_method(self):
                    return decoy_module_function()


            @register
            class ReachConfig(ReachBase):
                def __init__(self, **kwargs):
                    super().__init__(**kwargs)
                    self.label = self.describe()
                    self.depth = _nested_total()

                def to_dict(self):
                    out = super().to_dict()
                    out["label"] = _format_label(self.label)
                    return out

                def decoy_method(self):
                    return decoy_elsewhere()


            def _nested_total():
                def inner(x):
                    return x + 1

                return sum(inner(i) for i in range(2))


            def _format_label(label):
                return str(label)
            '''
        ),
        "reach_helpers.py": src(
            '''
            REGISTERED = []


            def register(cls):
                REGISTERED.append(_name_of(cls))
                return cls


            def _name_of(cls):
                return cls.__name__


            def normalize(value):
                return _clip(value, 1, 64)


            def _clip(value, low, high):
                return max(low, min(high, value))


            def decoy_helper():
                return _clip(0, 0, 0)


            class Registry:
                def __init__(self, name):
                    self.name = name
                    self.table = self._build()

                def _build(self):
                    return {"width": self.name}

                def lookup(self, key):
                    return self.table.get(key)

                def decoy_registry_method(self):
                    return None
            '''
        ),
        "reach_unused.py": src(
            '''
            LOADED = True


            def decoy_elsewhere():
                return 0
            '''
        ),
    },
)

# AutoTokenizer: transformers calls the class's from_pretrained, which builds the tokenizer
# through its constructor; a helper is reached through a static method.
fixture(
    "tokenizer-call-graph",
    {"kind": "transformers", "auto": "AutoTokenizer"},
    {
        "config.json": json.dumps(
            {
                "model_type": "tsfix-reach",
                "auto_map": {"AutoConfig": "configuration_plain.PlainConfig"},
            },
            indent=2,
        ),
        "tokenizer_config.json": json.dumps(
            {"tokenizer_class": "ReachTokenizer", "auto_map": {"AutoTokenizer": ["tokenization_reach.ReachTokenizer", None]}},
            indent=2,
        ),
        "configuration_plain.py": src(
            '''
            from transformers import PretrainedConfig


            class PlainConfig(PretrainedConfig):
                model_type = "tsfix-reach"
            '''
        ),
        "tokenization_reach.py": src(
            '''
            from .vocab_tools import Counter, decoy_split, load_vocab


            class ReachTokenizer:
                @classmethod
                def register_for_auto_class(cls, auto_class=None):
                    pass

                @classmethod
                def from_pretrained(cls, *args, **kwargs):
                    return cls(load_vocab(args[0] if args else "."))

                def __init__(self, vocab):
                    self.vocab = vocab
                    self.size = self._measure()

                def _measure(self):
                    return Counter.count(self.vocab)

                def decoy_tokenize(self, text):
                    return decoy_split(text)
            '''
        ),
        "vocab_tools.py": src(
            '''
            def load_vocab(path):
                return {"a": 0, "b": 1, "path": len(str(path))}


            def decoy_split(text):
                return text.split()


            class Counter:
                @staticmethod
                def count(vocab):
                    return len(vocab)
            '''
        ),
    },
)

# torch.hub: the entry point builds a network whose constructor instantiates a sub-module
# stored on self; its forward is never called at load. Every public callable of hubconf.py
# is an entry point (the caller names one), and a branch taken only for some arguments is
# reachable: neither is a decoy.
fixture(
    "torchhub-entry-point",
    {"kind": "torch_hub", "entry": "build_model"},
    {
        "hubconf.py": src(
            '''
            from nets.builder import build

            dependencies = []


            def build_model(pretrained=False):
                return build(depth=2, pretrained=pretrained)


            def other_entry():
                # Reachable: torch.hub.load(repo, "other_entry") would call it.
                return build(depth=99)
            '''
        ),
        "nets/__init__.py": "",
        "nets/builder.py": src(
            '''
            from .layers import Block, Stack


            def build(depth, pretrained=False):
                net = Stack([Block(i) for i in range(depth)])
                if pretrained:
                    net.load_weights()
                return net
            '''
        ),
        "nets/layers.py": src(
            '''
            class Block:
                def __init__(self, index):
                    self.index = index

                def __call__(self, x):
                    return self.decoy_forward(x)

                def decoy_forward(self, x):
                    return x


            class Stack:
                def __init__(self, blocks):
                    self.blocks = blocks
                    self.head = Block(len(blocks))
                    self._check()

                def _check(self):
                    return all(isinstance(b, Block) for b in self.blocks)

                def load_weights(self):
                    # Reachable with pretrained=True, although the oracle loads without it.
                    return None

                def decoy_export(self):
                    return None
            '''
        ),
    },
)


def main():
    if ROOT.exists():
        shutil.rmtree(ROOT)
    for name, (load, files) in FIXTURES.items():
        base = ROOT / name
        for rel, content in files.items():
            path = base / "repo" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        (base / "load.json").write_text(json.dumps(load, indent=2) + "\n")
    print(f"wrote {len(FIXTURES)} reachability fixtures to {ROOT}")


if __name__ == "__main__":
    main()
