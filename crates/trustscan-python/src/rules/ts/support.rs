//! Helpers shared by TS107–TS112: partial folding of command strings and file paths
//! (with markers for the places a path is rooted in: the home directory, the Python
//! installation, another installed package, the model's own directory), whether an
//! expression names an imported module, and what counts as code-like text.
//!
//! Folding only reads literals; nothing is evaluated.

use crate::resolve::Resolver;
use crate::walk::{Ctx, Node};
use trustscan_pyparse::syntax::{self as ast, Expr, Stmt};

/// Path markers: what a folded path starts with when it is not a plain literal.
pub const HOME: &str = "<home>";
pub const SITE: &str = "<site-packages>";
pub const PREFIX: &str = "<python-prefix>";
pub const HERE: &str = "<here>";
pub const TEMP: &str = "<tmp>";
/// Another installed package's directory: `<pkg:torch>`.
pub const PKG: &str = "<pkg:";
/// A part of a string that could not be folded.
pub const UNKNOWN: &str = "…";

const MAX_DEPTH: u32 = 16;

/// Where a folded path points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Under the user's home directory.
    Home,
    /// An absolute path outside the temporary directories.
    Absolute,
    /// The Python installation (site-packages, `sys.prefix`).
    PythonEnv,
    /// Another installed package's files.
    Package,
    /// Temporary directories and devices (`/tmp`, `tempfile`, `/dev/null`).
    Temp,
    /// The model repository's own directory (built from `__file__`).
    Own,
    /// Relative to the working directory, or unknown.
    Relative,
}

pub fn place(path: &str) -> Place {
    let p = normalize(path);
    if p.starts_with(HOME) {
        Place::Home
    } else if p.starts_with(SITE) || p.starts_with(PREFIX) {
        Place::PythonEnv
    } else if p.starts_with(PKG) {
        Place::Package
    } else if p.starts_with(TEMP) {
        Place::Temp
    } else if p.starts_with(HERE) {
        Place::Own
    } else if p.starts_with('/') || is_drive(&p) {
        const TEMPS: &[&str] = &[
            "/tmp",
            "/var/tmp",
            "/dev/shm",
            "/dev/null",
            "/dev/stdout",
            "/dev/stderr",
            "/dev/fd",
            "/proc/self/fd",
        ];
        let lower = p.to_ascii_lowercase();
        if TEMPS
            .iter()
            .any(|t| lower == *t || lower.starts_with(&format!("{t}/")))
            || lower.contains("/appdata/local/temp")
        {
            Place::Temp
        } else {
            Place::Absolute
        }
    } else {
        Place::Relative
    }
}

