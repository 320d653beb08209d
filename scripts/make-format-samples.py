#!/usr/bin/env python3
"""Generate the format samples under crates/trustscan-payload/tests/fixtures/formats/.

Every file is assembled byte by byte here with struct/json/zipfile (Python stdlib only, no
NumPy, no safetensors, no onnx), deterministically: running it twice gives identical bytes.
Nothing is ever loaded, unpickled or rendered. Payload samples name dangerous callables with
harmless arguments; the "marshalled bytecode" of the Lambda samples is a fixed placeholder,
not real bytecode.

Alongside the samples it writes expected.tsv: path, expected verdict, and a fragment the
first reason must contain (or "-"), read by crates/trustscan-payload/tests/formats.rs.
"""
import io
from pathlib import Path
import json
import os
import struct
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates", "trustscan-payload", "tests", "fixtures", "formats")
EXPECTED = []


def write(rel, data, verdict, fragment="-"):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    EXPECTED.append((rel, verdict, fragment))


# ---------------------------------------------------------------- npy

def npy(header, body, version=1):
    h = header.encode("latin1" if version < 3 else "utf8")
    pre = 10 if version == 1 else 12
    pad = (-(pre + len(h) + 1)) % 64
    h = h + b" " * pad + b"\n"
    out = b"\x93NUMPY" + bytes([version, 0])
    out += struct.pack("<H" if version == 1 else "<I", len(h))
    return out + h + body


def f32(*xs):
    return b"".join(struct.pack("<f", x) for x in xs)


# A protocol-2 pickle calling os.system('echo trustscan-sample'), assembled by hand.
OS_SYSTEM_PICKLE = (
    b"\x80\x02cos\nsystem\nq\x00X\x15\x00\x00\x00echo trustscan-sampleq\x01\x85q\x02Rq\x03."
)
# A protocol-2 pickle of the list [1, 'a'] (what numpy writes for an object array holds
# the ndarray reconstruction, but the scanner only needs a pickle stream here).
LIST_PICKLE = b"\x80\x02]q\x00(K\x01X\x01\x00\x00\x00aq\x01e."


def npy_samples():
    write("npy/float32-2x3.npy",
          npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f32(0, 1, 2, 3, 4, 5)),
          "safe")
    write("npy/structured-v2.npy",
          npy("{'descr': [('x', '<f4'), ('y', '<i2', (2,)), ('', '|V2')], 'fortran_order': False, 'shape': (2,), }",
              bytes(2 * 10), version=2),
          "safe")
    write("npy/unicode-v3.npy",
          npy("{'descr': '<U2', 'fortran_order': False, 'shape': (1,), }", "h\u00e9".encode("utf-32-le"), version=3),
          "safe")
    write("npy/trailing-bytes.npy",
          npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", b"\x01\x02\x03" + b"extra"),
          "safe", "trailing bytes")
    write("npy/object-list.npy",
          npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", LIST_PICKLE),
          "suspicious", "allow_pickle")
    write("npy/object-os-system.npy",
          npy("{'descr': '|O', 'fortran_order': False, 'shape': (), }", OS_SYSTEM_PICKLE),
          "suspicious", "allow_pickle")
    write("npy/structured-object.npy",
          npy("{'descr': [('id', '<i8'), ('obj', '|O')], 'fortran_order': False, 'shape': (1,), }", OS_SYSTEM_PICKLE),
          "suspicious", "allow_pickle")
    write("npy/truncated-data.npy",
          npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", bytes(20)),
          "inconclusive", "truncated data")
    write("npy/call-in-header.npy",
          npy("{'descr': __import__('os').system('id'), 'fortran_order': False, 'shape': (1,), }", bytes(8)),
          "inconclusive", "malformed header")
    write("npy/version-9.npy",
          b"\x93NUMPY\x09\x00" + npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", bytes(4))[8:],
          "inconclusive", "unsupported version 9.0")


# ---------------------------------------------------------------- safetensors

DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "U8": 1}


def safetensors(tensors, metadata=None, fix_offsets=True, header_override=None, extra=b""):
    """tensors: list of (name, dtype, shape, bytes). Laid out like the library: by dtype
    alignment (largest first) then name, header padded with spaces to 8 bytes."""
    order = sorted(tensors, key=lambda t: (-DTYPE_BYTES[t[1]], t[0]))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    body = b""
    for name, dtype, shape, data in order:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(body), len(body) + len(data)]}
        body += data
    h = header_override if header_override is not None else json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + body + extra


def st_samples():
    good = [("model.embed.weight", "F32", [2, 3], f32(*range(6))),
            ("model.norm.weight", "BF16", [4], bytes(8)),
            ("lm_head.bias", "F16", [2], bytes(4))]
    write("safetensors/model.safetensors", safetensors(good, {"format": "pt"}), "safe")
    write("safetensors/empty.safetensors", safetensors([]), "safe")
    bad_offsets = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}).encode()
    write("safetensors/size-mismatch.safetensors",
          safetensors([], header_override=bad_offsets, extra=bytes(4)), "inconclusive", "need 8")
    overlap = json.dumps({"a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
                          "b": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}}).encode()
    write("safetensors/overlap.safetensors",
          safetensors([], header_override=overlap, extra=bytes(6)), "inconclusive", "begin at 4")
    write("safetensors/trailing-bytes.safetensors",
          safetensors(good, extra=b"\x80\x02cos\nsystem\n."), "inconclusive", "cover")
    write("safetensors/header-too-large.safetensors",
          struct.pack("<Q", 100_000_001) + b"{}", "inconclusive", "limit")
    write("safetensors/not-json.safetensors",
          struct.pack("<Q", 8) + b"\x80\x02cos\n" + bytes(8), "inconclusive", "not valid safetensors"[4:])


# ---------------------------------------------------------------- gguf

class Gguf:
    def __init__(self, version):
        self.version = version
        self.kv = []
        self.tensors = []

    def s(self, text):
        b = text.encode()
        return struct.pack("<I" if self.version == 1 else "<Q", len(b)) + b

    def n(self, x):
        return struct.pack("<I" if self.version == 1 else "<Q", x)

    def add_str(self, key, value):
        self.kv.append(self.s(key) + struct.pack("<I", 8) + self.s(value))

    def add_u32(self, key, value):
        self.kv.append(self.s(key) + struct.pack("<II", 4, value))

    def add_f32(self, key, value):
        self.kv.append(self.s(key) + struct.pack("<I", 6) + struct.pack("<f", value))

    def add_str_array(self, key, values):
        self.kv.append(self.s(key) + struct.pack("<II", 9, 8) + self.n(len(values))
                       + b"".join(self.s(v) for v in values))

    def add_i32_array(self, key, values):
        self.kv.append(self.s(key) + struct.pack("<II", 9, 5) + self.n(len(values))
                       + b"".join(struct.pack("<i", v) for v in values))

    def add_tensor(self, name, dims, ggml_type, offset):
        self.tensors.append(self.s(name) + struct.pack("<I", len(dims))
                            + b"".join(self.n(d) for d in dims) + struct.pack("<I", ggml_type)
                            + struct.pack("<Q", offset))

    def bytes(self):
        out = b"GGUF" + struct.pack("<I", self.version) + self.n(len(self.tensors)) + self.n(len(self.kv))
        out += b"".join(self.kv) + b"".join(self.tensors)
        out += bytes((-len(out)) % 32)
        return out + bytes(64)  # tensor data (2 x 8 f32)


CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
          " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
LLAMA3 = ("{{- bos_token }}{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content']|trim %}"
          "{%- set messages = messages[1:] %}{%- else %}{%- set system_message = '' %}{%- endif %}"
          "{%- if strftime_now is defined %}{%- set date_string = strftime_now('%d %b %Y') %}{%- endif %}"
          "{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' + system_message + '<|eot_id|>' }}"
          "{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}"
          "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}")
