//! What one module contributes to the repository's call graph, taken from the same parse
//! the rules use: its functions and classes (with bases and metaclass), its imports, and
//! for each execution scope the names it calls or refers to.
//!
//! An execution scope is what runs together: a function body, or a module's top level
//! together with its class bodies, decorators and default arguments (they run when the
//! enclosing code runs). Scopes are named like Python's `__qualname__`: `f`, `C.m`,
//! `f.<locals>.g`; the top level is [`MODULE_SCOPE`].

use crate::walk::Node;
use rustc_hash::FxHashSet as HashSet;
use std::collections::BTreeMap;
use trustscan_pyparse::syntax::visitor::{self, Visitor};
use trustscan_pyparse::syntax::{self as ast, Expr, LineIndex, Ranged, Stmt, TextRange};

pub const MODULE_SCOPE: &str = "<module>";

#[derive(Clone, Debug, Default)]
pub struct ModuleSummary {
    pub functions: Vec<FunctionInfo>,
    pub classes: Vec<ClassInfo>,
    pub imports: Vec<ImportInfo>,
    /// Execution scope → what it calls and refers to, in source order.
    pub references: BTreeMap<String, Vec<Reference>>,
}

#[derive(Clone, Debug)]
pub struct FunctionInfo {
    pub qualname: String,
    pub line: u32,
    /// The class whose `self`/`cls` the body sees (a method's class, or the method's class
    /// for functions nested in it).
    pub class: Option<String>,
    /// Decorated with `staticmethod`, `classmethod` or `property` (affects nothing but the
    /// evidence text today; kept for callers).
    pub decorators: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct ClassInfo {
    pub qualname: String,
    pub line: u32,
    /// The execution scope the `class` statement runs in.
    pub scope: String,
    /// Base classes as dotted names (`nn.Module`, `PreTrainedModel`).
    pub bases: Vec<String>,
    pub metaclass: Option<String>,
    pub methods: Vec<String>,
    /// `self.<attr> = <Class>(...)` seen in the class's methods: attribute → dotted class.
    pub attribute_types: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportInfo {
    /// The execution scope the import statement runs in.
    pub scope: String,
    /// The name it binds.
    pub local: String,
    /// Leading dots of a relative import (0: absolute).
    pub level: u32,
    /// The module named (without dots): `a.b` for `import a.b` / `from ..a.b import c`.
    pub module: String,
    /// `from m import name`: the name; `None` for `import m`.
    pub name: Option<String>,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// A dotted name as written, rooted at a name: `self.encoder`, `super().__init__`,
    /// `helpers.load`, `Foo`.
    pub path: String,
    /// Called here (`path(...)`), rather than only named (passed, stored, returned).
    pub call: bool,
    pub line: u32,
}

/// Build the summary of one parsed module.
pub fn summarize(module: &ast::ModModule, index: &LineIndex) -> ModuleSummary {
    let mut s = Summarizer {
        index,
        out: ModuleSummary::default(),
        names: Vec::new(),
        scope: MODULE_SCOPE.to_string(),
        class: None,
        class_body: None,
        seen: Default::default(),
        params: HashSet::default(),
        known: known_roots(module),
        buffer: String::new(),
        refs: Vec::new(),
    };
    for stmt in &module.body {
        s.visit_stmt(stmt);
    }
    s.flush(MODULE_SCOPE.to_string());
    s.out
}

/// The names a reference can start from to lead into the repository: `self`, `cls`,
/// `super`, every name the module imports and every function and class it defines, at any
/// depth. Other references are dropped as they are met unless they are method calls on an
/// unknown receiver (which the graph follows by name).
fn known_roots(module: &ast::ModModule) -> HashSet<String> {
    struct Roots(HashSet<String>);
    impl<'a> Visitor<'a> for Roots {
        fn visit_stmt(&mut self, s: &'a Stmt) {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                match s {
                    Stmt::FunctionDef(f) => {
                        self.0.insert(f.name.to_string());
                    }
                    Stmt::ClassDef(c) => {
                        self.0.insert(c.name.to_string());
                    }
                    Stmt::Import(i) => {
                        for a in &i.names {
                            self.0.insert(import_binds(a).to_string());
                        }
                    }
                    Stmt::ImportFrom(i) => {
                        for a in &i.names {
                            self.0.insert(from_import_binds(a).to_string());
                        }
                    }
                    _ => {}
                }
                visitor::walk_stmt(self, s);
            })
        }

