#!/usr/bin/env python3
"""Write the HDF5 samples of crates/trustscan-payload/tests/fixtures/h5/ with h5py alone.

They are shaped like Keras 2 `.h5` saves (`model.save("x.h5")`: root attributes
`keras_version`, `backend`, `model_config` and `training_config` as UTF-8 JSON bytes, weights
under `model_weights/`) and `save_weights` files (no `model_config`). Keras itself is not
needed. Nothing here runs the bytecode it stores: the Lambda sample's function is compiled
and marshalled, never called.

    python3 -m venv /tmp/h5venv && /tmp/h5venv/bin/pip install h5py numpy
    /tmp/h5venv/bin/python scripts/make-h5-samples.py

Running it again writes the same bytes (checked with h5py 3.16). It also writes layout.json:
where the big dataset's data lies, and where each file's config JSON ends.
"""

import base64
import codecs
import json
import marshal
import os
import types

import h5py
import numpy as np

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "crates",
    "trustscan-payload",
    "tests",
    "fixtures",
    "h5",
)


def dense(name, units, activation="relu"):
    return {
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": "float32",
            "units": units,
            "activation": activation,
            "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
    }


def sequential(*layers):
    return {
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {
                        "batch_input_shape": [None, 4],
                        "dtype": "float32",
                        "sparse": False,
                        "ragged": False,
                        "name": "dense_input",
                    },
                },
                *layers,
            ],
        },
    }