TOOL_USE = ("{%- set ns = namespace(found=false) %}{%- for m in messages %}{%- if m.tool_calls %}{%- set ns.found = true %}"
            "{{- m.tool_calls | tojson }}{%- endif %}{%- endfor %}{%- if not ns.found %}{{ raise_exception('no tool call') }}{%- endif %}")
SSTI_LIPSUM = ("{% for message in messages %}{{ message['content'] }}{% endfor %}"
               "{{ lipsum.__globals__['os'].popen('echo trustscan-sample').read() }}")
SSTI_MRO = "{{ ''.__class__.__mro__[1].__subclasses__() }}{% for m in messages %}{{ m.content }}{% endfor %}"
SSTI_HEX = "{% for m in messages %}{{ m.content }}{% endfor %}{{ cycler|attr('\\x5f\\x5finit\\x5f\\x5f')|attr('\\x5f\\x5fglobals\\x5f\\x5f') }}"


def gguf_model(version, templates, arch="llama"):
    g = Gguf(version)
    g.add_str("general.architecture", arch)
    g.add_str("general.name", "trustscan-sample")
    g.add_u32("general.alignment", 32)
    g.add_f32(arch + ".rope.freq_base", 10000.0)
    g.add_str_array("tokenizer.ggml.tokens", ["<s>", "</s>", "hello", "world"])
    g.add_i32_array("tokenizer.ggml.token_type", [3, 3, 1, 1])
    for k, v in templates:
        g.add_str(k, v)
    g.add_tensor("token_embd.weight", [4, 2], 0, 0)
    g.add_tensor("output_norm.weight", [8], 0, 32)
    return g.bytes()


