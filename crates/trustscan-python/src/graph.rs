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
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

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
        if self.scope == MODULE_SCOPE {
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

/// The repository's modules, by dotted name and by path.
struct Repo {
    by_module: BTreeMap<String, String>,
    summaries: BTreeMap<String, ModuleSummary>,
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
        Repo {
            by_module,
            summaries,
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
        self.summaries
            .get(file)?
            .classes
            .iter()
            .find(|c| c.qualname == qualname)
    }

    fn has_function(&self, file: &str, qualname: &str) -> bool {
        self.summaries
            .get(file)
            .is_some_and(|s| s.functions.iter().any(|f| f.qualname == qualname))
    }

    /// A top-level (or enclosing-scope) name in a module, as seen from `scope`.
    fn lookup(&self, file: &str, scope: &str, name: &str, depth: u32) -> Target {
        if depth > 8 {
            return Target::External;
        }
        let Some(summary) = self.summaries.get(file) else {
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
            if summary.classes.iter().any(|c| c.qualname == q) {
                return Target::Class {
                    file: file.to_string(),
                    qualname: q,
                };
            }
            if summary.functions.iter().any(|f| f.qualname == q) {
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
            if let Some(imp) = summary
                .imports
                .iter()
                .rev()
                .find(|i| i.local == name && i.scope == import_scope)
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
        let sub = if module.is_empty() {
            name.to_string()
        } else {
            format!("{module}.{name}")
        };
        if self.file_of(&sub).is_some() {
            return Target::Module(sub);
        }
        match self.file_of(module) {
            Some(file) => self.lookup(file, MODULE_SCOPE, name, depth),
            None => Target::External,
        }
    }

    /// Resolve a dotted path as written in `scope` of `file`.
    fn resolve(&self, file: &str, scope: &str, path: &str) -> Target {
        let mut parts = path.split('.');
        let Some(first) = parts.next() else {
            return Target::External;
        };
        let mut target = self.lookup(file, scope, first, 0);
        for part in parts {
            target = match target {
                Target::Module(m) => self.member(&m, part, 0),
                Target::Class { file, qualname } => match self.method(&file, &qualname, part) {
                    Some((f, q)) => Target::Function {
                        file: f,
                        qualname: q,
                    },
                    None => Target::External,
                },
                _ => return Target::External,
            };
        }
        target
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
    fn mro(&self, file: &str, qualname: &str) -> Vec<(String, String)> {
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
        self.mro(file, class)
            .into_iter()
            .map(|(f, q)| {
                let m = format!("{q}.{name}");
                (f, m)
            })
            .find(|(f, m)| self.has_function(f, m))
    }
}

fn parent(module: &str) -> String {
    module
        .rsplit_once('.')
        .map(|(p, _)| p.to_string())
        .unwrap_or_default()
}

impl CallGraph {
    /// Build the graph of a repository from its modules' summaries (keyed by path).
    pub fn build(summaries: BTreeMap<String, ModuleSummary>) -> CallGraph {
        let mut g = CallGraph {
            nodes: Vec::new(),
            index: HashMap::new(),
            edges: Vec::new(),
            repo: Repo::new(summaries),
        };
        let files: Vec<String> = g.repo.summaries.keys().cloned().collect();
        for file in &files {
            let scopes: Vec<String> = {
                let s = &g.repo.summaries[file];
                s.references
                    .keys()
                    .cloned()
                    .chain(s.functions.iter().map(|f| f.qualname.clone()))
                    .collect()
            };
            for scope in scopes {
                g.node(&ScopeId {
                    file: file.clone(),
                    scope,
                });
            }
        }
        for file in &files {
            g.add_edges(file);
        }
        g
    }

    fn node(&mut self, id: &ScopeId) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        self.nodes.push(id.clone());
        self.edges.push(Vec::new());
        self.index.insert(id.clone(), self.nodes.len() - 1);
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

    fn edge(&mut self, from: usize, to: ScopeId, line: u32, how: &'static str) {
        if let Some(&to) = self.index.get(&to)
            && !self.edges[from].iter().any(|e| e.to == to)
        {
            self.edges[from].push(Edge { to, line, how });
        }
    }

    fn add_edges(&mut self, file: &str) {
        let Some(summary) = self.repo.summaries.get(file).cloned() else {
            return;
        };
        let class_of: HashMap<&str, Option<&str>> = summary
            .functions
            .iter()
            .map(|f| (f.qualname.as_str(), f.class.as_deref()))
            .collect();
        // Imports run the imported repository modules (and their packages).
        for imp in &summary.imports {
            let Some(from) = self.find(file, &imp.scope) else {
                continue;
            };
            let module = self.repo.absolute(file, imp.level, &imp.module);
            let mut targets = vec![module.clone()];
            if let Some(n) = &imp.name {
                targets.push(format!("{module}.{n}").trim_start_matches('.').to_string());
            }
            let mut prefix = String::new();
            for part in module.split('.').filter(|p| !p.is_empty()) {
                prefix = if prefix.is_empty() {
                    part.to_string()
                } else {
                    format!("{prefix}.{part}")
                };
                targets.push(prefix.clone());
            }
            for m in targets {
                if let Some(f) = self.repo.file_of(&m).map(str::to_string) {
                    self.edge(from, ScopeId::module(&f), imp.line, "imports");
                }
            }
        }
        // Class statements run their bases' `__init_subclass__` and their metaclass.
        for class in &summary.classes {
            let Some(from) = self.find(file, &class.scope) else {
                continue;
            };
            let mro = self.repo.mro(file, &class.qualname);
            for (f, q) in mro.iter().skip(1) {
                let m = format!("{q}.__init_subclass__");
                if self.repo.has_function(f, &m) {
                    self.edge(
                        from,
                        ScopeId {
                            file: f.clone(),
                            scope: m,
                        },
                        class.line,
                        "subclasses",
                    );
                }
            }
            if let Some(meta) = &class.metaclass
                && let Target::Class { file: mf, qualname } =
                    self.repo.resolve(file, &class.scope, meta)
            {
                for hook in ["__prepare__", "__new__", "__init__"] {
                    if let Some((f, q)) = self.repo.method(&mf, &qualname, hook) {
                        self.edge(from, ScopeId { file: f, scope: q }, class.line, "metaclass");
                    }
                }
            }
        }
        // Calls and references.
        for (scope, refs) in &summary.references {
            let Some(from) = self.find(file, scope) else {
                continue;
            };
            let class = class_of.get(scope.as_str()).copied().flatten();
            for r in refs {
                for (to, how) in self.targets(file, scope, class, &r.path, r.call) {
                    self.edge(from, to, r.line, how);
                }
            }
        }
    }

    /// What a reference in `scope` may run.
    fn targets(
        &self,
        file: &str,
        scope: &str,
        class: Option<&str>,
        path: &str,
        call: bool,
    ) -> Vec<(ScopeId, &'static str)> {
        let (root, rest) = path.split_once('.').unwrap_or((path, ""));
        let mut out = Vec::new();
        let function = |f: String, q: String| ScopeId { file: f, scope: q };
        match root {
            "self" | "cls" | "super()" if class.is_some() && !rest.is_empty() => {
                let class = class.unwrap_or_default();
                let mut mro = self.repo.mro(file, class);
                if root == "super()" && !mro.is_empty() {
                    mro.remove(0);
                }
                let (first, more) = rest.split_once('.').unwrap_or((rest, ""));
                let method = mro.iter().find_map(|(f, q)| {
                    let m = format!("{q}.{first}");
                    self.repo.has_function(f, &m).then(|| (f.clone(), m))
                });
                if let Some((f, m)) = method {
                    if more.is_empty() {
                        out.push((function(f, m), if call { "calls" } else { "refers to" }));
                    }
                } else if let Some((f, q)) = mro.iter().find_map(|(f, q)| {
                    let c = self.repo.class(f, q)?;
                    let ty = c.attribute_types.iter().find(|(a, _)| a == first)?;
                    match self.repo.resolve(f, &c.scope, &ty.1) {
                        Target::Class { file, qualname } => Some((file, qualname)),
                        _ => None,
                    }
                }) {
                    // `self.x(...)` / `self.x.m(...)` on an attribute holding a repository
                    // class instance.
                    let wanted: Vec<&str> = if more.is_empty() {
                        if call {
                            vec!["__call__", "forward"]
                        } else {
                            vec![]
                        }
                    } else {
                        vec![more.split('.').next().unwrap_or(more)]
                    };
                    if let Some(m) = wanted.iter().find_map(|w| self.repo.method(&f, &q, w)) {
                        out.push((function(m.0, m.1), "calls"));
                    }
                }
                if out.is_empty() && call {
                    out.extend(self.by_name(path));
                }
            }
            _ => match self.repo.resolve(file, scope, path) {
                Target::Function { file, qualname } => {
                    out.push((
                        function(file, qualname),
                        if call { "calls" } else { "refers to" },
                    ));
                }
                Target::Class { file, qualname } => {
                    for hook in INSTANCE_HOOKS {
                        if let Some((f, q)) = self.repo.method(&file, &qualname, hook) {
                            out.push((
                                function(f, q),
                                if call {
                                    "instantiates"
                                } else {
                                    "refers to class"
                                },
                            ));
                        }
                    }
                }
                Target::Module(_) => {}
                Target::External => {
                    let local_root = self.repo.lookup(file, scope, root, 0) == Target::External
                        && !self.is_imported_name(file, scope, root);
                    if call && !rest.is_empty() && local_root {
                        out.extend(self.by_name(path));
                    }
                }
            },
        }
        out
    }

    /// Whether `name` is bound by an import (to something outside the repository).
    fn is_imported_name(&self, file: &str, scope: &str, name: &str) -> bool {
        self.repo.summaries.get(file).is_some_and(|s| {
            s.imports
                .iter()
                .any(|i| i.local == name && (i.scope == scope || i.scope == MODULE_SCOPE))
        })
    }

    /// A call on an unknown receiver: every repository method with that name.
    fn by_name(&self, path: &str) -> Vec<(ScopeId, &'static str)> {
        let name = path.rsplit('.').next().unwrap_or(path);
        if name.starts_with("__") {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (file, s) in &self.repo.summaries {
            for f in &s.functions {
                if f.class.is_some() && f.qualname.rsplit('.').next() == Some(name) {
                    out.push((
                        ScopeId {
                            file: file.clone(),
                            scope: f.qualname.clone(),
                        },
                        "calls by name",
                    ));
                }
            }
        }
        out
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
        let mut seen: HashMap<usize, Option<(usize, Edge)>> = HashMap::new();
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
        let mut guard = HashSet::new();
        while let Some(Some((prev, edge))) = reached.get(&cur) {
            if !guard.insert(cur) {
                break;
            }
            steps.push(format!(
                "{} {} line {}",
                edge.how,
                self.nodes[cur].label(),
                edge.line
            ));
            cur = *prev;
        }
        steps.push(self.nodes[cur].label());
        steps.reverse();
        steps
    }
}
