//! ModelScope (modelscope 1.40): `configuration.json` keys `plugins` (pip requirements) and
//! `allow_remote`. With trust, `pipeline()` pip-installs the plugins, then walks the whole
//! repository: every file whose name contains "requirement" is pip-installed line by line,
//! every `.py` file is copied into `modelscope_modules/<name>/` and imported, in directory
//! order, until one fails. Local paths are never trusted; Hub repositories of the owners
//! `damo` and `iic` are trusted without `trust_remote_code`.

use crate::PlanContext;
use crate::pyimport::{Abort, Context, Finder, Importer, PathEntry, Resolved};
use crate::python_names::is_stdlib;
use crate::repo::Repo;
use serde_json::Value;
use std::collections::BTreeSet;
use trustscan_core::{
    ApiPlan, Certainty, Ecosystem, Failure, Gate, Note, ReasonLink, Step, StepKind, Subject,
};

pub const CONFIGURATION: &str = "configuration.json";
const WHITELIST: [&str; 1] = ["pai-easycv"];
const TRUSTED_OWNERS: [&str; 2] = ["damo", "iic"];
/// The package the copied files are imported under (`_module_name_from_model_dir`).
const PACKAGE: &str = "modelscope_modules_repo";

/// What `FilesAstScanning.traversal_files` collects: `.py` files and requirement files,
/// skipping entries named `__*` (but `__init__.py`), `*.json` and `*.md`, files and
/// directories alike. Hidden directories are entered.
pub fn traversal(repo: &Repo) -> (Vec<String>, Vec<String>) {
    let mut python = Vec::new();
    let mut requirements = Vec::new();
    for f in repo.snapshot.files() {
        if !f.is_readable() && !matches!(f.kind, trustscan_source::FileKind::EscapingSymlink { .. })
        {
            continue;
        }
        let parts: Vec<&str> = f.path.split('/').collect();
        let skipped = parts.iter().any(|p| {
            (p.starts_with("__") && *p != "__init__.py")
                || p.ends_with(".json")
                || p.ends_with(".md")
        });
        if skipped {
            continue;
        }
        let name = parts.last().copied().unwrap_or("");
        if name.ends_with(".py") {
            python.push(f.path.clone());
        } else if name.contains("requirement") {
            requirements.push(f.path.clone());
        }
    }
    (python, requirements)
}

/// Python truthiness of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The plugin entries as `register_plugins_repo` iterates them: a string is iterated one
/// character at a time (a ModelScope bug), a list item by item, a dict by its keys.
fn plugin_entries(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => s.chars().map(|c| c.to_string()).collect(),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect(),
        Value::Object(o) => o.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

fn whitelisted(entry: &str) -> bool {
    let name = entry
        .trim()
        .split(['>', '<', '=', '!', '~'])
        .next()
        .unwrap_or("")
        .trim();
    WHITELIST.contains(&name)
}

/// A requirement line ModelScope accepts (it parses each with `packaging.Requirement` and
/// aborts the whole load on the first it rejects).
pub fn requirement_problem(line: &str) -> Option<&'static str> {
    let t = line.trim();
    if t.is_empty() {
        return Some("a line of only spaces");
    }
    if t.starts_with('#') {
        return Some("a comment");
    }
    if t.starts_with('-') {
        return Some("a pip option");
    }
    if t.contains(" #") {
        return Some("an inline comment");
    }
    let name_end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(t.len());
    let name = &t[..name_end];
    if name.is_empty()
        || !name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
    {
        return Some("no project name");
    }
    let rest = t[name_end..].trim_start();
    let ok_start = rest.is_empty()
        || rest.starts_with(['[', '<', '>', '=', '!', '~', ';', '('])
        || rest.starts_with('@');
    if !ok_start {
        return Some("text after the project name that is not a version or marker");
    }
    None
}

/// Import resolution for the copied package: absolute names find installed packages first,
/// then the copied top-level files (the copy directory is appended to `sys.path`).
struct CopyFinder {
    python: BTreeSet<String>,
}

impl CopyFinder {
    fn find(&self, base: &str) -> Option<Resolved> {
        let init = if base.is_empty() {
            "__init__.py".to_string()
        } else {
            format!("{base}/__init__.py")
        };
        let file = format!("{base}.py");
        let prefix = format!("{base}/");
        let is_dir = self
            .python
            .range(prefix.clone()..)
            .next()
            .is_some_and(|p| p.starts_with(&prefix));
        if is_dir {
            // The repository's __init__.py, else the empty one ModelScope writes (or none):
            // either way no other code runs for the package itself.
            return Some(if self.python.contains(&init) {
                Resolved::File {
                    path: init,
                    package_dir: Some(base.to_string()),
                    loader: crate::pyimport::FileLoader::Source,
                    condition: None,
                    detail: None,
                }
            } else {
                Resolved::Namespace {
                    dirs: vec![base.to_string()],
                }
            });
        }
        self.python.contains(&file).then_some(Resolved::File {
            path: file,
            package_dir: None,
            loader: crate::pyimport::FileLoader::Source,
            condition: None,
            detail: None,
        })
    }
}

