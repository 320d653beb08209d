//! transformers: which repository files `from_pretrained(..., trust_remote_code=True)` runs,
//! which packages it imports first, which weights it deserializes and which chat templates it
//! compiles, for transformers 4.57 and 5.x.

mod apis;
mod dynamic;
mod flow;
mod hooks;
#[cfg(test)]
mod oracle_tests;
mod processors;
mod templates;
mod version;
mod weights;

pub use dynamic::{Env, Loaded, Mode, Session, relative_imports};
pub use version::TfVersion;

use crate::PlanContext;
use crate::merge::{VersionPlan, merge};
use crate::repo::Repo;
use trustscan_core::{ApiPlan, Ecosystem, Failure, Platform, Step};

/// The calls transformers makes for one API, per version: steps, failures, entry points.
pub struct ApiOutcome {
    pub steps: Vec<Step>,
    pub failures: Vec<Failure>,
    pub entry_points: Vec<trustscan_core::EntryPoint>,
    pub notes: Vec<trustscan_core::Note>,
}

/// Plans one API for one transformers version.
pub type PlanFn = Box<dyn Fn(&Repo, TfVersion, &Env) -> ApiOutcome>;

/// A loading API transformers offers for this snapshot.
pub struct ApiSpec {
    pub api: String,
    pub call_args: String,
    /// The per-version plan.
    pub run: PlanFn,
    pub trust: Box<dyn Fn(&Repo) -> String>,
}

/// How transformers would see this snapshot.
pub fn env_for(ctx: &PlanContext) -> Env {
    let mode = match (ctx.info.platform, &ctx.info.repo_id) {
        (Platform::HuggingFace, Some(id)) => Mode::Hub {
            repo_id: id.clone(),
        },
        _ => Mode::Local,
    };
    Env {
        mode,
        hf_cache: ctx.options.hf_cache.clone(),
    }
}

pub fn plans(repo: &Repo, ctx: &PlanContext) -> Vec<ApiPlan> {
    let env = env_for(ctx);
    let (target, semantics) = match &env.mode {
        Mode::Hub { repo_id } => (
            format!("\"{repo_id}\""),
            format!(
                "Hub repository {repo_id} (transformers' Hub code path; files as in this snapshot)"
            ),
        ),
        Mode::Local => (
            format!("\"{}\"", ctx.display_root),
            "local directory (transformers' local-directory code path)".to_string(),
        ),
    };
    // ModelScope's and OpenCSG's transformers-compatible classes download the repository and
    // call transformers on the local directory.
    let via = match ctx.info.platform {
        Platform::Modelscope => Some(
            "modelscope's transformers-compatible classes (from modelscope import AutoModel...): \
             snapshot_download, then transformers on the local directory"
                .to_string(),
        ),
        Platform::Opencsg => Some(
            "pycsghub.repo_reader (csghub-sdk): snapshot_download, then transformers on the \
             downloaded directory"
                .to_string(),
        ),
        _ => None,
    };
    apis::specs(repo)
        .into_iter()
        .map(|spec| {
            let mut per_version = Vec::new();
            let mut entry_points = Vec::new();
            let mut notes = Vec::new();
            for v in version::ALL {
                let out = (spec.run)(repo, v, &env);
                for e in out.entry_points {
                    if !entry_points.contains(&e) {
                        entry_points.push(e);
                    }
                }
                for n in out.notes {
                    if !notes.contains(&n) {
                        notes.push(n);
                    }
                }
                per_version.push(VersionPlan {
                    scope: v.scope(),
                    steps: out.steps,
                    failures: out.failures,
                });
            }
            let (steps, failures) = merge(per_version);
            ApiPlan {
                ecosystem: Ecosystem::Transformers,
                api: spec.api.clone(),
                call: format!(
                    "{}({target}{})",
                    spec.api.replace("pipeline", "pipeline(model="),
                    spec.call_args
                )
                .replace("pipeline(model=(", "pipeline(model="),
                via: via.clone(),
                semantics: semantics.clone(),
                versions_modeled: version::ALL
                    .iter()
                    .map(|v| format!("transformers {}", v.label()))
                    .collect(),
                trust: (spec.trust)(repo),
                steps,
                entry_points,
                failures,
                notes,
            }
        })
        .collect()
}