        // Statements never sit inside expressions.
        fn visit_expr(&mut self, _: &'a Expr) {}
    }
    let mut roots = Roots(
        ["self", "cls", "super"]
            .into_iter()
            .map(str::to_string)
            .collect(),
    );
    roots.visit_body(&module.body);
    roots.0
}

/// The name `import a.b` binds: `a`, the top package, unless renamed with `as`.
fn import_binds(a: &ast::Alias) -> &str {
    match &a.asname {
        Some(n) => n.as_str(),
        None => a.name.split('.').next().unwrap_or(&a.name),
    }
}

/// The name `from m import a` binds: `a`, unless renamed with `as`.
fn from_import_binds(a: &ast::Alias) -> &str {
    a.asname.as_ref().unwrap_or(&a.name).as_str()
}

/// The execution scope of a node, from its ancestors as the rule walker keeps them.
pub fn exec_scope(parents: &[Node], node: TextRange) -> String {
    let mut names: Vec<String> = Vec::new();
    let mut scope = MODULE_SCOPE.to_string();
    for p in parents {
        match p {
            Node::Stmt(Stmt::ClassDef(c)) if within(&c.body, node) => {
                names.push(c.name.to_string());
            }
            Node::Stmt(Stmt::FunctionDef(f)) => {
                if !within(&f.body, node) {
                    break;
                }
                names.push(f.name.to_string());
                scope = names.join(".");
                names.push("<locals>".into());
            }
            _ => {}
        }
    }
    scope
}

fn within(body: &[Stmt], node: TextRange) -> bool {
    match (body.first(), body.last()) {
        (Some(first), Some(last)) => TextRange::new(first.start(), last.end()).contains_range(node),
        _ => false,
    }
}

struct Summarizer<'i> {
    index: &'i LineIndex,
    out: ModuleSummary,
    /// Qualified-name components of the enclosing definitions.
    names: Vec<String>,
    scope: String,
    /// The class `self` refers to in the current scope.
    class: Option<String>,
    /// Index into `out.classes` of the class whose body directly holds the current
    /// statement (not inside a function of it).
    class_body: Option<usize>,
    /// References already recorded in the current scope (the first occurrence's line is
    /// evidence enough).
    /// Named, called.
    seen: [HashSet<String>; 2],
    /// Parameters of the current function: naming one (without calling it) leads nowhere.
    params: HashSet<String>,
    /// See [`known_roots`].
    known: HashSet<String>,
    /// Scratch space for spelling references.
    buffer: String,
    /// The current scope's references so far, added to `out.references` when it ends.
    refs: Vec<Reference>,
}

