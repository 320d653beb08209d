//! Python's import system, simulated over repository files without running them.
//!
//! Executing a module runs its top-level statements in order; each import statement that runs
//! at load (see [`trustscan_pyparse::AtLoad`]) imports its parent packages first, then the
//! module, executing any repository file it resolves to before the importer continues. An
//! import that fails outside a `try` aborts every module up the chain, as the exception would.
//! Where module names resolve is the loader's business: a [`Finder`] decides (torch.hub puts
//! the repository first on `sys.path`, ModelScope appends it, transformers imports from a
//! package holding only the files it copied).

use crate::python_names::is_stdlib;
use crate::repo::Repo;
use std::collections::{HashMap, HashSet};
use trustscan_core::relpath;
use trustscan_core::{Certainty, Gate, Note, ReasonLink, Step, StepKind, Subject};
use trustscan_pyparse::{
    AtLoad, BindingKind, Enclosure, ImportFact, PathValue, SysPathOp, TryPart,
};

/// One `sys.path` entry, as far as the repository is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathEntry {
    /// A directory of the repository (`""` is its root).
    Repo(String),
    /// The interpreter's own entries: the standard library and installed packages.
    Host,
    /// A directory outside the repository (or one the scanner cannot compute).
    Outside(String),
}

/// How a repository file is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileLoader {
    Source,
    /// A native extension module (`.so`): runs machine code, cannot be analysed as Python.
    Native,
    /// A sourceless `.pyc`: runs bytecode, cannot be analysed as Python.
    Bytecode,
}

/// Where a module name resolves.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    File {
        path: String,
        /// For a package: its directory (the file is its `__init__`).
        package_dir: Option<String>,
        loader: FileLoader,
        /// Set when resolution itself is uncertain (a name that may already be imported).
        condition: Option<String>,
        detail: Option<String>,
    },
    /// A namespace package made of repository directories: nothing runs.
    Namespace { dirs: Vec<String> },
    /// Resolved outside the repository: an installed or standard-library module.
    Installed,
    /// The import raises: the message says why.
    Missing(String),
}

pub trait Finder {
    /// A top-level module name, searched along `sys_path`.
    fn find_top(&self, repo: &Repo, name: &str, sys_path: &[PathEntry]) -> Resolved;
    /// A submodule `leaf` of a repository package whose `__path__` is `dirs`.
    fn find_sub(&self, repo: &Repo, leaf: &str, dirs: &[String]) -> Resolved {
        find_in_dirs(repo, leaf, dirs).unwrap_or_else(|| {
            Resolved::Missing(format!("no module named {leaf:?} in the package"))
        })
    }
}

/// Look for `name` in repository directories as Python's `FileFinder` does: a package
/// directory with `__init__` first, then extension modules, then source, then sourceless
/// bytecode; a directory without `__init__` is only a namespace portion, used when nothing
/// else matches anywhere on the path.
pub fn find_in_dirs(repo: &Repo, name: &str, dirs: &[String]) -> Option<Resolved> {
    let mut portions = Vec::new();
    for dir in dirs {
        let base = join(dir, name);
        if let Some((path, loader, condition)) = first_existing_module(repo, &base, "__init__") {
            return Some(file(path, Some(base), loader, condition));
        }
        if let Some((path, loader, condition)) = first_existing_module(repo, dir, name) {
            return Some(file(path, None, loader, condition));
        }
        if repo.has_dir(&base) {
            portions.push(base);
        }
    }
    (!portions.is_empty()).then_some(Resolved::Namespace { dirs: portions })
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn first_existing_module(
    repo: &Repo,
    dir: &str,
    stem: &str,
) -> Option<(String, FileLoader, Option<String>)> {
    // Extension modules first: `stem.cpython-3XY-<platform>.so`, `stem.abi3.so`, `stem.so`.
    let prefix = join(dir, stem);
    let tagged_prefix = format!("{prefix}.cpython-");
    let tagged: Vec<&str> = repo
        .files_with_prefix(&tagged_prefix)
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| p.ends_with(".so") && !p[tagged_prefix.len()..].contains('/'))
        .collect();
    if let Some(t) = tagged.first() {
        let tag = t.rsplit('/').next().unwrap_or(t).to_string();
        return Some((
            t.to_string(),
            FileLoader::Native,
            Some(format!("if the interpreter matches the tag in {tag}")),
        ));
    }
    for (suffix, loader) in [
        (".abi3.so", FileLoader::Native),
        (".so", FileLoader::Native),
        (".py", FileLoader::Source),
        (".pyc", FileLoader::Bytecode),
    ] {
        let path = format!("{prefix}{suffix}");
        if repo.has_file(&path) {
            return Some((path, loader, None));
        }
    }
    None
}

