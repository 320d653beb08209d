use super::support::{self, Folder, UNKNOWN};
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{High, Low, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr};

rule! {
    /// TS111 dynamic_import.
    ///
    /// ## What it does
    /// Reports imports that an import scanner cannot see:
    /// - `__import__(x)`, `importlib.import_module(x)`, `importlib.__import__(x)` whose module
    ///   name is computed at runtime (Medium; Low when only a submodule of a named package
    ///   varies), or a literal that only folds after deobfuscation (`"so"[::-1]`, base64,
    ///   `chr()` joins, or a dangerous name split into pieces: High, the code hides which
    ///   module it loads); plain literal imports of dangerous modules (`__import__("os")`,
    ///   `subprocess`, `socket`, `ctypes`, `pty`, `builtins`, `marshal`, `pickle`, ...) are
    ///   Low; other plain literals stay quiet;
    /// - loading modules from files or archives: `imp.load_source`/`load_module`/
    ///   `load_compiled`, `importlib.util.spec_from_file_location`,
    ///   `importlib.machinery.SourceFileLoader`/`SourcelessFileLoader`, `runpy.run_path`/
    ///   `run_module`, `zipimport.zipimporter`, and pkgutil-style
    ///   `finder.find_module(name).load_module(name)` (Medium).
    ///
    /// ## Why is this bad?
    /// Loaders decide what runs from the import statements they can read: transformers'
    /// `check_imports` lists a remote module's imports, and reviewers read them too. A module
    /// chosen at runtime, loaded from a path, or named through an encoding escapes both
    /// (CWE-470: use of externally-controlled input to select classes or code).
    ///
    /// ## Example
    /// ```python
    /// mod = __import__("ssecorpbus"[::-1])
    /// spec = importlib.util.spec_from_file_location("payload", "/tmp/x.py")
    /// ```
    pub struct DynamicImport {
        id: "TS111",
        name: "dynamic_import",
        cwe: 470,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "__import__(\"ssecorpbus\"[::-1])",
    }
}

static NAMES: crate::rules::Names = crate::rules::Names::new(&[
    "__import__",
    "import_module",
    "load_source",
    "load_module",
    "load_compiled",
    "load_package",
    "spec_from_file_location",
    "SourceFileLoader",
    "SourcelessFileLoader",
    "run_path",
    "run_module",
    "zipimporter",
]);

/// Modules whose only purpose in model code is to run commands, reach the network,
/// load native code or unpickle.
const DANGEROUS: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "commands",
    "socket",
    "ctypes",
    "pty",
    "builtins",
    "__builtin__",
    "marshal",
    "pickle",
    "_pickle",
    "cPickle",
    "shutil",
    "urllib.request",
    "http.client",
    "requests",
];

impl Rule for DynamicImport {
    fn method_names(&self) -> Option<Vec<&'static str>> {
        Some(NAMES.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        check(ctx)
    }
}

