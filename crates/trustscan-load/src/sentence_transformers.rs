//! sentence-transformers (6.2): `SentenceTransformer(path)` reads `modules.json`; a module
//! `type` outside `sentence_transformers.` is repository code (it needs
//! `trust_remote_code=True` since 6.0) loaded with transformers' `get_class_from_dynamic_module`,
//! falling back to importing it as an installed module path. `Dense` modules import their
//! `activation_function` when it starts with `torch.` (or when trusted).

use crate::PlanContext;
use crate::pyimport::Abort;
use crate::repo::Repo;
use crate::transformers::{Loaded, Session, TfVersion};
use serde_json::Value;
use trustscan_core::{
    ApiPlan, Certainty, Ecosystem, Failure, Gate, Note, ReasonLink, Step, StepKind, Subject,
};

pub const MODULES: &str = "modules.json";

/// `_validate_relative_path`: no absolute or anchored path, no `..`, no NUL.
fn path_problem(path: &str) -> Option<&'static str> {
    if path.starts_with('/') || path.starts_with('\\') || path.get(1..2) == Some(":") {
        Some("absolute")
    } else if path.split(['/', '\\']).any(|p| p == "..") {
        Some("climbs out with ..")
    } else if path.contains('\0') {
        Some("contains NUL")
    } else {
        None
    }
}

pub fn plans(repo: &Repo, ctx: &PlanContext) -> Vec<ApiPlan> {
    let json = repo.json(MODULES);
    let Some(Value::Array(modules)) = json.value().cloned() else {
        return Vec::new();
    };
    let env = crate::transformers::env_for(ctx);
    let mut session = Session::new(repo, TfVersion::V5, &env);
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let mut entries = Vec::new();
    for (i, m) in modules.iter().enumerate() {
        let ty = m.get("type").and_then(|t| t.as_str()).unwrap_or("");
        let path = m.get("path").and_then(|p| p.as_str()).unwrap_or("");
        let key = format!("[{i}].type");
        if let Some(problem) = path_problem(path) {
            failures.push(Failure {
                versions: None,
                after_steps: session.steps.len(),
                message: format!("ValueError: modules.json [{i}].path {path:?} is {problem}"),
            });
            break;
        }
        if ty.starts_with("sentence_transformers.") {
            if ty.ends_with(".Dense") || ty.ends_with("models.Dense") {
                dense_activation(repo, path, &mut session.steps);
            }
            continue;
        }
        let origin = vec![ReasonLink::ConfigKey {
            file: MODULES.into(),
            key,
            value: Some(ty.to_string()),
        }];
        match session.load_class(ty, origin.clone(), Gate::TrustRemoteCode) {
            Ok(Loaded::Class(mut e)) => {
                e.role = "sentence-transformers module class: its load() runs".into();
                entries.push(e);
            }
            Ok(Loaded::Elsewhere) => {}
            Err(Abort { message }) => {
                // get_class_from_dynamic_module failed: sentence-transformers then imports
                // the type as an installed module path.
                let module = ty.rsplit_once('.').map(|(m, _)| m).unwrap_or(ty);
                session.steps.push(
                    Step::new(
                        StepKind::ImportPackage,
                        Subject::Package {
                            name: module.to_string(),
                        },
                        origin,
                        Gate::TrustRemoteCode,
                    )
                    .with_certainty(Certainty::Conditional {
                        condition: "if such a module is installed".into(),
                    })
                    .with_detail(format!(
                        "transformers could not load it from the repository ({message}); \
                         sentence-transformers falls back to importlib.import_module"
                    )),
                );
            }
        }
    }
    notes.append(&mut session.notes);
    if repo.has_file("config_sentence_transformers.json") {
        notes.push(Note::info(
            Some("config_sentence_transformers.json"),
            "requirements listed here are only checked against installed versions",
        ));
    }
    if session.steps.is_empty() && failures.is_empty() {
        return Vec::new();
    }
    vec![ApiPlan {
        ecosystem: Ecosystem::SentenceTransformers,
        api: "SentenceTransformer".into(),
        call: format!(
            "SentenceTransformer(\"{}\", trust_remote_code=True)",
            ctx.info
                .repo_id
                .clone()
                .unwrap_or_else(|| ctx.display_root.clone())
        ),
        via: None,
        semantics: "modules.json module types (the Transformer module's own transformers \
                    loading is in the transformers plans)"
            .into(),
        versions_modeled: vec!["sentence-transformers 6.2 (transformers 5.x rules)".into()],
        trust: "module types outside sentence_transformers need trust_remote_code=True \
                (ValueError otherwise, since 6.0); trust settings stored in the repository's \
                configs are stripped"
            .into(),
        steps: session.steps,
        entry_points: entries,
        failures,
        notes,
    }]
}

/// `Dense` imports `activation_function` from its `config.json` when it starts with `torch.`
/// (or when trusted).
fn dense_activation(repo: &Repo, path: &str, steps: &mut Vec<Step>) {
    let file = if path.is_empty() {
        "config.json".to_string()
    } else {
        format!("{path}/config.json")
    };
    let Some(act) = repo
        .json(&file)
        .value()
        .and_then(|c| c.get("activation_function"))
        .and_then(|a| a.as_str())
        .map(str::to_string)
    else {
        return;
    };
    let module = act
        .rsplit_once('.')
        .map(|(m, _)| m)
        .unwrap_or(&act)
        .to_string();
    let gate = if act.starts_with("torch.") {
        Gate::Default
    } else {
        Gate::TrustRemoteCode
    };
    steps.push(
        Step::new(
            StepKind::ImportPackage,
            Subject::Package { name: module },
            vec![ReasonLink::ConfigKey {
                file,
                key: "activation_function".into(),
                value: Some(act),
            }],
            gate,
        )
        .with_detail("imported by import_from_string and instantiated"),
    );
}
