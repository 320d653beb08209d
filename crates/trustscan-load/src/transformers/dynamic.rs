//! `get_class_from_dynamic_module`, as transformers 4.57 and 5.x run it, without running it.
//!
//! 1. `class_reference` is `module.Class` or `org/repo--module.Class` (code from another
//!    repository); both splits demand exactly one separator.
//! 2. `get_cached_module_file` checks the module's imports (`check_imports` imports every
//!    third-party package found by an `ast` walk that skips `try:` blocks and `if` blocks
//!    testing `is_*_available()`-style functions) and copies the module plus the files its
//!    relative imports name (found by regex on the raw text, docstrings included) into the
//!    dynamic-module cache. Locally, 5.x copies the regex closure of the entry file and 4.57
//!    only its direct matches; from the Hub both recurse file by file, checking each file's
//!    imports. Any named file that does not exist stops loading before anything runs.
//! 3. `get_class_in_module` executes the entry module; Python's import system then runs
//!    whatever it imports, from a package that holds only the copied files.

use super::version::TfVersion;
use crate::pyimport::{Abort, Context, Finder, Importer, PathEntry, Resolved};
use crate::repo::Repo;
use regex::Regex;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::OnceLock;
use trustscan_core::relpath;
use trustscan_core::{Certainty, EntryPoint, Gate, Note, ReasonLink, Step, StepKind, Subject};
use trustscan_pyparse::{BindingKind, Enclosure, ModuleFacts};

/// Where transformers runs: how it sees the snapshot, and where code from other
/// repositories can be found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Env {
    pub mode: Mode,
    /// A Hugging Face cache holding repositories that `org/repo--module.Class` references
    /// point at; `None` leaves them unresolved.
    pub hf_cache: Option<std::path::PathBuf>,
}

/// How transformers sees the snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `from_pretrained("<directory>")`.
    Local,
    /// `from_pretrained("org/name")`, files served from the Hub (or its cache).
    Hub { repo_id: String },
}

/// What `get_class_from_dynamic_module` ends with.
#[derive(Clone, Debug)]
pub enum Loaded {
    /// The class, defined by a file of this repository that ran.
    Class(EntryPoint),
    /// The code lives in another repository: fetched and run, not analysed here.
    Elsewhere,
}

/// Files copied into the dynamic-module package of one namespace.
type Copied = Rc<RefCell<BTreeSet<String>>>;

/// One package of transformers' module cache: the files copied there and the modules
/// already imported from it.
struct Namespace<'r, 'a> {
    copied: Copied,
    importer: Importer<'r, 'a>,
}

/// One loading session (one Python process): the namespaces used so far and the steps taken.
pub struct Session<'r, 'a> {
    repo: &'r Repo<'a>,
    pub version: TfVersion,
    pub mode: Mode,
    hf_cache: Option<std::path::PathBuf>,
    namespaces: HashMap<String, Namespace<'r, 'a>>,
    pub steps: Vec<Step>,
    pub notes: Vec<Note>,
    /// Packages `check_imports` already imported in this process.
    imported: BTreeSet<String>,
    executed: BTreeSet<String>,
}

/// The package transformers makes of the copied files: relative imports find only them.
struct CopiedFinder {
    copied: Copied,
}

impl Finder for CopiedFinder {
    fn find_top(&self, _repo: &Repo, name: &str, _sys_path: &[PathEntry]) -> Resolved {
        // The repository is not on sys.path: absolute imports reach installed packages only.
        let _ = name;
        Resolved::Installed
    }

    fn find_sub(&self, _repo: &Repo, leaf: &str, dirs: &[String]) -> Resolved {
        let copied = self.copied.borrow();
        for dir in dirs {
            let base = if dir.is_empty() {
                leaf.to_string()
            } else {
                format!("{dir}/{leaf}")
            };
            let file = format!("{base}.py");
            if copied.contains(&file) {
                return Resolved::File {
                    path: file,
                    package_dir: None,
                    loader: crate::pyimport::FileLoader::Source,
                    condition: None,
                    detail: None,
                };
            }
            let prefix = format!("{base}/");
            if copied
                .range(prefix.clone()..)
                .next()
                .is_some_and(|c| c.starts_with(&prefix))
            {
                return Resolved::Namespace { dirs: vec![base] };
            }
        }
        Resolved::Missing(format!(
            "No module named {leaf:?} in the dynamic-module package: transformers did not copy \
             a file {leaf}.py there"
        ))
    }
}

