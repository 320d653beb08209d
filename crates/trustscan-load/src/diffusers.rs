//! diffusers (0.42): `DiffusionPipeline.from_pretrained` reads `model_index.json`. A
//! `_class_name` of `["module", "Class"]` names a custom pipeline file `module.py`; when the
//! repository has no such file and the name has no `/`, the code is downloaded from the
//! `diffusers/community-pipelines-mirror` dataset and run **without any trust check**.
//! Components `"name": ["library", "Class"]` whose `name/library.py` exists are custom
//! components. Repository code needs `trust_remote_code=True`; it is executed after
//! `check_imports` imports every top-level package its regexes find, and only the entry file's
//! direct relative imports are copied next to it.

use crate::PlanContext;
use crate::pyimport::{Context, FileLoader, Finder, Importer, PathEntry, Resolved};
use crate::repo::{Repo, torch_load_format};
use crate::transformers::relative_imports;
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;
use trustscan_core::{
    ApiPlan, Certainty, Ecosystem, EntryPoint, Failure, Gate, Note, PayloadFormat, ReasonLink,
    Step, StepKind, Subject,
};
use trustscan_payload::sniff::Format;

pub const MODEL_INDEX: &str = "model_index.json";
const MIRROR: &str = "diffusers/community-pipelines-mirror";
/// Libraries diffusers loads components from itself (`LOADABLE_CLASSES`).
const LIBRARIES: [&str; 3] = ["diffusers", "transformers", "onnxruntime.training"];

/// diffusers' `check_imports` regexes: absolute imports on raw text, docstrings included.
fn import_regexes() -> &'static [Regex; 2] {
    static R: OnceLock<[Regex; 2]> = OnceLock::new();
    R.get_or_init(|| {
        [
            Regex::new(r"(?m)^\s*import\s+(\S+)\s*$").expect("static regex"),
            Regex::new(r"(?m)^\s*from\s+(\S+)\s+import").expect("static regex"),
        ]
    })
}

/// The flat package diffusers copies local code into: the entry file and its direct
/// relative imports, nothing deeper.
struct FlatCopy {
    copied: BTreeSet<String>,
}

impl Finder for FlatCopy {
    fn find_top(&self, _repo: &Repo, _name: &str, _sys_path: &[PathEntry]) -> Resolved {
        Resolved::Installed
    }

    fn find_sub(&self, _repo: &Repo, leaf: &str, dirs: &[String]) -> Resolved {
        for dir in dirs {
            let file = if dir.is_empty() {
                format!("{leaf}.py")
            } else {
                format!("{dir}/{leaf}.py")
            };
            if self.copied.contains(&file) {
                return Resolved::File {
                    path: file,
                    package_dir: None,
                    loader: FileLoader::Source,
                    condition: None,
                    detail: None,
                };
            }
        }
        Resolved::Missing(format!(
            "No module named {leaf:?}: diffusers copies only the entry file's direct relative \
             imports"
        ))
    }
}

struct Plan {
    steps: Vec<Step>,
    failures: Vec<Failure>,
    notes: Vec<Note>,
    entries: Vec<EntryPoint>,
}

