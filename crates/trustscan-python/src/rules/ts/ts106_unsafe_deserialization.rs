use super::loading::{self, arg, bool_value, quote};
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, Node};
use trustscan_core::Level::{self, High, Low, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr, Stmt};

rule! {
    /// TS106 unsafe_deserialization.
    ///
    /// ## What it does
    /// Reports deserialization that can run code: the pickle family (`pickle`, `cPickle`,
    /// `_pickle`, `dill`, `cloudpickle` `load`/`loads`/`Unpickler`), `joblib.load`,
    /// `pandas.read_pickle`, `shelve.open`, `jsonpickle.decode`, `numpy.load(...,
    /// allow_pickle=True)`, `torch.load` without `weights_only=True`, `torch.jit.load`,
    /// `yaml.load` with an unsafe loader, `yaml.unsafe_load`/`full_load`, and Keras
    /// `load_model(..., safe_mode=False)` / `enable_unsafe_deserialization()`.
    ///
    /// `torch.load` is graded by `weights_only`: `True` is quiet; `False` (or a custom
    /// `pickle_module`) is High; absent is Medium, because torch >= 2.6 defaults to
    /// `weights_only=True` but older releases unpickle everything. A `torch.load` in an
    /// `except` handler whose `try` made the same load with `weights_only=True` is reported
    /// High: a malicious pickle fails the safe load by design and then gets the unsafe one.
    /// Data that comes out of a decoder or a download raises the confidence.
    ///
    /// ## Why is this bad?
    /// Unpickling calls whatever callables the data names (CWE-502): a crafted checkpoint,
    /// cache or config runs code with the user's privileges the moment the model loads.
    ///
    /// ## Example
    /// ```python
    /// try:
    ///     state = torch.load(path, weights_only=True)
    /// except Exception:
    ///     state = torch.load(path, weights_only=False)
    /// ```
    pub struct UnsafeDeserialization {
        id: "TS106",
        name: "unsafe_deserialization",
        cwe: 502,
        severity: High,
        confidence: Medium,
        kinds: [Call],
        example: "state = torch.load(path, weights_only=False)",
    }
}

/// Last names of the functions this rule looks at (the cheap filter).
static LAST: crate::rules::Names = crate::rules::Names::new(&[
    "load",
    "loads",
    "Unpickler",
    "read_pickle",
    "open",
    "decode",
    "load_all",
    "unsafe_load",
    "unsafe_load_all",
    "full_load",
    "full_load_all",
    "load_model",
    "enable_unsafe_deserialization",
    "load_session",
    "load_module",
]);

const PICKLE_MODULES: &[&str] = &["pickle", "cPickle", "_pickle", "dill", "cloudpickle"];