const PACKAGE: &str = "transformers_modules";

fn relative_import_regexes() -> &'static [Regex; 2] {
    static R: OnceLock<[Regex; 2]> = OnceLock::new();
    R.get_or_init(|| {
        [
            Regex::new(r"(?m)^\s*import\s+\.(\S+)\s*$").expect("static regex"),
            Regex::new(r"(?m)^\s*from\s+\.(\S+)\s+import").expect("static regex"),
        ]
    })
}

/// A relative import found by transformers' regexes, with where it was found.
#[derive(Clone, Debug)]
pub struct RelativeImport {
    pub name: String,
    pub line: u32,
    pub text: String,
}

/// `get_relative_imports`: the regexes over the file read as UTF-8 with universal newlines.
pub fn relative_imports(bytes: &[u8]) -> Result<Vec<RelativeImport>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "UnicodeDecodeError: transformers reads it as UTF-8 and byte {} is invalid",
            e.valid_up_to()
        )
    })?;
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out: Vec<RelativeImport> = Vec::new();
    for re in relative_import_regexes() {
        for caps in re.captures_iter(&text) {
            let (Some(whole), Some(name)) = (caps.get(0), caps.get(1)) else {
                continue;
            };
            if out.iter().any(|r| r.name == name.as_str()) {
                continue;
            }
            // `^\s*` may swallow blank lines: the statement starts at its first visible byte.
            let matched = whole.as_str().trim();
            let start = whole.start() + (whole.as_str().len() - whole.as_str().trim_start().len());
            out.push(RelativeImport {
                name: name.as_str().to_string(),
                line: text[..start].matches('\n').count() as u32 + 1,
                text: matched.split_whitespace().collect::<Vec<_>>().join(" "),
            });
        }
    }
    Ok(out)
}

/// `get_imports`: the top-level package of every absolute import anywhere in the file,
/// sorted, skipping `try:` blocks (but not `try/except*`) and `if` blocks whose test calls
/// `is_flash_attn*available` or any function of `transformers.utils.import_utils`. Each with
/// the line and text of its first import.
pub fn check_imports_packages(
    facts: &ModuleFacts,
    version: TfVersion,
) -> Vec<(String, u32, String)> {
    let hidden = |enclosures: &[Enclosure]| {
        enclosures.iter().any(|e| match e {
            Enclosure::Try { star, .. } => !star,
            Enclosure::If { called_names, .. } => called_names.iter().any(|n| {
                (n.starts_with("is_flash_attn") && n.ends_with("available"))
                    || version.import_utils_has(n)
            }),
            _ => false,
        })
    };
    let mut found: BTreeMap<String, (u32, String)> = BTreeMap::new();
    for i in &facts.imports {
        if i.dynamic || (i.is_from && (i.level > 0 || i.module.is_none())) || hidden(&i.enclosures)
        {
            continue;
        }
        let top = i
            .module
            .as_deref()
            .unwrap_or("")
            .split('.')
            .next()
            .unwrap_or("");
        if !top.is_empty() {
            found
                .entry(top.to_string())
                .or_insert((i.line, i.text.clone()));
        }
    }
    found
        .into_iter()
        .map(|(top, (line, text))| (top, line, text))
        .collect()
}

/// `path/to/dir` + `m` + `.py`, or `None` when `m` climbs out of the repository.
fn module_file_for(dir: &str, m: &str) -> Option<String> {
    relpath::join_within(dir, format!("{m}.py").split('/'))
}

fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

impl<'r, 'a> Session<'r, 'a> {
    pub fn new(repo: &'r Repo<'a>, version: TfVersion, env: &Env) -> Self {
        Session {
            repo,
            version,
            mode: env.mode.clone(),
            hf_cache: env.hf_cache.clone(),
            namespaces: HashMap::new(),
            steps: Vec::new(),
            notes: Vec::new(),
            // The loader itself is imported before anything else.
            imported: BTreeSet::from(["transformers".to_string()]),
            executed: BTreeSet::new(),
        }
    }

