use super::loading::{self, arg, quote};
use super::preview;
use super::support::{Folder, Place, UNKNOWN, place};
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{self, High, Low, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr};

rule! {
    /// TS102 native_code_loading.
    ///
    /// ## What it does
    /// Reports native code loaded into the process: `ctypes.CDLL`/`PyDLL`/`WinDLL`/`OleDLL`,
    /// `ctypes.cdll`/`windll`/`pydll`/`oledll.LoadLibrary`, `_ctypes.dlopen`, cffi's
    /// `FFI().dlopen` (and `verify`, which compiles C source), `imp.load_dynamic`,
    /// `importlib.machinery.ExtensionFileLoader`, `numpy.ctypeslib.load_library`,
    /// `torch.ops.load_library`, `torch.classes.load_library`, and
    /// `torch.utils.cpp_extension.load`/`load_inline`, which compile C++/CUDA source and load
    /// the result. `ctypes.util.find_library` only looks a name up and is not reported.
    ///
    /// The path decides the grade: a library shipped in the repository (a relative path, a
    /// path built from `__file__`, a literal library file name), a file the same function
    /// wrote, or decoded or downloaded data is High; well-known system libraries (libc,
    /// CUDA, kernel32, ...) and `find_library` results are Low; anything else Medium.
    ///
    /// ## Why is this bad?
    /// Native code runs with the user's privileges outside Python: none of the Python rules,
    /// and no reviewer reading the `.py` files, see what it does (CWE-114, process control).
    /// A binary shipped next to model code, or written to disk just before loading, is the
    /// usual way to hide a payload from source review.
    ///
    /// ## Example
    /// ```python
    /// lib = ctypes.CDLL(os.path.join(os.path.dirname(__file__), "libkernels.so"))
    /// ```
    pub struct NativeCodeLoading {
        id: "TS102",
        name: "native_code_loading",
        cwe: 114,
        severity: High,
        confidence: Medium,
        kinds: [Call],
        example: "ctypes.CDLL(os.path.join(os.path.dirname(__file__), \"libkernels.so\"))",
    }
}

static LAST: crate::rules::Names = crate::rules::Names::new(&[
    "CDLL",
    "PyDLL",
    "WinDLL",
    "OleDLL",
    "LoadLibrary",
    "dlopen",
    "verify",
    "load_dynamic",
    "ExtensionFileLoader",
    "load_library",
    "load",
    "load_inline",
]);

/// How a loader takes its path.
#[derive(Clone, Copy)]
enum Loader {
    /// A library path (keyword, position).
    Path(&'static str, usize),
    /// C/C++/CUDA source compiled and loaded.
    Compile,
}

fn loader(f: &str, star_ctypes: bool) -> Option<Loader> {
    let f = if star_ctypes && !f.contains('.') {
        // `from ctypes import *`.
        match f {
            "CDLL" | "PyDLL" | "WinDLL" | "OleDLL" => return Some(Loader::Path("name", 0)),
            _ => f,
        }
    } else {
        f
    };
    Some(match f {
        "ctypes.CDLL" | "ctypes.PyDLL" | "ctypes.WinDLL" | "ctypes.OleDLL" => {
            Loader::Path("name", 0)
        }
        "ctypes.cdll.LoadLibrary"
        | "ctypes.windll.LoadLibrary"
        | "ctypes.pydll.LoadLibrary"
        | "ctypes.oledll.LoadLibrary"
        | "ctypes.LibraryLoader().LoadLibrary"
        | "ctypes.LoadLibrary" => Loader::Path("name", 0),
        "_ctypes.dlopen" | "_ctypes.LoadLibrary" => Loader::Path("name", 0),
        "cffi.FFI().dlopen" => Loader::Path("name", 0),
        "cffi.FFI().verify" => Loader::Compile,
        "imp.load_dynamic" => Loader::Path("path", 1),
        "importlib.machinery.ExtensionFileLoader" => Loader::Path("path", 1),
        "numpy.ctypeslib.load_library" => Loader::Path("libname", 0),
        "torch.ops.load_library" | "torch.classes.load_library" => Loader::Path("path", 0),
        "torch.utils.cpp_extension.load" | "torch.utils.cpp_extension.load_inline" => {
            Loader::Compile
        }
        _ => return None,
    })
}

impl Rule for NativeCodeLoading {
    fn method_names(&self) -> Option<Vec<&'static str>> {
        Some(crate::rules::last_parts(
            LAST.last_parts().into_iter().chain(["dlopen"]),
        ))
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let r = Resolver::new(ctx);
        let mut f = loading::callee_if(&r, call, &LAST);
        // `ffi.dlopen(...)` where `ffi` is not resolvable (an attribute, a parameter).
        if let Expr::Attribute(a) = &*call.func
            && a.attr.as_str() == "dlopen"
            && !f.starts_with("cffi.")
            && !f.starts_with("_ctypes.")
            && ctx
                .source(ast::Ranged::range(&*a.value))
                .to_ascii_lowercase()
                .ends_with("ffi")
        {
            f = "cffi.FFI().dlopen".to_string();
        }
        if f.is_empty() {
            return None;
        }
        let star = ctx.file.imports.contains("ctypes.*");
        match loader(&f, star)? {
            Loader::Path(k, p) => {
                let path = arg(call, k, Some(p))?;
                library(ctx, &r, call, &f, path)
            }
            Loader::Compile => compile(ctx, &r, call, &f),
        }
    }
}