TRAINING = {
    "loss": "mean_squared_error",
    "metrics": ["mae"],
    "weighted_metrics": None,
    "loss_weights": None,
    "optimizer_config": {
        "class_name": "Adam",
        "config": {"name": "Adam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999},
    },
}


def lambda_layer():
    # What Keras 2's func_dump stores for `Lambda(lambda x: x * 2)`: the marshalled code
    # object of the lambda in base64 (codecs' flavour, with newlines). Compiled, never run.
    module = compile("lambda x: x * 2", "<h5-sample>", "eval")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    raw = codecs.encode(marshal.dumps(code), "base64").decode("ascii")
    assert base64.b64decode(raw) == marshal.dumps(code)
    return {
        "class_name": "Lambda",
        "config": {
            "name": "lambda",
            "trainable": True,
            "dtype": "float32",
            "function": [raw, None, None],
            "function_type": "lambda",
            "module": "__main__",
            "output_shape": None,
            "output_shape_type": "raw",
            "output_shape_module": None,
            "arguments": {},
        },
    }


def as_json_bytes(v):
    # Keras 2: f.attrs[k] = json.dumps(v, default=...).encode("utf8"); h5py 3 stores bytes as
    # a variable-length ASCII string (h5py 2 stored a fixed-length one: see FIXED).
    return json.dumps(v).encode("utf8")


def as_fixed(v):
    return np.bytes_(json.dumps(v).encode("utf8"))

# Every JSON attribute written, to record where its bytes landed (layout.json).
WRITTEN = {}


def weights(group, layers, big=0):
    """model_weights-style layout: one group per layer, kernel:0 and bias:0 datasets."""
    group.attrs["layer_names"] = np.array([n.encode() for n, _ in layers], dtype="S")
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = b"2.13.1"
    rng = np.random.default_rng(7)
    for name, (rows, cols) in layers:
        g = group.create_group(name)
        inner = g.create_group(name)
        names = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
        g.attrs["weight_names"] = np.array(names, dtype="S")
        inner.create_dataset("kernel:0", data=rng.standard_normal((rows, cols), dtype=np.float32), track_times=False)
        inner.create_dataset("bias:0", data=np.zeros((cols,), dtype=np.float32), track_times=False)


LAYERS = [("dense", (4, 8)), ("dense_1", (8, 1))]


def full_model(path, model_config, training=TRAINING, vlen=False, fixed=False, **kw):
    with h5py.File(path, "w", track_order=False, **kw) as f:
        enc = (lambda v: json.dumps(v)) if vlen else as_fixed if fixed else as_json_bytes
        f.attrs["backend"] = "tensorflow" if vlen else b"tensorflow"
        f.attrs["keras_version"] = "2.13.1" if vlen else b"2.13.1"
        f.attrs["model_config"] = enc(model_config) if not isinstance(model_config, (str, bytes)) else model_config
        if training is not None:
            f.attrs["training_config"] = enc(training)
        WRITTEN[os.path.basename(path)] = [
            bytes(np.asarray(f.attrs[k]).item() if not isinstance(f.attrs[k], str) else f.attrs[k].encode())
            for k in ("model_config", "training_config")
            if k in f.attrs
        ]
        weights(f.create_group("model_weights"), LAYERS)


def main():
    os.makedirs(OUT, exist_ok=True)
    p = lambda n: os.path.join(OUT, n)
    benign = sequential(dense("dense", 8), dense("dense_1", 1, "linear"))

    # Keras 2 model.save under h5py 2: fixed-length byte strings.
    full_model(p("benign.h5"), benign, fixed=True)
    # Keras 3 legacy writer style: variable-length UTF-8 strings (global heap).
    full_model(p("benign_vlen.h5"), benign, vlen=True)
    full_model(p("lambda.h5"), sequential(dense("dense", 8), lambda_layer()))
    os_layer = {"module": "os", "class_name": "system", "config": {"name": "x"}, "registered_name": None}
    full_model(p("module_os.h5"), sequential(dense("dense", 8), os_layer))
    custom_loss = dict(TRAINING)
    custom_loss["loss"] = {
        "module": "acme_losses",
        "class_name": "function",
        "config": "focal_loss",
        "registered_name": "function",
    }
    full_model(p("custom_loss.h5"), benign, training=custom_loss, vlen=True)
    full_model(p("not_json.h5"), b"{'class_name': 'Sequential', 'config': ")
    # Newest file format: attributes past 8 move to dense storage (fractal heap, B-tree v2).
    with h5py.File(p("lambda_dense_attrs.h5"), "w", libver="latest") as f:
        for i in range(12):
            f.attrs[f"note_{i:02}"] = f"padding attribute {i}"
        f.attrs["model_config"] = json.dumps(sequential(lambda_layer()))
        WRITTEN["lambda_dense_attrs.h5"] = [f.attrs["model_config"].encode()]
        weights(f.create_group("model_weights"), LAYERS)
    # Odd attribute types: an integer; the JSON as opaque bytes (np.void).
    with h5py.File(p("model_config_int.h5"), "w") as f:
        f.attrs["model_config"] = np.int64(3)
    with h5py.File(p("model_config_void.h5"), "w") as f:
        text = json.dumps(sequential(os_layer)).encode()
        f.attrs["model_config"] = np.void(text)
        WRITTEN["model_config_void.h5"] = [text]
    # A benign config, a NUL, then a Lambda model, in one fixed-length string: numpy keeps
    # the embedded NUL (json.loads would refuse it); cutting at it would hide the Lambda.
    with h5py.File(p("embedded_nul.h5"), "w") as f:
        text = json.dumps(benign).encode() + b"\0" + json.dumps(sequential(lambda_layer())).encode()
        f.attrs["model_config"] = np.bytes_(text)
        WRITTEN["embedded_nul.h5"] = [text]
    # A 512-byte user block before the superblock.
    full_model(p("module_os_userblock.h5"), sequential(os_layer), userblock_size=512)

    # model.save_weights / transformers' tf_model.h5: no model_config.
    with h5py.File(p("weights_only.h5"), "w") as f:
        weights(f, LAYERS)

    # A contiguous dataset written before the attributes, so the metadata sits after its data.
    layout = {}
    with h5py.File(p("big_dataset.h5"), "w") as f:
        ds = f.create_dataset("model_weights/big/big/kernel:0", shape=(128, 1024), dtype=np.float32, track_times=False)
        ds[...] = 0.0
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["model_config"] = json.dumps(sequential(lambda_layer()))
        WRITTEN["big_dataset.h5"] = [f.attrs["model_config"].encode()]
        f.flush()
        layout["big_dataset.h5"] = {"data_offset": ds.id.get_offset(), "data_size": ds.id.get_storage_size()}
    # Where the config JSON's bytes end: a cut before that must never be judged.
    for name, texts in WRITTEN.items():
        data = open(p(name), "rb").read()
        ends = []
        for t in texts:
            at = data.find(t)
            assert at >= 0 and data.find(t, at + 1) < 0, name
            ends.append(at + len(t))
        layout.setdefault(name, {})["config_end"] = max(ends)
    with open(p("layout.json"), "w") as out:
        json.dump(layout, out, indent=1, sort_keys=True)
        out.write("\n")

    for n in sorted(os.listdir(OUT)):
        print(n, os.path.getsize(p(n)))


if __name__ == "__main__":
    main()
