use super::support::{self, Folder};
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, Node};
use trustscan_core::Level::{self, High, Low, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr, Stmt};

rule! {
    /// TS110 runtime_tampering.
    ///
    /// ## What it does
    /// Reports code that changes the interpreter or other libraries for the whole process:
    /// - assignments, `setattr` and `del` on `sys.modules[...]`, `sys.meta_path`,
    ///   `sys.path_hooks` (and `insert`/`append`/`extend` on them), the builtins namespace
    ///   (`builtins.open = ...`, `__builtins__["__import__"] = ...`), `sys.excepthook` and
    ///   friends, and `sys.settrace`/`sys.setprofile` hooks;
    /// - `ssl._create_default_https_context = ssl._create_unverified_context` and any other
    ///   change to `ssl` (High: TLS verification off for every connection);
    /// - monkeypatching attributes of imported modules (`torch.load = ...`,
    ///   `transformers.dynamic_module_utils.check_imports = ...`); High for security-relevant
    ///   targets (deserialization, remote-code checks, safetensors, the Hub client, HTTP and TLS,
    ///   `os`, `subprocess`, `importlib`), Medium for other libraries;
    /// - setting security-relevant environment variables (`os.environ[...] = `,
    ///   `os.environ.update`, `setdefault`, `os.putenv`): `LD_PRELOAD`, `PYTHONPATH`,
    ///   `HF_ENDPOINT`, CA bundles, proxies, `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` are High;
    ///   cache and hub settings Medium; tuning variables (`CUDA_VISIBLE_DEVICES`,
    ///   `OMP_NUM_THREADS`, ...) stay quiet;
    /// - `sys.path.insert/append` of a path not built from `__file__` (Low).
    ///
    /// Configuration flags (`torch.backends.*`, `torch._dynamo.config`), logging and warnings
    /// setup, `sys.stdout` redirection, `sys.modules[__name__] = ...` and the repository's own
    /// modules (relative imports) stay quiet.
    ///
    /// ## Why is this bad?
    /// A model's code runs inside the user's process. Replacing `torch.load`, `pickle`,
    /// `check_imports` or the builtins changes what every later load does, silently disables
    /// the safety checks other tools rely on, and survives the model (CWE-913: improper control
    /// of dynamically-managed code resources).
    ///
    /// ## Example
    /// ```python
    /// ssl._create_default_https_context = ssl._create_unverified_context
    /// transformers.dynamic_module_utils.check_imports = lambda filename: []
    /// ```
    pub struct RuntimeTampering {
        id: "TS110",
        name: "runtime_tampering",
        cwe: 913,
        severity: High,
        confidence: High,
        kinds: [Assign, Call, Subscript],
        example: "ssl._create_default_https_context = ssl._create_unverified_context",
    }
}

const BUILTINS: &[&str] = &["builtins", "__builtins__", "__builtin__"];

static CALL_NAMES: crate::rules::Names = crate::rules::Names::new(&[
    "setattr",
    "insert",
    "append",
    "extend",
    "update",
    "setdefault",
    "putenv",
    "__setitem__",
    "settrace",
    "setprofile",
]);

impl Rule for RuntimeTampering {
    fn method_names(&self) -> Option<Vec<&'static str>> {
        Some(CALL_NAMES.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        match ctx.node {
            Node::Stmt(Stmt::Assign(a)) => {
                let r = Resolver::new(ctx);
                a.targets
                    .iter()
                    .find_map(|t| assignment(ctx, &r, t, Some(&a.value)))
            }
            Node::Stmt(Stmt::AugAssign(a)) => {
                let r = Resolver::new(ctx);
                assignment(ctx, &r, &a.target, Some(&a.value))
            }
            Node::Stmt(Stmt::AnnAssign(a)) if a.value.is_some() => {
                let r = Resolver::new(ctx);
                assignment(ctx, &r, &a.target, a.value.as_deref())
            }
            Node::Expr(Expr::Call(c)) => call(ctx, c),
            Node::Expr(Expr::Subscript(s)) if s.ctx == ast::ExprContext::Del => deletion(ctx, s),
            _ => None,
        }
    }
}

