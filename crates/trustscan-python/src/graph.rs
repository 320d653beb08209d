//! The repository's call graph: one node per execution scope (a function, or a module's
//! top level), edges for calls, references, imports and class machinery, resolved across
//! the repository's modules.
//!
//! ## How names resolve
//! - Imports (absolute against the repository root, as torch.hub's `sys.path` makes them
//!   work, and relative within packages), including names re-exported by `__init__.py`.
//! - Module-level and nested `def`/`class`, closures' enclosing scopes.
//! - `self.m()` / `cls.m()` through the method resolution order of repository classes;
//!   `super().m()` from the next class in that order; `self.x(...)` where a method stored
//!   `self.x = C(...)` calls `C.__call__`, or `C.forward` (torch's `nn.Module` convention).
//! - Instantiating (or naming) a class reaches `__init__`, `__new__`, `__post_init__` and
//!   the attribute hooks; defining one reaches its bases' `__init_subclass__` and its
//!   metaclass.
//! - A call on a receiver whose type is unknown (`obj.load()`) reaches every repository
//!   method of that name (an over-approximation, marked "by name" in the evidence).
//!
//! ## Soundness limits (documented for users)
//! Calls through `getattr` with computed names, `eval`/`exec`, dictionaries of functions
//! built at runtime, monkeypatching, and callbacks invoked by libraries outside the
//! repository (other than the loader entry points) are not followed; neither are
//! inherited methods of classes from outside the repository calling back into overrides,
//! except the hooks a loader is known to call (listed per entry point).

use crate::summary::{ClassInfo, MODULE_SCOPE, ModuleSummary};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// Methods a constructed instance may have run by Python itself.
const INSTANCE_HOOKS: &[&str] = &[
    "__new__",
    "__init__",
    "__post_init__",
    "__setattr__",
    "__getattr__",
    "__getattribute__",
    "__del__",
];

/// A scope in the graph: file and scope qualname.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeId {
    pub file: String,
    pub scope: String,
}

impl ScopeId {
    pub fn module(file: &str) -> ScopeId {
        ScopeId {
            file: file.to_string(),
            scope: MODULE_SCOPE.to_string(),
        }
    }

    pub fn label(&self) -> String {
        if self.file.is_empty() {
            self.scope.clone()
        } else if self.scope == MODULE_SCOPE {
            format!("{} (top level)", self.file)
        } else {
            format!("{}:{}", self.file, self.scope)
        }
    }
}

/// Why one scope reaches another.
#[derive(Clone, Debug)]
pub struct Edge {
    pub to: usize,
    pub line: u32,
    /// `calls`, `imports`, `instantiates`, `refers to`, `calls by name`, ...
    pub how: &'static str,
}

pub struct CallGraph {
    pub nodes: Vec<ScopeId>,
    index: HashMap<ScopeId, usize>,
    pub edges: Vec<Vec<Edge>>,
    repo: Repo,
}

/// The repository's modules, by dotted name and by path, with lookup indexes.
struct Repo {
    by_module: BTreeMap<String, String>,
    summaries: BTreeMap<String, ModuleSummary>,
    index: HashMap<String, ModuleIndex>,
    /// Method resolution orders computed so far.
    mro_cache: RefCell<HashMap<(String, String), Rc<Vec<(String, String)>>>>,
    /// `module.name` resolutions made outside any nesting (so no depth limit cut them):
    /// most files import the same few names from the same modules.
    member_cache: RefCell<HashMap<(String, String), Target>>,
    /// Resolution steps in progress: hostile code can make bases, re-exports and attribute
    /// types refer to each other in cycles.
    depth: Cell<u32>,
}

/// Nested resolution steps allowed before giving up (answering "outside the repository").
const MAX_RESOLUTION_DEPTH: u32 = 64;

/// One module's names, for constant-time lookups.
#[derive(Default)]
struct ModuleIndex {
    functions: HashSet<String>,
    /// Class qualname → position in the summary's `classes`.
    classes: HashMap<String, usize>,
    /// (scope, local name) → position of the last import binding it.
    imports: HashMap<(String, String), usize>,
}