fn file(
    found: String,
    package_dir: Option<String>,
    loader: FileLoader,
    condition: Option<String>,
) -> Resolved {
    let detail = match loader {
        FileLoader::Source => None,
        FileLoader::Native => Some("native extension module: runs machine code".to_string()),
        FileLoader::Bytecode => Some("sourceless bytecode: runs compiled code".to_string()),
    };
    Resolved::File {
        path: found,
        package_dir,
        loader,
        condition,
        detail,
    }
}

/// sys.modules entry during the simulation.
#[derive(Clone, Debug)]
enum Module {
    /// A repository module; `init` is its file, `dirs` its `__path__` when a package.
    Repo {
        file: Option<String>,
        dirs: Option<Vec<String>>,
    },
    Installed,
}

/// The exception that stops loading.
#[derive(Clone, Debug)]
pub struct Abort {
    pub message: String,
}

pub struct Importer<'r, 'a> {
    repo: &'r Repo<'a>,
    finder: Box<dyn Finder + 'r>,
    pub sys_path: Vec<PathEntry>,
    modules: HashMap<String, Module>,
    pub steps: Vec<Step>,
    pub gate: Gate,
    pub notes: Vec<Note>,
    packages_seen: HashSet<String>,
    /// For each module still executing: the statement it is at (what it has bound so far).
    progress: HashMap<String, u32>,
    /// Files that already have an execute step.
    executed: HashSet<String>,
    /// Describes, for a package import, why it happens ("imported by hubconf.py").
    pub installed_detail: Option<String>,
    /// Whether executed sources may be replaced by `__pycache__` bytecode (true for loaders
    /// that import files in place; false where the loader copies only `.py` files).
    pub check_pycache: bool,
}

/// How a module came to run: the chain so far and the condition it runs under.
#[derive(Clone, Debug)]
pub struct Context {
    pub chain: Vec<ReasonLink>,
    pub condition: Option<String>,
}

impl Context {
    /// The same chain under one more condition.
    pub fn also(&self, condition: String) -> Context {
        Context {
            chain: self.chain.clone(),
            condition: Some(match &self.condition {
                Some(c) => format!("{c}; {condition}"),
                None => condition,
            }),
        }
    }

    pub fn certainty(&self) -> Certainty {
        match &self.condition {
            None => Certainty::Definite,
            Some(c) => Certainty::Conditional {
                condition: c.clone(),
            },
        }
    }

    fn with(&self, link: ReasonLink, extra: Option<String>) -> Context {
        let mut chain = self.chain.clone();
        chain.push(link);
        let condition = match (&self.condition, extra) {
            (None, None) => None,
            (Some(a), None) => Some(a.clone()),
            (None, Some(b)) => Some(b),
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        };
        Context { chain, condition }
    }
}