fn issue(level: Level, message: String) -> Option<Issue> {
    Some(Issue::new(level, High, message))
}

/// `target = value` where the target is shared process state.
fn assignment<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    target: &'a Expr,
    value: Option<&'a Expr>,
) -> Option<Issue> {
    match target {
        Expr::Attribute(a) => {
            // Cheap test first: only attributes of names and attribute chains.
            if !matches!(
                &*a.value,
                Expr::Name(_) | Expr::Attribute(_) | Expr::Call(_)
            ) {
                return None;
            }
            let attr = a.attr.as_str();
            let base = r.callee(&a.value);
            if BUILTINS.contains(&base.as_str()) {
                return builtin_patch(attr, "assigned");
            }
            let module = support::module_of(ctx, r, &a.value)?;
            patch(&module, attr, value.map(|v| r.callee(v)), "assigned")
        }
        Expr::Subscript(s) => {
            let base = r.callee(&s.value);
            let key = r.fold_str(&s.slice);
            match base.as_str() {
                "os.environ" | "os.environb" => {
                    let key = key?;
                    env_change(&key, &format!("os.environ[{key:?}] = ..."))
                }
                "sys.modules" => modules_entry(&s.slice, key, "replaced"),
                b if BUILTINS.contains(&b) => builtin_patch(&key?, "assigned"),
                _ => {
                    // `torch.__dict__["load"] = ...`
                    let Expr::Attribute(d) = &*s.value else {
                        return None;
                    };
                    if d.attr.as_str() != "__dict__" {
                        return None;
                    }
                    let module = support::module_of(ctx, r, &d.value)?;
                    patch(&module, &key?, None, "assigned")
                }
            }
        }
        _ => None,
    }
}

/// `sys.modules[key]`: replacing an importable module by name.
fn modules_entry(slice: &Expr, key: Option<String>, verb: &str) -> Option<Issue> {
    // `sys.modules[__name__] = ...` (a module replacing itself, e.g. lazy modules) and
    // computed names (the `module_from_spec` recipe, reported by TS111) stay quiet.
    if matches!(slice, Expr::Name(n) if n.id.as_str() == "__name__") {
        return None;
    }
    let key = key?;
    let level = if security_relevant(&key) {
        High
    } else {
        Medium
    };
    issue(
        level,
        format!(
            "sys.modules[{key:?}] {verb}: every later `import {key}` in the process gets \
             this object instead of the real module."
        ),
    )
}

/// `builtins.<name> = ...`.
fn builtin_patch(name: &str, verb: &str) -> Option<Issue> {
    let level = match name {
        "__import__" | "open" | "exec" | "eval" | "compile" | "getattr" | "setattr" | "input"
        | "__build_class__" => High,
        "print" => Low,
        _ => Medium,
    };
    issue(
        level,
        format!(
            "builtins.{name} {verb}: replaces the built-in `{name}` for all code in the \
             process, including every library loaded after the model."
        ),
    )
}