    /// `get_class_from_dynamic_module(class_reference, repo)`: steps for everything it runs;
    /// `Err` with the error transformers would raise.
    pub fn load_class(
        &mut self,
        class_ref: &str,
        origin: Vec<ReasonLink>,
        gate: Gate,
    ) -> Result<Loaded, Abort> {
        let abort = |m: String| Err(Abort { message: m });
        if class_ref.contains("--") {
            let parts: Vec<&str> = class_ref.split("--").collect();
            if parts.len() != 2 {
                return abort(format!(
                    "ValueError: class reference {class_ref:?} has more than one \"--\""
                ));
            }
            return self.other_repository(parts[0], parts[1], origin, gate);
        }
        let parts: Vec<&str> = class_ref.split('.').collect();
        if parts.len() != 2 {
            return abort(format!(
                "ValueError: class reference {class_ref:?} must be module.Class with exactly \
                 one dot (transformers splits it with split(\".\"))"
            ));
        }
        let (module, class_name) = (parts[0], parts[1]);
        let module_file = format!("{module}.py");
        if module_file.split('/').any(|p| p == ".." || p.is_empty())
            || !self.repo.has_file(&module_file)
        {
            return abort(format!(
                "OSError: {} (named by {})",
                self.repo.missing(&module_file),
                origin.last().map(|l| l.to_string()).unwrap_or_default()
            ));
        }
        self.load_module_file(&module_file, origin, gate.clone(), gate, None)?;
        let (line, certainty) = self.class_binding(&module_file, class_name)?;
        Ok(Loaded::Class(EntryPoint {
            name: class_name.to_string(),
            file: Some(module_file),
            line,
            role: String::new(),
            certainty,
            invokes: Vec::new(),
        }))
    }

    /// `get_cached_module_file` + `get_class_in_module` for one module file: its imports are
    /// checked under `imports_gate`, it runs under `exec_gate`, both only under `condition`.
    pub fn load_module_file(
        &mut self,
        module_file: &str,
        origin: Vec<ReasonLink>,
        imports_gate: Gate,
        exec_gate: Gate,
        condition: Option<String>,
    ) -> Result<(), Abort> {
        let before = self.steps.len();
        let key = self.namespace_key(module_file);
        let result = self
            .prepare(&key, module_file, &origin, &imports_gate)
            .and_then(|()| self.execute(&key, module_file, &origin, &exec_gate));
        if let Some(c) = condition {
            for s in &mut self.steps[before..] {
                s.certainty = match &s.certainty {
                    Certainty::Definite => Certainty::Conditional {
                        condition: c.clone(),
                    },
                    Certainty::Conditional { condition } => Certainty::Conditional {
                        condition: format!("{c}; {condition}"),
                    },
                };
            }
        }
        result
    }

    /// Code named as `org/repo--module.Class` lives in another repository. When that
    /// repository is in the Hugging Face cache it is planned too, as transformers' Hub code
    /// path would load it (its default branch: this model's pinned revision does not apply).
    fn other_repository(
        &mut self,
        other: &str,
        reference: &str,
        origin: Vec<ReasonLink>,
        gate: Gate,
    ) -> Result<Loaded, Abort> {
        let hub_id = other.split('/').count() == 2
            && other
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
            && !other.starts_with('.');
        let mut step = Step::new(
            StepKind::FetchRepository,
            Subject::Repository {
                id: other.to_string(),
                revision: None,
            },
            origin.clone(),
            gate.clone(),
        );
        step.detail = Some(if hub_id {
            format!(
                "code {reference} comes from another repository; the revision pinned for this \
                 model does not apply to it: transformers uses code_revision, or the other \
                 repository's default branch"
            )
        } else {
            format!(
                "code {reference} comes from {other:?}: transformers runs it from any existing \
                 directory of that name on the local disk, else fetches it as a Hub repository"
            )
        });
        self.steps.push(step);
        let opened = self.hf_cache.as_ref().filter(|_| hub_id).and_then(|cache| {
            let target = trustscan_source::Target::Hub {
                platform: trustscan_core::Platform::HuggingFace,
                repo_id: other.to_string(),
                revision: None,
            };
            let options = trustscan_source::OpenOptions {
                hf_cache: Some(cache.clone()),
                ..Default::default()
            };
            trustscan_source::open(&target, &options).ok()
        });
        let Some(snapshot) = opened else {
            self.notes.push(Note::inconclusive(
                None,
                format!(
                    "code from {other} ({reference}) runs at load; scan that repository too \
                     (it is not part of this snapshot, nor in the Hugging Face cache)"
                ),
            ));
            return Ok(Loaded::Elsewhere);
        };
        let commit = snapshot.info().commit.clone().unwrap_or_default();
        let nested_repo = Repo::new(snapshot.as_ref());
        let env = Env {
            mode: Mode::Hub {
                repo_id: other.to_string(),
            },
            hf_cache: None,
        };
        let mut nested = Session::new(&nested_repo, self.version, &env);
        let result = nested.load_class(reference, origin, gate);
        for mut s in nested.steps {
            if let Subject::File { repository, .. } = &mut s.subject {
                *repository = Some(other.to_string());
            }
            self.steps.push(s);
        }
        self.notes.extend(nested.notes);
        for mut n in nested_repo.take_notes() {
            n.file = n.file.map(|f| format!("{other}:{f}"));
            self.notes.push(n);
        }
        self.notes.push(Note::info(
            None,
            format!(
                "code from {other} was found in the local Hugging Face cache at commit {commit} \
                 (its default branch) and is planned from there"
            ),
        ));
        match result? {
            Loaded::Class(mut e) => {
                e.file = e.file.map(|f| format!("{other}:{f}"));
                Ok(Loaded::Class(e))
            }
            other => Ok(other),
        }
    }