/// Windows paths (`C:\Users\x`, `\\server\share`) with forward slashes; others as they are
/// (a backslash in a POSIX path is an ordinary character).
pub fn normalize(path: &str) -> String {
    let b = path.as_bytes();
    let windows = (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\')
        || path.starts_with("\\\\")
        || (path.starts_with('<') && path.contains('\\') && !path.contains('/'));
    if windows {
        path.replace('\\', "/")
    } else {
        path.to_string()
    }
}

fn is_drive(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

/// A folded path as a reader should see it (`~` for the home directory).
pub fn display(path: &str) -> String {
    let shown = path
        .replace(&format!("{PREFIX}/bin/python"), "python")
        .replace(HOME, "~");
    super::preview(&shown, 160)
}

/// A cheap test before resolving: whether a call could reach a function whose last name
/// is in `names` (attribute calls must end in one of them; other shapes may be aliases).
pub fn may_be(call: &ast::ExprCall, names: &crate::rules::Names) -> bool {
    match &*call.func {
        Expr::Attribute(a) => names.contains(a.attr.as_str()),
        _ => true,
    }
}

/// Folds strings and paths, keeping what it cannot fold as [`UNKNOWN`].
pub struct Folder<'r, 'c, 'w, 'a> {
    pub ctx: &'c Ctx<'w, 'a>,
    pub r: &'r Resolver<'c, 'w, 'a>,
}

impl<'r, 'c, 'w, 'a> Folder<'r, 'c, 'w, 'a> {
    pub fn new(ctx: &'c Ctx<'w, 'a>, r: &'r Resolver<'c, 'w, 'a>) -> Self {
        Folder { ctx, r }
    }

    /// The text `e` evaluates to, with unknown parts as [`UNKNOWN`] and path roots as
    /// markers; `None` when nothing of it is known.
    pub fn text(&self, e: &'a Expr) -> Option<String> {
        self.at(e, 0).filter(|s| s != UNKNOWN)
    }

    fn part(&self, e: &'a Expr, d: u32) -> String {
        self.at(e, d).unwrap_or_else(|| UNKNOWN.to_string())
    }

    fn at(&self, e: &'a Expr, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH || !self.ctx.file.spend(1) {
            return None;
        }
        let d = depth + 1;
        match e {
            Expr::StringLiteral(_) | Expr::BytesLiteral(_) => self.r.fold_str(e),
            Expr::Name(n) => {
                if n.id.as_str() == "__file__" {
                    return Some(format!("{HERE}/__file__"));
                }
                if let Some(v) = self.r.single(n.id.as_str()) {
                    return self.at(v, d);
                }
                self.attribute_place(e)
            }
            Expr::BinOp(b) => {
                use ast::Operator::*;
                match b.op {
                    Add => {
                        let (l, r) = (self.at(&b.left, d), self.at(&b.right, d));
                        if l.is_none() && r.is_none() {
                            return None;
                        }
                        Some(format!(
                            "{}{}",
                            l.unwrap_or_else(|| UNKNOWN.into()),
                            r.unwrap_or_else(|| UNKNOWN.into())
                        ))
                    }
                    Div => {
                        let l = self.at(&b.left, d)?;
                        Some(join(&l, &self.part(&b.right, d)))
                    }
                    Mod => {
                        let fmt = self.at(&b.left, d)?;
                        let args: Vec<String> = match &*b.right {
                            Expr::Tuple(t) => t.elts.iter().map(|x| self.part(x, d)).collect(),
                            other => vec![self.part(other, d)],
                        };
                        Some(percent_format(&fmt, &args))
                    }
                    _ => None,
                }
            }
            Expr::FString(f) => {
                let mut out = String::new();
                let mut known = false;
                for el in f.value.elements() {
                    match el {
                        ast::InterpolatedStringElement::Literal(l) => {
                            known = true;
                            out.push_str(&l.value);
                        }
                        ast::InterpolatedStringElement::Interpolation(i) => {
                            match self.at(&i.expression, d) {
                                Some(v) => {
                                    known = true;
                                    out.push_str(&v);
                                }
                                None => out.push_str(UNKNOWN),
                            }
                        }
                    }
                }
                known.then_some(out)
            }
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                let parts: Vec<String> = elts.iter().map(|x| self.part(x, d)).collect();
                parts.iter().any(|p| p != UNKNOWN).then(|| parts.join(" "))
            }
            Expr::Attribute(a) => {
                if a.attr.as_str() == "parent" {
                    return self.at(&a.value, d).map(|p| dirname(&p));
                }
                if a.attr.as_str() == "__file__" {
                    return self
                        .module(&a.value)
                        .map(|m| format!("{PKG}{m}>/__init__.py"));
                }
                self.attribute_place(e)
            }
            Expr::Subscript(s) => {
                if crate::fold::is_reverse_slice(&s.slice) {
                    return self.r.fold_str(e);
                }
                self.subscript_place(s, d)
            }
            Expr::Call(c) => self.call(e, c, d),
            Expr::If(i) => self.at(&i.body, d).or_else(|| self.at(&i.orelse, d)),
            _ => None,
        }
    }

    /// Names and attributes that stand for a place: `sys.prefix`, `site.USER_SITE`.
    fn attribute_place(&self, e: &'a Expr) -> Option<String> {
        let name = self.r.callee(e);
        Some(match name.as_str() {
            "sys.prefix" | "sys.exec_prefix" | "sys.base_prefix" | "sys.base_exec_prefix" => {
                PREFIX.to_string()
            }
            "sys.executable" => format!("{PREFIX}/bin/python"),
            "site.USER_SITE" => SITE.to_string(),
            "site.USER_BASE" => format!("{HOME}/.local"),
            "os.curdir" => ".".to_string(),
            "os.sep" => "/".to_string(),
            "os.pathsep" => ":".to_string(),
            _ => return None,
        })
    }

    fn subscript_place(&self, s: &'a ast::ExprSubscript, d: u32) -> Option<String> {
        let base = match &*s.value {
            Expr::Call(c) => {
                let f = self.r.callee(&c.func);
                match f.as_str() {
                    "site.getsitepackages" | "site.getusersitepackages" => {
                        return Some(SITE.to_string());
                    }
                    "sysconfig.get_paths" => {
                        let key = self.r.fold_str(&s.slice)?;
                        return sysconfig_path(&key);
                    }
                    _ => return None,
                }
            }
            Expr::Attribute(a) if a.attr.as_str() == "__path__" => {
                return self.module(&a.value).map(|m| format!("{PKG}{m}>"));
            }
            other => self.r.callee(other),
        };
        if base == "os.environ" {
            let key = self.r.fold_str(&s.slice)?;
            return env_place(&key);
        }
        if base == "sys.path" {
            // `sys.path[0]`: the script's directory; unknown here.
            return None;
        }
        let _ = d;
        None
    }

    fn call(&self, e: &'a Expr, c: &'a ast::ExprCall, d: u32) -> Option<String> {
        let args = &c.arguments.args;
        let arg0 = || args.first();
        let f = self.r.callee(&c.func);
        match f.as_str() {
            "os.path.expanduser" | "posixpath.expanduser" | "ntpath.expanduser" => {
                return self.at(arg0()?, d).map(|p| expanduser(&p));
            }
            "os.path.expandvars" => return self.at(arg0()?, d).map(|p| expandvars(&p)),
            "os.path.join"
            | "posixpath.join"
            | "ntpath.join"
            | "pathlib.Path"
            | "pathlib.PosixPath"
            | "pathlib.PurePath"
            | "pathlib.PurePosixPath"
            | "pathlib.WindowsPath"
            | "pathlib.PureWindowsPath" => {
                let mut it = args.iter();
                let Some(first) = it.next() else {
                    return Some(".".into());
                };
                let mut p = self.at(first, d)?;
                for x in it {
                    p = join(&p, &self.part(x, d));
                }
                return Some(p);
            }
            "pathlib.Path.home" | "pathlib.PosixPath.home" | "pathlib.WindowsPath.home" => {
                return Some(HOME.into());
            }
            "pathlib.Path.cwd" | "os.getcwd" | "os.getcwdb" => return Some(".".into()),
            "os.getenv" | "os.environ.get" => return env_place(&self.r.fold_str(arg0()?)?),
            "os.path.abspath" | "os.path.realpath" | "os.path.normpath" | "os.path.normcase"
            | "os.fspath" | "str" | "os.fsdecode" | "os.fsencode" | "shlex.split"
            | "shlex.quote" => return self.at(arg0()?, d),
            "os.path.dirname" => return self.at(arg0()?, d).map(|p| dirname(&p)),
            "site.getsitepackages"
            | "site.getusersitepackages"
            | "distutils.sysconfig.get_python_lib"
            | "sysconfig.get_python_lib" => return Some(SITE.into()),
            "sysconfig.get_path" => return sysconfig_path(&self.r.fold_str(arg0()?)?),
            "tempfile.gettempdir" | "tempfile.gettempdirb" | "tempfile.mkdtemp" => {
                return Some(TEMP.into());
            }
            "inspect.getfile" | "inspect.getsourcefile" => {
                return self
                    .module(arg0()?)
                    .map(|m| format!("{PKG}{m}>/__init__.py"));
            }
            _ => {}
        }
        // Methods on a path or a string.
        if let Expr::Attribute(a) = &*c.func {
            match a.attr.as_str() {
                "expanduser" => return self.at(&a.value, d).map(|p| expanduser(&p)),
                "resolve" | "absolute" | "as_posix" | "__str__" | "__fspath__" | "strip"
                | "rstrip" => return self.at(&a.value, d),
                "joinpath" => {
                    let mut p = self.at(&a.value, d)?;
                    for x in args.iter() {
                        p = join(&p, &self.part(x, d));
                    }
                    return Some(p);
                }
                "format" => {
                    let fmt = self.at(&a.value, d)?;
                    let parts: Vec<String> = args.iter().map(|x| self.part(x, d)).collect();
                    return Some(brace_format(&fmt, &parts));
                }
                "join" => {
                    if let Some(v) = self.r.fold_str(e) {
                        return Some(v);
                    }
                    let sep = self.at(&a.value, d)?;
                    let (Some(Expr::List(ast::ExprList { elts, .. }))
                    | Some(Expr::Tuple(ast::ExprTuple { elts, .. }))) = arg0()
                    else {
                        return None;
                    };
                    let parts: Vec<String> = elts.iter().map(|x| self.part(x, d)).collect();
                    return Some(parts.join(&sep));
                }
                _ => {}
            }
        }
        self.r.fold_str(e)
    }

    /// The dotted name of an imported module (or an attribute path in one) that `e`
    /// refers to; `None` for local objects and the repository's own modules (relative
    /// imports).
    pub fn module(&self, e: &'a Expr) -> Option<String> {
        module_of(self.ctx, self.r, e)
    }
}

