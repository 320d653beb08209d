//! torch.hub: `torch.hub.load(repo_or_dir, model)` (and `list`, `help`) inserts the repository
//! directory at the front of `sys.path`, executes `hubconf.py` with
//! `spec_from_file_location` + `exec_module`, checks the `dependencies` list with
//! `importlib.util.find_spec` (after hubconf already ran), then calls the entry point.
//! `trust_repo=None` (the default) only warns about an untrusted repository and loads anyway;
//! `source="local"` skips every check.

use crate::PlanContext;
use crate::pyimport::{Context, Finder, Importer, PathEntry, Resolved, find_in_dirs};
use crate::python_names::{is_builtin, is_stdlib};
use crate::repo::Repo;
use trustscan_core::{
    ApiPlan, Certainty, Ecosystem, EntryPoint, Failure, Gate, Note, Platform, ReasonLink,
};
use trustscan_pyparse::{AtLoad, BindingKind, at_load};

pub const HUBCONF: &str = "hubconf.py";
/// Owners torch.hub trusts without asking (`_TRUSTED_REPO_OWNERS`).
const TRUSTED_OWNERS: [&str; 4] = [
    "facebookresearch",
    "facebookincubator",
    "pytorch",
    "fairinternal",
];

/// Name resolution with the repository directory first on `sys.path`.
pub struct RepoFirstFinder;

impl Finder for RepoFirstFinder {
    fn find_top(&self, repo: &Repo, name: &str, sys_path: &[PathEntry]) -> Resolved {
        if is_builtin(name) || name == "torch" {
            // Compiled into the interpreter, or already imported by the caller (torch).
            return Resolved::Installed;
        }
        let mut portions = Vec::new();
        let mut host_before = false;
        for entry in sys_path {
            match entry {
                PathEntry::Host => host_before = true,
                PathEntry::Outside(_) => {}
                PathEntry::Repo(dir) => match find_in_dirs(repo, name, std::slice::from_ref(dir)) {
                    Some(Resolved::Namespace { dirs }) => portions.extend(dirs),
                    Some(Resolved::File {
                        path,
                        package_dir,
                        loader,
                        condition,
                        detail,
                    }) => {
                        let shadow = if is_stdlib(name) {
                            if host_before {
                                return Resolved::Installed;
                            }
                            Some(format!(
                                "unless the standard-library module {name} was imported before"
                            ))
                        } else if host_before {
                            Some(format!("unless an installed package named {name} exists"))
                        } else {
                            None
                        };
                        let condition = match (condition, shadow) {
                            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                            (a, b) => a.or(b),
                        };
                        return Resolved::File {
                            path,
                            package_dir,
                            loader,
                            condition,
                            detail,
                        };
                    }
                    _ => {}
                },
            }
        }
        if portions.is_empty() || is_stdlib(name) {
            Resolved::Installed
        } else {
            Resolved::Namespace { dirs: portions }
        }
    }
}

