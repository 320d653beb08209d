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
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

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
    index: NodeIndex,
    /// Edges out of each hub, by hub number (node - the number of scope nodes).
    hub_edges: Vec<Vec<Edge>>,
    /// By scope node, the edges out of it, resolved when a search first reaches the scope:
    /// code no load reaches (functions nothing calls, most of a vendored library, all of a
    /// package nothing loads) is never resolved.
    scope_edges: Vec<OnceLock<Vec<Edge>>>,
    repo: Repo,
    threads: usize,
    /// Resolvers' caches between runs of resolutions (see [`Caches`]).
    caches: Mutex<Vec<Caches>>,
}

/// The repository's modules, by dotted name and by path, with lookup indexes. Read-only,
/// so every worker resolves against the same copy.
struct Repo {
    /// Dotted module name → file.
    by_module: HashMap<String, FileId>,
    /// Paths, sorted: a file's number is its place here, and edges are joined in this order.
    files: Vec<String>,
    modules: Vec<Module>,
}

/// A file's number in [`Repo::files`]: resolution compares and hashes these, not paths.
type FileId = usize;

struct Module {
    summary: ModuleSummary,
    index: ModuleIndex,
    /// The package relative imports start from (`a.b` for `a/b/c.py` and `a/b/__init__.py`).
    package: String,
}

/// Name resolution for one worker: the repository and what it has resolved so far.
struct Resolver<'r> {
    repo: &'r Repo,
    /// Method resolution orders computed so far (file → class → order).
    mro_cache: RefCell<Vec<HashMap<String, Mro>>>,
    /// `module.name` resolutions made outside any nesting (so no depth limit cut them):
    /// most files import the same few names from the same modules.
    member_cache: RefCell<Nested<Target>>,
    /// Resolution steps in progress: hostile code can make bases, re-exports and attribute
    /// types refer to each other in cycles.
    depth: Cell<u32>,
}

/// A class's method resolution order within the repository: (file, class qualname).
type Mro = Arc<Vec<(FileId, String)>>;

/// What a resolver has worked out (method resolution orders, module members), kept for the
/// next run of resolutions on any worker: the answers do not depend on it, only the time.
#[derive(Default)]
struct Caches {
    mro: Vec<HashMap<String, Mro>>,
    member: Nested<Target>,
}

/// A map keyed by two strings, looked up without building an owned key.
type Nested<V> = HashMap<String, HashMap<String, V>>;

fn nested_get<'m, V>(map: &'m Nested<V>, a: &str, b: &str) -> Option<&'m V> {
    map.get(a)?.get(b)
}

fn nested_insert<V>(map: &mut Nested<V>, a: &str, b: &str, value: V) {
    match map.get_mut(a) {
        Some(inner) => {
            inner.insert(b.to_string(), value);
        }
        None => {
            map.entry(a.to_string())
                .or_default()
                .insert(b.to_string(), value);
        }
    }
}

impl<'r> std::ops::Deref for Resolver<'r> {
    type Target = Repo;
    fn deref(&self) -> &Repo {
        self.repo
    }
}

/// Nested resolution steps allowed before giving up (answering "outside the repository").
const MAX_RESOLUTION_DEPTH: u32 = 64;

/// One module's names, for constant-time lookups.
#[derive(Default)]
struct ModuleIndex {
    /// Function qualname → position in the summary's `functions` (the last definition).
    functions: HashMap<String, usize>,
    /// Class qualname → position in the summary's `classes`.
    classes: HashMap<String, usize>,
    /// Class qualname → the names of the methods it defines.
    methods: HashMap<String, HashSet<String>>,
    /// Scope → local name → position of the last import binding it.
    imports: Nested<usize>,
    /// Scope → positions of the imports and of the class statements it runs, in order.
    imports_in: HashMap<String, Vec<usize>>,
    classes_in: HashMap<String, Vec<usize>>,
    /// Scopes with functions, classes or imports of their own inside (`f` when `f.<locals>.g`
    /// exists): only these need looking into when a name is resolved from within.
    enclosing: HashSet<String>,
}