impl Summarizer<'_> {
    fn line(&self, r: TextRange) -> u32 {
        self.index.line_index(r.start()).get() as u32
    }

    /// Record the chain `e` (called or only named) if it can lead into the repository.
    fn reference(&mut self, e: &Expr, call: bool) {
        // Decided from the chain's root before its dotted name is built: most names are
        // locals that lead nowhere.
        let Some(root) = chain_root(e) else { return };
        if !call && root.calls == 0 && self.params.contains(root.name) {
            return;
        }
        if !(self.known.contains(root.name) || (call && root.attribute)) {
            return;
        }
        // Most names recur within a scope: spelled into a reused buffer and looked up
        // before paying for a key.
        let mut path = std::mem::take(&mut self.buffer);
        path.clear();
        if !dotted_into(e, &mut path) || self.seen[call as usize].contains(path.as_str()) {
            self.buffer = path;
            return;
        }
        self.seen[call as usize].insert(path.clone());
        let line = self.line(e.range());
        self.refs.push(Reference { path, call, line });
    }

    /// Add the references of the scope that ends to `out.references` (after those of an
    /// earlier definition of the same name).
    fn flush(&mut self, scope: String) {
        let refs = std::mem::take(&mut self.refs);
        self.out.references.entry(scope).or_default().extend(refs);
    }

    fn qualify(&self, name: &str) -> String {
        if self.names.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.names.join("."))
        }
    }

    fn function(&mut self, f: &ast::StmtFunctionDef) {
        // Decorators, defaults and annotations run in the enclosing scope.
        for d in &f.decorator_list {
            self.visit_expr(&d.expression);
        }
        visitor::walk_parameters(self, &f.parameters);
        if let Some(r) = &f.returns {
            self.visit_expr(r);
        }
        let qualname = self.qualify(f.name.as_str());
        let class = match self.class_body {
            Some(i) => {
                self.out.classes[i].methods.push(f.name.to_string());
                Some(self.out.classes[i].qualname.clone())
            }
            None => self.class.clone(),
        };
        self.out.functions.push(FunctionInfo {
            qualname: qualname.clone(),
            line: self.line(f.name.range),
            class: class.clone(),
            decorators: f
                .decorator_list
                .iter()
                .map(|d| dotted(&d.expression).unwrap_or_default())
                .collect(),
        });
        // `self.m` / `cls.m` named without a call (a callback) still leads to a method.
        let params: HashSet<String> = f
            .parameters
            .iter()
            .map(|p| p.name().to_string())
            .filter(|n| n != "self" && n != "cls")
            .collect();
        let saved = (
            std::mem::replace(&mut self.scope, qualname.clone()),
            std::mem::replace(&mut self.class, class),
            self.class_body.take(),
            std::mem::take(&mut self.seen),
            std::mem::replace(&mut self.params, params),
            std::mem::take(&mut self.refs),
        );
        self.names.push(f.name.to_string());
        self.names.push("<locals>".into());
        for s in &f.body {
            self.visit_stmt(s);
        }
        self.names.truncate(self.names.len() - 2);
        self.flush(qualname);
        (
            self.scope,
            self.class,
            self.class_body,
            self.seen,
            self.params,
            self.refs,
        ) = saved;
    }

    fn class(&mut self, c: &ast::StmtClassDef) {
        for d in &c.decorator_list {
            self.visit_expr(&d.expression);
        }
        let mut bases = Vec::new();
        let mut metaclass = None;
        if let Some(args) = &c.arguments {
            for b in args.args.iter() {
                self.visit_expr(b);
                if let Some(d) = dotted(b) {
                    bases.push(d);
                }
            }
            for k in args.keywords.iter() {
                self.visit_expr(&k.value);
                if k.arg.as_ref().is_some_and(|a| a.as_str() == "metaclass") {
                    metaclass = dotted(&k.value);
                }
            }
        }
        let qualname = self.qualify(c.name.as_str());
        self.out.classes.push(ClassInfo {
            qualname,
            line: self.line(c.name.range),
            scope: self.scope.clone(),
            bases,
            metaclass,
            methods: Vec::new(),
            attribute_types: Vec::new(),
        });
        let saved = self.class_body.replace(self.out.classes.len() - 1);
        self.names.push(c.name.to_string());
        for s in &c.body {
            self.visit_stmt(s);
        }
        self.names.pop();
        self.class_body = saved;
    }

    /// `self.x = Foo(...)` in a method: remember that `x` holds a `Foo`.
    fn attribute_type(&mut self, target: &Expr, value: &Expr) {
        let (Expr::Attribute(a), Expr::Call(call)) = (target, value) else {
            return;
        };
        if !matches!(&*a.value, Expr::Name(n) if n.id.as_str() == "self") {
            return;
        }
        let (Some(class), Some(ty)) = (self.class.clone(), dotted(&call.func)) else {
            return;
        };
        if let Some(info) = self.out.classes.iter_mut().find(|c| c.qualname == class) {
            info.attribute_types.push((a.attr.to_string(), ty));
        }
    }

    fn import(&mut self, s: &Stmt) {
        let line = self.line(s.range());
        match s {
            Stmt::Import(i) => {
                for a in &i.names {
                    let module = a.name.to_string();
                    let local = import_binds(a).to_string();
                    // `import a.b` binds `a`, the top package.
                    let bound = if a.asname.is_some() {
                        module.clone()
                    } else {
                        local.clone()
                    };
                    self.out.imports.push(ImportInfo {
                        scope: self.scope.clone(),
                        local,
                        level: 0,
                        module: bound,
                        name: None,
                        line,
                    });
                    if a.asname.is_none() && module.contains('.') {
                        // The submodule runs too; record it under its full name.
                        self.out.imports.push(ImportInfo {
                            scope: self.scope.clone(),
                            local: module.clone(),
                            level: 0,
                            module,
                            name: None,
                            line,
                        });
                    }
                }
            }
            Stmt::ImportFrom(i) => {
                let module = i.module.as_ref().map(|m| m.to_string()).unwrap_or_default();
                for a in &i.names {
                    if a.name.as_str() == "*" {
                        continue;
                    }
                    self.out.imports.push(ImportInfo {
                        scope: self.scope.clone(),
                        local: from_import_binds(a).to_string(),
                        level: i.level,
                        module: module.clone(),
                        name: Some(a.name.to_string()),
                        line,
                    });
                }
                if i.names.iter().any(|a| a.name.as_str() == "*") || i.names.is_empty() {
                    self.out.imports.push(ImportInfo {
                        scope: self.scope.clone(),
                        local: String::new(),
                        level: i.level,
                        module,
                        name: None,
                        line,
                    });
                }
            }
            _ => {}
        }
    }
}

