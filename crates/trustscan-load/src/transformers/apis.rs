//! The Auto classes and what each reads and loads, in order.

use super::dynamic::{Loaded, Mode, Session};
use super::version::TfVersion;
use super::{ApiOutcome, ApiSpec, weights};
use crate::pyimport::Abort;
use crate::repo::Repo;
use serde_json::Value;
use trustscan_core::{EntryPoint, Failure, Gate, ReasonLink, StepKind, Subject};

const CONFIG: &str = "config.json";

/// `config.json`'s `auto_map` entry for `key`, if it is a string.
fn auto_map_str(repo: &Repo, file: &str, key: &str) -> Option<String> {
    repo.json(file)
        .value()?
        .get("auto_map")?
        .get(key)?
        .as_str()
        .map(str::to_string)
}

fn auto_map_keys(repo: &Repo, file: &str) -> Vec<String> {
    match repo.json(file).value().and_then(|v| v.get("auto_map")) {
        Some(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

fn model_type(repo: &Repo) -> Option<String> {
    repo.json(CONFIG)
        .value()?
        .get("model_type")?
        .as_str()
        .map(str::to_string)
}

/// Which APIs apply: AutoConfig and every model class `config.json` maps, or the built-in
/// AutoModel when the repository only has a config.
pub fn specs(repo: &Repo) -> Vec<ApiSpec> {
    let mut out = Vec::new();
    if !repo.json(CONFIG).exists() {
        return out;
    }
    let keys = auto_map_keys(repo, CONFIG);
    let model_keys: Vec<String> = keys
        .iter()
        .filter(|k| {
            k.starts_with("AutoModel") || k.starts_with("AutoBackbone") || k.as_str() == "AutoModel"
        })
        .cloned()
        .collect();
    out.push(ApiSpec {
        api: "AutoConfig.from_pretrained".into(),
        call_args: ", trust_remote_code=True".into(),
        run: Box::new(|repo, v, mode| {
            let mut s = Session::new(repo, v, mode.clone());
            let mut failures = Vec::new();
            let mut entries = Vec::new();
            match auto_config(&mut s, repo, &path_text(mode, repo)) {
                Ok(Some(e)) => {
                    entries.push(role(e, "configuration class: from_pretrained builds it"))
                }
                Ok(None) => {}
                Err(a) => failures.push(fail(&s, a)),
            }
            finish(s, failures, entries)
        }),
        trust: Box::new(|repo| trust_text(repo, "AutoConfig")),
    });
    let keys_for_models = if model_keys.is_empty() {
        vec!["AutoModel".to_string()]
    } else {
        model_keys
    };
    for key in keys_for_models {
        let k = key.clone();
        out.push(ApiSpec {
            api: format!("{key}.from_pretrained"),
            call_args: ", trust_remote_code=True".into(),
            run: Box::new(move |repo, v, mode| auto_model(repo, v, mode, &k)),
            trust: {
                let k = key.clone();
                Box::new(move |repo| trust_text(repo, &k))
            },
        });
    }
    out
}

/// The string the user passes to from_pretrained.
fn path_text(mode: &Mode, repo: &Repo) -> String {
    match mode {
        Mode::Hub { repo_id } => repo_id.clone(),
        Mode::Local => repo.snapshot.info().root.clone(),
    }
}

fn role(mut e: EntryPoint, role: &str) -> EntryPoint {
    e.role = role.to_string();
    e
}

fn fail(s: &Session, a: Abort) -> Failure {
    Failure {
        versions: None,
        after_steps: s.steps.len(),
        message: a.message,
    }
}

fn finish(s: Session, failures: Vec<Failure>, entry_points: Vec<EntryPoint>) -> ApiOutcome {
    let mut steps = s.steps.clone();
    for f in s.copied_not_executed() {
        if failures.is_empty() {
            let mut step = trustscan_core::Step::new(
                StepKind::CopyFile,
                Subject::file(&f),
                vec![ReasonLink::Rule {
                    text: "transformers copies every file a relative import names, even in a \
                           docstring"
                        .into(),
                }],
                Gate::TrustRemoteCode,
            );
            step.detail = Some(
                "copied into the dynamic-module cache but not run at load; repository code can \
                 import it later"
                    .into(),
            );
            steps.push(step);
        }
    }
    ApiOutcome {
        steps,
        failures,
        entry_points,
        notes: s.notes,
    }
}

/// `AutoConfig.from_pretrained`: `config.json` `auto_map.AutoConfig` names the class.
/// Returns the configuration class when repository code provides it.
fn auto_config(s: &mut Session, repo: &Repo, path_text: &str) -> Result<Option<EntryPoint>, Abort> {
    if !repo.has_file(CONFIG) {
        return Err(Abort {
            message: format!("OSError: no {CONFIG}"),
        });
    }
    if repo.json(CONFIG).value().is_none() {
        return Err(Abort {
            message: format!("{CONFIG} cannot be parsed, so loading fails before any code runs"),
        });
    }
    let Some(class_ref) = auto_map_str(repo, CONFIG, "AutoConfig") else {
        builtin_config(s.version, repo, path_text)?;
        return Ok(None);
    };
    let origin = vec![ReasonLink::ConfigKey {
        file: CONFIG.into(),
        key: "auto_map.AutoConfig".into(),
        value: Some(class_ref.clone()),
    }];
    match s.load_class(&class_ref, origin, Gate::TrustRemoteCode)? {
        Loaded::Class(e) => Ok(Some(e)),
        Loaded::Elsewhere => Ok(None),
    }
}

/// Without a remote configuration class, `model_type` must name a built-in one; without
/// `model_type`, transformers looks for a known model type inside the path string itself.
fn builtin_config(v: TfVersion, repo: &Repo, path_text: &str) -> Result<(), Abort> {
    match model_type(repo) {
        Some(mt) if v.knows_model_type(&mt) => Ok(()),
        Some(mt) => Err(Abort {
            message: format!(
                "ValueError: transformers {} does not recognize model_type {mt:?} and                  config.json names no AutoConfig class",
                v.label()
            ),
        }),
        None if v.model_type_in_path(path_text).is_some() => Ok(()),
        None => Err(Abort {
            message: "ValueError: config.json has no model_type and no AutoConfig class, and                       no known model type appears in the path"
                .into(),
        }),
    }
}

/// `AutoModel*.from_pretrained`: AutoConfig first, then `config.auto_map[<class>]`, then the
/// weights.
fn auto_model(repo: &Repo, v: TfVersion, mode: &Mode, key: &str) -> ApiOutcome {
    let mut s = Session::new(repo, v, mode.clone());
    let mut failures = Vec::new();
    let mut entries = Vec::new();
    let result = (|| -> Result<(), Abort> {
        if let Some(e) = auto_config(&mut s, repo, &path_text(mode, repo))? {
            entries.push(role(e, "configuration class: from_pretrained builds it"));
        }
        if let Some(class_ref) = auto_map_str(repo, CONFIG, key) {
            let origin = vec![ReasonLink::ConfigKey {
                file: CONFIG.into(),
                key: format!("auto_map.{key}"),
                value: Some(class_ref.clone()),
            }];
            if let Loaded::Class(e) = s.load_class(&class_ref, origin, Gate::TrustRemoteCode)? {
                entries.push(role(
                    e,
                    "model class: its from_pretrained and constructor run, then the weights load",
                ));
            }
        }
        Ok(())
    })();
    if let Err(a) = result {
        if !a.message.is_empty() {
            failures.push(fail(&s, a));
        }
    }
    if failures.is_empty() {
        weights::weight_steps(repo, v, &mut s.steps, &mut s.notes);
    }
    finish(s, failures, entries)
}

/// What `trust_remote_code` changes for an Auto class, in one sentence.
fn trust_text(repo: &Repo, key: &str) -> String {
    let remote = auto_map_str(repo, CONFIG, key).is_some()
        || (key != "AutoConfig" && auto_map_str(repo, CONFIG, "AutoConfig").is_some());
    if !remote {
        return "no repository code is involved: trust_remote_code changes nothing".into();
    }
    match model_type(repo) {
        Some(mt) if TfVersion::V5.knows_model_type(&mt) || TfVersion::V4.knows_model_type(&mt) => {
            format!(
                "without trust_remote_code=True transformers silently uses its built-in \
                 {mt:?} classes and runs none of these files; with it, the repository's code \
                 wins over the built-in classes"
            )
        }
        _ => "without trust_remote_code=True transformers asks interactively (15-second \
              timeout) and raises ValueError when not confirmed; nothing from the repository \
              runs"
            .into(),
    }
}