/// `module.attr = value` for an imported module.
fn patch(module: &str, attr: &str, value: Option<String>, verb: &str) -> Option<Issue> {
    let full = format!("{module}.{attr}");
    if full == "ssl._create_default_https_context" || module == "ssl" {
        let unverified = value.is_some_and(|v| v.ends_with("_create_unverified_context"));
        return issue(
            High,
            format!(
                "{full} {verb}{}: TLS certificate checks change for every HTTPS connection \
                 in the process, so downloads of models and code can be intercepted.",
                if unverified {
                    " to ssl._create_unverified_context"
                } else {
                    ""
                }
            ),
        );
    }
    if module == "sys" {
        return sys_attribute(attr, verb);
    }
    // Moving the library's own functions around: keeping the original
    // (`X._load_origin = X.load`), restoring it (`torch.load = original`), or propagating a
    // replacement already reported (`huggingface_hub.f = hf_api.f`).
    let root = |n: &str| n.split('.').next().unwrap_or("").to_string();
    if value
        .as_deref()
        .is_some_and(|v| !v.is_empty() && root(v) == root(module))
    {
        return None;
    }
    if quiet_patch(module, attr) {
        return None;
    }
    // Data attributes of `os` (`os.sep`, `os.name`) change behaviour, not security checks.
    let os_constant = module == "os"
        && matches!(
            attr,
            "name"
                | "sep"
                | "altsep"
                | "pathsep"
                | "linesep"
                | "extsep"
                | "curdir"
                | "pardir"
                | "devnull"
                | "defpath"
        );
    let level = if security_relevant(&full) && !os_constant {
        High
    } else {
        Medium
    };
    issue(
        level,
        format!(
            "{full} {verb} (monkeypatching an imported library): every later caller in the \
             process, including other models and tools, gets the replacement."
        ),
    )
}

fn sys_attribute(attr: &str, verb: &str) -> Option<Issue> {
    let (level, why) = match attr {
        "meta_path" | "path_hooks" | "path_importer_cache" => {
            (High, "import hooks decide what every later import loads")
        }
        "modules" => (High, "replaces the table of loaded modules"),
        "excepthook" | "unraisablehook" | "displayhook" | "breakpointhook" | "audit" => (
            Medium,
            "a process-wide hook runs code on events in any later code",
        ),
        "path" => (Low, "changes where every later import looks for modules"),
        _ => return None,
    };
    issue(level, format!("sys.{attr} {verb}: {why}."))
}

/// Settings and logging that libraries expect callers to change.
fn quiet_patch(module: &str, attr: &str) -> bool {
    let full = format!("{module}.{attr}");
    let segments: Vec<&str> = full.split('.').collect();
    segments.contains(&"config")
        || segments.contains(&"backends")
        || segments.contains(&"logging")
        || segments.contains(&"warnings")
        || segments.first() == Some(&"logging")
        || segments.first() == Some(&"warnings")
        || attr.starts_with("__") && attr != "__init__" && attr != "__call__"
        || attr
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
            && !security_relevant(&full)
}

/// Modules and functions whose replacement defeats a security check or redirects data.
fn security_relevant(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "torch.load",
        "torch.serialization",
        "torch.hub",
        "torch.jit.load",
        "torch.package",
        "torch._weights_only_unpickler",
        "torch.utils.model_zoo",
        "pickle",
        "_pickle",
        "cPickle",
        "copyreg",
        "dill",
        "cloudpickle",
        "joblib",
        "numpy.load",
        "numpy.lib.format",
        "transformers.dynamic_module_utils",
        "transformers.utils.hub",
        "transformers.utils.import_utils",
        "transformers.modeling_utils.load_state_dict",
        "safetensors",
        "huggingface_hub",
        "requests",
        "urllib3",
        "urllib.request",
        "http.client",
        "httpx",
        "ssl",
        "socket",
        "certifi",
        "os",
        "subprocess",
        "shutil",
        "builtins",
        "importlib",
        "zipimport",
        "marshal",
        "ctypes",
        "pip",
    ];
    const WORDS: &[&str] = &[
        "check_imports",
        "trust_remote_code",
        "weights_only",
        "check_torch_load",
        "is_safe",
        "verify",
        "from_pretrained",
    ];
    PREFIXES
        .iter()
        .any(|p| name == *p || name.starts_with(&format!("{p}.")))
        || WORDS.iter().any(|w| name.contains(w))
}