def gguf_samples():
    write("gguf/chatml-v3.gguf", gguf_model(3, [("tokenizer.chat_template", CHATML)]), "safe")
    write("gguf/llama3-v2.gguf", gguf_model(2, [("tokenizer.chat_template", LLAMA3),
                                                ("tokenizer.chat_template.tool_use", TOOL_USE)]), "safe")
    write("gguf/no-template-v1.gguf", gguf_model(1, []), "safe")
    write("gguf/ssti-lipsum.gguf", gguf_model(3, [("tokenizer.chat_template", SSTI_LIPSUM)]),
          "dangerous", "chat template tokenizer.chat_template")
    write("gguf/ssti-named-template.gguf", gguf_model(3, [("tokenizer.chat_template", CHATML),
                                                          ("tokenizer.chat_template.rag", SSTI_MRO)]),
          "dangerous", "tokenizer.chat_template.rag")
    write("gguf/ssti-hex-escapes.gguf", gguf_model(3, [("tokenizer.chat_template", SSTI_HEX)]),
          "dangerous", "chat template")
    whole = gguf_model(3, [("tokenizer.chat_template", CHATML)])
    write("gguf/truncated.gguf", whole[:len(whole) // 2], "inconclusive", "truncated")
    lying = bytearray(gguf_model(3, []))
    lying[16:24] = struct.pack("<Q", 2 ** 62)  # metadata count
    write("gguf/huge-count.gguf", bytes(lying), "inconclusive", "cannot fit")


# ---------------------------------------------------------------- templates

def template_samples():
    write("templates/chatml.jinja", CHATML.encode(), "safe")
    write("templates/llama3.jinja", LLAMA3.encode(), "safe")
    write("templates/tool-use-namespace.jinja", TOOL_USE.encode(), "safe")
    write("templates/ssti-lipsum.jinja", SSTI_LIPSUM.encode(), "dangerous", "lipsum")
    write("templates/ssti-concat.jinja",
          b"{% set a = '__cla' ~ 'ss__' %}{{ messages|attr(a) }}", "dangerous", "__class__")
    write("templates/ssti-join.jinja",
          b"{% set n = ['_','_','glo','bals','_','_']|join %}{{ cycler.__init__|attr(n) }}", "dangerous", "-")


# ---------------------------------------------------------------- keras

def keras_layer(cls, config, module="keras.layers", registered=None, build=None):
    d = {"module": module, "class_name": cls, "config": config, "registered_name": registered}
    if build:
        d["build_config"] = build
    return d


def keras_model(layers, cls="Sequential", extra=None):
    m = {"module": "keras", "class_name": cls,
         "config": {"name": "model", "trainable": True,
                    "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None},
                    "layers": layers},
         "registered_name": None, "build_config": {"input_shape": [None, 4]},
         "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                                          "config": {"name": "adam", "learning_rate": 0.001}, "registered_name": None},
                            "loss": "mean_squared_error", "metrics": ["mae"], "run_eagerly": False}}
    if extra:
        m.update(extra)
    return json.dumps(m, indent=1, sort_keys=False).encode()


INPUT = keras_layer("InputLayer", {"batch_shape": [None, 4], "dtype": "float32", "name": "input_layer"})
DENSE = keras_layer("Dense", {"name": "dense", "units": 8, "activation": "relu", "use_bias": True,
                              "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                                     "config": {"seed": None}, "registered_name": None}},
                    build={"input_shape": [None, 4]})
# Placeholder, not real bytecode: the scanner never decodes it.
FAKE_CODE = "4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAdABkAYMBUwApAk4="


# A real weights-only HDF5 file, written with h5py by scripts/make-h5-samples.py (this script
# stays stdlib-only, so it reuses that committed sample).
WEIGHTS_H5 = (Path(__file__).resolve().parent.parent / "crates" / "trustscan-payload" / "tests" / "fixtures" / "h5" / "weights_only.h5").read_bytes()


def keras_zip(config):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_STORED) as z:
        for name, data in [("metadata.json", b'{"keras_version": "3.8.0", "date_saved": "2026-01-01@00:00:00"}'),
                           ("config.json", config), ("model.weights.h5", WEIGHTS_H5)]:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return bio.getvalue()


def keras_samples():
    seq = keras_model([INPUT, DENSE])
    write("keras/sequential.config.json", seq, "safe")
    hub = {"module": "keras_hub.src.models.gemma.gemma_causal_lm", "class_name": "GemmaCausalLM",
           "config": {"backbone": keras_layer("GemmaBackbone", {"name": "gemma_backbone", "vocabulary_size": 256000},
                                              module="keras_hub.src.models.gemma.gemma_backbone",
                                              registered="keras_hub>GemmaBackbone"),
                      "preprocessor": None, "name": "gemma_causal_lm"},
           "registered_name": "keras_hub>GemmaCausalLM"}
    write("keras/keras-hub.config.json", json.dumps(hub, indent=1).encode(), "safe")
    lam3 = keras_layer("Lambda", {"name": "lambda", "function": {"class_name": "__lambda__",
                                                                  "config": {"code": FAKE_CODE, "defaults": None, "closure": None}},
                                  "arguments": {}})
    write("keras/lambda-keras3.config.json", keras_model([INPUT, lam3, DENSE], "Functional"), "dangerous", "Lambda layer")
    legacy = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "Lambda", "config": {"name": "lambda", "function": [FAKE_CODE, None, None],
                                            "function_type": "lambda", "module": "__main__", "arguments": {}}},
        {"class_name": "Dense", "config": {"name": "dense", "units": 1}}]},
        "keras_version": "2.13.1", "backend": "tensorflow"}
    write("keras/lambda-h5-model-config.json", json.dumps(legacy).encode(), "dangerous", "Keras 2 func_dump")
    os_act = keras_layer("Dense", {"name": "dense", "units": 8,
                                   "activation": {"module": "os", "class_name": "function", "config": "system",
                                                  "registered_name": "function"}})
    write("keras/module-os.config.json", keras_model([INPUT, os_act]), "dangerous", "CVE-2025-1550")
    get_file = keras_layer("Dense", {"name": "dense", "units": 8,
                                     "activation": {"module": "keras.utils", "class_name": "get_file",
                                                    "config": {"fname": "x", "origin": "http://127.0.0.1/x", "cache_dir": "/tmp"},
                                                    "registered_name": None}})
    write("keras/get-file.config.json", keras_model([INPUT, get_file]), "dangerous", "CVE-2025-8747")
    unsafe = keras_layer("Dense", {"name": "dense", "units": 8,
                                   "activation": {"module": "keras.config", "class_name": "function",
                                                  "config": "enable_unsafe_deserialization", "registered_name": None}})
    write("keras/enable-unsafe.config.json", keras_model([INPUT, unsafe, lam3]), "dangerous", "-")
    custom = keras_layer("Scale", {"name": "scale", "factor": 2.0}, module="acme_layers.scale", registered="acme>Scale")
    write("keras/custom-layer.config.json", keras_model([INPUT, custom]), "suspicious", "acme_layers")
    write("keras/lambda.keras", keras_zip(keras_model([INPUT, lam3, DENSE], "Functional")), "dangerous", "Lambda layer")
    write("keras/sequential.keras", keras_zip(seq), "safe")