impl Finder for CopyFinder {
    fn find_top(&self, _repo: &Repo, name: &str, _sys_path: &[PathEntry]) -> Resolved {
        if name == PACKAGE {
            return Resolved::Namespace {
                dirs: vec![String::new()],
            };
        }
        if is_stdlib(name) {
            return Resolved::Installed;
        }
        match self.find(name) {
            Some(Resolved::File {
                path,
                package_dir,
                loader,
                detail,
                ..
            }) => Resolved::File {
                path,
                package_dir,
                loader,
                condition: Some(format!("unless an installed package named {name} exists")),
                detail,
            },
            _ => Resolved::Installed,
        }
    }

    fn find_sub(&self, _repo: &Repo, leaf: &str, dirs: &[String]) -> Resolved {
        for dir in dirs {
            let base = if dir.is_empty() {
                leaf.to_string()
            } else {
                format!("{dir}/{leaf}")
            };
            if let Some(r) = self.find(&base) {
                return r;
            }
        }
        Resolved::Missing(format!("No module named {leaf:?} among the copied files"))
    }
}

pub fn plans(repo: &Repo, ctx: &PlanContext) -> Vec<ApiPlan> {
    let json = repo.json(CONFIGURATION);
    if !json.exists() {
        return Vec::new();
    }
    let config = json.value().cloned().unwrap_or_default();
    let allow_remote = config.get("allow_remote").is_some_and(truthy);
    let plugins = config
        .get("plugins")
        .map(plugin_entries)
        .unwrap_or_default();
    let gated_plugins: Vec<&String> = plugins.iter().filter(|p| !whitelisted(p)).collect();
    let owner = ctx
        .info
        .repo_id
        .as_deref()
        .and_then(|id| id.split('/').next())
        .map(str::to_lowercase);
    let trusted = owner
        .as_deref()
        .is_some_and(|o| TRUSTED_OWNERS.contains(&o))
        && ctx.info.platform == trustscan_core::Platform::Modelscope;
    let gate = if trusted {
        Gate::Default
    } else {
        Gate::TrustRemoteCode
    };
    let mut steps = Vec::new();
    let mut notes = Vec::new();
    let mut failures = Vec::new();

    // Plugins: pip install, pip wheel (to read top_level.txt), import every submodule.
    if let Some(Value::String(s)) = config.get("plugins")
        && s.chars().count() > 1
    {
        notes.push(Note::warning(
            Some(CONFIGURATION),
            format!(
                "plugins is the string {s:?}: ModelScope iterates it one character at a time \
                 and installs each character as a package"
            ),
        ));
    }
    for p in &plugins {
        let plugin_gate = if whitelisted(p) {
            Gate::Default
        } else {
            gate.clone()
        };
        steps.push(
            Step::new(
                StepKind::InstallPackage,
                Subject::Requirement { spec: p.clone() },
                vec![ReasonLink::ConfigKey {
                    file: CONFIGURATION.into(),
                    key: "plugins".into(),
                    value: Some(p.clone()),
                }],
                plugin_gate,
            )
            .with_certainty(Certainty::Conditional {
                condition: "unless already installed".into(),
            })
            .with_detail(
                "pip install, then pip wheel builds it to read top_level.txt, then every \
                 submodule of its packages is imported",
            ),
        );
    }

    if allow_remote {
        let (python, requirements) = traversal(repo);
        let rule = |t: &str| ReasonLink::Rule { text: t.into() };
        let origin = ReasonLink::ConfigKey {
            file: CONFIGURATION.into(),
            key: "allow_remote".into(),
            value: config.get("allow_remote").map(|v| v.to_string()),
        };
        let mut aborted = false;
        'files: for req in &requirements {
            let text = match repo.snapshot.read(req, 1 << 20) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    notes.push(Note::inconclusive(Some(req), format!("cannot read: {e}")));
                    continue;
                }
            };
            for (i, line) in text.lines().enumerate() {
                if line.is_empty() {
                    continue;
                }
                if let Some(problem) = requirement_problem(line) {
                    failures.push(Failure {
                        versions: None,
                        after_steps: steps.len(),
                        message: format!(
                            "InvalidRequirement: {req} line {} ({problem}): {line:?}; ModelScope \
                             aborts before installing or importing anything else",
                            i + 1
                        ),
                    });
                    aborted = true;
                    break 'files;
                }
                steps.push(
                    Step::new(
                        StepKind::InstallPackage,
                        Subject::Requirement {
                            spec: line.trim().to_string(),
                        },
                        vec![
                            origin.clone(),
                            rule("every file whose name contains \"requirement\" is pip-installed"),
                            ReasonLink::Line {
                                file: req.clone(),
                                line: i as u32 + 1,
                                text: line.trim().to_string(),
                            },
                        ],
                        gate.clone(),
                    )
                    .with_certainty(Certainty::Conditional {
                        condition: "unless already installed".into(),
                    })
                    .with_detail(if line.trim().ends_with("whl") {
                        "a wheel URL: downloaded, then pip-installed"
                    } else {
                        "pip install runs the package's build and install code"
                    }),
                );
            }
        }
        if !aborted {
            let finder = CopyFinder {
                python: python.iter().cloned().collect(),
            };
            let mut importer = Importer::new(
                repo,
                Box::new(finder),
                vec![PathEntry::Host, PathEntry::Repo(String::new())],
                gate.clone(),
            );
            importer.installed_detail =
                Some("installed package imported when the repository code runs".into());
            importer.preload_package(PACKAGE, vec![String::new()]);
            let before = steps.len();
            let mut failure: Option<String> = None;
            for file in &python {
                let module = format!("{PACKAGE}.{}", file.replace(".py", "").replace('/', "."));
                let ctx = Context {
                    chain: vec![
                        origin.clone(),
                        rule("every .py file of the repository is imported"),
                    ],
                    condition: None,
                };
                let bad_name = module.split('.').any(|p| p.is_empty());
                let result = if bad_name {
                    Err(Abort {
                        message: format!(
                            "ModuleNotFoundError: {file} maps to the module name {module:?}, \
                             which cannot be imported"
                        ),
                    })
                } else {
                    importer.import_name(&module, &ctx)
                };
                if let Err(a) = result {
                    failure = Some(a.message);
                    break;
                }
            }
            notes.extend(std::mem::take(&mut importer.notes));
            let mut executed = std::mem::take(&mut importer.steps);
            if let Some(message) = failure {
                // Which files ran before the failing one depends on directory order.
                for s in &mut executed {
                    s.certainty = Certainty::Conditional {
                        condition: "depends on directory order: imports stop at the first \
                                    failure"
                            .into(),
                    };
                }
                steps.extend(executed);
                failures.push(Failure {
                    versions: None,
                    after_steps: steps.len(),
                    message,
                });
            } else {
                steps.extend(executed);
            }
            if steps.len() > before + 1 {
                notes.push(Note::info(
                    None,
                    "ModelScope imports the files in directory-listing order (os.scandir, \
                     unsorted); the plan lists them sorted",
                ));
            }
        }
    }
    // Python configuration files are loaded by ModelScope's built-in model classes: its own
    // Config.from_file refuses them without trust, mmcv/mmengine's Config.fromfile does not.
    let py_configs: Vec<&str> = repo
        .snapshot
        .files()
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            name.ends_with(".py") && (name.starts_with("config") || name.ends_with("_config.py"))
        })
        .collect();
    if !py_configs.is_empty() {
        notes.push(Note::info(
            None,
            format!(
                "Python config files ({}): ModelScope's built-in model classes may load them, \
                 with its own Config.from_file (refused without trust_remote_code) or with \
                 mmengine's Config.fromfile (which runs them with no trust check)",
                py_configs.join(", ")
            ),
        ));
    }
    if steps.is_empty() && failures.is_empty() && py_configs.is_empty() {
        return Vec::new();
    }
    let trust = if trusted {
        format!(
            "no opt-in: ModelScope trusts Hub repositories of the owners {} without \
             trust_remote_code",
            TRUSTED_OWNERS.join(" and ")
        )
    } else if allow_remote || !gated_plugins.is_empty() {
        "without trust_remote_code=True ModelScope raises RuntimeError before installing or \
         importing anything (local paths are never trusted; whitelisted plugins install \
         anyway)"
            .into()
    } else {
        "no opt-in: whitelisted plugins are installed without trust_remote_code".into()
    };
    let target = ctx
        .info
        .repo_id
        .clone()
        .unwrap_or_else(|| ctx.display_root.clone());
    vec![ApiPlan {
        ecosystem: Ecosystem::Modelscope,
        api: "pipeline".into(),
        call: format!("modelscope.pipeline(task, model=\"{target}\", trust_remote_code=True)"),
        via: None,
        semantics: "allow_remote and plugins (Model.from_pretrained does the same, imports \
                    before plugins)"
            .into(),
        versions_modeled: vec!["modelscope 1.40".into()],
        trust,
        steps,
        entry_points: Vec::new(),
        failures,
        notes,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_lines_are_judged_like_packaging() {
        for ok in [
            "torch",
            "numpy>=1.2",
            "requests[socks]",
            "foo; python_version<'3'",
            "pkg @ https://x/y.tar.gz",
            "  spaced==1 ",
        ] {
            assert_eq!(requirement_problem(ok), None, "{ok}");
        }
        for bad in [
            "# comment",
            "   ",
            "-r other.txt",
            "--index-url https://x",
            "-e .",
            "./local/path",
            "a b",
            "req  # c",
        ] {
            assert!(requirement_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn plugin_strings_iterate_by_character() {
        assert_eq!(plugin_entries(&Value::String("ab".into())), ["a", "b"]);
        assert!(whitelisted(" pai-easycv>=1.0"));
        assert!(!whitelisted("pai_easycv"));
    }
}