/// `a.b.c` for a chain of attributes on a name; `super().x` keeps `super()` as its root,
/// and a call in the chain is kept as `()` (`Registry(name).lookup` is `Registry().lookup`).
pub fn dotted(e: &Expr) -> Option<String> {
    let mut out = String::new();
    dotted_into(e, &mut out).then_some(out)
}

/// The root of a chain [`dotted`] spells: the name it starts from (`super` for `super()`),
/// how many calls apply to that name directly (`f()().x`: 2) and whether an attribute
/// follows.
struct ChainRoot<'e> {
    name: &'e str,
    calls: usize,
    attribute: bool,
}

fn chain_root(e: &Expr) -> Option<ChainRoot<'_>> {
    match e {
        Expr::Name(n) => Some(ChainRoot {
            name: n.id.as_str(),
            calls: 0,
            attribute: false,
        }),
        Expr::Attribute(a) => Some(ChainRoot {
            attribute: true,
            ..chain_root(&a.value)?
        }),
        Expr::Call(c) => match &*c.func {
            Expr::Name(n) if n.id.as_str() == "super" => Some(ChainRoot {
                name: "super",
                calls: 1,
                attribute: false,
            }),
            f => {
                let root = chain_root(f)?;
                Some(ChainRoot {
                    calls: root.calls + usize::from(!root.attribute),
                    ..root
                })
            }
        },
        _ => None,
    }
}

/// [`dotted`] appended to `out`; false (with `out` partly written) when `e` is not a chain.
fn dotted_into(e: &Expr, out: &mut String) -> bool {
    match e {
        Expr::Name(n) => out.push_str(n.id.as_str()),
        Expr::Attribute(a) => {
            if !dotted_into(&a.value, out) {
                return false;
            }
            out.push('.');
            out.push_str(a.attr.as_str());
        }
        Expr::Call(c) => match &*c.func {
            Expr::Name(n) if n.id.as_str() == "super" => out.push_str("super()"),
            f => {
                if !dotted_into(f, out) {
                    return false;
                }
                out.push_str("()");
            }
        },
        _ => return false,
    }
    true
}

impl Summarizer<'_> {
    /// Visit what a callee expression evaluates besides the name chain itself.
    fn visit_callee(&mut self, func: &Expr) {
        match func {
            Expr::Attribute(a) => self.visit_callee(&a.value),
            Expr::Call(_) => self.visit_expr(func),
            Expr::Name(_) => {}
            other => self.visit_expr(other),
        }
    }
}

impl<'a> Visitor<'a> for Summarizer<'_> {
    fn visit_stmt(&mut self, s: &'a Stmt) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match s {
            Stmt::FunctionDef(f) => self.function(f),
            Stmt::ClassDef(c) => self.class(c),
            Stmt::Import(_) | Stmt::ImportFrom(_) => self.import(s),
            Stmt::Assign(a) => {
                for t in &a.targets {
                    self.attribute_type(t, &a.value);
                }
                visitor::walk_stmt(self, s);
            }
            _ => visitor::walk_stmt(self, s),
        })
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        // A bare name (the most common expression) recurses no further: no stack check.
        if let Expr::Name(_) = e {
            self.reference(e, false);
            return;
        }
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match e {
            Expr::Call(c) => {
                self.reference(&c.func, true);
                // Calls inside the callee chain (`f(x).g()`) are calls too.
                self.visit_callee(&c.func);
                visitor::walk_arguments(self, &c.arguments);
            }
            Expr::Name(_) | Expr::Attribute(_) if chain_root(e).is_some() => {
                self.reference(e, false);
                self.visit_callee(e);
            }
            _ => visitor::walk_expr(self, e),
        })
    }
}