fn check<'a>(ctx: &Ctx<'_, 'a>) -> Option<Issue> {
    let call = ctx.call()?;
    if !support::may_be(call, &NAMES) {
        return None;
    }
    let r = Resolver::new(ctx);
    let f = r.callee(&call.func);
    let args = &call.arguments;
    let folder = Folder::new(ctx, &r);
    let path_of = |e: Option<&'a Expr>| {
        e.and_then(|e| folder.text(e))
            .map(|p| format!(" {}", support::display(&p)))
            .unwrap_or_default()
    };
    let loader = |what: String| {
        Some(Issue::new(
            Medium,
            High,
            format!(
                "{what}: a module loaded this way is invisible to import scanners such as \
                     transformers' check_imports and to readers of the import list."
            ),
        ))
    };
    match f.as_str() {
        "__import__" | "importlib.import_module" | "importlib.__import__" => {
            name_import(&r, &folder, &f, call)
        }
        "imp.load_source" | "imp.load_module" | "imp.load_compiled" | "imp.load_package" => {
            loader(format!("{f} loads{}", path_of(args.args.get(1))))
        }
        "importlib.util.spec_from_file_location" => loader(format!(
            "{f} prepares a module from the file{}",
            path_of(args.find_argument_value("location", 1))
        )),
        "importlib.machinery.SourceFileLoader" | "importlib.machinery.SourcelessFileLoader" => {
            loader(format!(
                "{f} loads the file{}",
                path_of(args.find_argument_value("path", 1))
            ))
        }
        "runpy.run_path" => loader(format!(
            "{f} runs the file{}",
            path_of(args.find_argument_value("path_name", 0))
        )),
        "runpy.run_module" => {
            let name = args.find_argument_value("mod_name", 0);
            match name.and_then(|n| r.fold_str(n)) {
                Some(m) => Some(Issue::new(
                    Low,
                    High,
                    format!("{f} runs the module {m} as a script at model load."),
                )),
                None => loader(format!("{f} runs a module chosen at runtime")),
            }
        }
        "zipimport.zipimporter" => loader(format!(
            "{f} imports from the archive{}",
            path_of(args.args.first())
        )),
        _ => {
            // `finder.find_module(name).load_module(name)` (pkgutil.iter_modules).
            let Expr::Attribute(a) = &*call.func else {
                return None;
            };
            let Expr::Call(inner) = &*a.value else {
                return None;
            };
            let finds =
                matches!(&*inner.func, Expr::Attribute(i) if i.attr.as_str() == "find_module");
            if a.attr.as_str() == "load_module" && finds {
                return loader(
                    "find_module(...).load_module(...) loads a module found at runtime".into(),
                );
            }
            None
        }
    }
}

/// `__import__(name)` and `importlib.import_module(name)`.
fn name_import<'a>(
    r: &Resolver<'_, '_, 'a>,
    folder: &Folder<'_, '_, '_, 'a>,
    f: &str,
    call: &'a ast::ExprCall,
) -> Option<Issue> {
    let arg = call.arguments.find_argument_value("name", 0)?;
    if let Expr::StringLiteral(s) = arg {
        return dangerous_literal(f, s.value.to_str());
    }
    match r.fold_str(arg) {
        Some(name) => {
            if let Some(source) = r.decoded_source(arg) {
                return Some(Issue::new(
                    High,
                    High,
                    format!(
                        "{f} imports {name:?}, a name produced by {source}: the code hides \
                         which module it loads from readers and import scanners."
                    ),
                ));
            }
            if is_dangerous(&name) && split_literal(arg) {
                return Some(Issue::new(
                    High,
                    High,
                    format!(
                        "{f} imports {name:?} from a name split into pieces: the code hides \
                         which module it loads from readers and import scanners."
                    ),
                ));
            }
            // A name bound to a literal, or literals joined in the open.
            dangerous_literal(f, &name)
        }
        None => {
            let partial = folder.text(arg);
            let relative = partial.as_deref().is_some_and(|p| p.starts_with('.'))
                && call.arguments.find_argument_value("package", 1).is_some();
            match partial {
                Some(p) if (!p.starts_with(UNKNOWN) && p.contains(UNKNOWN)) || relative => {
                    Some(Issue::new(
                        Low,
                        High,
                        format!(
                            "{f} imports `{}`, a module chosen at runtime: what loads depends \
                             on data, not on the import list.",
                            support::display(&p)
                        ),
                    ))
                }
                _ => Some(Issue::new(
                    Medium,
                    High,
                    format!(
                        "{f} imports a module whose name is computed at runtime: import \
                         scanners such as transformers' check_imports cannot see what loads."
                    ),
                )),
            }
        }
    }
}

fn is_dangerous(name: &str) -> bool {
    DANGEROUS.contains(&name)
}

fn dangerous_literal(f: &str, name: &str) -> Option<Issue> {
    is_dangerous(name).then(|| {
        Issue::new(
            Low,
            High,
            format!(
                "{f}({name:?}) imports {name} inline instead of with an import statement, \
                 which hides it from import scanners such as transformers' check_imports."
            ),
        )
    })
}

/// A concatenation or join of literals (`"o" + "s"`).
fn split_literal(e: &Expr) -> bool {
    match e {
        Expr::BinOp(b) => b.op == ast::Operator::Add,
        Expr::Call(c) => matches!(&*c.func, Expr::Attribute(a) if a.attr.as_str() == "join"),
        _ => false,
    }
}
