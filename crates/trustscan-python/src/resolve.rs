//! Seeing through indirection, for the model-loading rules: what a call really calls
//! (`getattr(__import__("o"+"s"), "system")` is `os.system`), what a name was assigned in
//! its scope, and whether a value came out of a decoder, a decompressor or a download.
//!
//! Flow-insensitive and intra-file: a name's values are every assignment to it in the
//! nearest enclosing function, else at module level. Work per file is bounded by a fuel
//! budget, so a generated file with millions of statements cannot make it quadratic.

use crate::fold::{self, Lookup};
use crate::walk::{Bindings, Ctx, Node};
use std::collections::HashSet;
use std::rc::Rc;
use trustscan_pyparse::syntax::{self as ast, Expr, Stmt};

/// Functions whose output is decoded, decompressed or deobfuscated data.
const DECODERS: &[&str] = &[
    "base64.b64decode",
    "base64.standard_b64decode",
    "base64.urlsafe_b64decode",
    "base64.b32decode",
    "base64.b32hexdecode",
    "base64.b16decode",
    "base64.a85decode",
    "base64.b85decode",
    "base64.z85decode",
    "base64.decodebytes",
    "base64.decodestring",
    "binascii.a2b_base64",
    "binascii.a2b_hex",
    "binascii.unhexlify",
    "binascii.a2b_uu",
    "bytes.fromhex",
    "bytearray.fromhex",
    "codecs.decode",
    "zlib.decompress",
    "gzip.decompress",
    "bz2.decompress",
    "lzma.decompress",
    "marshal.loads",
    "quopri.decodestring",
    "uu.decode",
];

/// Calls whose output is data fetched over the network.
const DOWNLOADS: &[&str] = &[
    "requests.get",
    "requests.post",
    "requests.request",
    "requests.Session",
    "urllib.request.urlopen",
    "urllib.urlopen",
    "urllib2.urlopen",
    "urllib.request.urlretrieve",
    "httpx.get",
    "httpx.Client",
    "http.client.HTTPConnection",
    "http.client.HTTPSConnection",
    "socket.socket",
    "socket.create_connection",
];

/// Names that stand for the builtins namespace.
const BUILTINS_NAMESPACES: &[&str] = &[
    "builtins",
    "__builtins__",
    "__builtin__",
    "builtins.__dict__",
    "__builtins__.__dict__",
    "__builtin__.__dict__",
    "<globals>.__builtins__",
];

/// How deeply resolution steps may nest (names → values → callees → folded strings → ...).
/// Assignments can form cycles (`x = f(x)`), so every recursive step goes through
/// [`Resolver::nest`].
const MAX_NESTING: u32 = 48;

/// Resolution for one node: its scope and the file's import aliases.
pub struct Resolver<'c, 'w, 'a> {
    ctx: &'c Ctx<'w, 'a>,
    depth: std::cell::Cell<u32>,
}

impl<'c, 'w, 'a> Resolver<'c, 'w, 'a> {
    pub fn new(ctx: &'c Ctx<'w, 'a>) -> Self {
        Resolver {
            ctx,
            depth: std::cell::Cell::new(0),
        }
    }

    /// Run one nested resolution step, or give `default` when nesting or the file's fuel
    /// runs out.
    fn nest<T>(&self, default: T, f: impl FnOnce() -> T) -> T {
        let d = self.depth.get();
        if d >= MAX_NESTING || !self.ctx.file.spend(1) {
            return default;
        }
        self.depth.set(d + 1);
        let out = f();
        self.depth.set(d);
        out
    }

