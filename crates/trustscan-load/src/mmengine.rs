//! OpenMMLab (mmengine 0.10): `Config.fromfile(cfg)` executes Python config files. A
//! non-lazy config's `_base_` files run first (paths relative to the config), then the whole
//! file is `eval`ed, then `custom_imports` are imported. A lazy config (`with read_base():`
//! imports, or imports of non-builtin modules before any `_base_`) runs its bases, then itself,
//! and imports other modules only when their values are used. YAML configs are read with
//! PyYAML's unsafe `Loader` (twice). Checkpoints named by `http(s)://`, `torchvision://`,
//! `modelzoo://`, `open-mmlab://` and `mmcls://` are loaded through
//! `load_state_dict_from_url`, i.e. `torch.load(weights_only=False)`: full pickle.

use crate::PlanContext;
use crate::python_names::is_builtin;
use crate::repo::Repo;
use serde_json::Value;
use std::collections::BTreeSet;
use trustscan_core::relpath;
use trustscan_core::{
    ApiPlan, Certainty, Ecosystem, Failure, Gate, Note, PayloadFormat, ReasonLink, Step, StepKind,
    Subject,
};
use trustscan_pyparse::{Enclosure, Literal, ModuleFacts};
use trustscan_source::Snapshot;

/// More configs than this are listed, not planned one by one.
const MAX_PLANNED_CONFIGS: usize = 25;
const FULL_PICKLE_SCHEMES: [&str; 7] = [
    "http://",
    "https://",
    "torchvision://",
    "modelzoo://",
    "open-mmlab://",
    "openmmlab://",
    "mmcls://",
];

fn facts(repo: &Repo, path: &str) -> Option<ModuleFacts> {
    let py = repo.python(path);
    let Ok(p) = &*py else { return None };
    p.analysis.facts.clone()
}

/// Does the Python file at `path` carry an mmengine config's markers? A byte scan, so that
/// repositories with thousands of Python files are not all parsed; run for all of them at
/// once (see [`plans`]).
fn has_config_markers(snapshot: &dyn Snapshot, path: &str, size: u64) -> bool {
    if size > 1 << 20 {
        return false;
    }
    let Ok(bytes) = snapshot.read(path, 1 << 20) else {
        return false;
    };
    let markers: &[&[u8]] = &[b"_base_", b"read_base", b"custom_imports"];
    markers
        .iter()
        .any(|m| memchr::memmem::find(&bytes, m).is_some())
        || in_configs_dir(path) && memchr::memmem::find(&bytes, b"model").is_some()
}

fn in_configs_dir(path: &str) -> bool {
    path.starts_with("configs/") || path.contains("/configs/")
}

/// Is a Python file with config markers an mmengine config? Decided from its parsed facts.
fn is_config(repo: &Repo, path: &str) -> bool {
    let Some(f) = facts(repo, path) else {
        return false;
    };
    let base = f.assignments.iter().any(|a| a.name == "_base_");
    let read_base = f.imports.iter().any(|i| {
        i.enclosures
            .iter()
            .any(|e| matches!(e, Enclosure::With { items } if items.contains("read_base")))
    });
    let model_dict = f.assignments.iter().any(|a| {
        a.name == "model" && matches!(&a.value, Literal::Dict(items) if items.iter().any(|(k, _)| k.as_str() == Some("type")))
    });
    base || read_base
        || (in_configs_dir(path) && model_dict)
        || f.assignments.iter().any(|a| a.name == "custom_imports")
}

fn is_yaml_config(repo: &Repo, path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    (path.ends_with(".yaml") || path.ends_with(".yml"))
        && !matches!(
            name,
            "metafile.yml" | "metafile.yaml" | "model-index.yml" | "model-index.yaml"
        )
        && (path.starts_with("configs/") || path.contains("/configs/"))
        && repo.has_file(path)
}

/// `_is_lazy_import`: the first deciding top-level statement.
fn is_lazy(f: &ModuleFacts) -> bool {
    enum Decider {
        Base,
        Lazy,
    }
    let mut deciders: Vec<(u32, Decider)> = Vec::new();
    for a in &f.assignments {
        if a.name == "_base_" && a.enclosures.is_empty() {
            deciders.push((a.line, Decider::Base));
        }
    }
    for i in &f.imports {
        if i.dynamic
            || !i
                .enclosures
                .iter()
                .all(|e| matches!(e, Enclosure::With { .. }))
        {
            continue;
        }
        let in_read_base = i
            .enclosures
            .iter()
            .any(|e| matches!(e, Enclosure::With { items } if items.contains("read_base")));
        let top = i
            .module
            .as_deref()
            .unwrap_or("")
            .split('.')
            .next()
            .unwrap_or("");
        let mmengine_config =
            i.is_from && i.module.as_deref() == Some("mmengine") && i.names == ["Config"];
        if in_read_base
            || i.level > 0
            || (!mmengine_config && !is_builtin(top) && !top.starts_with("mmengine.config"))
        {
            deciders.push((i.line, Decider::Lazy));
        }
    }
    deciders.sort_by_key(|(line, _)| *line);
    matches!(deciders.first(), Some((_, Decider::Lazy)))
}