# ---------------------------------------------------------------- onnx

def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def fld(num, body):
    return varint(num << 3 | 2) + varint(len(body)) + body


def fint(num, v):
    return varint(num << 3) + varint(v)


def onnx_tensor(name, location=None):
    t = fint(1, 2) + fint(1, 2) + fint(2, 1) + fld(8, name.encode())
    if location is None:
        return t + fld(9, f32(1, 2, 3, 4))
    for k, v in [("location", location), ("offset", "0"), ("length", "16")]:
        t += fld(13, fld(1, k.encode()) + fld(2, v.encode()))
    return t + fint(14, 1)


def onnx_model(tensors):
    node = fld(1, b"x") + fld(1, b"w") + fld(2, b"y") + fld(4, b"MatMul")
    value_info = fld(1, b"x")
    g = fld(1, node) + fld(2, b"main") + b"".join(fld(5, t) for t in tensors) + fld(11, value_info) + fld(12, fld(1, b"y"))
    m = fint(1, 8) + fld(2, b"trustscan-sample") + fld(3, b"1.0") + fld(7, g)
    return m + fld(8, fld(1, b"") + fint(2, 17))


def onnx_samples():
    write("onnx/inline.onnx", onnx_model([onnx_tensor("w")]), "safe")
    write("onnx/external-data.onnx", onnx_model([onnx_tensor("w", "weights.bin")]), "safe", "external file")
    write("onnx/traversal.onnx", onnx_model([onnx_tensor("w", "..//..//..//..//etc/passwd")]), "dangerous", "CVE-2024-27318")
    write("onnx/nested-dotdot.onnx", onnx_model([onnx_tensor("w", "data/....//../../../../root/.ssh/id_rsa")]),
          "dangerous", "'..' component")
    write("onnx/absolute.onnx", onnx_model([onnx_tensor("w", "/etc/passwd")]), "dangerous", "absolute")
    write("onnx/windows-drive.onnx", onnx_model([onnx_tensor("w", "C:\\Windows\\win.ini")]), "dangerous", "drive letter")
    whole = onnx_model([onnx_tensor("w")])
    write("onnx/truncated.onnx", whole[: len(whole) - 30], "inconclusive", "-")


def main():
    npy_samples()
    st_samples()
    gguf_samples()
    template_samples()
    keras_samples()
    onnx_samples()
    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        f.write("# path\tverdict\tfirst reason contains (- for anything); generated by scripts/make-format-samples.py\n")
        for rel, verdict, frag in sorted(EXPECTED):
            f.write(f"{rel}\t{verdict}\t{frag}\n")
    print(f"wrote {len(EXPECTED)} samples to {OUT}")


if __name__ == "__main__":
    main()