/// See [`Folder::module`].
pub fn module_of<'a>(ctx: &Ctx<'_, 'a>, r: &Resolver<'_, '_, 'a>, e: &'a Expr) -> Option<String> {
    let mut root = e;
    while let Expr::Attribute(a) = root {
        root = &a.value;
    }
    let imported = match root {
        Expr::Name(n) => {
            let id = n.id.as_str();
            if matches!(id, "self" | "cls") {
                return None;
            }
            // Cheap necessary condition first: the walker saw an import binding the name.
            let maybe = ctx.file.aliases.contains_key(id)
                || ctx
                    .file
                    .imports
                    .range(id.to_string()..)
                    .next()
                    .is_some_and(|m| m == id || m.starts_with(&format!("{id}.")));
            if maybe {
                import_binding(ctx, id) == Some(true) && r.values(id).is_empty()
            } else {
                matches!(r.single(id), Some(Expr::Call(c)) if is_import_call(&r.callee(&c.func)))
            }
        }
        Expr::Call(c) => is_import_call(&r.callee(&c.func)),
        _ => false,
    };
    if !imported {
        return None;
    }
    let name = r.callee(e);
    (!name.is_empty() && !name.starts_with('<')).then_some(name)
}

fn is_import_call(f: &str) -> bool {
    matches!(
        f,
        "__import__" | "importlib.import_module" | "importlib.__import__"
    )
}