/// What a name resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Module(String),
    Function {
        file: String,
        qualname: String,
    },
    Class {
        file: String,
        qualname: String,
    },
    /// An instance of a repository class (`Registry(name)`).
    Instance {
        file: String,
        qualname: String,
    },
    /// Bound to something outside the repository (or a local variable).
    External,
}

/// A module's dotted name from its path (`pkg/mod.py` → `pkg.mod`, `pkg/__init__.py` →
/// `pkg`).
pub fn module_name(path: &str) -> Option<String> {
    let stem = path
        .strip_suffix(".py")
        .or_else(|| path.strip_suffix(".pyw"))?;
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    if stem == "__init__" {
        return Some(String::new());
    }
    Some(stem.replace('/', "."))
}

impl Repo {
    fn new(summaries: BTreeMap<String, ModuleSummary>) -> Repo {
        let by_module = summaries
            .keys()
            .filter_map(|p| module_name(p).map(|m| (m, p.clone())))
            .collect();
        let index = summaries
            .iter()
            .map(|(path, s)| {
                let mut m = ModuleIndex::default();
                m.functions = s.functions.iter().map(|f| f.qualname.clone()).collect();
                for (i, c) in s.classes.iter().enumerate() {
                    m.classes.entry(c.qualname.clone()).or_insert(i);
                }
                for (i, imp) in s.imports.iter().enumerate() {
                    m.imports.insert((imp.scope.clone(), imp.local.clone()), i);
                }
                (path.clone(), m)
            })
            .collect();
        Repo {
            by_module,
            summaries,
            index,
            mro_cache: RefCell::default(),
            member_cache: RefCell::default(),
            depth: Cell::new(0),
        }
    }

    fn file_of(&self, module: &str) -> Option<&str> {
        self.by_module.get(module).map(|s| s.as_str())
    }

    /// The absolute module an import names, from the importing file.
    fn absolute(&self, file: &str, level: u32, module: &str) -> String {
        if level == 0 {
            return module.to_string();
        }
        let package = module_name(file)
            .map(|m| {
                if file.ends_with("__init__.py") {
                    m
                } else {
                    parent(&m)
                }
            })
            .unwrap_or_default();
        let mut parts: Vec<&str> = package.split('.').filter(|p| !p.is_empty()).collect();
        for _ in 1..level {
            parts.pop();
        }
        if !module.is_empty() {
            parts.push(module);
        }
        parts.join(".")
    }

    fn class(&self, file: &str, qualname: &str) -> Option<&ClassInfo> {
        let i = *self.index.get(file)?.classes.get(qualname)?;
        self.summaries.get(file)?.classes.get(i)
    }

    fn has_function(&self, file: &str, qualname: &str) -> bool {
        self.index
            .get(file)
            .is_some_and(|m| m.functions.contains(qualname))
    }

    /// A top-level (or enclosing-scope) name in a module, as seen from `scope`.
    fn lookup(&self, file: &str, scope: &str, name: &str, depth: u32) -> Target {
        if depth > 8 {
            return Target::External;
        }
        let (Some(summary), Some(index)) = (self.summaries.get(file), self.index.get(file)) else {
            return Target::External;
        };
        // Enclosing scopes from the innermost: `f.<locals>.g` sees `f.<locals>.x`, then
        // module level.
        let mut prefixes: Vec<String> = Vec::new();
        if scope != MODULE_SCOPE {
            let mut s = scope.to_string();
            loop {
                prefixes.push(format!("{s}.<locals>."));
                match s.rfind(".<locals>.") {
                    Some(i) => s.truncate(i),
                    None => break,
                }
            }
        }
        prefixes.push(String::new());
        for prefix in &prefixes {
            let q = format!("{prefix}{name}");
            if index.classes.contains_key(&q) {
                return Target::Class {
                    file: file.to_string(),
                    qualname: q,
                };
            }
            if index.functions.contains(&q) {
                return Target::Function {
                    file: file.to_string(),
                    qualname: q,
                };
            }
            let import_scope = if prefix.is_empty() {
                MODULE_SCOPE.to_string()
            } else {
                prefix.trim_end_matches(".<locals>.").to_string()
            };
            if let Some(imp) = index
                .imports
                .get(&(import_scope, name.to_string()))
                .and_then(|&i| summary.imports.get(i))
            {
                let module = self.absolute(file, imp.level, &imp.module);
                return match &imp.name {
                    None => match self.file_of(&module) {
                        Some(_) => Target::Module(module),
                        None => Target::External,
                    },
                    Some(n) => self.member(&module, n, depth + 1),
                };
            }
        }
        Target::External
    }