fn call<'a>(ctx: &Ctx<'_, 'a>, c: &'a ast::ExprCall) -> Option<Issue> {
    if !support::may_be(c, &CALL_NAMES) {
        return None;
    }
    let r = Resolver::new(ctx);
    let f = r.callee(&c.func);
    let args = &c.arguments.args;
    match f.as_str() {
        "setattr" => {
            let (obj, name) = (args.first()?, args.get(1)?);
            let attr = r.fold_str(name)?;
            let base = r.callee(obj);
            if BUILTINS.contains(&base.as_str()) {
                return builtin_patch(&attr, "replaced with setattr");
            }
            let module = support::module_of(ctx, &r, obj)?;
            patch(
                &module,
                &attr,
                args.get(2).map(|v| r.callee(v)),
                "replaced with setattr",
            )
        }
        "sys.meta_path.insert"
        | "sys.meta_path.append"
        | "sys.meta_path.extend"
        | "sys.path_hooks.insert"
        | "sys.path_hooks.append"
        | "sys.path_hooks.extend" => issue(
            High,
            format!(
                "{f} installs an import hook: it decides what every later import in the \
                 process loads, including other models' code."
            ),
        ),
        "sys.path.insert" | "sys.path.append" | "sys.path.extend" => {
            let path = if f.ends_with("insert") {
                args.get(1)
            } else {
                args.first()
            }?;
            if support::mentions_own_file(ctx, path) {
                return None;
            }
            let folder = Folder::new(ctx, &r);
            let shown = match folder.text(path) {
                Some(p) if p.starts_with(support::HERE) => return None,
                Some(p) => format!(" {}", support::display(&p)),
                None => String::new(),
            };
            issue(
                Low,
                format!(
                    "{f} adds{shown} to the import path: later imports anywhere in the \
                     process may load modules from outside the model repository."
                ),
            )
        }
        "sys.settrace"
        | "sys.setprofile"
        | "threading.settrace"
        | "threading.setprofile"
        | "threading.settrace_all_threads"
        | "threading.setprofile_all_threads" => {
            if matches!(args.first(), Some(Expr::NoneLiteral(_))) {
                return None;
            }
            issue(
                Medium,
                format!(
                    "{f} installs a tracing hook: it sees (and can change) every frame of \
                     every later call in the process."
                ),
            )
        }
        "os.putenv" | "os.environ.setdefault" | "os.environ.__setitem__" => {
            let key = r.fold_str(args.first()?)?;
            env_change(&key, &format!("{f}({key:?}, ...)"))
        }
        "os.environ.update" => {
            let mut keys: Vec<String> = Vec::new();
            if let Some(Expr::Dict(d)) = args.first() {
                keys.extend(
                    d.items
                        .iter()
                        .filter_map(|i| i.key.as_ref().and_then(|k| r.fold_str(k))),
                );
            }
            keys.extend(
                c.arguments
                    .keywords
                    .iter()
                    .filter_map(|k| k.arg.as_ref().map(|a| a.to_string())),
            );
            keys.iter()
                .filter_map(|k| env_change(k, &format!("os.environ.update({k}=...)")))
                .max_by_key(|i| i.severity)
        }
        _ => None,
    }
}

/// `del sys.modules[...]`, `del __builtins__[...]`.
fn deletion<'a>(ctx: &Ctx<'_, 'a>, s: &'a ast::ExprSubscript) -> Option<Issue> {
    if !matches!(&*s.value, Expr::Name(_) | Expr::Attribute(_)) {
        return None;
    }
    let r = Resolver::new(ctx);
    let base = r.callee(&s.value);
    if base == "sys.modules" {
        let key = r.fold_str(&s.slice)?;
        if !security_relevant(&key) {
            return None;
        }
        return issue(
            Low,
            format!(
                "del sys.modules[{key:?}] forces the next `import {key}` to load it again, \
                 the usual companion of replacing it."
            ),
        );
    }
    if BUILTINS.contains(&base.as_str()) {
        let key = r.fold_str(&s.slice)?;
        return builtin_patch(&key, "deleted");
    }
    None
}