impl<'r, 'a> Importer<'r, 'a> {
    pub fn new(
        repo: &'r Repo<'a>,
        finder: Box<dyn Finder + 'r>,
        sys_path: Vec<PathEntry>,
        gate: Gate,
    ) -> Self {
        Importer {
            repo,
            finder,
            sys_path,
            modules: HashMap::new(),
            steps: Vec::new(),
            gate,
            notes: Vec::new(),
            packages_seen: HashSet::new(),
            progress: HashMap::new(),
            executed: HashSet::new(),
            installed_detail: None,
            check_pycache: false,
        }
    }

    /// Mark a package as already present in `sys.modules` (the loader created it itself).
    pub fn preload_package(&mut self, name: &str, dirs: Vec<String>) {
        self.modules.insert(
            name.to_string(),
            Module::Repo {
                file: None,
                dirs: Some(dirs),
            },
        );
    }

    /// Whether module `name` has been imported (or is being imported).
    pub fn has_module(&self, name: &str) -> bool {
        self.modules.contains_key(name)
    }

    /// Run a repository file as module `name` (a package when `dirs` is given), the way
    /// `spec.loader.exec_module` would: its step first, then its body.
    pub fn run_file(
        &mut self,
        path: &str,
        name: &str,
        dirs: Option<Vec<String>>,
        ctx: &Context,
        detail: Option<String>,
    ) -> Result<(), Abort> {
        self.modules.insert(
            name.to_string(),
            Module::Repo {
                file: Some(path.to_string()),
                dirs: dirs.clone(),
            },
        );
        // Unchecked hash-based bytecode in __pycache__ runs instead of the source.
        let mut source_ctx = ctx.clone();
        if self.check_pycache {
            for (pyc, tag) in self.unchecked_bytecode(path) {
                let here = ctx.with(
                    ReasonLink::File { path: pyc.clone() },
                    Some(format!("if the interpreter is {tag}")),
                );
                self.execute_step(
                    &pyc,
                    &here,
                    Some(format!(
                        "unchecked hash-based bytecode: Python runs it instead of {path} \
                         without comparing it with the source (not analysed)"
                    )),
                );
                source_ctx = source_ctx.also(format!("unless the interpreter is {tag}"));
            }
        }
        self.execute_step(path, &source_ctx, detail);
        let ctx = &source_ctx;
        let package = if dirs.is_some() {
            name.to_string()
        } else {
            name.rsplit_once('.')
                .map(|(p, _)| p.to_string())
                .unwrap_or_default()
        };
        let result = self.exec_body(path, name, &package, ctx);
        self.progress.remove(name);
        result
    }

    fn execute_step(&mut self, path: &str, ctx: &Context, detail: Option<String>) {
        // A file that runs again under another module name is listed once, where it first ran.
        if !self.executed.insert(path.to_string()) {
            return;
        }
        let mut step = Step::new(
            StepKind::ExecuteFile,
            Subject::file(path),
            ctx.chain.clone(),
            self.gate.clone(),
        )
        .with_certainty(ctx.certainty());
        step.detail = detail;
        self.steps.push(step);
    }