struct Walk<'r, 'a> {
    repo: &'r Repo<'a>,
    steps: Vec<Step>,
    notes: Vec<Note>,
    failures: Vec<Failure>,
    visiting: BTreeSet<String>,
}

impl Walk<'_, '_> {
    fn config(&mut self, path: &str, chain: Vec<ReasonLink>) {
        if !self.visiting.insert(path.to_string()) {
            self.failures.push(Failure {
                versions: None,
                after_steps: self.steps.len(),
                message: format!("{path} inherits from itself through _base_"),
            });
            return;
        }
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            self.yaml(path, chain);
            return;
        }
        if path.ends_with(".json") {
            return;
        }
        if !self.repo.has_file(path) {
            self.failures.push(Failure {
                versions: None,
                after_steps: self.steps.len(),
                message: format!(
                    "FileNotFoundError: base config: {}",
                    self.repo.missing(path)
                ),
            });
            return;
        }
        let Some(f) = facts(self.repo, path) else {
            return;
        };
        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut here = chain.clone();
        here.push(ReasonLink::File { path: path.into() });
        if is_lazy(&f) {
            for i in &f.imports {
                let in_read_base = i
                    .enclosures
                    .iter()
                    .any(|e| matches!(e, Enclosure::With { items } if items.contains("read_base")));
                if !in_read_base {
                    continue;
                }
                let link = ReasonLink::Line {
                    file: path.into(),
                    line: i.line,
                    text: i.text.clone(),
                };
                if i.level > 0 {
                    let rel = format!(
                        "{}{}.py",
                        "../".repeat(i.level as usize - 1),
                        i.module.as_deref().unwrap_or("").replace('.', "/")
                    );
                    match relpath::join_within(dir, rel.split('/')) {
                        Some(base) => {
                            let mut c = here.clone();
                            c.push(link);
                            self.config(&base, c);
                        }
                        None => self.notes.push(Note::warning(
                            Some(path),
                            format!("line {}: base config outside the repository", i.line),
                        )),
                    }
                } else {
                    self.notes.push(Note::info(
                        Some(path),
                        format!(
                            "line {}: `{}` reads a config of the installed package {}",
                            i.line,
                            i.text,
                            i.module.as_deref().unwrap_or("")
                        ),
                    ));
                }
            }
            self.execute(path, chain, "lazy config: its bases run first, then the whole file is exec'd; other imports become lazy objects imported when used");
        } else {
            if let Some(base) = f.assignments.iter().find(|a| a.name == "_base_") {
                match base.value.strings() {
                    Some(list) => {
                        for b in list {
                            let link = ReasonLink::Line {
                                file: path.into(),
                                line: base.line,
                                text: format!("_base_ = {b:?}"),
                            };
                            if b.contains("::") {
                                self.notes.push(Note::info(
                                    Some(path),
                                    format!("_base_ {b:?} is a config of an installed package"),
                                ));
                                continue;
                            }
                            match relpath::join_within(dir, b.split('/')) {
                                Some(target) => {
                                    let mut c = here.clone();
                                    c.push(link);
                                    self.config(&target, c);
                                }
                                None => self.notes.push(Note::warning(
                                    Some(path),
                                    format!("_base_ {b:?} leads outside the repository: mmengine would load whatever is there"),
                                )),
                            }
                        }
                    }
                    None => self.notes.push(Note::warning(
                        Some(path),
                        format!(
                            "line {}: _base_ is an expression, evaluated with eval and full builtins before anything else",
                            base.line
                        ),
                    )),
                }
            }
            self.execute(
                path,
                chain.clone(),
                "the whole file is eval'd after text substitution of {{ ... }} placeholders",
            );
            if let Some(ci) = f.assignments.iter().find(|a| a.name == "custom_imports")
                && let Some(imports) = ci.value.get("imports").and_then(|v| v.strings())
            {
                for m in imports {
                    let mut reason = here.clone();
                    reason.push(ReasonLink::ConfigKey {
                        file: path.into(),
                        key: "custom_imports.imports".into(),
                        value: Some(m.clone()),
                    });
                    self.steps.push(
                        Step::new(StepKind::ImportPackage, Subject::Package { name: m.clone() }, reason, Gate::Default)
                            .with_detail("importlib.import_module after the config is parsed (modules must already be importable)"),
                    );
                }
            }
        }
        self.checkpoints(path, &f, &here);
        self.visiting.remove(path);
    }

    fn execute(&mut self, path: &str, mut chain: Vec<ReasonLink>, detail: &str) {
        chain.push(ReasonLink::File { path: path.into() });
        if self
            .steps
            .iter()
            .any(|s| s.kind == StepKind::ExecuteFile && s.subject == Subject::file(path))
        {
            return;
        }
        self.steps.push(
            Step::new(
                StepKind::ExecuteFile,
                Subject::file(path),
                chain,
                Gate::Default,
            )
            .with_detail(detail),
        );
    }

    fn yaml(&mut self, path: &str, mut chain: Vec<ReasonLink>) {
        chain.push(ReasonLink::File { path: path.into() });
        let tags = self
            .repo
            .snapshot
            .read(path, 16 << 20)
            .map(|b| {
                memchr::memmem::find(&b, b"!python/").is_some()
                    || memchr::memmem::find(&b, b"!!python").is_some()
            })
            .unwrap_or(false);
        self.steps.push(
            Step::new(StepKind::DeserializePayload, Subject::file(path), chain, Gate::Default)
                .with_format(PayloadFormat::YamlUnsafe)
                .with_detail(if tags {
                    "read twice with yaml.Loader; it contains python/ tags, which construct and call Python objects"
                } else {
                    "read twice with yaml.Loader, which constructs python/ tags (none found)"
                }),
        );
    }

    /// Checkpoint URLs in literal assignments (`load_from`, `init_cfg.checkpoint`, ...).
    fn checkpoints(&mut self, path: &str, f: &ModuleFacts, chain: &[ReasonLink]) {
        fn urls(v: &Literal, key: &str, out: &mut Vec<(String, String)>) {
            match v {
                Literal::Str(s) if FULL_PICKLE_SCHEMES.iter().any(|p| s.starts_with(p)) => {
                    out.push((key.to_string(), s.clone()))
                }
                Literal::List(items) => items.iter().for_each(|i| urls(i, key, out)),
                Literal::Dict(items) => {
                    for (k, val) in items {
                        let k = k.as_str().unwrap_or("?");
                        urls(val, &format!("{key}.{k}"), out);
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        for a in &f.assignments {
            urls(&a.value, &a.name, &mut found);
        }
        for (key, url) in found {
            let mut reason = chain.to_vec();
            reason.push(ReasonLink::ConfigKey {
                file: path.into(),
                key,
                value: Some(url.clone()),
            });
            self.steps.push(
                Step::new(StepKind::DeserializePayload, Subject::Url { url }, reason, Gate::Default)
                    .with_format(PayloadFormat::Pickle)
                    .with_certainty(Certainty::Conditional { condition: "when the checkpoint is loaded (init_detector, Runner, load_checkpoint)".into() })
                    .with_detail("downloaded and read with torch.load(weights_only=False) through load_state_dict_from_url: full pickle"),
            );
        }
    }
}

/// Model names, configs and weight URLs from OpenMMLab metafiles (`metafile.yml`).
fn metafile_weights(repo: &Repo) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for f in repo.snapshot.files() {
        if !(f.name() == "metafile.yml" || f.name() == "metafile.yaml") {
            continue;
        }
        let Ok(bytes) = repo.snapshot.read(&f.path, 8 << 20) else {
            continue;
        };
        let Ok(doc) = serde_saphyr::from_str::<Value>(&String::from_utf8_lossy(&bytes)) else {
            repo.note(Note::inconclusive(
                Some(&f.path),
                "metafile is not valid YAML",
            ));
            continue;
        };
        for m in doc
            .get("Models")
            .and_then(|m| m.as_array())
            .into_iter()
            .flatten()
        {
            let name = m
                .get("Name")
                .and_then(|n| n.as_str())
                .unwrap_or("?")
                .to_string();
            let config = m
                .get("Config")
                .and_then(|c| c.as_str())
                .unwrap_or("")
                .to_string();
            let weights: Vec<String> = match m.get("Weights") {
                Some(Value::String(w)) => vec![w.clone()],
                Some(Value::Array(ws)) => ws
                    .iter()
                    .filter_map(|w| w.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            for w in weights {
                out.push((f.path.clone(), name.clone(), config.clone(), w));
            }
        }
    }
    out
}

/// The files `Config.fromfile(entry)` executes or reads (the config and its bases), found by
/// the same walk the plan does; only those files are read.
pub fn config_files(snapshot: &dyn trustscan_source::Snapshot, entry: &str) -> Vec<String> {
    let repo = Repo::new(snapshot);
    let mut walk = Walk {
        repo: &repo,
        steps: Vec::new(),
        notes: Vec::new(),
        failures: Vec::new(),
        visiting: BTreeSet::new(),
    };
    walk.config(entry, Vec::new());
    let mut files: Vec<String> = walk
        .steps
        .iter()
        .filter_map(|s| match &s.subject {
            Subject::File {
                path,
                repository: None,
            } => Some(path.clone()),
            _ => None,
        })
        .collect();
    files.sort();
    files.dedup();
    files
}

pub fn plans(repo: &Repo, ctx: &PlanContext) -> Vec<ApiPlan> {
    // A model named by its model-zoo name: its config is what gets loaded, not every config
    // of the snapshot (which holds its bases too).
    if let Some(model) = &ctx.info.model {
        return plan_configs(repo, std::slice::from_ref(&model.config));
    }
    let files: Vec<_> = repo
        .snapshot
        .files()
        .iter()
        .filter(|f| f.is_readable())
        // Files under a `_base_/` directory are bases: they run as part of the configs that
        // name them.
        .filter(|f| !f.path.split('/').any(|p| p == "_base_"))
        .collect();
    // Reading every Python file is most of planning a big repository: in parallel.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let snapshot = repo.snapshot;
    let marked = trustscan_pyparse::parallel_map(files.len(), threads, |i| {
        let f = files[i];
        f.path.ends_with(".py") && has_config_markers(snapshot, &f.path, f.size)
    });
    let candidates: Vec<String> = files
        .iter()
        .zip(marked)
        .filter(|(f, marked)| {
            (marked.unwrap_or(false) && is_config(repo, &f.path)) || is_yaml_config(repo, &f.path)
        })
        .map(|(f, _)| f.path.clone())
        .collect();
    let out = plan_configs(repo, &candidates);
    if candidates.len() > MAX_PLANNED_CONFIGS {
        repo.note(Note::info(
            None,
            format!(
                "{} mmengine config files; the first {MAX_PLANNED_CONFIGS} are planned one by one (each runs when loaded)",
                candidates.len()
            ),
        ));
    }
    out
}

/// One plan per config (at most [`MAX_PLANNED_CONFIGS`]).
fn plan_configs(repo: &Repo, candidates: &[String]) -> Vec<ApiPlan> {
    if candidates.is_empty() {
        return Vec::new();
    }
    let weights = metafile_weights(repo);
    let mut out = Vec::new();
    for cfg in candidates.iter().take(MAX_PLANNED_CONFIGS) {
        let mut walk = Walk {
            repo,
            steps: Vec::new(),
            notes: Vec::new(),
            failures: Vec::new(),
            visiting: BTreeSet::new(),
        };
        walk.config(
            cfg,
            vec![ReasonLink::Rule {
                text: "Config.fromfile executes Python configs".into(),
            }],
        );
        for (metafile, model, _, url) in weights
            .iter()
            .filter(|(_, _, c, _)| !c.is_empty() && (c == cfg || cfg.ends_with(c.as_str())))
        {
            let full = FULL_PICKLE_SCHEMES.iter().any(|s| url.starts_with(s));
            walk.steps.push(
                Step::new(
                    StepKind::DeserializePayload,
                    Subject::Url { url: url.clone() },
                    vec![ReasonLink::ConfigKey { file: metafile.clone(), key: format!("Models[{model}].Weights"), value: Some(url.clone()) }],
                    Gate::Default,
                )
                .with_format(PayloadFormat::Pickle)
                .with_certainty(Certainty::Conditional { condition: "when the model is built from this metafile entry (mim, inferencers)".into() })
                .with_detail(if full { "torch.load(weights_only=False) through load_state_dict_from_url: full pickle" } else { "torch.load with torch's default weights_only" }),
            );
        }
        out.push(ApiPlan {
            ecosystem: Ecosystem::Mmengine,
            api: format!("Config.fromfile({cfg})"),
            call: format!("mmengine.Config.fromfile(\"{cfg}\")"),
            via: None,
            semantics: "a config file of the repository".into(),
            versions_modeled: vec!["mmengine 0.10".into()],
            trust: "no opt-in exists: loading a config runs it".into(),
            steps: walk.steps,
            entry_points: Vec::new(),
            failures: walk.failures,
            notes: walk.notes,
        });
    }
    out
}