    /// `module.name`: a submodule, or a name defined or re-exported by the module.
    fn member(&self, module: &str, name: &str, depth: u32) -> Target {
        let key = (module.to_string(), name.to_string());
        if let Some(t) = self.member_cache.borrow().get(&key) {
            return t.clone();
        }
        let sub = if module.is_empty() {
            name.to_string()
        } else {
            format!("{module}.{name}")
        };
        let target = if self.file_of(&sub).is_some() {
            Target::Module(sub)
        } else {
            match self.file_of(module) {
                Some(file) => self.lookup(file, MODULE_SCOPE, name, depth),
                None => Target::External,
            }
        };
        if depth <= 1 && self.depth.get() <= 1 {
            self.member_cache.borrow_mut().insert(key, target.clone());
        }
        target
    }

    /// Resolve a dotted path as written in `scope` of `file`; a part ending in `()` is the
    /// result of calling what precedes it.
    fn resolve(&self, file: &str, scope: &str, path: &str) -> Target {
        let d = self.depth.get();
        if d >= MAX_RESOLUTION_DEPTH {
            return Target::External;
        }
        self.depth.set(d + 1);
        let out = self.resolve_path(file, scope, path);
        self.depth.set(d);
        out
    }

    fn resolve_path(&self, file: &str, scope: &str, path: &str) -> Target {
        let (first, rest) = path.split_once('.').unwrap_or((path, ""));
        let (name, called) = split_call(first);
        let start = self.lookup(file, scope, name, 0);
        self.walk(called_result(start, called), rest)
    }

    /// Resolve `rest` on `self` of `class` (`super()` starts after the class itself).
    fn resolve_from(&self, file: &str, class: &str, rest: &str, skip_class: bool) -> Target {
        let (first, more) = rest.split_once('.').unwrap_or((rest, ""));
        let (name, called) = split_call(first);
        let mro = self.mro(file, class);
        let order = if skip_class && !mro.is_empty() {
            &mro[1..]
        } else {
            &mro[..]
        };
        let start = order
            .iter()
            .find_map(|(f, q)| {
                let m = format!("{q}.{name}");
                self.has_function(f, &m).then(|| Target::Function {
                    file: f.clone(),
                    qualname: m,
                })
            })
            .or_else(|| self.attribute_type(file, class, name))
            .unwrap_or(Target::External);
        self.walk(called_result(start, called), more)
    }

    /// Follow attribute parts from a resolved target.
    fn walk(&self, mut target: Target, rest: &str) -> Target {
        for part in rest.split('.').filter(|p| !p.is_empty()) {
            let (name, called) = split_call(part);
            let next = match target {
                Target::Module(m) => self.member(&m, name, 0),
                Target::Class { file, qualname } | Target::Instance { file, qualname } => {
                    match self.method(&file, &qualname, name) {
                        Some((f, q)) => Target::Function {
                            file: f,
                            qualname: q,
                        },
                        None => match self.attribute_type(&file, &qualname, name) {
                            Some(t) => t,
                            None => return Target::External,
                        },
                    }
                }
                _ => return Target::External,
            };
            target = called_result(next, called);
        }
        target
    }

    /// The class of `self.<attr>` for instances of a class, from `self.<attr> = C(...)`.
    fn attribute_type(&self, file: &str, class: &str, attr: &str) -> Option<Target> {
        self.mro(file, class).iter().find_map(|(f, q)| {
            let c = self.class(f, q)?;
            let (_, ty) = c.attribute_types.iter().find(|(a, _)| a == attr)?;
            match self.resolve(f, &c.scope, ty) {
                Target::Class { file, qualname } => Some(Target::Instance { file, qualname }),
                _ => None,
            }
        })
    }

    /// Whether `name` is bound by an import (to something outside the repository).
    fn is_imported_name(&self, file: &str, scope: &str, name: &str) -> bool {
        self.index.get(file).is_some_and(|m| {
            m.imports
                .contains_key(&(scope.to_string(), name.to_string()))
                || m.imports
                    .contains_key(&(MODULE_SCOPE.to_string(), name.to_string()))
        })
    }