/// Setting an environment variable that changes how later code loads, verifies or
/// connects.
fn env_change(name: &str, how: &str) -> Option<Issue> {
    let upper = name.to_ascii_uppercase();
    let high: Option<&str> = match upper.as_str() {
        "LD_PRELOAD"
        | "LD_LIBRARY_PATH"
        | "LD_AUDIT"
        | "DYLD_INSERT_LIBRARIES"
        | "DYLD_LIBRARY_PATH" => {
            Some("which native libraries are injected into every child process")
        }
        "PYTHONPATH" | "PYTHONSTARTUP" | "PYTHONHOME" | "PYTHONUSERBASE" | "PYTHONINSPECT"
        | "BASH_ENV" | "ENV" | "PROMPT_COMMAND" | "NODE_OPTIONS" | "PERL5OPT" | "RUBYOPT"
        | "GIT_SSH_COMMAND" | "GIT_ASKPASS" | "SSH_ASKPASS" => {
            Some("what code child processes and later interpreters run at startup")
        }
        "HF_ENDPOINT" | "HF_INFERENCE_ENDPOINT" | "MODELSCOPE_DOMAIN" => {
            Some("which server every later Hub download comes from")
        }
        "REQUESTS_CA_BUNDLE" | "CURL_CA_BUNDLE" | "SSL_CERT_FILE" | "SSL_CERT_DIR"
        | "PYTHONHTTPSVERIFY" => Some("how later connections verify TLS certificates"),
        "HTTP_PROXY" | "HTTPS_PROXY" | "ALL_PROXY" => {
            Some("which proxy, able to read and change them, later connections go through")
        }
        "PIP_INDEX_URL"
        | "PIP_EXTRA_INDEX_URL"
        | "PIP_TRUSTED_HOST"
        | "PIP_CONFIG_FILE"
        | "UV_INDEX_URL"
        | "UV_EXTRA_INDEX_URL" => Some("which index later package installs come from"),
        "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD" | "TORCH_FORCE_WEIGHTS_ONLY_LOAD" => {
            Some("torch.load's weights_only protection against pickle payloads")
        }
        _ if upper.contains("TRUST_REMOTE_CODE") => {
            Some("whether later loads run repositories' code")
        }
        _ => None,
    };
    if let Some(why) = high {
        return issue(
            High,
            format!(
                "{how} sets {name}, which controls {why}, for the whole process and its \
                 children."
            ),
        );
    }
    const QUIET: &[&str] = &[
        "HF_HUB_DISABLE_PROGRESS_BARS",
        "HF_HUB_DISABLE_TELEMETRY",
        "HF_HUB_ENABLE_HF_TRANSFER",
        "HF_HUB_VERBOSITY",
        "HF_HUB_DISABLE_SYMLINKS_WARNING",
        "HF_HUB_DISABLE_EXPERIMENTAL_WARNING",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN",
        "HF_HUB_DOWNLOAD_TIMEOUT",
        "HF_HUB_ETAG_TIMEOUT",
        "TRANSFORMERS_VERBOSITY",
        "TRANSFORMERS_NO_ADVISORY_WARNINGS",
    ];
    if QUIET.contains(&upper.as_str()) {
        return None;
    }
    let why = match upper.as_str() {
        "PATH" => "which programs later commands run",
        "NO_PROXY" => "which hosts later connections reach without the proxy",
        "HOME" | "XDG_CACHE_HOME" | "XDG_CONFIG_HOME" | "XDG_DATA_HOME" => {
            "where later code looks for the user's files and configuration"
        }
        "HF_TOKEN" | "HUGGING_FACE_HUB_TOKEN" => "which Hub account later requests act as",
        "HF_HOME"
        | "HF_HUB_CACHE"
        | "HUGGINGFACE_HUB_CACHE"
        | "HF_MODULES_CACHE"
        | "TORCH_HOME"
        | "TORCH_HUB"
        | "TORCH_EXTENSIONS_DIR"
        | "MODELSCOPE_CACHE" => "where later loads find cached models and code",
        u if u.starts_with("HF_HUB_")
            || u.starts_with("TRANSFORMERS_")
            || u.starts_with("HF_DATASETS_") =>
        {
            "how later Hub and library loads behave"
        }
        _ => return None,
    };
    issue(
        Medium,
        format!("{how} sets {name}, which controls {why}, for the whole process and its children."),
    )
}