/// How the module (or an enclosing function) binds `name` by import: `Some(true)` only by
/// absolute imports, `Some(false)` by a relative import (the repository's own code), `None`
/// not by an import statement.
fn import_binding(ctx: &Ctx, name: &str) -> Option<bool> {
    fn scan(ctx: &Ctx, body: &[Stmt], name: &str, found: &mut Option<bool>) {
        for s in body {
            // Charged to the file's resolution budget: a generated file cannot make this
            // quadratic.
            if !ctx.file.spend(1) {
                *found = None;
                return;
            }
            match s {
                Stmt::Import(i) => {
                    for a in &i.names {
                        let bound = match &a.asname {
                            Some(asname) => asname.as_str(),
                            None => a.name.as_str().split('.').next().unwrap_or(""),
                        };
                        if bound == name && found.is_none() {
                            *found = Some(true);
                        }
                    }
                }
                Stmt::ImportFrom(i) => {
                    for a in &i.names {
                        if a.asname.as_ref().unwrap_or(&a.name).as_str() == name {
                            *found = Some(found.unwrap_or(true) && i.level == 0);
                        }
                    }
                }
                Stmt::If(i) => {
                    scan(ctx, &i.body, name, found);
                    for c in &i.elif_else_clauses {
                        scan(ctx, &c.body, name, found);
                    }
                }
                Stmt::Try(t) => {
                    scan(ctx, &t.body, name, found);
                    for h in &t.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        scan(ctx, &h.body, name, found);
                    }
                    scan(ctx, &t.orelse, name, found);
                    scan(ctx, &t.finalbody, name, found);
                }
                Stmt::With(w) => scan(ctx, &w.body, name, found),
                _ => {}
            }
        }
    }
    let mut found = None;
    for p in ctx.parents.iter() {
        match p {
            Node::Module(m) => scan(ctx, &m.body, name, &mut found),
            Node::Stmt(Stmt::FunctionDef(f)) => scan(ctx, &f.body, name, &mut found),
            _ => {}
        }
    }
    found
}

