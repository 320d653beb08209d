//! Allowlist-first policy for pickle streams: a global is safe only when it is on the list of
//! what ML checkpoints legitimately reference (PyTorch's `weights_only` allowlist); known
//! code-execution, file, network and loader gadgets are dangerous; everything else is
//! suspicious, never silently accepted. Denylists alone lose (`payload-evasions.md` §1): the
//! dangerous tier only ranks findings, it never decides that something is safe.

use crate::pickle::Analysis;
use trustscan_core::{Judgement, PickleImport};

/// What one global is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// On the allowlist.
    Allowed,
    /// Not on the allowlist, and no known gadget: at least suspicious.
    Unknown,
    /// A known gadget, with the reason.
    Dangerous(String),
}

/// PyTorch's `weights_only` allowlist (`torch/_weights_only_unpickler.py`,
/// `_get_allowed_globals`), with the protocol-2 spellings (`__builtin__`) CPython maps.
const ALLOWED: &[(&str, &str)] = &[
    ("collections", "OrderedDict"),
    ("collections", "Counter"),
    ("torch.nn.parameter", "Parameter"),
    ("torch.serialization", "_get_layout"),
    ("torch", "Size"),
    ("torch", "Tensor"),
    ("torch", "device"),
    ("_codecs", "encode"),
    ("builtins", "bytearray"),
    ("builtins", "set"),
    ("__builtin__", "bytearray"),
    ("__builtin__", "set"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch._utils", "_rebuild_qtensor"),
    ("torch._utils", "_rebuild_tensor"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_tensor_v3"),
    ("torch._utils", "_rebuild_sparse_tensor"),
    ("torch._utils", "_rebuild_meta_tensor_no_storage"),
    ("torch._utils", "_rebuild_nested_tensor"),
    ("torch._utils", "_rebuild_wrapper_subclass"),
    ("torch._utils", "_rebuild_device_tensor_from_numpy"),
    ("torch._utils", "_rebuild_device_tensor_from_cpu_tensor"),
    ("torch._tensor", "_rebuild_from_type_v2"),
    ("torch.storage", "UntypedStorage"),
    ("torch.storage", "TypedStorage"),
    ("torch", "UntypedStorage"),
    ("torch", "per_tensor_affine"),
    ("torch", "per_channel_affine"),
    ("torch", "per_tensor_symmetric"),
    ("torch", "per_channel_symmetric"),
    ("torch", "per_channel_affine_float_qparams"),
];

/// NumPy's pickle reconstruction (arrays, scalars, dtypes, the legacy RandomState state that
/// training checkpoints save), under both the `numpy.core` and the NumPy 2 `numpy._core`
/// names, and joblib's array wrappers, whose bytes follow the wrapper in the stream.
const ALLOWED_NUMPY: &[(&str, &str)] = &[
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.random._pickle", "__randomstate_ctor"),
    ("numpy.random._pickle", "__bit_generator_ctor"),
    ("numpy.random._pickle", "__generator_ctor"),
    ("numpy.random.mtrand", "RandomState"),
    ("numpy.random._mt19937", "MT19937"),
    ("numpy.random._pcg64", "PCG64"),
    ("numpy.random._pcg64", "PCG64DXSM"),
    ("numpy.random._philox", "Philox"),
    ("numpy.random._sfc64", "SFC64"),
    ("numpy.random._generator", "Generator"),
    ("numpy.random.bit_generator", "SeedSequence"),
    ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
];

/// Value types of the standard library that checkpoints carry in their metadata (dates,
/// decimals, UUIDs, argparse namespaces of training arguments) and builtin constructors of
/// plain values: constructing them runs no code of the stream's choosing.
const ALLOWED_VALUES: &[(&str, &str)] = &[
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
    ("decimal", "Decimal"),
    ("fractions", "Fraction"),
    ("uuid", "UUID"),
    ("argparse", "Namespace"),
    ("collections", "deque"),
    ("collections", "defaultdict"),
    ("builtins", "complex"),
    ("builtins", "frozenset"),
    ("builtins", "slice"),
    ("builtins", "range"),
    ("__builtin__", "complex"),
    ("__builtin__", "frozenset"),
    ("__builtin__", "slice"),
    ("__builtin__", "xrange"),
];

/// Loaders and hub functions that, called from a pickle, load another payload or fetch and
/// run code (payload-evasions §5): dangerous although their modules are ordinary ML ones.
const NESTED_LOADERS: &[(&str, &str)] = &[
    ("torch", "load"),
    ("torch.serialization", "load"),
    ("torch.hub", "load"),
    ("torch.hub", "load_state_dict_from_url"),
    ("torch.jit", "load"),
    ("torch", "from_file"),
    ("numpy", "load"),
    ("numpy", "fromfile"),
    ("numpy.lib.npyio", "load"),
    (
        "transformers.dynamic_module_utils",
        "get_class_from_dynamic_module",
    ),
    ("huggingface_hub", "hf_hub_download"),
    ("huggingface_hub", "snapshot_download"),
    ("keras.utils", "get_file"),
];

/// Payload scanners: a pickle that imports one means to disable or patch it (§28).
const SCANNERS: &[&str] = &["fickling", "picklescan", "modelscan", "modelaudit"];

/// torch dtypes (`torch.float32`, ...), allowed as globals of module `torch`.
const TORCH_DTYPES: &[&str] = &[
    "float32",
    "float",
    "float64",
    "double",
    "float16",
    "half",
    "bfloat16",
    "complex32",
    "chalf",
    "complex64",
    "cfloat",
    "complex128",
    "cdouble",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "int8",
    "int16",
    "short",
    "int32",
    "int",
    "int64",
    "long",
    "bool",
    "qint8",
    "quint8",
    "qint32",
    "quint4x2",
    "quint2x4",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "bits8",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
];

/// Modules whose every global is a gadget: processes, the interpreter, code loading, files,
/// the network, nested deserialization.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "sys",
    "subprocess",
    "pty",
    "shutil",
    "runpy",
    "importlib",
    "imp",
    "code",
    "codeop",
    "ctypes",
    "cffi",
    "marshal",
    "pickle",
    "_pickle",
    "cPickle",
    "dill",
    "cloudpickle",
    "joblib",
    "shelve",
    "socket",
    "ssl",
    "http",
    "urllib",
    "urllib2",
    "requests",
    "httpx",
    "ftplib",
    "smtplib",
    "telnetlib",
    "webbrowser",
    "multiprocessing",
    "asyncio",
    "threading",
    "_thread",
    "signal",
    "pathlib",
    "tempfile",
    "glob",
    "io",
    "_io",
    "zipimport",
    "pkgutil",
    "inspect",
    "gc",
    "operator",
    "functools",
    "timeit",
    "cProfile",
    "profile",
    "pdb",
    "bdb",
    "trace",
    "venv",
    "ensurepip",
    "distutils",
    "setuptools",
    "pip",
];

/// Builtins that run code, touch files or reach into objects.
const DANGEROUS_BUILTINS: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "open",
    "__import__",
    "getattr",
    "setattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "input",
    "breakpoint",
    "help",
    "memoryview",
    "type",
    "object",
    "super",
    "classmethod",
    "staticmethod",
    "property",
    "apply",
    "execfile",
    "file",
    "reload",
];