    /// The enclosing function, if any.
    fn function(&self) -> Option<&'a ast::StmtFunctionDef> {
        self.ctx.parents.iter().rev().find_map(|p| match *p {
            Node::Stmt(Stmt::FunctionDef(f)) => Some(f),
            _ => None,
        })
    }

    fn module(&self) -> Option<&'a ast::ModModule> {
        match (self.ctx.parents.first().copied(), self.ctx.node) {
            (Some(Node::Module(m)), _) | (None, Node::Module(m)) => Some(m),
            _ => None,
        }
    }

    /// Every value assigned to `name` in its scope (empty for parameters, loop variables
    /// and unknown names).
    pub fn values(&self, name: &str) -> Vec<&'a Expr> {
        if let Some(f) = self.function() {
            if is_parameter(&f.parameters, name) {
                return Vec::new();
            }
            if let Some(v) = self.scope(f as *const _ as usize, &f.body).get(name) {
                return v.clone();
            }
        }
        match self.module() {
            Some(m) => self
                .scope(m as *const _ as usize, &m.body)
                .get(name)
                .cloned()
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// The bindings of one scope, scanned once per file.
    fn scope(&self, key: usize, body: &'a [Stmt]) -> Rc<Bindings<'a>> {
        if let Some(b) = self.ctx.file.bindings.borrow().get(&key) {
            return b.clone();
        }
        let mut b = Bindings::default();
        collect(body, &mut b);
        let b = Rc::new(b);
        self.ctx.file.bindings.borrow_mut().insert(key, b.clone());
        b
    }

    /// The one value assigned to `name`, if there is exactly one.
    pub fn single(&self, name: &str) -> Option<&'a Expr> {
        match self.values(name)[..] {
            [v] => Some(v),
            _ => None,
        }
    }

    /// The canonical dotted name of what `expr` refers to: imports, aliases, local
    /// assignments, `__import__`/`importlib.import_module`, `getattr` with a foldable name,
    /// and subscripts of the builtins namespace or `sys.modules` are seen through.
    /// Builtins come out bare (`exec`). Empty when unknown.
    pub fn callee(&self, expr: &'a Expr) -> String {
        // Several rules resolve the same expressions of a node: answers given at the top
        // level (the same scope, the same nesting budget) are shared.
        let node = match self.ctx.node {
            Node::Expr(e) => e as *const Expr as usize,
            Node::Stmt(s) => s as *const Stmt as usize,
            _ => 0,
        };
        if self.depth.get() > 0 || node == 0 {
            return self.nest(String::new(), || self.callee_at(expr));
        }
        let key = expr as *const Expr as usize;
        {
            let mut cache = self.ctx.file.callees.borrow_mut();
            if cache.0 != node {
                *cache = (node, Vec::new());
            } else if let Some((_, name)) = cache.1.iter().find(|(k, _)| *k == key) {
                return name.clone();
            }
        }
        let name = self.nest(String::new(), || self.callee_at(expr));
        self.ctx
            .file
            .callees
            .borrow_mut()
            .1
            .push((key, name.clone()));
        name
    }

    fn callee_at(&self, expr: &'a Expr) -> String {
        let aliases = &self.ctx.file.aliases;
        let raw = match expr {
            Expr::Name(n) => {
                let id = n.id.as_str();
                if self
                    .function()
                    .is_some_and(|f| is_parameter(&f.parameters, id))
                {
                    // A parameter can be anything the caller passes.
                    return String::new();
                }
                if let Some(a) = aliases.get(id) {
                    a.clone()
                } else {
                    match self.values(id)[..] {
                        // `e = eval` / `run = getattr(os, "system")`.
                        [v] if !matches!(v, Expr::Name(m) if m.id == n.id) => {
                            let r = self.callee(v);
                            if r.is_empty() { id.to_string() } else { r }
                        }
                        _ => id.to_string(),
                    }
                }
            }
            Expr::Attribute(a) => {
                let base = self.callee(&a.value);
                if base.is_empty() {
                    return String::new();
                }
                // Aliases are bound names, never dotted: nothing to look up here.
                format!("{base}.{}", a.attr.as_str())
            }
            Expr::Call(c) => {
                let f = self.callee(&c.func);
                let arg = |i: usize| c.arguments.args.get(i);
                match f.as_str() {
                    "__import__" | "importlib.import_module" | "importlib.__import__" => {
                        match arg(0).and_then(|a| self.fold_str(a)) {
                            Some(m) => m,
                            None => return String::new(),
                        }
                    }
                    "getattr" => {
                        let (Some(obj), Some(attr)) = (arg(0), arg(1)) else {
                            return String::new();
                        };
                        let base = self.callee(obj);
                        match self.fold_str(attr) {
                            Some(a) if !base.is_empty() => format!("{base}.{a}"),
                            _ => return String::new(),
                        }
                    }
                    "globals" | "locals" => "<globals>".into(),
                    "vars" => match arg(0) {
                        Some(a) => format!("{}.__dict__", self.callee(a)),
                        None => "<globals>".into(),
                    },
                    _ => return String::new(),
                }
            }
            Expr::Subscript(s) => {
                let base = self.callee(&s.value);
                // Only namespaces are looked into: fold the key for nothing else.
                if !(BUILTINS_NAMESPACES.contains(&base.as_str())
                    || base == "<globals>"
                    || base == "sys.modules"
                    || base.ends_with(".__dict__"))
                {
                    return String::new();
                }
                let Some(key) = self.fold_str(&s.slice) else {
                    return String::new();
                };
                if BUILTINS_NAMESPACES.contains(&base.as_str()) || base == "<globals>" {
                    format!("builtins.{key}")
                } else if base == "sys.modules" {
                    key
                } else if let Some(module) = base.strip_suffix(".__dict__") {
                    format!("{module}.{key}")
                } else {
                    return String::new();
                }
            }
            _ => return String::new(),
        };
        normalize(raw)
    }

    /// What a value came out of, if it is decoded, decompressed, deobfuscated or
    /// downloaded data: a short description naming the function, e.g. `base64.b64decode`.
    pub fn decoded_source(&self, expr: &'a Expr) -> Option<String> {
        let mut seen = HashSet::new();
        self.source_at(expr, &mut seen)
    }

    fn source_at(&self, expr: &'a Expr, seen: &mut HashSet<String>) -> Option<String> {
        self.nest(None, || self.source_step(expr, seen))
    }

    fn source_step(&self, expr: &'a Expr, seen: &mut HashSet<String>) -> Option<String> {
        match expr {
            Expr::Name(n) => {
                if !seen.insert(n.id.to_string()) {
                    return None;
                }
                self.values(n.id.as_str())
                    .into_iter()
                    .find_map(|v| self.source_at(v, seen))
            }
            Expr::Call(c) => {
                let f = self.callee(&c.func);
                if DECODERS.contains(&f.as_str()) {
                    return Some(f);
                }
                if DOWNLOADS.contains(&f.as_str()) {
                    return Some(format!("data downloaded with {f}"));
                }
                if let Expr::Attribute(a) = &*c.func {
                    match a.attr.as_str() {
                        "join" if self.is_chr_join(c) => return Some("chr() join".into()),
                        "fromhex" => return Some("bytes.fromhex".into()),
                        "decompress" => return Some(format!("{f} (decompressor)")),
                        "decode" | "encode" => {
                            if let Some(codec) = c
                                .arguments
                                .find_argument_value("encoding", 0)
                                .and_then(|e| self.fold_str(e))
                                .filter(|c| {
                                    !matches!(
                                        c.to_ascii_lowercase().replace('-', "_").as_str(),
                                        "utf8" | "utf_8" | "ascii" | "latin1" | "latin_1"
                                    )
                                })
                            {
                                return Some(format!("codec {codec}"));
                            }
                        }
                        _ => {}
                    }
                    if let Some(s) = self.source_at(&a.value, seen) {
                        return Some(s);
                    }
                }
                c.arguments
                    .args
                    .iter()
                    .chain(c.arguments.keywords.iter().map(|k| &k.value))
                    .find_map(|a| self.source_at(a, seen))
            }
            Expr::Subscript(s) => {
                if fold::is_reverse_slice(&s.slice) {
                    return Some("string reversal [::-1]".into());
                }
                self.source_at(&s.value, seen)
            }
            Expr::Attribute(a) => self.source_at(&a.value, seen),
            Expr::BinOp(b) => self
                .source_at(&b.left, seen)
                .or_else(|| self.source_at(&b.right, seen)),
            Expr::FString(f) => f.value.elements().find_map(|el| match el {
                ast::InterpolatedStringElement::Interpolation(i) => {
                    self.source_at(&i.expression, seen)
                }
                _ => None,
            }),
            Expr::If(i) => self
                .source_at(&i.body, seen)
                .or_else(|| self.source_at(&i.orelse, seen)),
            Expr::Named(n) => self.source_at(&n.value, seen),
            _ => None,
        }
    }

    /// `"".join(chr(x) for x in ...)` / `"".join(map(chr, ...))`.
    fn is_chr_join(&self, c: &'a ast::ExprCall) -> bool {
        let Some(arg) = c.arguments.args.first() else {
            return false;
        };
        match arg {
            Expr::Generator(ast::ExprGenerator { elt, .. })
            | Expr::ListComp(ast::ExprListComp { elt, .. }) => {
                matches!(&**elt, Expr::Call(inner) if self.callee(&inner.func) == "chr")
            }
            Expr::Call(m) => {
                self.callee(&m.func) == "map"
                    && m.arguments
                        .args
                        .first()
                        .is_some_and(|f| self.callee(f) == "chr")
            }
            _ => false,
        }
    }

    /// A string expression's folded value (see [`fold`]).
    pub fn fold_str(&self, expr: &'a Expr) -> Option<String> {
        self.nest(None, || fold::fold_str(expr, self))
    }
}