fn sysconfig_path(key: &str) -> Option<String> {
    Some(match key {
        "purelib" | "platlib" => SITE.into(),
        "scripts" => format!("{PREFIX}/bin"),
        "stdlib" | "platstdlib" => format!("{PREFIX}/lib"),
        "data" | "include" | "platinclude" => PREFIX.into(),
        _ => return None,
    })
}

/// Environment variables that name a place.
fn env_place(var: &str) -> Option<String> {
    Some(match var {
        "HOME" | "USERPROFILE" => HOME.into(),
        "APPDATA" => format!("{HOME}/AppData/Roaming"),
        "LOCALAPPDATA" => format!("{HOME}/AppData/Local"),
        "XDG_CONFIG_HOME" => format!("{HOME}/.config"),
        "XDG_CACHE_HOME" => format!("{HOME}/.cache"),
        "XDG_DATA_HOME" => format!("{HOME}/.local/share"),
        "TMPDIR" | "TEMP" | "TMP" => TEMP.into(),
        _ => return None,
    })
}

/// `os.path.expanduser`: a leading `~` or `~user` becomes the home marker.
pub fn expanduser(p: &str) -> String {
    match p.strip_prefix('~') {
        Some(rest) => {
            let rest = rest.find(['/', '\\']).map(|i| &rest[i..]).unwrap_or("");
            format!("{HOME}{rest}")
        }
        None => p.to_string(),
    }
}

fn expandvars(p: &str) -> String {
    let mut out = p.to_string();
    for (var, place) in [
        ("${HOME}", HOME.to_string()),
        ("$HOME", HOME.to_string()),
        ("%USERPROFILE%", HOME.to_string()),
        ("%APPDATA%", format!("{HOME}/AppData/Roaming")),
        ("%LOCALAPPDATA%", format!("{HOME}/AppData/Local")),
    ] {
        out = out.replace(var, &place);
    }
    out
}

/// `os.path.join` of two folded parts.
pub fn join(base: &str, part: &str) -> String {
    let part_n = normalize(part);
    if part_n.starts_with('/') || part_n.starts_with('<') || is_drive(&part_n) {
        return part.to_string();
    }
    if base.is_empty() || base == "." {
        return part.to_string();
    }
    if base.ends_with('/') || base.ends_with('\\') {
        format!("{base}{part}")
    } else {
        format!("{base}/{part}")
    }
}

/// `os.path.dirname` of a folded path.
pub fn dirname(p: &str) -> String {
    let trimmed = p.trim_end_matches('/');
    if let Some(pkg) = trimmed.strip_prefix(PKG)
        && pkg.ends_with('>')
    {
        // A package's directory lives in site-packages.
        return SITE.to_string();
    }
    if trimmed == HERE {
        return format!("{HERE}/..");
    }
    match trimmed.rfind(['/', '\\']) {
        Some(0) => "/".into(),
        Some(i) => trimmed[..i].to_string(),
        None if trimmed.starts_with('<') => format!("{trimmed}/.."),
        None => String::new(),
    }
}