/// Classify one global. Dotted names are checked component by component: `find_class` walks
/// them with getattr (payload-evasions §18), and dunder components reach interpreter
/// internals (§19, §20).
/// Whether torch's `weights_only` unpickler (`torch.load(weights_only=True)`) resolves this
/// global: its own allowlist ([`ALLOWED`] and the dtype and storage names), without the
/// NumPy and value types this policy also allows. Any other global makes that load fail
/// before it is called.
pub fn weights_only_allows(module: &str, name: &str) -> bool {
    ALLOWED.contains(&(module, name)) || module == "torch" && is_torch_type(name)
}

pub fn classify(module: &str, name: &str) -> Class {
    if ALLOWED.contains(&(module, name))
        || ALLOWED_NUMPY.contains(&(module, name))
        || ALLOWED_VALUES.contains(&(module, name))
        || module == "torch" && is_torch_type(name)
    {
        return Class::Allowed;
    }
    let root = module.split('.').next().unwrap_or(module);
    if NESTED_LOADERS.contains(&(module, name)) {
        return Class::Dangerous(format!(
            "{module}.{name} loads another payload or fetches code"
        ));
    }
    // Registering an extension code makes a later EXT opcode name a global that no GLOBAL
    // opcode shows (payload-evasions §27).
    if matches!(module, "copyreg" | "copy_reg") && name == "add_extension" {
        return Class::Dangerous(
            "copyreg.add_extension lets a later EXT opcode hide the global it names".into(),
        );
    }
    if SCANNERS.contains(&root) {
        return Class::Dangerous(format!(
            "module {root} is a payload scanner: importing it from a pickle tampers with scanning"
        ));
    }
    if DANGEROUS_MODULES.contains(&root) {
        return Class::Dangerous(format!(
            "module {root} runs processes, code, I/O or loaders"
        ));
    }
    let builtins = matches!(root, "builtins" | "__builtin__" | "__builtins__");
    for part in name.split('.') {
        if part.starts_with("__") && part.ends_with("__") && part.len() > 4 {
            return Class::Dangerous(format!(
                "dunder attribute {part} reaches interpreter internals"
            ));
        }
        if builtins && DANGEROUS_BUILTINS.contains(&part) {
            return Class::Dangerous(format!("builtin {part} runs code or reaches into objects"));
        }
        if DANGEROUS_MODULES.contains(&part) {
            return Class::Dangerous(format!(
                "attribute {part} reaches module {part} through {module}"
            ));
        }
    }
    Class::Unknown
}