impl<'a> Lookup<'a> for Resolver<'_, '_, 'a> {
    fn single_value(&self, name: &str) -> Option<&'a Expr> {
        self.nest(None, || self.single(name))
    }

    fn callee(&self, func: &'a Expr) -> String {
        Resolver::callee(self, func)
    }
}

/// `builtins.exec` → `exec`; `os.path` stays.
fn normalize(name: String) -> String {
    for ns in BUILTINS_NAMESPACES {
        if let Some(rest) = name.strip_prefix(ns).and_then(|r| r.strip_prefix('.')) {
            return normalize(rest.to_string());
        }
    }
    name
}

/// Record every binding in a scope's statements (not inside nested definitions, whose
/// names are bound as such).
fn collect<'a>(body: &'a [Stmt], out: &mut Bindings<'a>) {
    for s in body {
        match s {
            Stmt::Assign(a) => {
                for t in &a.targets {
                    bind(t, Some(&a.value), out);
                }
            }
            Stmt::AnnAssign(a) => bind(&a.target, a.value.as_deref(), out),
            Stmt::AugAssign(a) => bind(&a.target, None, out),
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(t) = &item.optional_vars {
                        bind(t, Some(&item.context_expr), out);
                    }
                }
                collect(&w.body, out);
            }
            Stmt::If(i) => {
                collect(&i.body, out);
                for c in &i.elif_else_clauses {
                    collect(&c.body, out);
                }
            }
            Stmt::For(f) => {
                bind(&f.target, None, out);
                collect(&f.body, out);
                collect(&f.orelse, out);
            }
            Stmt::While(w) => {
                collect(&w.body, out);
                collect(&w.orelse, out);
            }
            Stmt::Try(t) => {
                collect(&t.body, out);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    collect(&h.body, out);
                }
                collect(&t.orelse, out);
                collect(&t.finalbody, out);
            }
            Stmt::Match(m) => {
                for c in &m.cases {
                    collect(&c.body, out);
                }
            }
            Stmt::FunctionDef(f) => {
                out.entry(f.name.as_str()).or_default();
            }
            Stmt::ClassDef(c) => {
                out.entry(c.name.as_str()).or_default();
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    let local = a.asname.as_ref().unwrap_or(&a.name).as_str();
                    out.entry(local.split('.').next().unwrap_or(local))
                        .or_default();
                }
            }
            Stmt::ImportFrom(i) => {
                for a in &i.names {
                    out.entry(a.asname.as_ref().unwrap_or(&a.name).as_str())
                        .or_default();
                }
            }
            _ => {}
        }
    }
}

/// Record `value` for the names `target` binds (tuples bind position by position; other
/// unpacking binds with unknown values).
fn bind<'a>(target: &'a Expr, value: Option<&'a Expr>, out: &mut Bindings<'a>) {
    match (target, value) {
        (Expr::Name(n), v) => {
            let slot = out.entry(n.id.as_str()).or_default();
            if let Some(v) = v {
                slot.push(v);
            }
        }
        (Expr::Tuple(t), Some(Expr::Tuple(v))) if t.elts.len() == v.elts.len() => {
            for (t, v) in t.elts.iter().zip(v.elts.iter()) {
                bind(t, Some(v), out);
            }
        }
        (Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }), _) => {
            for t in elts {
                bind(t, None, out);
            }
        }
        (Expr::Starred(s), _) => bind(&s.value, None, out),
        _ => {}
    }
}

fn is_parameter(p: &ast::Parameters, name: &str) -> bool {
    p.iter_non_variadic_params()
        .any(|a| a.parameter.name.as_str() == name)
        || p.vararg.as_ref().is_some_and(|v| v.name.as_str() == name)
        || p.kwarg.as_ref().is_some_and(|v| v.name.as_str() == name)
}