/// Well-known system libraries (after dropping `lib`, the extension and version digits).
const SYSTEM: &[&str] = &[
    "c",
    "m",
    "dl",
    "pthread",
    "rt",
    "util",
    "stdc++",
    "gcc_s",
    "gomp",
    "iomp",
    "omp",
    "cuda",
    "cudart",
    "nvrtc",
    "cublas",
    "cublaslt",
    "cudnn",
    "nccl",
    "nvidia-ml",
    "nvml",
    "nvtoolsext",
    "cufft",
    "curand",
    "cusparse",
    "cusolver",
    "nvcuda",
    "amdhip",
    "hiprtc",
    "rocm_smi",
    "mkl_rt",
    "jemalloc",
    "tcmalloc",
    "numa",
    "z",
    "ssl",
    "crypto",
    "x11",
    "gl",
    "egl",
    "opencl",
    "system",
    "objc",
    "kernel32",
    "user32",
    "ntdll",
    "msvcrt",
    "ucrtbase",
    "advapi32",
    "shell32",
    "ole32",
    "psapi",
    "winmm",
    "python",
    "c++",
    "asan",
    "tbb",
];

fn system_library(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let base = lower.strip_prefix("lib").unwrap_or(&lower);
    let base = base.split('.').next().unwrap_or(base);
    let base = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_' || c == '-');
    SYSTEM.contains(&base)
}

fn is_library_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".dll")
        || lower.ends_with(".dylib")
        || lower.ends_with(".pyd")
        || lower.ends_with(".so")
        || lower.contains(".so.")
}

fn library<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    f: &str,
    path: &'a Expr,
) -> Option<Issue> {
    if matches!(path, Expr::NoneLiteral(_)) {
        // `CDLL(None)`: the running program's own symbols.
        return None;
    }
    let (severity, confidence, origin): (Level, Level, String) =
        if let Some(src) = r.decoded_source(path) {
            (High, High, format!("its path or bytes come from {src}"))
        } else if let Some(how) = written_here(ctx, r, call, path) {
            (
                High,
                High,
                format!("the same function wrote that file ({how}) just before"),
            )
        } else if is_find_library(r, path) {
            (
                Low,
                Medium,
                "a system library found by ctypes.util.find_library".into(),
            )
        } else {
            match Folder::new(ctx, r).text(path) {
                Some(p) => classify(&p),
                None => (Medium, Low, "a path computed at run time".into()),
            }
        };
    let shown = Folder::new(ctx, r)
        .text(path)
        .map(|p| quote(&p))
        .unwrap_or_else(|| format!("`{}`", preview(ctx.source(ast::Ranged::range(path)), 60)));
    Some(Issue::new(
        severity,
        confidence,
        format!(
            "{f} loads the native library {shown} ({origin}): its machine code runs with the \
             user's privileges, outside Python and outside this scan."
        ),
    ))
}

/// Grade a folded library path by where it points.
fn classify(p: &str) -> (Level, Level, String) {
    let base = p.rsplit(['/', '\\']).next().unwrap_or(p);
    let known = !p.contains(UNKNOWN);
    match place(p) {
        Place::Own => (
            High,
            Medium,
            "a binary shipped in the repository, next to this module".into(),
        ),
        Place::Relative if known && (p.contains('/') || p.contains('\\')) => (
            High,
            Medium,
            "a binary shipped in the repository (relative path)".into(),
        ),
        Place::Relative | Place::Absolute if known && system_library(base) => {
            (Low, Medium, "a well-known system library".into())
        }
        Place::Relative if known && is_library_file(p) => (
            High,
            Medium,
            "a library file named in the code, likely shipped with the repository".into(),
        ),
        Place::Temp => (
            High,
            Medium,
            "a file in a temporary directory, written at run time".into(),
        ),
        Place::Home => (Medium, Medium, "a file in the user's home directory".into()),
        Place::PythonEnv | Place::Package => {
            (Low, Medium, "a library inside an installed package".into())
        }
        _ => (Medium, Medium, "a library outside the repository".into()),
    }
}