/// Storage classes, legacy tensor types (named in torch's legacy tar `tensors` records) and
/// dtypes referenced as `torch.<Name>`.
fn is_torch_type(name: &str) -> bool {
    let legacy_tensor = name.strip_suffix("Tensor").is_some_and(|kind| {
        matches!(
            kind,
            "Float"
                | "Double"
                | "Half"
                | "BFloat16"
                | "Long"
                | "Int"
                | "Short"
                | "Char"
                | "Byte"
                | "Bool"
        )
    });
    name.ends_with("Storage") && !name.contains('.')
        || legacy_tensor
        || TORCH_DTYPES.contains(&name)
}

/// Globals a user allows besides the built-in list (`--allow-global`, `--allowlist FILE`):
/// `module.name` exactly, or `module.*` for every global of a module and its submodules.
/// They only lift the "not on the allowlist" tier: known gadgets stay dangerous.
#[derive(Clone, Debug, Default)]
pub struct Allowlist {
    exact: Vec<(String, String)>,
    modules: Vec<String>,
}

impl Allowlist {
    /// Add one entry; `Err` says why it is not one.
    pub fn add(&mut self, entry: &str) -> Result<(), String> {
        let entry = entry.trim();
        let bad = || format!("{entry:?} is not `module.name` or `module.*`");
        let (module, name) = entry.rsplit_once('.').ok_or_else(bad)?;
        if module.is_empty() || name.is_empty() {
            return Err(bad());
        }
        if name == "*" {
            self.modules.push(module.to_string());
        } else {
            self.exact.push((module.to_string(), name.to_string()));
        }
        Ok(())
    }