    /// A class's bases that are repository classes, resolved from where it is defined.
    fn bases(&self, file: &str, class: &ClassInfo) -> Vec<(String, String)> {
        class
            .bases
            .iter()
            .filter_map(|b| match self.resolve(file, &class.scope, b) {
                Target::Class { file, qualname } => Some((file, qualname)),
                _ => None,
            })
            .collect()
    }

    /// The repository part of a class's method resolution order (depth-first, left to
    /// right, each class once — C3 agrees on every hierarchy without diamonds).
    fn mro(&self, file: &str, qualname: &str) -> Rc<Vec<(String, String)>> {
        let key = (file.to_string(), qualname.to_string());
        if let Some(m) = self.mro_cache.borrow().get(&key) {
            return m.clone();
        }
        // A cycle through this class's bases sees an empty order rather than recursing.
        self.mro_cache
            .borrow_mut()
            .insert(key.clone(), Rc::new(Vec::new()));
        let m = Rc::new(self.compute_mro(file, qualname));
        self.mro_cache.borrow_mut().insert(key, m.clone());
        m
    }

    fn compute_mro(&self, file: &str, qualname: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut stack = vec![(file.to_string(), qualname.to_string())];
        while let Some((f, q)) = stack.pop() {
            if out.contains(&(f.clone(), q.clone())) || out.len() > 64 {
                continue;
            }
            if let Some(c) = self.class(&f, &q) {
                let bases = self.bases(&f, c);
                out.push((f, q));
                stack.extend(bases.into_iter().rev());
            }
        }
        out
    }

    /// The method `name` a class (or its repository bases) defines.
    fn method(&self, file: &str, class: &str, name: &str) -> Option<(String, String)> {
        self.mro(file, class).iter().find_map(|(f, q)| {
            let m = format!("{q}.{name}");
            self.has_function(f, &m).then(|| (f.clone(), m))
        })
    }
}

/// `name()` → (`name`, called).
fn split_call(part: &str) -> (&str, bool) {
    match part.strip_suffix("()") {
        Some(n) => (n, true),
        None => (part, false),
    }
}

/// The value of calling a target: a class gives an instance; anything else is unknown.
fn called_result(target: Target, called: bool) -> Target {
    match (target, called) {
        (Target::Class { file, qualname }, true) => Target::Instance { file, qualname },
        (_, true) => Target::External,
        (t, false) => t,
    }
}

fn parent(module: &str) -> String {
    module
        .rsplit_once('.')
        .map(|(p, _)| p.to_string())
        .unwrap_or_default()
}

/// Every edge out of one file's scopes.
fn file_edges(repo: &Repo, file: &str) -> Vec<PendingEdge> {
    let Some(summary) = repo.summaries.get(file) else {
        return Vec::new();
    };
    let at = |scope: &str| ScopeId {
        file: file.to_string(),
        scope: scope.to_string(),
    };
    let mut out: Vec<PendingEdge> = Vec::new();
    // Imports run the imported repository modules (and the packages above them).
    for imp in &summary.imports {
        let module = repo.absolute(file, imp.level, &imp.module);
        let mut targets = Vec::new();
        if let Some(n) = &imp.name {
            targets.push(if module.is_empty() {
                n.clone()
            } else {
                format!("{module}.{n}")
            });
        }
        let mut prefix = String::new();
        for part in module.split('.').filter(|p| !p.is_empty()) {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(part);
            targets.push(prefix.clone());
        }
        for m in targets {
            if let Some(f) = repo.file_of(&m) {
                out.push((at(&imp.scope), ScopeId::module(f), imp.line, "imports"));
            }
        }
    }
    // A class statement runs its bases' `__init_subclass__` and its metaclass.
    for class in &summary.classes {
        let mro = repo.mro(file, &class.qualname);
        for (f, q) in mro.iter().skip(1) {
            let m = format!("{q}.__init_subclass__");
            if repo.has_function(f, &m) {
                out.push((
                    at(&class.scope),
                    ScopeId {
                        file: f.clone(),
                        scope: m,
                    },
                    class.line,
                    "subclasses",
                ));
            }
        }
        if let Some(meta) = &class.metaclass
            && let Target::Class { file: mf, qualname } = repo.resolve(file, &class.scope, meta)
        {
            for hook in ["__prepare__", "__new__", "__init__"] {
                if let Some((f, q)) = repo.method(&mf, &qualname, hook) {
                    out.push((
                        at(&class.scope),
                        ScopeId { file: f, scope: q },
                        class.line,
                        "metaclass",
                    ));
                }
            }
        }
    }
    // Calls and references.
    let class_of: HashMap<&str, Option<&str>> = summary
        .functions
        .iter()
        .map(|f| (f.qualname.as_str(), f.class.as_deref()))
        .collect();
    for (scope, refs) in &summary.references {
        let class = class_of.get(scope.as_str()).copied().flatten();
        for r in refs {
            for (to, how) in targets(repo, file, scope, class, &r.path, r.call) {
                out.push((at(scope), to, r.line, how));
            }
        }
    }
    out
}