    fn namespace_key(&self, module_file: &str) -> String {
        // 5.x gives every local entry module its own package, named by a hash over it and its
        // relative imports; everything else shares one package.
        match (&self.mode, self.version) {
            (Mode::Local, TfVersion::V5) => module_file.to_string(),
            _ => String::new(),
        }
    }

    fn namespace(&mut self, key: &str) -> &mut Namespace<'r, 'a> {
        let repo = self.repo;
        self.namespaces.entry(key.to_string()).or_insert_with(|| {
            let copied: Copied = Rc::default();
            let mut importer = Importer::new(
                repo,
                Box::new(CopiedFinder {
                    copied: copied.clone(),
                }),
                vec![PathEntry::Host],
                Gate::TrustRemoteCode,
            );
            importer.preload_package(PACKAGE, vec![String::new()]);
            importer.installed_detail =
                Some("installed package imported when the repository code runs".into());
            Namespace { copied, importer }
        })
    }

    /// `get_cached_module_file`: the import check and the copy, each failure as transformers
    /// raises it.
    fn prepare(
        &mut self,
        key: &str,
        module_file: &str,
        origin: &[ReasonLink],
        gate: &Gate,
    ) -> Result<(), Abort> {
        match (&self.mode, self.version) {
            (Mode::Hub { .. }, _) => self.prepare_hub(key, module_file, origin, gate),
            (Mode::Local, version) => {
                let ctx_chain = origin.to_vec();
                self.check_imports(module_file, &ctx_chain, gate)?;
                let main_dir = parent_dir(module_file).to_string();
                let mut to_copy = vec![module_file.to_string()];
                let direct = self.relative_imports_of(module_file)?;
                match version {
                    TfVersion::V4 => {
                        for r in &direct {
                            let f = self.closure_file(&main_dir, &r.name, module_file)?;
                            to_copy.push(f);
                        }
                    }
                    TfVersion::V5 => {
                        // get_relative_import_files: a fixed point, every name resolved against
                        // the entry module's directory.
                        let mut all: Vec<String> = Vec::new();
                        let mut check = vec![module_file.to_string()];
                        while !check.is_empty() {
                            let mut new = Vec::new();
                            for f in &check {
                                for r in self.relative_imports_of(f)? {
                                    let target = self.closure_file(&main_dir, &r.name, f)?;
                                    new.push(target);
                                }
                            }
                            check = new.into_iter().filter(|f| !all.contains(f)).collect();
                            check.dedup();
                            all.extend(check.iter().cloned());
                        }
                        to_copy.extend(all);
                    }
                }
                let ns = self.namespace(key);
                ns.copied.borrow_mut().extend(to_copy);
                Ok(())
            }
        }
    }

    /// Hub: `get_cached_module_file` recurses into each relative import not yet copied,
    /// checking each file's imports first.
    fn prepare_hub(
        &mut self,
        key: &str,
        module_file: &str,
        origin: &[ReasonLink],
        gate: &Gate,
    ) -> Result<(), Abort> {
        let already = self.namespace(key).copied.borrow().contains(module_file);
        if already {
            return Ok(());
        }
        self.check_imports(module_file, origin, gate)?;
        self.namespace(key)
            .copied
            .borrow_mut()
            .insert(module_file.to_string());
        let dir = parent_dir(module_file).to_string();
        for r in self.relative_imports_of(module_file)? {
            let target = self.closure_file(&dir, &r.name, module_file)?;
            if self.namespace(key).copied.borrow().contains(&target) {
                continue;
            }
            let mut chain = origin.to_vec();
            chain.push(ReasonLink::Line {
                file: module_file.to_string(),
                line: r.line,
                text: r.text.clone(),
            });
            chain.push(ReasonLink::File {
                path: target.clone(),
            });
            self.prepare_hub(key, &target, &chain, gate)?;
        }
        Ok(())
    }