pub fn plans(repo: &Repo, ctx: &PlanContext) -> Vec<ApiPlan> {
    if !repo.has_file(HUBCONF) {
        return Vec::new();
    }
    let info = repo.snapshot.info();
    let (call, semantics) = match (info.platform, &info.repo_id) {
        (Platform::Github, Some(id)) => (
            format!("torch.hub.load(\"{id}\", \"<entry>\")"),
            format!("GitHub repository {id} (torch.hub cache)"),
        ),
        _ => (
            format!(
                "torch.hub.load(\"{}\", \"<entry>\", source=\"local\")",
                ctx.display_root
            ),
            "local directory".to_string(),
        ),
    };
    let trusted_owner = info
        .repo_id
        .as_deref()
        .and_then(|id| id.split('/').next())
        .filter(|o| TRUSTED_OWNERS.contains(o));
    let trust = match trusted_owner {
        Some(owner) => format!(
            "no opt-in: torch.hub trusts the owner {owner} without asking; everything below \
             runs on torch.hub.load, torch.hub.list and torch.hub.help"
        ),
        None => "no opt-in: with the default trust_repo=None an untrusted repository only \
                 triggers a warning and loads anyway (source=\"local\" skips even that); \
                 trust_repo=False or \"check\" prompts first; everything below runs on \
                 torch.hub.load, torch.hub.list and torch.hub.help"
            .to_string(),
    };

    let mut importer = Importer::new(
        repo,
        Box::new(RepoFirstFinder),
        vec![PathEntry::Repo(String::new()), PathEntry::Host],
        Gate::Default,
    );
    importer.check_pycache = true;
    importer.installed_detail =
        Some("installed package imported while the repository's code runs".into());
    let start = Context {
        chain: vec![ReasonLink::Rule {
            text: "torch.hub executes hubconf.py with the repository first on sys.path".into(),
        }],
        condition: None,
    };
    let mut failures = Vec::new();
    // torch.hub names the module "hubconf.py", so its package is "hubconf".
    let mut result = importer.run_file(HUBCONF, "hubconf.py", None, &start, None);
    let analysed = repo.python(HUBCONF);
    let facts = match &*analysed {
        Ok(py) => py.analysis.facts.as_ref(),
        Err(_) => None,
    };
    let mut notes = Vec::new();
    if result.is_ok()
        && let Some(facts) = facts
        && let Some(deps) = facts.assignments.iter().rev().find(|a| {
            a.name == "dependencies" && !matches!(at_load(&a.enclosures), AtLoad::Never(_))
        })
    {
        match deps.value.strings() {
            Some(list) => {
                if !list.is_empty() {
                    notes.push(Note::info(
                        Some(HUBCONF),
                        format!(
                            "dependencies = {list:?}: checked with importlib.util.find_spec \
                             after hubconf.py has run; a missing one raises RuntimeError \
                             (nothing is installed)"
                        ),
                    ));
                }
                // find_spec("a.b") imports "a", from the repository if it is there.
                for dep in list.iter().filter(|d| d.contains('.')) {
                    let parent = dep.rsplit_once('.').map(|(p, _)| p).unwrap_or(dep);
                    let ctx = Context {
                        chain: vec![
                            ReasonLink::ConfigKey {
                                file: HUBCONF.into(),
                                key: "dependencies".into(),
                                value: Some(dep.clone()),
                            },
                            ReasonLink::Rule {
                                text: "importlib.util.find_spec imports the parent package".into(),
                            },
                        ],
                        condition: None,
                    };
                    if let Err(e) = importer.import_name(parent, &ctx) {
                        result = Err(e);
                        break;
                    }
                }
            }
            None => notes.push(Note::warning(
                Some(HUBCONF),
                format!(
                    "line {}: dependencies is not a literal list of names",
                    deps.line
                ),
            )),
        }
    }
    if let Err(abort) = result {
        failures.push(Failure {
            versions: None,
            after_steps: importer.steps.len(),
            message: abort.message,
        });
    }
    notes.extend(std::mem::take(&mut importer.notes));
    let steps = std::mem::take(&mut importer.steps);
    let mut entry_points = Vec::new();
    if let Some(facts) = facts {
        entry_points = public_callables(facts);
        if facts
            .bindings
            .iter()
            .any(|b| matches!(b.kind, BindingKind::Star { .. }))
        {
            notes.push(Note::warning(
                Some(HUBCONF),
                "`from ... import *` makes more public names callable entry points than listed",
            ));
        }
    }
    vec![ApiPlan {
        ecosystem: Ecosystem::TorchHub,
        api: "torch.hub.load".into(),
        call,
        via: None,
        semantics,
        versions_modeled: vec!["torch 2.x".into()],
        trust,
        steps,
        entry_points,
        failures,
        notes,
    }]
}

/// What `torch.hub.list()` would return: module-level names not starting with `_` that are
/// callable. Functions and classes certainly are; imported names and other values may be.
fn public_callables(facts: &trustscan_pyparse::ModuleFacts) -> Vec<EntryPoint> {
    let mut latest: std::collections::BTreeMap<&str, &trustscan_pyparse::Binding> =
        std::collections::BTreeMap::new();
    for b in &facts.bindings {
        if b.name.starts_with('_') || b.name == "*" {
            continue;
        }
        if matches!(at_load(&b.enclosures), AtLoad::Never(_)) {
            continue;
        }
        latest.insert(&b.name, b);
    }
    latest
        .into_values()
        .filter_map(|b| {
            let conditional = !matches!(at_load(&b.enclosures), AtLoad::Always);
            let certainty = match &b.kind {
                BindingKind::Function | BindingKind::Class | BindingKind::Lambda => None,
                BindingKind::Imported {
                    module,
                    level,
                    name,
                } => Some(format!(
                    "if {}{}.{name} is callable",
                    ".".repeat(*level as usize),
                    module.as_deref().unwrap_or("")
                )),
                BindingKind::Value => {
                    // A literal (`dependencies = [...]`) is never callable.
                    let literal = facts.assignments.iter().any(|a| {
                        a.name == b.name
                            && a.line == b.line
                            && !matches!(a.value, trustscan_pyparse::Literal::Unknown(_))
                    });
                    if literal {
                        return None;
                    }
                    Some("if the assigned value is callable".into())
                }
                BindingKind::Module { .. } | BindingKind::Star { .. } | BindingKind::Deleted => {
                    return None;
                }
            };
            let certainty = match (certainty, conditional) {
                (None, false) => Certainty::Definite,
                (Some(c), _) => Certainty::Conditional { condition: c },
                (None, true) => Certainty::Conditional {
                    condition: "if the definition runs".into(),
                },
            };
            Some(EntryPoint {
                name: b.name.clone(),
                file: Some(HUBCONF.to_string()),
                line: Some(b.line),
                role: "callable entry point: torch.hub.load(repo, name) calls it with the \
                       caller's arguments"
                    .into(),
                certainty,
                invokes: Vec::new(),
            })
        })
        .collect()
}