/// What a name resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Module(String),
    Function {
        file: FileId,
        qualname: String,
    },
    Class {
        file: FileId,
        qualname: String,
    },
    /// An instance of a repository class (`Registry(name)`).
    Instance {
        file: FileId,
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

/// The scope a `<locals>` qualname is defined in: `f.<locals>.g` → `f`.
fn enclosing_scope(qualname: &str) -> Option<&str> {
    qualname.rsplit_once(".<locals>.").map(|(scope, _)| scope)
}

impl ModuleIndex {
    fn new(s: &ModuleSummary) -> ModuleIndex {
        let mut m = ModuleIndex::default();
        for (i, f) in s.functions.iter().enumerate() {
            m.functions.insert(f.qualname.clone(), i);
            if let Some((class, name)) = f.qualname.rsplit_once('.') {
                m.methods
                    .entry(class.to_string())
                    .or_default()
                    .insert(name.to_string());
            }
        }
        for (i, c) in s.classes.iter().enumerate() {
            m.classes.entry(c.qualname.clone()).or_insert(i);
            m.classes_in.entry(c.scope.clone()).or_default().push(i);
        }
        for (i, imp) in s.imports.iter().enumerate() {
            nested_insert(&mut m.imports, &imp.scope, &imp.local, i);
            m.imports_in.entry(imp.scope.clone()).or_default().push(i);
        }
        let defined = s.functions.iter().map(|f| f.qualname.as_str());
        let defined = defined.chain(s.classes.iter().map(|c| c.qualname.as_str()));
        m.enclosing = defined
            .filter_map(enclosing_scope)
            .chain(s.imports.iter().map(|i| i.scope.as_str()))
            .filter(|s| *s != MODULE_SCOPE)
            .map(str::to_string)
            .collect();
        m
    }
}

impl Repo {
    fn new(files: Vec<String>, modules: Vec<Module>) -> Repo {
        let by_module = files
            .iter()
            .enumerate()
            .filter_map(|(id, p)| module_name(p).map(|m| (m, id)))
            .collect();
        Repo {
            by_module,
            files,
            modules,
        }
    }

    fn id(&self, path: &str) -> Option<FileId> {
        self.files.binary_search_by(|p| p.as_str().cmp(path)).ok()
    }

    fn resolver(&self) -> Resolver<'_> {
        self.resolver_with(Caches::default())
    }

    fn resolver_with(&self, mut caches: Caches) -> Resolver<'_> {
        caches.mro.resize_with(self.files.len(), HashMap::default);
        Resolver {
            repo: self,
            mro_cache: RefCell::new(caches.mro),
            member_cache: RefCell::new(caches.member),
            depth: Cell::new(0),
        }
    }

    fn file_of(&self, module: &str) -> Option<FileId> {
        self.by_module.get(module).copied()
    }

    /// The absolute module an import names, from the importing file.
    fn absolute(&self, file: FileId, level: u32, module: &str) -> String {
        if level == 0 {
            return module.to_string();
        }
        let package = &self.modules[file].package;
        let mut parts: Vec<&str> = package.split('.').filter(|p| !p.is_empty()).collect();
        for _ in 1..level {
            parts.pop();
        }
        if !module.is_empty() {
            parts.push(module);
        }
        parts.join(".")
    }

    fn class(&self, file: FileId, qualname: &str) -> Option<&ClassInfo> {
        let m = self.modules.get(file)?;
        m.summary.classes.get(*m.index.classes.get(qualname)?)
    }

    /// Whether class `class` of `file` itself defines a method `name`.
    fn defines_method(&self, file: FileId, class: &str, name: &str) -> bool {
        self.modules
            .get(file)
            .and_then(|m| m.index.methods.get(class))
            .is_some_and(|names| names.contains(name))
    }

    /// Whether `name` is bound by an import (to something outside the repository).
    fn is_imported_name(&self, file: FileId, scope: &str, name: &str) -> bool {
        self.modules.get(file).is_some_and(|m| {
            nested_get(&m.index.imports, scope, name).is_some()
                || nested_get(&m.index.imports, MODULE_SCOPE, name).is_some()
        })
    }
}