    fn relative_imports_of(&self, file: &str) -> Result<Vec<RelativeImport>, Abort> {
        let py = self.repo.python(file);
        match &*py {
            Ok(p) => relative_imports(&p.bytes).map_err(|e| Abort {
                message: format!("{file}: {e}"),
            }),
            Err(e) => Err(Abort {
                message: format!("{file}: {e}"),
            }),
        }
    }

    /// The file a relative-import name maps to; it must exist or transformers fails.
    fn closure_file(&self, dir: &str, name: &str, named_in: &str) -> Result<String, Abort> {
        match module_file_for(dir, name) {
            Some(f) if self.repo.has_file(&f) => Ok(f),
            Some(f) => Err(Abort {
                message: format!(
                    "FileNotFoundError: {named_in} names relative import .{name}, so \
                     transformers copies {f}: {}",
                    self.repo.missing(&f)
                ),
            }),
            None => Err(Abort {
                message: format!(
                    "{named_in} names relative import .{name}, which leads outside the repository"
                ),
            }),
        }
    }

    /// `check_imports`: import every third-party package the entry file names, before any
    /// repository code runs.
    fn check_imports(
        &mut self,
        file: &str,
        chain: &[ReasonLink],
        gate: &Gate,
    ) -> Result<(), Abort> {
        let py = self.repo.python(file);
        let p = match &*py {
            Ok(p) => p,
            Err(e) => {
                return Err(Abort {
                    message: format!("{file}: {e}"),
                });
            }
        };
        if let Err(e) = std::str::from_utf8(&p.bytes) {
            return Err(Abort {
                message: format!(
                    "UnicodeDecodeError: transformers reads {file} as UTF-8 and byte {} is invalid",
                    e.valid_up_to()
                ),
            });
        }
        let Some(facts) = &p.analysis.facts else {
            return Ok(());
        };
        if let Some(err) = facts.syntax_errors.first() {
            return Err(Abort {
                message: format!(
                    "SyntaxError: transformers parses {file} with ast.parse before running it \
                     (line {}: {})",
                    err.line, err.message
                ),
            });
        }
        if let Some(refusal) = &p.analysis.cpython_refusal {
            return Err(Abort {
                message: format!(
                    "SyntaxError: transformers parses {file} with ast.parse, which refuses it \
                     ({refusal})"
                ),
            });
        }
        let sorted = check_imports_packages(facts, self.version);
        for (top, line, text) in sorted {
            if crate::python_names::is_stdlib(&top) || !self.imported.insert(top.clone()) {
                continue;
            }
            let mut reason = chain.to_vec();
            reason.push(ReasonLink::File {
                path: file.to_string(),
            });
            reason.push(ReasonLink::Line {
                file: file.to_string(),
                line,
                text,
            });
            let mut step = Step::new(
                StepKind::ImportPackage,
                Subject::Package { name: top },
                reason,
                gate.clone(),
            );
            step.detail = Some(format!(
                "imported by transformers' check_imports before {file} runs (loading fails if \
                 it is not installed)"
            ));
            self.steps.push(step);
        }
        Ok(())
    }

    /// `get_class_in_module`: execute the entry module from the copied package.
    fn execute(
        &mut self,
        key: &str,
        module_file: &str,
        origin: &[ReasonLink],
        gate: &Gate,
    ) -> Result<(), Abort> {
        let module_name = format!(
            "{PACKAGE}.{}",
            module_file.trim_end_matches(".py").replace('/', ".")
        );
        self.check_module_closure(key, module_file)?;
        let ns = self.namespace(key);
        ns.importer.gate = gate.clone();
        // Packages between the cache root and the module (sub/dir/ for sub/dir/modeling.py).
        let mut pkg = PACKAGE.to_string();
        let mut dir = String::new();
        for part in parent_dir(module_file).split('/').filter(|p| !p.is_empty()) {
            pkg = format!("{pkg}.{part}");
            dir = if dir.is_empty() {
                part.to_string()
            } else {
                format!("{dir}/{part}")
            };
            ns.importer.preload_package(&pkg, vec![dir.clone()]);
        }
        if ns.importer.has_module(&module_name) {
            return Ok(());
        }
        let mut chain = origin.to_vec();
        chain.push(ReasonLink::File {
            path: module_file.to_string(),
        });
        let ctx = Context {
            chain,
            condition: None,
        };
        let result = ns
            .importer
            .run_file(module_file, &module_name, None, &ctx, None);
        let new_steps: Vec<Step> = ns.importer.steps.drain(..).collect();
        let new_notes: Vec<Note> = ns.importer.notes.drain(..).collect();
        for s in new_steps {
            // A file runs again in another 5.x namespace, and packages are imported once per
            // process: keep the first occurrence of each.
            let first = match &s.subject {
                Subject::File { path, .. } if s.kind == StepKind::ExecuteFile => {
                    self.executed.insert(path.clone())
                }
                Subject::Package { name } => self.imported.insert(name.clone()),
                _ => true,
            };
            if first {
                self.steps.push(s);
            }
        }
        self.notes.extend(new_notes);
        result
    }