    /// Bytecode in `__pycache__` that Python would run instead of `path`: an unchecked
    /// hash-based `.pyc` is used without looking at the source at all. Returns each such file
    /// with its interpreter tag; timestamp-based ones only get a note.
    fn unchecked_bytecode(&mut self, path: &str) -> Vec<(String, String)> {
        let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
        let Some(stem) = file.strip_suffix(".py") else {
            return Vec::new();
        };
        let prefix = format!(
            "{}__pycache__/{stem}.",
            if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            }
        );
        let candidates: Vec<String> = self
            .repo
            .files_with_prefix(&prefix)
            .iter()
            .filter(|f| f.path.ends_with(".pyc") && !f.path[prefix.len()..].contains('/'))
            .map(|f| f.path.clone())
            .collect();
        let mut out = Vec::new();
        for pyc in candidates {
            let header = self
                .repo
                .snapshot
                .read_range(&pyc, 0, 16)
                .unwrap_or_default();
            let flags = header
                .get(4..8)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .unwrap_or(0);
            let tag = pyc[prefix.len()..].trim_end_matches(".pyc").to_string();
            if flags & 0b11 == 0b01 {
                out.push((pyc, tag));
            } else if flags & 1 == 0 {
                self.notes.push(Note::info(
                    Some(&pyc),
                    format!(
                        "timestamp-based bytecode for {path}: Python would run it instead of \
                         the source if the source's modification time and size match"
                    ),
                ));
            }
        }
        out
    }

    /// Execute the top level of a source file: imports and `sys.path` edits in order.
    fn exec_body(
        &mut self,
        path: &str,
        name: &str,
        package: &str,
        ctx: &Context,
    ) -> Result<(), Abort> {
        let analysed = self.repo.python(path);
        let Ok(py) = &*analysed else {
            return Ok(());
        };
        if let Some(refusal) = &py.analysis.cpython_refusal {
            if ctx.condition.is_none() {
                return Err(Abort {
                    message: format!("{path}: CPython would refuse to run it ({refusal})"),
                });
            }
            self.notes.push(Note::warning(
                Some(path),
                format!("CPython would refuse to run this file: {refusal}"),
            ));
            return Ok(());
        }
        let Some(facts) = &py.analysis.facts else {
            return Ok(());
        };
        for d in &facts.unresolved_dynamic_imports {
            if !matches!(trustscan_pyparse::at_load(&d.enclosures), AtLoad::Never(_)) {
                self.notes.push(Note::inconclusive(
                    Some(path),
                    format!(
                        "line {}: `{}` imports a module whose name is computed at runtime",
                        d.line, d.text
                    ),
                ));
            }
        }
        enum Event<'f> {
            Import(&'f ImportFact),
            SysPath(&'f trustscan_pyparse::SysPathEdit),
        }
        let mut events: Vec<(u32, Event)> = facts
            .imports
            .iter()
            .map(|i| (i.seq, Event::Import(i)))
            .chain(
                facts
                    .sys_path_edits
                    .iter()
                    .map(|e| (e.seq, Event::SysPath(e))),
            )
            .collect();
        events.sort_by_key(|(seq, _)| *seq);
        for (seq, event) in events {
            self.progress.insert(name.to_string(), seq);
            match event {
                Event::SysPath(edit) => {
                    if matches!(
                        trustscan_pyparse::at_load(&edit.enclosures),
                        AtLoad::Never(_)
                    ) {
                        continue;
                    }
                    self.apply_sys_path(path, edit);
                }
                Event::Import(import) => {
                    let condition = match import.at_load() {
                        AtLoad::Never(_) => continue,
                        AtLoad::Always => None,
                        AtLoad::Conditional(c) => Some(c),
                    };
                    let in_try = import.enclosures.iter().any(|e| {
                        matches!(
                            e,
                            Enclosure::Try {
                                part: TryPart::Body,
                                ..
                            }
                        )
                    });
                    let link = ReasonLink::Line {
                        file: path.to_string(),
                        line: import.line,
                        text: import.text.clone(),
                    };
                    let here = ctx.with(link, condition.clone());
                    match self.import_statement(import, package, &here) {
                        Ok(()) => {}
                        Err(abort) if in_try || here.condition.is_some() => {
                            self.notes.push(Note::info(
                                Some(path),
                                format!(
                                    "line {}: `{}` would fail ({}); {}",
                                    import.line,
                                    import.text,
                                    abort.message,
                                    if in_try {
                                        "the surrounding try block catches it"
                                    } else {
                                        "it only runs under a condition"
                                    }
                                ),
                            ));
                        }
                        Err(abort) => return Err(abort),
                    }
                }
            }
        }
        Ok(())
    }

    fn apply_sys_path(&mut self, path: &str, edit: &trustscan_pyparse::SysPathEdit) {
        let file_dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let entries: Vec<PathEntry> = edit
            .paths
            .iter()
            .map(|p| match p {
                PathValue::FromFileDir(parts) => {
                    match relpath::join_within(file_dir, parts.iter().map(String::as_str)) {
                        Some(dir) => PathEntry::Repo(dir),
                        None => PathEntry::Outside(format!("{file_dir}/{}", parts.join("/"))),
                    }
                }
                PathValue::Literal(l) => PathEntry::Outside(l.clone()),
                PathValue::File => PathEntry::Outside(path.to_string()),
                PathValue::Unknown(t) => {
                    self.notes.push(Note::inconclusive(
                        Some(path),
                        format!(
                            "line {}: `{}` changes sys.path to a location computed at runtime",
                            edit.line, edit.text
                        ),
                    ));
                    PathEntry::Outside(t.clone())
                }
            })
            .collect();
        match edit.op {
            SysPathOp::Insert(Some(i)) => {
                let at = if i < 0 {
                    (self.sys_path.len() as i64 + i).max(0) as usize
                } else {
                    (i as usize).min(self.sys_path.len())
                };
                for (k, e) in entries.into_iter().enumerate() {
                    self.sys_path.insert(at + k, e);
                }
            }
            SysPathOp::Insert(None) => {
                for (k, e) in entries.into_iter().enumerate() {
                    self.sys_path.insert(k, e);
                }
            }
            SysPathOp::Append | SysPathOp::Extend => self.sys_path.extend(entries),
        }
    }

    fn import_statement(
        &mut self,
        import: &ImportFact,
        package: &str,
        ctx: &Context,
    ) -> Result<(), Abort> {
        let target = if import.level > 0 {
            let base = resolve_relative(package, import.level).ok_or_else(|| Abort {
                message: if package.is_empty() {
                    "attempted relative import with no known parent package".into()
                } else {
                    "attempted relative import beyond top-level package".into()
                },
            })?;
            match &import.module {
                Some(m) if base.is_empty() => m.clone(),
                Some(m) => format!("{base}.{m}"),
                None => base,
            }
        } else {
            import.module.clone().unwrap_or_default()
        };
        if target.is_empty() {
            return Ok(());
        }
        let module = self.import_module(&target, ctx)?;
        let Module::Repo { file, dirs } = module else {
            return Ok(());
        };
        if !import.is_from {
            return Ok(());
        }
        // `from target import name`: an attribute bound so far, else a submodule, else
        // ImportError (for a module still running, only what it bound before this point).
        let limit = self.progress.get(&target).copied();
        for name in &import.names {
            if name == "*" || self.name_bound(file.as_deref(), name, limit) != Some(false) {
                continue;
            }
            let sub = format!("{target}.{name}");
            if self.modules.contains_key(&sub) {
                continue;
            }
            let cannot = || Abort {
                message: format!("ImportError: cannot import name {name:?} from {target:?}"),
            };
            let Some(dirs) = &dirs else {
                return Err(cannot());
            };
            match self.finder.find_sub(self.repo, name, dirs) {
                Resolved::Missing(_) => return Err(cannot()),
                found => {
                    self.load_resolved(&sub, found, ctx)?;
                }
            }
        }
        Ok(())
    }

    /// Whether a module binds `name` at module level (before statement `limit`, when given):
    /// `None` when the scanner cannot tell (star imports, a module `__getattr__`, no facts).
    fn name_bound(&self, file: Option<&str>, name: &str, limit: Option<u32>) -> Option<bool> {
        let Some(file) = file else {
            // A namespace package, or the empty package a loader created.
            return Some(false);
        };
        let analysed = self.repo.python(file);
        let Ok(py) = &*analysed else { return None };
        let facts = py.analysis.facts.as_ref()?;
        let before = |seq: u32| limit.is_none_or(|l| seq < l);
        let mut bound = false;
        for b in facts.bindings.iter().filter(|b| before(b.seq)) {
            match &b.kind {
                BindingKind::Star { .. } => return None,
                BindingKind::Function if b.name == "__getattr__" => return None,
                BindingKind::Deleted if b.name == name => bound = false,
                _ if b.name == name => bound = true,
                _ => {}
            }
        }
        Some(bound)
    }

    /// Import a module by name, as `importlib.import_module` would.
    pub fn import_name(&mut self, name: &str, ctx: &Context) -> Result<(), Abort> {
        self.import_module(name, ctx).map(|_| ())
    }

    /// `import a.b.c`: import `a`, then `a.b`, then `a.b.c`.
    fn import_module(&mut self, name: &str, ctx: &Context) -> Result<Module, Abort> {
        if let Some(m) = self.modules.get(name) {
            return Ok(m.clone());
        }
        let resolved = match name.rsplit_once('.') {
            None => self.finder.find_top(self.repo, name, &self.sys_path),
            Some((parent, leaf)) => match self.import_module(parent, ctx)? {
                Module::Installed => Resolved::Installed,
                Module::Repo {
                    dirs: Some(dirs), ..
                } => self.finder.find_sub(self.repo, leaf, &dirs),
                Module::Repo { dirs: None, .. } => Resolved::Missing(format!(
                    "No module named {name:?}; {parent:?} is not a package"
                )),
            },
        };
        self.load_resolved(name, resolved, ctx)
    }

    fn load_resolved(
        &mut self,
        name: &str,
        resolved: Resolved,
        ctx: &Context,
    ) -> Result<Module, Abort> {
        match resolved {
            Resolved::File {
                path,
                package_dir,
                loader,
                condition,
                detail,
            } => {
                let here = ctx.with(ReasonLink::File { path: path.clone() }, condition);
                let dirs = package_dir.map(|d| vec![d]);
                if loader == FileLoader::Source {
                    self.run_file(&path, name, dirs.clone(), &here, detail)?;
                } else {
                    self.modules.insert(
                        name.to_string(),
                        Module::Repo {
                            file: None,
                            dirs: dirs.clone(),
                        },
                    );
                    self.execute_step(&path, &here, detail);
                    self.notes.push(Note::inconclusive(
                        Some(&path),
                        "compiled code runs here; what it does and imports was not analysed",
                    ));
                }
                Ok(Module::Repo {
                    file: Some(path),
                    dirs,
                })
            }
            Resolved::Namespace { dirs } => {
                let m = Module::Repo {
                    file: None,
                    dirs: Some(dirs),
                };
                self.modules.insert(name.to_string(), m.clone());
                Ok(m)
            }
            Resolved::Installed => {
                self.modules.insert(name.to_string(), Module::Installed);
                let top = name.split('.').next().unwrap_or(name).to_string();
                // Standard-library imports run no third-party code worth a step.
                if !is_stdlib(&top) && self.packages_seen.insert(top.clone()) {
                    let mut step = Step::new(
                        StepKind::ImportPackage,
                        Subject::Package { name: top },
                        ctx.chain.clone(),
                        self.gate.clone(),
                    )
                    .with_certainty(ctx.certainty());
                    step.detail = self.installed_detail.clone();
                    self.steps.push(step);
                }
                Ok(Module::Installed)
            }
            Resolved::Missing(message) => Err(Abort { message }),
        }
    }
}

/// `__package__` after going up `level - 1` packages; `None` beyond the top.
pub fn resolve_relative(package: &str, level: u32) -> Option<String> {
    if package.is_empty() {
        return None;
    }
    let parts: Vec<&str> = package.split('.').collect();
    let up = (level - 1) as usize;
    if up >= parts.len() {
        return None;
    }
    Some(parts[..parts.len() - up].join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_resolution_follows_python() {
        assert_eq!(resolve_relative("a.b", 1).as_deref(), Some("a.b"));
        assert_eq!(resolve_relative("a.b", 2).as_deref(), Some("a"));
        assert_eq!(resolve_relative("a.b", 3), None);
        assert_eq!(resolve_relative("", 1), None);
    }
}