/// What a reference in `scope` (a method of `class`, if any) may run.
fn targets(
    repo: &Repo,
    file: &str,
    scope: &str,
    class: Option<&str>,
    path: &str,
    call: bool,
) -> Vec<(ScopeId, &'static str)> {
    let (root, rest) = path.split_once('.').unwrap_or((path, ""));
    let resolved = match (root, class) {
        ("self" | "cls", Some(class)) if !rest.is_empty() => {
            repo.resolve_from(file, class, rest, false)
        }
        ("super()", Some(class)) if !rest.is_empty() => repo.resolve_from(file, class, rest, true),
        _ => repo.resolve(file, scope, path),
    };
    let function = |f: String, q: String| ScopeId { file: f, scope: q };
    let mut out = Vec::new();
    match resolved {
        Target::Function { file, qualname } => {
            out.push((
                function(file, qualname),
                if call { "calls" } else { "refers to" },
            ));
        }
        Target::Class { file, qualname } => {
            let how = if call {
                "instantiates"
            } else {
                "refers to class"
            };
            for hook in INSTANCE_HOOKS {
                if let Some((f, q)) = repo.method(&file, &qualname, hook) {
                    out.push((function(f, q), how));
                }
            }
        }
        // Calling an instance runs `__call__`; torch's `nn.Module.__call__` runs `forward`.
        Target::Instance { file, qualname } if call => {
            if let Some((f, q)) = ["__call__", "forward"]
                .iter()
                .find_map(|m| repo.method(&file, &qualname, m))
            {
                out.push((function(f, q), "calls"));
            }
        }
        Target::Instance { .. } | Target::Module(_) => {}
        Target::External => {
            // A method call on a receiver of unknown type (a parameter, a local, an
            // attribute, or `self` of a class with bases outside the repository).
            let unknown_receiver = match root {
                "self" | "cls" | "super()" => true,
                _ => {
                    let bare = root.trim_end_matches("()");
                    repo.lookup(file, scope, bare, 0) == Target::External
                        && !repo.is_imported_name(file, scope, bare)
                }
            };
            let name = path.rsplit('.').next().unwrap_or(path);
            if call && !rest.is_empty() && unknown_receiver && !name.starts_with("__") {
                out.push((hub(name), "calls by name"));
            }
        }
    }
    out
}

/// A by-name hub node: stands for every repository method called `name`, so a call on an
/// unknown receiver costs one edge however many such methods exist.
fn hub(name: &str) -> ScopeId {
    ScopeId {
        file: String::new(),
        scope: format!("any method named {name}"),
    }
}