impl Rule for UnsafeDeserialization {
    fn method_names(&self) -> Option<Vec<&'static str>> {
        Some(LAST.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let r = Resolver::new(ctx);
        let f = loading::callee_if(&r, call, &LAST);
        if f.is_empty() {
            return None;
        }
        let (module, func) = f.rsplit_once('.').unwrap_or(("", f.as_str()));
        match (module, func) {
            ("torch" | "torch.serialization", "load") => torch_load(ctx, &r, call, &f),
            (m, "load" | "loads" | "Unpickler" | "load_session" | "load_module")
                if PICKLE_MODULES.contains(&m) =>
            {
                if matches!(func, "load_session" | "load_module") && m != "dill" {
                    return None;
                }
                let (level, source) = source(ctx, &r, arg(call, "file", Some(0)));
                Some(Issue::new(
                    High,
                    level,
                    format!(
                        "{f} unpickles {source}: pickle calls whatever callables the data \
                         names, so a crafted file runs code as soon as the model loads."
                    ),
                ))
            }
            ("joblib" | "sklearn.externals.joblib", "load") | ("pandas", "read_pickle") => {
                let (level, source) = source(ctx, &r, arg(call, "filename", Some(0)));
                Some(Issue::new(
                    High,
                    level,
                    format!(
                        "{f} unpickles {source}: joblib and pandas pickle files run any \
                         callable they name when loaded."
                    ),
                ))
            }
            ("shelve", "open") => {
                let (_, source) = source(ctx, &r, arg(call, "filename", Some(0)));
                Some(Issue::new(
                    Medium,
                    Medium,
                    format!(
                        "shelve.open opens {source}: a shelf stores pickles, and every value \
                         read from it is unpickled."
                    ),
                ))
            }
            ("jsonpickle" | "jsonpickle.unpickler", "decode") | ("jsonpickle", "loads") => {
                let (level, source) = source(ctx, &r, arg(call, "string", Some(0)));
                Some(Issue::new(
                    High,
                    level,
                    format!(
                        "{f} decodes {source}: jsonpickle rebuilds arbitrary Python objects \
                         and calls their constructors, the same risk as pickle."
                    ),
                ))
            }
            ("numpy", "load") => {
                let allow = arg(call, "allow_pickle", Some(2))?;
                if bool_value(&r, allow) != Some(true) {
                    return None;
                }
                let (level, source) = source(ctx, &r, arg(call, "file", Some(0)));
                Some(Issue::new(
                    High,
                    level,
                    format!(
                        "numpy.load reads {source} with allow_pickle=True: object arrays in \
                         .npy/.npz files are unpickled, so a crafted file runs code."
                    ),
                ))
            }
            ("torch.jit", "load") => {
                let (_, source) = source(ctx, &r, arg(call, "f", Some(0)));
                Some(Issue::new(
                    Medium,
                    Medium,
                    format!(
                        "torch.jit.load loads the TorchScript archive {source}: its code and \
                         pickled constants are executed by the TorchScript runtime, so an \
                         untrusted archive is not a plain weights file."
                    ),
                ))
            }
            ("yaml" | "ruamel.yaml", "load" | "load_all") => yaml_load(&r, call, &f),
            ("yaml", "unsafe_load" | "unsafe_load_all") => Some(Issue::new(
                High,
                High,
                format!(
                    "{f} constructs arbitrary Python objects from YAML tags \
                     (!!python/object/apply), so a crafted file runs code."
                ),
            )),
            ("yaml", "full_load" | "full_load_all") => Some(Issue::new(
                Medium,
                Medium,
                format!(
                    "{f} uses FullLoader, which builds Python objects from YAML tags and was \
                     exploitable for code execution before PyYAML 5.4; use yaml.safe_load."
                ),
            )),
            (m, "load_model") if is_keras(m) => {
                let safe = arg(call, "safe_mode", None)?;
                if bool_value(&r, safe) != Some(false) {
                    return None;
                }
                let (_, source) = source(ctx, &r, arg(call, "filepath", Some(0)));
                Some(Issue::new(
                    High,
                    High,
                    format!(
                        "{f} loads {source} with safe_mode=False: Lambda layers and custom \
                         objects are deserialized from Python bytecode, so a crafted model \
                         runs code."
                    ),
                ))
            }
            (m, "enable_unsafe_deserialization") if is_keras(m) => Some(Issue::new(
                High,
                High,
                format!(
                    "{f}() turns off Keras safe_mode for every later load: Lambda layers in \
                     any model file are then deserialized from Python bytecode."
                ),
            )),
            _ => None,
        }
    }
}

fn is_keras(module: &str) -> bool {
    let m = module
        .strip_prefix("tensorflow.")
        .or_else(|| module.strip_prefix("tf_keras."))
        .unwrap_or(module);
    m.starts_with("keras") || module.starts_with("tf_keras")
}

/// How sure the data may be hostile, and a description of it for the message.
fn source<'a>(ctx: &Ctx<'_, 'a>, r: &Resolver<'_, '_, 'a>, e: Option<&'a Expr>) -> (Level, String) {
    let Some(e) = e else {
        return (Medium, "its input".into());
    };
    if let Some(s) = r.decoded_source(e) {
        let what = if s.starts_with("data downloaded") {
            s
        } else {
            format!("data decoded with {s}")
        };
        return (High, what);
    }
    if matches!(e, Expr::BytesLiteral(_)) {
        return (
            High,
            "a pickle embedded in the code as a bytes literal".into(),
        );
    }
    // A file object: `open(path, "rb")`, directly or through a name or `with`.
    let opened = match e {
        Expr::Call(c) => Some(c),
        Expr::Name(n) => match r.single(n.id.as_str()) {
            Some(Expr::Call(c)) => Some(c),
            _ => None,
        },
        _ => None,
    };
    if let Some(c) = opened
        && matches!(
            r.callee(&c.func).as_str(),
            "open" | "io.open" | "gzip.open" | "bz2.open" | "lzma.open" | "codecs.open"
        )
        && let Some(path) = c.arguments.args.first()
    {
        return (
            Medium,
            format!(
                "the file {}",
                loading::target(ctx, r, path).describe("a path")
            ),
        );
    }
    match loading::target(ctx, r, e) {
        loading::Target::Unknown(None) => (Medium, "data from a variable".into()),
        t => (Medium, t.describe("data")),
    }
}