    /// `get_class_in_module` hashes the entry module and every file of its relative-import
    /// closure as found in the module cache (resolved against the entry module's directory):
    /// a closure file that was not copied there stops loading with FileNotFoundError.
    fn check_module_closure(&mut self, key: &str, module_file: &str) -> Result<(), Abort> {
        let main_dir = parent_dir(module_file).to_string();
        let copied = self.namespace(key).copied.clone();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut check = vec![module_file.to_string()];
        while let Some(file) = check.pop() {
            for r in self.relative_imports_of(&file)? {
                let target = module_file_for(&main_dir, &r.name).unwrap_or_default();
                if !copied.borrow().contains(&target) {
                    return Err(Abort {
                        message: format!(
                            "FileNotFoundError: {file} names relative import .{}, and \
                             transformers looks for {target} in the module cache, where it \
                             was not copied",
                            r.name
                        ),
                    });
                }
                if seen.insert(target.clone()) {
                    check.push(target);
                }
            }
        }
        Ok(())
    }

    /// Where the module binds `class_name`, or the AttributeError transformers would raise.
    fn class_binding(
        &self,
        module_file: &str,
        class_name: &str,
    ) -> Result<(Option<u32>, Certainty), Abort> {
        let py = self.repo.python(module_file);
        let Ok(p) = &*py else {
            return Ok((None, Certainty::Definite));
        };
        let Some(facts) = &p.analysis.facts else {
            return Ok((None, Certainty::Definite));
        };
        let bound = facts.bindings.iter().rev().find(|b| b.name == class_name);
        match bound {
            Some(b) if !matches!(b.kind, BindingKind::Deleted) => {
                Ok((Some(b.line), Certainty::Definite))
            }
            _ if facts
                .bindings
                .iter()
                .any(|b| matches!(b.kind, BindingKind::Star { .. })) =>
            {
                Ok((
                    None,
                    Certainty::Conditional {
                        condition: "if a star import provides it".into(),
                    },
                ))
            }
            _ => Err(Abort {
                message: format!("AttributeError: {module_file} ran, but defines no {class_name}"),
            }),
        }
    }

    /// Files copied into the module cache that never ran: importable later by repository
    /// code, and required to exist.
    pub fn copied_not_executed(&self) -> Vec<String> {
        let mut out = BTreeSet::new();
        for ns in self.namespaces.values() {
            for f in ns.copied.borrow().iter() {
                if !self.executed.contains(f) {
                    out.insert(f.clone());
                }
            }
        }
        out.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_match_like_transformers() {
        // In a docstring only a line that starts with the import counts.
        let src = b"\"\"\"Docs: from .inline import x\n    from .docmod import x\"\"\"\nfrom . import sibling\nfrom ..up import y\nfrom .a.b import c\n    import .weird\nif x:\n    from .cond import z\r\nfrom .crlf import q\r\n";
        let names: Vec<String> = relative_imports(src)
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["weird", "docmod", ".up", "a.b", "cond", "crlf"]);
        assert!(relative_imports(b"from .x import y\n\xff").is_err());
    }

    #[test]
    fn module_files_stay_inside() {
        assert_eq!(module_file_for("", "a").as_deref(), Some("a.py"));
        assert_eq!(module_file_for("", ".up").as_deref(), Some(".up.py"));
        assert_eq!(module_file_for("sub", "a.b").as_deref(), Some("sub/a.b.py"));
        assert_eq!(module_file_for("", "../x"), None);
    }
}