/// Run one local module file the way diffusers' `get_cached_module_file` and
/// `get_class_in_module` do.
fn run_module(
    repo: &Repo,
    plan: &mut Plan,
    file: &str,
    origin: Vec<ReasonLink>,
    class: Option<&str>,
) {
    let dir = file
        .rsplit_once('/')
        .map(|(d, _)| d)
        .unwrap_or("")
        .to_string();
    let Ok(py) = &*repo.python(file) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(&py.bytes) else {
        plan.failures.push(Failure {
            versions: None,
            after_steps: plan.steps.len(),
            message: format!("UnicodeDecodeError: diffusers reads {file} as UTF-8"),
        });
        return;
    };
    // check_imports: every top-level package named by the regexes, imported first.
    let mut packages = BTreeSet::new();
    for re in import_regexes() {
        for c in re.captures_iter(text) {
            let name = &c[1];
            if !name.starts_with('.') {
                let top = name.split('.').next().unwrap_or("").trim_end_matches(',');
                if !top.is_empty() && !crate::python_names::is_stdlib(top) {
                    packages.insert(top.to_string());
                }
            }
        }
    }
    for p in &packages {
        let mut reason = origin.clone();
        reason.push(ReasonLink::File { path: file.into() });
        plan.steps.push(
            Step::new(
                StepKind::ImportPackage,
                Subject::Package { name: p.clone() },
                reason,
                Gate::TrustRemoteCode,
            )
            .with_detail(
                "imported by diffusers' check_imports before the file runs (a missing package \
                 only warns)",
            ),
        );
    }
    let mut copied = BTreeSet::from([file.to_string()]);
    if let Ok(rel) = relative_imports(&py.bytes) {
        for r in rel {
            // A two-part name a.b becomes a/b.py; deeper names are looked up literally.
            let parts: Vec<&str> = r.name.split('.').collect();
            let name = if parts.len() == 2 {
                parts.join("/")
            } else {
                r.name.clone()
            };
            let target = if dir.is_empty() {
                format!("{name}.py")
            } else {
                format!("{dir}/{name}.py")
            };
            if !repo.has_file(&target) {
                plan.failures.push(Failure {
                    versions: None,
                    after_steps: plan.steps.len(),
                    message: format!(
                        "FileNotFoundError: {file} names relative import .{}, so diffusers \
                         copies {target}: {}",
                        r.name,
                        repo.missing(&target)
                    ),
                });
                return;
            }
            copied.insert(target);
        }
    }
    let mut importer = Importer::new(
        repo,
        Box::new(FlatCopy { copied }),
        vec![PathEntry::Host],
        Gate::TrustRemoteCode,
    );
    importer.preload_package("diffusers_modules_local", vec![dir.clone()]);
    let module = format!(
        "diffusers_modules_local.{}",
        file.rsplit('/')
            .next()
            .unwrap_or(file)
            .trim_end_matches(".py")
    );
    let mut chain = origin;
    chain.push(ReasonLink::File { path: file.into() });
    let ctx = Context {
        chain,
        condition: None,
    };
    if let Err(a) = importer.run_file(file, &module, None, &ctx, None) {
        plan.steps.extend(std::mem::take(&mut importer.steps));
        plan.failures.push(Failure {
            versions: None,
            after_steps: plan.steps.len(),
            message: a.message,
        });
    } else {
        plan.steps.extend(std::mem::take(&mut importer.steps));
    }
    plan.notes.extend(importer.notes);
    if let Some(c) = class {
        plan.entries.push(EntryPoint {
            name: c.to_string(),
            file: Some(file.into()),
            line: None,
            role: "pipeline or component class: from_pretrained builds it".into(),
            certainty: Certainty::Definite,
            invokes: [
                "from_pretrained",
                "from_config",
                "load_config",
                "extract_init_dict",
                "register_modules",
                "register_to_config",
                "_get_signature_keys",
                "to",
                "eval",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        });
    }
}

fn class_name_pair(v: &Value) -> Option<(String, String)> {
    let list = v.as_array()?;
    Some((
        list.first()?.as_str()?.to_string(),
        list.get(1)?.as_str()?.to_string(),
    ))
}

pub fn plans(repo: &Repo, ctx: &PlanContext) -> Vec<ApiPlan> {
    let json = repo.json(MODEL_INDEX);
    if !json.exists() && !repo.json("modular_config.json").exists() {
        return Vec::new();
    }
    let index = json.value().cloned().unwrap_or_default();
    let mut plan = Plan {
        steps: Vec::new(),
        failures: Vec::new(),
        notes: Vec::new(),
        entries: Vec::new(),
    };
    let class_name = index.get("_class_name");
    // With custom_pipeline=None, diffusers checks for a file literally named "None.py".
    if repo.has_file("None.py") {
        plan.notes.push(Note::warning(
            Some("None.py"),
            "diffusers picks a file named None.py as the custom pipeline when the caller passes \
             no custom_pipeline",
        ));
        run_module(
            repo,
            &mut plan,
            "None.py",
            vec![ReasonLink::Rule {
                text: "custom_pipeline=None makes diffusers look for f\"{None}.py\"".into(),
            }],
            None,
        );
    } else if let Some((module, class)) = class_name.and_then(class_name_pair) {
        let file = format!("{module}.py");
        let origin = vec![ReasonLink::ConfigKey {
            file: MODEL_INDEX.into(),
            key: "_class_name".into(),
            value: Some(format!("[{module}, {class}]")),
        }];
        if module.starts_with('/') || module.contains("..") {
            plan.notes.push(Note::warning(
                Some(MODEL_INDEX),
                format!(
                    "_class_name names {file:?}, outside the repository: diffusers would run \
                     whatever file is there"
                ),
            ));
        } else if repo.has_file(&file) {
            run_module(repo, &mut plan, &file, origin, Some(&class));
        } else if !module.contains('/') {
            plan.steps.push(
                Step::new(
                    StepKind::FetchRepository,
                    Subject::Repository {
                        id: format!("hf:{MIRROR}"),
                        revision: Some(format!("v<diffusers version>/{module}.py")),
                    },
                    origin,
                    Gate::Default,
                )
                .with_detail(
                    "community pipeline: downloaded from the mirror dataset and executed with no \
                     trust_remote_code check; the repository's metadata alone selects it",
                ),
            );
        } else {
            plan.failures.push(Failure {
                versions: None,
                after_steps: 0,
                message: format!("the custom pipeline: {}", repo.missing(&file)),
            });
        }
    }
    // Components: "<name>": ["<library>", "<Class>"].
    if let Some(obj) = index.as_object() {
        for (name, value) in obj {
            if name.starts_with('_') {
                continue;
            }
            let Some((library, class)) = class_name_pair(value) else {
                continue;
            };
            let file = format!("{name}/{library}.py");
            let origin = vec![ReasonLink::ConfigKey {
                file: MODEL_INDEX.into(),
                key: name.clone(),
                value: Some(format!("[{library}, {class}]")),
            }];
            if repo.has_file(&file) {
                run_module(repo, &mut plan, &file, origin, Some(&class));
            } else if !LIBRARIES.contains(&library.as_str()) && library != "diffusers" {
                plan.notes.push(Note::info(
                    Some(MODEL_INDEX),
                    format!(
                        "component {name} comes from library {library:?}: diffusers uses it only \
                         if it is already imported"
                    ),
                ));
            }
            component_weights(repo, &mut plan, name);
            component_auto_map(repo, &mut plan, name);
        }
    }
    // Modular pipelines: modular_config.json auto_map names the blocks class.
    if let Some(class_ref) = repo
        .json("modular_config.json")
        .value()
        .and_then(|c| c.get("auto_map"))
        .and_then(|m| m.get("ModularPipelineBlocks"))
        .and_then(|r| r.as_str())
        .map(str::to_string)
    {
        load_auto_map_ref(
            repo,
            &mut plan,
            "",
            "modular_config.json",
            "auto_map.ModularPipelineBlocks",
            &class_ref,
        );
    }
    if plan.steps.is_empty() && plan.failures.is_empty() {
        return Vec::new();
    }
    vec![ApiPlan {
        ecosystem: Ecosystem::Diffusers,
        api: "DiffusionPipeline.from_pretrained".into(),
        call: format!(
            "DiffusionPipeline.from_pretrained(\"{}\", trust_remote_code=True)",
            ctx.info
                .repo_id
                .clone()
                .unwrap_or_else(|| ctx.display_root.clone())
        ),
        via: None,
        semantics: "local directory or Hub repository".into(),
        versions_modeled: vec!["diffusers 0.42".into()],
        trust: "repository code needs trust_remote_code=True (a ValueError otherwise); a \
                community pipeline named by _class_name runs without it; \
                DIFFUSERS_DISABLE_REMOTE_CODE=1 blocks both"
            .into(),
        steps: plan.steps,
        entry_points: plan.entries,
        failures: plan.failures,
        notes: plan.notes,
    }]
}

/// diffusers' own `AutoModel.from_pretrained(repo, subfolder=component)` reads
/// `<component>/config.json` `auto_map.AutoModel` (`module.Class`, one dot) and runs
/// `<component>/module.py`.
fn component_auto_map(repo: &Repo, plan: &mut Plan, component: &str) {
    let file = format!("{component}/config.json");
    let Some(class_ref) = repo
        .json(&file)
        .value()
        .and_then(|c| c.get("auto_map"))
        .and_then(|m| m.get("AutoModel"))
        .and_then(|r| r.as_str())
        .map(str::to_string)
    else {
        return;
    };
    load_auto_map_ref(
        repo,
        plan,
        component,
        &file,
        "auto_map.AutoModel",
        &class_ref,
    );
}

fn load_auto_map_ref(
    repo: &Repo,
    plan: &mut Plan,
    dir: &str,
    file: &str,
    key: &str,
    class_ref: &str,
) {
    let origin = vec![ReasonLink::ConfigKey {
        file: file.into(),
        key: key.into(),
        value: Some(class_ref.into()),
    }];
    let Some((module, class)) = class_ref.split_once('.').filter(|(_, c)| !c.contains('.')) else {
        plan.failures.push(Failure {
            versions: None,
            after_steps: plan.steps.len(),
            message: format!("ValueError: {file} {key} {class_ref:?} must be module.Class"),
        });
        return;
    };
    let path = if dir.is_empty() {
        format!("{module}.py")
    } else {
        format!("{dir}/{module}.py")
    };
    if repo.has_file(&path) {
        run_module(repo, plan, &path, origin, Some(class));
    } else {
        plan.failures.push(Failure {
            versions: None,
            after_steps: plan.steps.len(),
            message: format!(
                "OSError: {file} {key} names {path}: {}",
                repo.missing(&path)
            ),
        });
    }
}

/// A component's weights: `diffusion_pytorch_model.safetensors`, else the `.bin` (read with
/// `torch.load(weights_only=True)`).
fn component_weights(repo: &Repo, plan: &mut Plan, component: &str) {
    let safe = format!("{component}/diffusion_pytorch_model.safetensors");
    let bin = format!("{component}/diffusion_pytorch_model.bin");
    let file = if repo.has_file(&safe) {
        safe
    } else if repo.has_file(&bin) {
        bin
    } else {
        return;
    };
    let sniffed = repo.sniff(&file);
    let format = match sniffed {
        // A failed read says nothing about the content.
        None => PayloadFormat::Unknown,
        Some(Format::Safetensors) => PayloadFormat::Safetensors,
        Some(_) if file.ends_with(".safetensors") => PayloadFormat::Unknown,
        Some(f) => torch_load_format(f),
    };
    plan.steps.push(
        Step::new(
            StepKind::DeserializePayload,
            Subject::file(&file),
            vec![ReasonLink::Rule {
                text: format!("component {component} loads its weights"),
            }],
            Gate::Default,
        )
        .with_format(format)
        .with_detail(if format.runs_code_when_loaded() {
            "torch.load(weights_only=True): a restricted unpickler, still a pickle stream"
        } else {
            "weights"
        }),
    );
}