fn torch_load<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    f: &str,
) -> Option<Issue> {
    let weights_only = arg(call, "weights_only", None);
    let value = weights_only.and_then(|w| bool_value(r, w));
    if value == Some(true) {
        return None;
    }
    let (level, source) = source(ctx, r, arg(call, "f", Some(0)));
    if in_fallback_of_safe_load(ctx, r) {
        return Some(Issue::new(
            High,
            High,
            format!(
                "{f} of {source} runs in an except handler after the same load with \
                 weights_only=True failed: a malicious pickle fails the safe load by design \
                 and then gets the unsafe one, so the safe load protects nothing."
            ),
        ));
    }
    if value == Some(false) {
        return Some(Issue::new(
            High,
            High,
            format!(
                "{f} loads {source} with weights_only=False: the full unpickler runs, so a \
                 crafted checkpoint executes code when the model loads."
            ),
        ));
    }
    if arg(call, "pickle_module", Some(2)).is_some() {
        return Some(Issue::new(
            High,
            Medium,
            format!(
                "{f} loads {source} with a custom pickle_module, which turns the \
                 weights_only default off: the full unpickler runs."
            ),
        ));
    }
    if weights_only.is_some() {
        return Some(Issue::new(
            Medium,
            Low,
            format!(
                "{f} loads {source} with weights_only set from a variable: when it is False \
                 the full unpickler runs and a crafted checkpoint executes code."
            ),
        ));
    }
    Some(Issue::new(
        Medium,
        level,
        format!(
            "{f} loads {source} without weights_only=True: safe by default only from torch \
             2.6 (and never where TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD is set); on older torch \
             the full unpickler runs and a crafted checkpoint executes code."
        ),
    ))
}

/// Whether the node is in an `except` handler whose `try` body calls `torch.load(...,
/// weights_only=True)`.
fn in_fallback_of_safe_load<'a>(ctx: &Ctx<'_, 'a>, r: &Resolver<'_, '_, 'a>) -> bool {
    let mut handler = None;
    for (i, p) in ctx.parents.iter().enumerate().rev() {
        match p {
            Node::ExceptHandler(_) => {
                handler = Some(i);
                break;
            }
            Node::Stmt(Stmt::FunctionDef(_) | Stmt::ClassDef(_)) => return false,
            _ => {}
        }
    }
    let Some(i) = handler else { return false };
    let Some(Node::Stmt(Stmt::Try(t))) = i.checked_sub(1).and_then(|j| ctx.parents.get(j)) else {
        return false;
    };
    loading::calls_in(ctx, &t.body).into_iter().any(|c| {
        matches!(
            r.callee(&c.func).as_str(),
            "torch.load" | "torch.serialization.load"
        ) && arg(c, "weights_only", None).and_then(|w| bool_value(r, w)) == Some(true)
    })
}

fn yaml_load<'a>(r: &Resolver<'_, '_, 'a>, call: &'a ast::ExprCall, f: &str) -> Option<Issue> {
    let loader = arg(call, "Loader", Some(1))?;
    let name = r.callee(loader);
    let last = name.rsplit('.').next().unwrap_or("");
    let (severity, why) = match last {
        "Loader" | "UnsafeLoader" | "CLoader" | "CUnsafeLoader" => (
            High,
            "constructs arbitrary Python objects from YAML tags (!!python/object/apply)",
        ),
        "FullLoader" | "CFullLoader" => (
            Medium,
            "builds Python objects from YAML tags and was exploitable before PyYAML 5.4",
        ),
        _ => return None,
    };
    Some(Issue::new(
        severity,
        High,
        format!(
            "{f} with Loader={} {why}: a crafted file runs code; use yaml.safe_load.",
            quote(&name).trim_matches('\'')
        ),
    ))
}