/// One edge before node numbering.
type PendingEdge = (ScopeId, ScopeId, u32, &'static str);

impl CallGraph {
    /// Build the graph of a repository from its modules' summaries (keyed by path).
    pub fn build(summaries: BTreeMap<String, ModuleSummary>) -> CallGraph {
        let mut g = CallGraph {
            nodes: Vec::new(),
            index: HashMap::default(),
            edges: Vec::new(),
            repo: Repo::new(summaries),
        };
        // Nodes: every scope, then one hub per method name with edges to those methods.
        let mut methods_by_name: BTreeMap<String, Vec<ScopeId>> = BTreeMap::new();
        let mut scopes: Vec<ScopeId> = Vec::new();
        for (file, s) in &g.repo.summaries {
            let at = |scope: &str| ScopeId {
                file: file.clone(),
                scope: scope.to_string(),
            };
            scopes.extend(s.references.keys().map(|k| at(k)));
            for f in &s.functions {
                scopes.push(at(&f.qualname));
                if f.class.is_some() {
                    let name = f.qualname.rsplit('.').next().unwrap_or(&f.qualname);
                    methods_by_name
                        .entry(name.to_string())
                        .or_default()
                        .push(at(&f.qualname));
                }
            }
        }
        for id in scopes {
            g.node(id);
        }
        for (name, methods) in methods_by_name {
            let h = g.node(hub(&name));
            for m in methods {
                if let Some(&to) = g.index.get(&m) {
                    g.edges[h].push(Edge {
                        to,
                        line: 0,
                        how: "may be",
                    });
                }
            }
        }
        let files: Vec<String> = g.repo.summaries.keys().cloned().collect();
        let mut seen: HashSet<(usize, usize)> = HashSet::default();
        for file in &files {
            for (from, to, line, how) in file_edges(&g.repo, file) {
                let (Some(&from), Some(&to)) = (g.index.get(&from), g.index.get(&to)) else {
                    continue;
                };
                if seen.insert((from, to)) {
                    g.edges[from].push(Edge { to, line, how });
                }
            }
        }
        g
    }

    fn node(&mut self, id: ScopeId) -> usize {
        if let Some(&i) = self.index.get(&id) {
            return i;
        }
        self.nodes.push(id.clone());
        self.edges.push(Vec::new());
        self.index.insert(id, self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    pub fn find(&self, file: &str, scope: &str) -> Option<usize> {
        self.index
            .get(&ScopeId {
                file: file.to_string(),
                scope: scope.to_string(),
            })
            .copied()
    }

    /// The scopes a loader entry point starts in: a function itself, or for a class its
    /// instance hooks and the named methods the loader calls (through the class's
    /// repository bases).
    pub fn entry_scopes(&self, file: &str, name: &str, invokes: &[&str]) -> Vec<usize> {
        let mut out = Vec::new();
        match self.repo.lookup(file, MODULE_SCOPE, name, 0) {
            Target::Function { file, qualname } => out.extend(self.find(&file, &qualname)),
            Target::Class { file, qualname } => {
                for m in INSTANCE_HOOKS.iter().chain(invokes.iter()) {
                    if let Some((f, q)) = self.repo.method(&file, &qualname, m) {
                        out.extend(self.find(&f, &q));
                    }
                }
            }
            _ => {}
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Breadth-first search from the roots: for each reached node, the edge it was first
    /// reached by (`None` for roots). Shortest paths make the shortest evidence.
    pub fn reach(&self, roots: &[usize]) -> HashMap<usize, Option<(usize, Edge)>> {
        let mut seen: HashMap<usize, Option<(usize, Edge)>> = HashMap::default();
        let mut queue = VecDeque::new();
        for &r in roots {
            if seen.insert(r, None).is_none() {
                queue.push_back(r);
            }
        }
        while let Some(n) = queue.pop_front() {
            for e in &self.edges[n] {
                if let std::collections::hash_map::Entry::Vacant(v) = seen.entry(e.to) {
                    v.insert(Some((n, e.clone())));
                    queue.push_back(e.to);
                }
            }
        }
        seen
    }

    /// The path from a root to `node`, as evidence lines.
    pub fn path(
        &self,
        reached: &HashMap<usize, Option<(usize, Edge)>>,
        node: usize,
    ) -> Vec<String> {
        let mut steps = Vec::new();
        let mut cur = node;
        let mut guard = HashSet::default();
        while let Some(Some((prev, edge))) = reached.get(&cur) {
            if !guard.insert(cur) {
                break;
            }
            steps.push(if edge.line > 0 {
                format!(
                    "{} {} ({} line {})",
                    edge.how,
                    self.nodes[cur].label(),
                    self.nodes[*prev].file,
                    edge.line
                )
            } else {
                format!("{} {}", edge.how, self.nodes[cur].label())
            });
            cur = *prev;
        }
        steps.push(self.nodes[cur].label());
        steps.reverse();
        steps
    }
}