impl Resolver<'_> {
    fn into_caches(self) -> Caches {
        Caches {
            mro: self.mro_cache.into_inner(),
            member: self.member_cache.into_inner(),
        }
    }

    /// A top-level (or enclosing-scope) name in a module, as seen from `scope`.
    fn lookup(&self, file: FileId, scope: &str, name: &str, depth: u32) -> Target {
        if depth > 8 {
            return Target::External;
        }
        let Some(Module { summary, index, .. }) = self.modules.get(file) else {
            return Target::External;
        };
        // Enclosing scopes from the innermost (`f.<locals>.g` sees `f.<locals>.x`), then
        // module level.
        let mut scopes: Vec<&str> = Vec::new();
        let mut s = Some(scope).filter(|s| *s != MODULE_SCOPE);
        while let Some(cur) = s {
            if index.enclosing.contains(cur) {
                scopes.push(cur);
            }
            s = enclosing_scope(cur);
        }
        scopes.push(MODULE_SCOPE);
        let mut q = String::new();
        for import_scope in scopes {
            q.clear();
            if import_scope != MODULE_SCOPE {
                q.push_str(import_scope);
                q.push_str(".<locals>.");
            }
            q.push_str(name);
            if index.classes.contains_key(&q) {
                return Target::Class { file, qualname: q };
            }
            if index.functions.contains_key(&q) {
                return Target::Function { file, qualname: q };
            }
            if let Some(imp) =
                nested_get(&index.imports, import_scope, name).and_then(|&i| summary.imports.get(i))
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
        if let Some(t) = nested_get(&self.member_cache.borrow(), module, name) {
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
            nested_insert(
                &mut self.member_cache.borrow_mut(),
                module,
                name,
                target.clone(),
            );
        }
        target
    }

    /// Resolve a dotted path as written in `scope` of `file`; a part ending in `()` is the
    /// result of calling what precedes it.
    fn resolve(&self, file: FileId, scope: &str, path: &str) -> Target {
        let d = self.depth.get();
        if d >= MAX_RESOLUTION_DEPTH {
            return Target::External;
        }
        self.depth.set(d + 1);
        let out = self.resolve_path(file, scope, path);
        self.depth.set(d);
        out
    }

    fn resolve_path(&self, file: FileId, scope: &str, path: &str) -> Target {
        let (first, rest) = path.split_once('.').unwrap_or((path, ""));
        let (name, called) = split_call(first);
        let start = self.lookup(file, scope, name, 0);
        self.walk(called_result(start, called), rest)
    }

    /// Resolve `rest` on `self` of `class` (`super()` starts after the class itself).
    fn resolve_from(&self, file: FileId, class: &str, rest: &str, skip_class: bool) -> Target {
        let (first, more) = rest.split_once('.').unwrap_or((rest, ""));
        let (name, called) = split_call(first);
        let mro = self.mro(file, class);
        let order = if skip_class && !mro.is_empty() {
            &mro[1..]
        } else {
            &mro[..]
        };
        let start = self
            .first_defining(order, name)
            .map(|(file, qualname)| Target::Function { file, qualname })
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
                    match self.method(file, &qualname, name) {
                        Some((f, q)) => Target::Function {
                            file: f,
                            qualname: q,
                        },
                        None => match self.attribute_type(file, &qualname, name) {
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
    fn attribute_type(&self, file: FileId, class: &str, attr: &str) -> Option<Target> {
        self.mro(file, class).iter().find_map(|(f, q)| {
            let c = self.class(*f, q)?;
            let (_, ty) = c.attribute_types.iter().find(|(a, _)| a == attr)?;
            match self.resolve(*f, &c.scope, ty) {
                Target::Class { file, qualname } => Some(Target::Instance { file, qualname }),
                _ => None,
            }
        })
    }

    /// A class's bases that are repository classes, resolved from where it is defined.
    fn bases(&self, file: FileId, class: &ClassInfo) -> Vec<(FileId, String)> {
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
    fn mro(&self, file: FileId, qualname: &str) -> Mro {
        let cached = |c: &Vec<HashMap<String, Mro>>| c.get(file)?.get(qualname).cloned();
        if let Some(m) = cached(&self.mro_cache.borrow()) {
            return m;
        }
        let store = |m: &Mro| {
            if let Some(c) = self.mro_cache.borrow_mut().get_mut(file) {
                c.insert(qualname.to_string(), m.clone());
            }
        };
        // A cycle through this class's bases sees an empty order rather than recursing.
        store(&Arc::new(Vec::new()));
        let m = Arc::new(self.compute_mro(file, qualname));
        store(&m);
        m
    }

    fn compute_mro(&self, file: FileId, qualname: &str) -> Vec<(FileId, String)> {
        let mut out: Vec<(FileId, String)> = Vec::new();
        let mut stack = vec![(file, qualname.to_string())];
        while let Some((f, q)) = stack.pop() {
            if out.iter().any(|(of, oq)| *of == f && *oq == q) || out.len() > 64 {
                continue;
            }
            if let Some(c) = self.class(f, &q) {
                let bases = self.bases(f, c);
                out.push((f, q));
                stack.extend(bases.into_iter().rev());
            }
        }
        out
    }

    /// The method `name` a class (or its repository bases) defines.
    fn method(&self, file: FileId, class: &str, name: &str) -> Option<(FileId, String)> {
        self.first_defining(&self.mro(file, class), name)
    }

    /// The first class in `order` that defines method `name`: (file, method qualname).
    fn first_defining(&self, order: &[(FileId, String)], name: &str) -> Option<(FileId, String)> {
        order
            .iter()
            .find(|(f, q)| self.defines_method(*f, q, name))
            .map(|(f, q)| (*f, format!("{q}.{name}")))
    }
}

/// The package a file's relative imports start from.
fn package_of(path: &str) -> String {
    module_name(path)
        .map(|m| {
            if path.ends_with("__init__.py") {
                m
            } else {
                parent(&m)
            }
        })
        .unwrap_or_default()
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

/// Node numbers by file and scope, and of the by-name hubs by method name.
#[derive(Default)]
struct NodeIndex {
    /// By file, the number of its first node: a file's scopes are numbered together, and
    /// the by-name hubs come after the last file's (at `first[files]`).
    first: Vec<usize>,
    /// By file, each scope's place among the file's nodes.
    local: Vec<HashMap<String, usize>>,
    hubs: HashMap<String, usize>,
}

impl NodeIndex {
    fn scope(&self, file: FileId, scope: &str) -> Option<usize> {
        Some(self.first.get(file)? + self.local.get(file)?.get(scope)?)
    }
}

/// A module's part of the call graph, prepared on the worker that summarized it (so that
/// joining the modules is little more than numbering them).
pub struct PreparedModule {
    module: Module,
    /// Its scopes, in the order of their nodes, and each one's place in that order.
    nodes: Vec<ScopeId>,
    local: HashMap<String, usize>,
    /// Its methods: (name, place of the method's node), for the by-name hubs.
    methods: Vec<(String, usize)>,
}

/// Index one module's summary for the call graph (`path`: its place in the repository).
pub fn prepare(path: &str, summary: ModuleSummary) -> PreparedModule {
    let mut nodes = Vec::new();
    let mut local: HashMap<String, usize> = HashMap::default();
    let scopes = summary
        .references
        .keys()
        .chain(summary.functions.iter().map(|f| &f.qualname));
    for scope in scopes {
        if !local.contains_key(scope) {
            local.insert(scope.clone(), nodes.len());
            nodes.push(ScopeId {
                file: path.to_string(),
                scope: scope.clone(),
            });
        }
    }
    let methods = summary
        .functions
        .iter()
        .filter(|f| f.class.is_some())
        .map(|f| {
            let name = f.qualname.rsplit('.').next().unwrap_or(&f.qualname);
            (name.to_string(), local[&f.qualname])
        })
        .collect();
    PreparedModule {
        module: Module {
            index: ModuleIndex::new(&summary),
            summary,
            package: package_of(path),
        },
        nodes,
        local,
        methods,
    }
}

/// One edge out of a scope: (to, line, how).
type ScopeEdge = (usize, u32, &'static str);

/// Every edge out of `scope` of `file`: the imports it runs, the class statements it runs,
/// then its calls and references, in source order.
fn scope_edges(r: &Resolver, nodes: &NodeIndex, file: FileId, scope: &str) -> Vec<ScopeEdge> {
    let Some(Module { summary, index, .. }) = r.modules.get(file) else {
        return Vec::new();
    };
    let mut out: Vec<ScopeEdge> = Vec::new();
    // Imports run the imported repository modules (and the packages above them).
    for &i in index.imports_in.get(scope).into_iter().flatten() {
        let imp = &summary.imports[i];
        let module = r.absolute(file, imp.level, &imp.module);
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
            if let Some(to) = r.file_of(&m).and_then(|f| nodes.scope(f, MODULE_SCOPE)) {
                out.push((to, imp.line, "imports"));
            }
        }
    }
    // A class statement runs its bases' `__init_subclass__` and its metaclass.
    for &i in index.classes_in.get(scope).into_iter().flatten() {
        let class = &summary.classes[i];
        let mro = r.mro(file, &class.qualname);
        for (f, q) in mro.iter().skip(1) {
            if r.defines_method(*f, q, "__init_subclass__")
                && let Some(to) = nodes.scope(*f, &format!("{q}.__init_subclass__"))
            {
                out.push((to, class.line, "subclasses"));
            }
        }
        if let Some(meta) = &class.metaclass
            && let Target::Class { file: mf, qualname } = r.resolve(file, &class.scope, meta)
        {
            for hook in ["__prepare__", "__new__", "__init__"] {
                if let Some(to) = r
                    .method(mf, &qualname, hook)
                    .and_then(|(f, q)| nodes.scope(f, &q))
                {
                    out.push((to, class.line, "metaclass"));
                }
            }
        }
    }
    // Calls and references.
    let class = index
        .functions
        .get(scope)
        .and_then(|&i| summary.functions[i].class.as_deref());
    for reference in summary.references.get(scope).into_iter().flatten() {
        for (to, how) in targets(
            r,
            nodes,
            file,
            scope,
            class,
            &reference.path,
            reference.call,
        ) {
            out.push((to, reference.line, how));
        }
    }
    out
}

/// What a reference in `scope` (a method of `class`, if any) may run.
fn targets(
    r: &Resolver,
    nodes: &NodeIndex,
    file: FileId,
    scope: &str,
    class: Option<&str>,
    path: &str,
    call: bool,
) -> Vec<(usize, &'static str)> {
    let (root, rest) = path.split_once('.').unwrap_or((path, ""));
    let resolved = match (root, class) {
        ("self" | "cls", Some(class)) if !rest.is_empty() => {
            r.resolve_from(file, class, rest, false)
        }
        ("super()", Some(class)) if !rest.is_empty() => r.resolve_from(file, class, rest, true),
        _ => r.resolve(file, scope, path),
    };
    let mut out = Vec::new();
    match resolved {
        Target::Function { file, qualname } => {
            let how = if call { "calls" } else { "refers to" };
            out.extend(nodes.scope(file, &qualname).map(|n| (n, how)));
        }
        Target::Class { file, qualname } => {
            let how = if call {
                "instantiates"
            } else {
                "refers to class"
            };
            for hook in INSTANCE_HOOKS {
                if let Some((f, q)) = r.method(file, &qualname, hook) {
                    out.extend(nodes.scope(f, &q).map(|n| (n, how)));
                }
            }
        }
        // Calling an instance runs `__call__`; torch's `nn.Module.__call__` runs `forward`.
        Target::Instance { file, qualname } if call => {
            if let Some((f, q)) = ["__call__", "forward"]
                .iter()
                .find_map(|m| r.method(file, &qualname, m))
            {
                out.extend(nodes.scope(f, &q).map(|n| (n, "calls")));
            }
        }
        Target::Instance { .. } | Target::Module(_) => {}
        Target::External => {
            // A method call on a receiver of unknown type (a parameter, a local, an
            // attribute, or `self` of a class with bases outside the repository); the
            // receiver is looked up only for names some repository method has.
            let name = path.rsplit('.').next().unwrap_or(path);
            let hub = match nodes.hubs.get(name) {
                Some(&hub) if call && !rest.is_empty() && !name.starts_with("__") => hub,
                _ => return out,
            };
            let unknown_receiver = match root {
                "self" | "cls" | "super()" => true,
                _ => {
                    let bare = root.trim_end_matches("()");
                    r.lookup(file, scope, bare, 0) == Target::External
                        && !r.is_imported_name(file, scope, bare)
                }
            };
            if unknown_receiver {
                out.push((hub, "calls by name"));
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

impl CallGraph {
    /// Build the graph of a repository from its modules, prepared by [`prepare`] (keyed by
    /// path): its nodes now, the edges out of a scope when [`CallGraph::reach`] first needs
    /// them (on `threads` workers).
    pub fn build(modules: BTreeMap<String, PreparedModule>, threads: usize) -> CallGraph {
        // Nodes: every scope, file by file, then one hub per method name with edges to
        // those methods.
        let mut index = NodeIndex::default();
        let mut nodes = Vec::new();
        let mut files = Vec::with_capacity(modules.len());
        let mut repo_modules = Vec::with_capacity(modules.len());
        let mut methods_by_name: HashMap<String, Vec<usize>> = HashMap::default();
        for (path, p) in modules {
            let first = nodes.len();
            index.first.push(first);
            for (name, at) in p.methods {
                methods_by_name.entry(name).or_default().push(first + at);
            }
            nodes.extend(p.nodes);
            index.local.push(p.local);
            files.push(path);
            repo_modules.push(p.module);
        }
        index.first.push(nodes.len());
        // Hubs in name order, so node numbers do not depend on hashing.
        let mut methods_by_name: Vec<_> = methods_by_name.into_iter().collect();
        methods_by_name.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut hub_edges = Vec::new();
        for (name, methods) in methods_by_name {
            index.hubs.insert(name.clone(), nodes.len());
            nodes.push(hub(&name));
            hub_edges.push(
                methods
                    .into_iter()
                    .map(|to| Edge {
                        to,
                        line: 0,
                        how: "may be",
                    })
                    .collect(),
            );
        }
        let scope_edges = (0..index.first[files.len()])
            .map(|_| OnceLock::new())
            .collect();
        CallGraph {
            nodes,
            index,
            hub_edges,
            scope_edges,
            repo: Repo::new(files, repo_modules),
            threads,
            caches: Mutex::default(),
        }
    }

    /// The edges out of `node`; none for a scope not yet resolved (see
    /// [`CallGraph::resolve`]).
    fn edges_of(&self, node: usize) -> &[Edge] {
        match self.scope_edges.get(node) {
            Some(edges) => edges.get().map_or(&[], Vec::as_slice),
            None => &self.hub_edges[node - self.scope_edges.len()],
        }
    }

    /// Resolve the edges of the scopes among `nodes` not resolved yet, on the graph's
    /// workers. Each worker resolves a run of scopes (neighbours, so mostly of one file)
    /// with caches of its own, taken from and returned to the graph's pool; the resolver's
    /// answers do not depend on what it resolved before, so neither do the edges.
    fn resolve(&self, nodes: &[usize]) {
        let mut todo: Vec<usize> = nodes
            .iter()
            .copied()
            .filter(|&n| self.scope_edges.get(n).is_some_and(|e| e.get().is_none()))
            .collect();
        todo.sort_unstable();
        todo.dedup();
        if todo.is_empty() {
            return;
        }
        let chunk = todo.len().div_ceil(self.threads.max(1) * 8).max(1);
        let runs: Vec<&[usize]> = todo.chunks(chunk).collect();
        let pool = || self.caches.lock().unwrap_or_else(|e| e.into_inner());
        trustscan_pyparse::parallel_map(runs.len(), self.threads, |i| {
            let caches = pool().pop().unwrap_or_default();
            let resolver = self.repo.resolver_with(caches);
            for &node in runs[i] {
                let _ = self.scope_edges[node].set(self.resolve_scope(&resolver, node));
            }
            pool().push(resolver.into_caches());
        });
        // A scope whose resolution failed (an internal error) has no edges.
        for &node in &todo {
            let _ = self.scope_edges[node].set(Vec::new());
        }
    }

    /// The file a scope node belongs to (files without scopes share their number with the
    /// next file's first: the last file starting at or before `node` holds it).
    fn file_of(&self, node: usize) -> FileId {
        self.index.first.partition_point(|&first| first <= node) - 1
    }

    /// The edges out of a scope node; the first edge to each scope is kept.
    fn resolve_scope(&self, resolver: &Resolver, node: usize) -> Vec<Edge> {
        let mut seen: HashSet<usize> = HashSet::default();
        scope_edges(
            resolver,
            &self.index,
            self.file_of(node),
            &self.nodes[node].scope,
        )
        .into_iter()
        .filter(|&(to, _, _)| seen.insert(to))
        .map(|(to, line, how)| Edge { to, line, how })
        .collect()
    }

    /// Edges resolved so far (the hubs' and those of the scopes searches reached).
    pub fn resolved_edges(&self) -> usize {
        let scopes = self.scope_edges.iter().filter_map(OnceLock::get);
        self.hub_edges.iter().chain(scopes).map(Vec::len).sum()
    }

    pub fn find(&self, file: &str, scope: &str) -> Option<usize> {
        self.index.scope(self.repo.id(file)?, scope)
    }

    /// The scopes a loader entry point starts in: a function itself, or for a class its
    /// instance hooks and the named methods the loader calls (through the class's
    /// repository bases).
    pub fn entry_scopes(&self, file: &str, name: &str, invokes: &[&str]) -> Vec<usize> {
        let Some(file) = self.repo.id(file) else {
            return Vec::new();
        };
        let r = self.repo.resolver();
        let mut out = Vec::new();
        match r.lookup(file, MODULE_SCOPE, name, 0) {
            Target::Function { file, qualname } => out.extend(self.index.scope(file, &qualname)),
            Target::Class { file, qualname } => {
                for m in INSTANCE_HOOKS.iter().chain(invokes.iter()) {
                    if let Some((f, q)) = r.method(file, &qualname, m) {
                        out.extend(self.index.scope(f, &q));
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
        // Level by level, so each level's files are resolved together, in parallel; the
        // order of discovery is a queue's.
        let mut level: Vec<usize> = roots
            .iter()
            .copied()
            .filter(|&r| seen.insert(r, None).is_none())
            .collect();
        while !level.is_empty() {
            self.resolve(&level);
            let mut next = Vec::new();
            for n in level {
                for e in self.edges_of(n) {
                    if let std::collections::hash_map::Entry::Vacant(v) = seen.entry(e.to) {
                        v.insert(Some((n, e.clone())));
                        next.push(e.to);
                    }
                }
            }
            level = next;
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