fn percent_format(fmt: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.peek() {
                Some('%') => {
                    chars.next();
                    out.push('%');
                }
                Some('s' | 'r' | 'd' | 'i') => {
                    chars.next();
                    out.push_str(it.next().map(String::as_str).unwrap_or(UNKNOWN));
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn brace_format(fmt: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut next = 0usize;
    let mut rest = fmt;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if let Some(stripped) = after.strip_prefix('{') {
            out.push('{');
            rest = stripped;
            continue;
        }
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let field = &after[..close];
        let index = field
            .split([':', '!'])
            .next()
            .and_then(|f| f.parse::<usize>().ok());
        let value = match index {
            Some(i) => args.get(i),
            None if field.split([':', '!']).next().is_some_and(|f| f.is_empty()) => {
                next += 1;
                args.get(next - 1)
            }
            None => None,
        };
        out.push_str(value.map(String::as_str).unwrap_or(UNKNOWN));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Identifiers whose appearance in an obfuscated string means it hides something that
/// executes, imports or reaches out.
const DANGEROUS_WORDS: &[&str] = &[
    "os",
    "sys",
    "system",
    "popen",
    "subprocess",
    "exec",
    "eval",
    "compile",
    "__import__",
    "import_module",
    "builtins",
    "__builtins__",
    "getattr",
    "setattr",
    "globals",
    "socket",
    "ctypes",
    "pty",
    "spawn",
    "marshal",
    "pickle",
    "urllib",
    "urlopen",
    "requests",
    "http",
    "base64",
    "b64decode",
    "shutil",
    "check_output",
    "check_call",
    "Popen",
    "run",
    "open",
    "environ",
    "getenv",
    "connect",
    "dup2",
    "execve",
    "fork",
];

/// Whether text looks like code or names something that runs: an import, a call of a
/// dangerous function, a shell pipeline, a URL, or a dangerous identifier on its own.
pub fn looks_like_code(text: &str) -> bool {
    let t = text.trim();
    if DANGEROUS_WORDS.contains(&t) {
        return true;
    }
    const MARKERS: &[&str] = &[
        "import ",
        "exec(",
        "eval(",
        "compile(",
        "__import__",
        "os.system",
        "subprocess",
        "socket.",
        "base64",
        "open(",
        "http://",
        "https://",
        "/bin/sh",
        "/bin/bash",
        "cmd.exe",
        "powershell",
        "curl ",
        "wget ",
        "lambda ",
        "def ",
        "getattr(",
        "__builtins__",
        "print(",
    ];
    let lower = t.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m))
}

/// Callables that run their argument as code (the sinks of TS101): obfuscation inside
/// their argument is reported there.
pub fn is_code_runner(callee: &str) -> bool {
    matches!(
        callee,
        "exec"
            | "eval"
            | "compile"
            | "execfile"
            | "types.FunctionType"
            | "types.CodeType"
            | "marshal.loads"
            | "marshal.load"
            | "timeit.timeit"
            | "timeit.repeat"
            | "timeit.Timer"
            | "cProfile.run"
            | "cProfile.runctx"
            | "profile.run"
            | "profile.runctx"
            | "pdb.run"
            | "pdb.runeval"
            | "ctypes.pythonapi.PyRun_SimpleString"
    ) || callee.ends_with(".runsource")
        || callee.ends_with(".runcode")
}

/// Whether the node sits (within its statement) in the argument of a code runner.
pub fn inside_code_runner<'a>(ctx: &Ctx<'_, 'a>, r: &Resolver<'_, '_, 'a>) -> bool {
    inside_call(ctx, r, is_code_runner)
}

/// Whether the node sits (within its statement) in the argument of a call whose callee
/// satisfies `pred`.
pub fn inside_call<'a>(
    ctx: &Ctx<'_, 'a>,
    r: &Resolver<'_, '_, 'a>,
    pred: impl Fn(&str) -> bool,
) -> bool {
    for p in ctx.parents.iter().rev() {
        match p {
            Node::Expr(Expr::Call(c)) if pred(&r.callee(&c.func)) => return true,
            Node::Stmt(_) => return false,
            _ => {}
        }
    }
    false
}

/// Whether the expression's source mentions `__file__` (a path built from the
/// repository's own location).
pub fn mentions_own_file(ctx: &Ctx, e: &Expr) -> bool {
    use trustscan_pyparse::syntax::Ranged;
    ctx.source(e.range()).contains("__file__")
}

/// Whether `text` is non-empty and all printable ASCII (or common whitespace).
pub fn printable(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c == '\n' || c == '\t' || c == '\r' || (' '..='~').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_helpers() {
        assert_eq!(expanduser("~/.ssh/id_rsa"), format!("{HOME}/.ssh/id_rsa"));
        assert_eq!(expanduser("~bob/.x"), format!("{HOME}/.x"));
        assert_eq!(join(HOME, ".bashrc"), format!("{HOME}/.bashrc"));
        assert_eq!(join("/a", "/etc/x"), "/etc/x");
        assert_eq!(dirname(&format!("{HERE}/__file__")), HERE);
        assert_eq!(dirname(&format!("{PKG}torch>/__init__.py")), "<pkg:torch>");
        assert_eq!(dirname("<pkg:torch>"), SITE);
        assert_eq!(place("/tmp/x"), Place::Temp);
        assert_eq!(place("/etc/x"), Place::Absolute);
        assert_eq!(place("C:\\Users\\x"), Place::Absolute);
        assert_eq!(place("~/.bashrc"), Place::Relative);
        assert_eq!(percent_format("%s/.bashrc", &["H".into()]), "H/.bashrc");
        assert_eq!(
            brace_format("pip install {} {x}", &["a".into()]),
            "pip install a …"
        );
    }
}