fn is_find_library<'a>(r: &Resolver<'_, '_, 'a>, e: &'a Expr) -> bool {
    match e {
        Expr::Call(c) => r.callee(&c.func) == "ctypes.util.find_library",
        Expr::Name(n) => r
            .single(n.id.as_str())
            .is_some_and(|v| !matches!(v, Expr::Name(_)) && is_find_library(r, v)),
        _ => false,
    }
}

/// Whether the function that loads `path` also writes it: `open(path, "wb")`,
/// `shutil.copy(src, path)`, `urlretrieve(url, path)`, `Path(path).write_bytes(...)`, or
/// a `tempfile.NamedTemporaryFile` whose `.name` is loaded.
fn written_here<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    load: &'a ast::ExprCall,
    path: &'a Expr,
) -> Option<String> {
    // `tmp.name` of a temporary file.
    if let Expr::Attribute(a) = path
        && a.attr.as_str() == "name"
        && let Expr::Name(n) = &*a.value
        && let Some(Expr::Call(c)) = r.single(n.id.as_str())
    {
        let maker = r.callee(&c.func);
        if maker.starts_with("tempfile.") {
            return Some(maker);
        }
    }
    let candidates: Vec<&Expr> = std::iter::once(path)
        .chain(match path {
            Expr::Name(n) => r.single(n.id.as_str()),
            _ => None,
        })
        .collect();
    let same = |e: &Expr| candidates.iter().any(|c| loading::same_text(ctx, c, e));
    for c in loading::calls_in(ctx, loading::scope_body(ctx)) {
        if std::ptr::eq(c, load) {
            break;
        }
        let name = r.callee(&c.func);
        let written: Option<&Expr> = match name.as_str() {
            "open" | "io.open" | "os.open" => {
                let mode = arg(c, "mode", Some(1)).and_then(|m| r.fold_str(m));
                let writes = mode.as_deref().is_some_and(|m| {
                    m.contains('w') || m.contains('a') || m.contains('x') || m.contains('+')
                }) || name == "os.open";
                if writes {
                    arg(c, "file", Some(0))
                } else {
                    None
                }
            }
            "shutil.copy" | "shutil.copy2" | "shutil.copyfile" | "shutil.move" | "os.rename"
            | "os.replace" | "os.link" | "os.symlink" => arg(c, "dst", Some(1)),
            "urllib.request.urlretrieve"
            | "urllib.urlretrieve"
            | "torch.hub.download_url_to_file" => {
                arg(c, "filename", Some(1)).or_else(|| arg(c, "dst", None))
            }
            "wget.download" => arg(c, "out", Some(1)),
            _ => match &*c.func {
                Expr::Attribute(a) if matches!(a.attr.as_str(), "write_bytes" | "write_text") => {
                    match &*a.value {
                        Expr::Call(inner) if r.callee(&inner.func).starts_with("pathlib.") => {
                            inner.arguments.args.first()
                        }
                        other => Some(other),
                    }
                }
                _ => None,
            },
        };
        if let Some(w) = written
            && same(w)
        {
            let line = ctx.file.line(ast::Ranged::range(c).start());
            return Some(format!("{name} at line {line}"));
        }
    }
    None
}

fn compile<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    call: &'a ast::ExprCall,
    f: &str,
) -> Option<Issue> {
    let name = arg(call, "name", Some(0))
        .and_then(|n| r.fold_str(n))
        .map(|n| format!(" {}", quote(&n)))
        .unwrap_or_default();
    let message = if f.ends_with("load_inline") || f.ends_with(".verify") {
        let source = ["cpp_sources", "cuda_sources", "source"]
            .iter()
            .enumerate()
            .find_map(|(i, k)| {
                let pos = if f.ends_with(".verify") { 0 } else { i + 1 };
                arg(call, k, Some(pos))
            });
        let shown = source
            .and_then(|s| Folder::new(ctx, r).text(s))
            .map(|s| format!(" (source begins: {})", preview(&s, 80)))
            .unwrap_or_default();
        format!(
            "{f} compiles C/C++/CUDA source given as strings{name}{shown} with the system \
             compiler and loads the result into the process: native code this scan does \
             not analyse runs with the user's privileges."
        )
    } else {
        let sources = arg(call, "sources", Some(1))
            .and_then(|s| Folder::new(ctx, r).text(s))
            .map(|s| format!(" from {}", quote(&s)))
            .unwrap_or_default();
        format!(
            "{f} compiles the extension{name}{sources} with the system compiler and loads it \
             into the process: native code this scan does not analyse runs with the user's \
             privileges (and the build itself runs tools at load time)."
        )
    };
    Some(Issue::new(High, High, message))
}