    /// Entries from a file: one per line, `#` starts a comment.
    pub fn add_file(&mut self, text: &str) -> Result<(), String> {
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                self.add(line).map_err(|e| format!("line {}: {e}", i + 1))?;
            }
        }
        Ok(())
    }

    fn allows(&self, module: &str, name: &str) -> bool {
        self.exact.iter().any(|(m, n)| m == module && n == name)
            || self.modules.iter().any(|m| {
                module == m
                    || module
                        .strip_prefix(m.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
    }
}

/// The verdict of an analysed stream and the reasons behind it, most serious first.
pub fn judge(a: &Analysis) -> (Judgement, Vec<String>) {
    judge_with(a, &Allowlist::default())
}

/// `judge`, with the user's allowlist extension.
pub fn judge_with(a: &Analysis, allow: &Allowlist) -> (Judgement, Vec<String>) {
    let mut verdict = Judgement::Safe;
    let mut reasons = Vec::new();
    let mut unknown: Vec<&PickleImport> = Vec::new();
    for i in &a.imports {
        match classify(&i.module, &i.name) {
            Class::Allowed => {}
            Class::Unknown if allow.allows(&i.module, &i.name) => {}
            Class::Unknown => unknown.push(i),
            Class::Dangerous(why) => {
                verdict = Judgement::Dangerous;
                reasons.push(format!(
                    "{}.{} at byte {}: {why}",
                    i.module, i.name, i.offset
                ));
            }
        }
    }
    // State set on a function object is an attribute injection (payload-evasions §19).
    for c in a.calls.iter().filter(|c| c.opcode == "BUILD") {
        if !c.callee.starts_with("<result of") {
            verdict = Judgement::Dangerous;
            reasons.push(format!(
                "BUILD at byte {} sets state on {} itself, not on an object it built",
                c.offset,
                c.callee.trim_end_matches(".__setstate__")
            ));
        }
    }
    if let Some(e) = &a.error
        && e.frame_violation
    {
        verdict = Judgement::Dangerous;
        reasons.push(format!(
            "the stream breaks frame accounting {e}: CPython's file reader and whole-buffer \
             parsers see different opcodes here, a known way to hide a payload"
        ));
    } else if let Some(e) = &a.error {
        verdict = verdict.max(Judgement::Inconclusive);
        reasons.push(format!("the stream breaks {e}; what follows is unknown"));
    }
    if !unknown.is_empty() {
        verdict = verdict.max(Judgement::Suspicious);
        for i in unknown {
            reasons.push(format!(
                "{}.{} at byte {} is not on the allowlist",
                i.module, i.name, i.offset
            ));
        }
    }
    (verdict, reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_allowlist_lifts_unknown_globals_only() {
        let mut allow = Allowlist::default();
        allow.add("sklearn.*").unwrap();
        allow.add("mylib.layers.Dense").unwrap();
        assert!(allow.add("nodot").is_err());
        assert!(
            allow
                .add_file("# comment\n\nos.*\nbad line")
                .unwrap_err()
                .contains("line 4")
        );
        assert!(allow.allows("sklearn.linear_model._base", "LinearRegression"));
        assert!(allow.allows("mylib.layers", "Dense"));
        assert!(!allow.allows("sklearnx", "A"));
        assert!(!allow.allows("mylib.layers", "Conv"));
        // `os.*` was added by the file, yet os.system stays dangerous.
        let a = Analysis {
            imports: vec![PickleImport {
                module: "os".into(),
                name: "system".into(),
                offset: 0,
            }],
            ..Default::default()
        };
        assert_eq!(judge_with(&a, &allow).0, Judgement::Dangerous);
    }

    #[test]
    fn tiers() {
        assert_eq!(
            classify("torch._utils", "_rebuild_tensor_v2"),
            Class::Allowed
        );
        assert_eq!(classify("torch", "FloatStorage"), Class::Allowed);
        assert_eq!(classify("torch", "bfloat16"), Class::Allowed);
        assert!(matches!(classify("posix", "system"), Class::Dangerous(_)));
        assert!(matches!(
            classify("__builtin__", "eval"),
            Class::Dangerous(_)
        ));
        // Dotted names through an innocuous module (pathlib's own `os`), dunders.
        assert!(matches!(
            classify("numpy", "os.system"),
            Class::Dangerous(_)
        ));
        assert!(matches!(
            classify("numpy", "__builtins__"),
            Class::Dangerous(_)
        ));
        assert!(matches!(
            classify("builtins", "print.__class__"),
            Class::Dangerous(_)
        ));
        // Allowlisted names are exact: a dotted extension of one is not allowed.
        assert_eq!(classify("torch", "Size.mro"), Class::Unknown);
        assert_eq!(
            classify("numpy.core.multiarray", "_reconstruct"),
            Class::Allowed
        );
        assert!(matches!(classify("numpy", "load"), Class::Dangerous(_)));
        assert!(matches!(classify("torch", "load"), Class::Dangerous(_)));
        assert!(matches!(
            classify("fickling.analysis", "x"),
            Class::Dangerous(_)
        ));
        // joblib's array wrapper is allowed; the rest of joblib loads payloads.
        assert_eq!(
            classify("joblib.numpy_pickle", "NumpyArrayWrapper"),
            Class::Allowed
        );
        assert!(matches!(classify("joblib", "load"), Class::Dangerous(_)));
        assert_eq!(classify("inspect_like", "getattr_static"), Class::Unknown);
    }
}
