//! Ecosystem knowledge: for one snapshot, what each loading API would execute, fetch, install
//! and deserialize, each step with the chain of reasons that leads to it.
//!
//! Nothing here runs, imports or unpickles what it reads: Python files are parsed, configs are
//! read as data, weights are sniffed from their first bytes.

mod diffusers;
mod merge;
pub mod mmengine;
mod modelscope;
mod pyimport;
mod python_names;
mod repo;
mod sentence_transformers;
mod study;
mod torch_hub;
mod transformers;

pub use repo::torch_load_format;

use std::path::PathBuf;
use trustscan_core::{LoadPlan, PLAN_SCHEMA, SnapshotInfo};
use trustscan_source::Snapshot;

/// Choices the caller can make about planning.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// A Hugging Face cache in which code from other repositories (`org/repo--module.Class`)
    /// is looked up; `None` leaves such code unresolved (reported, not analysed).
    pub hf_cache: Option<PathBuf>,
}

/// What every ecosystem needs to know besides the files.
pub struct PlanContext<'a> {
    /// The directory as the user named it, for example calls in the report.
    pub display_root: String,
    pub info: &'a SnapshotInfo,
    pub options: &'a PlanOptions,
}

/// Build the load plan of one snapshot.
pub fn plan(target: &str, snapshot: &dyn Snapshot, options: &PlanOptions) -> LoadPlan {
    let repo = repo::Repo::new(snapshot);
    let ctx = PlanContext {
        display_root: snapshot.info().root.clone(),
        info: snapshot.info(),
        options,
    };
    let mut apis = Vec::new();
    apis.extend(transformers::plans(&repo, &ctx));
    apis.extend(torch_hub::plans(&repo, &ctx));
    apis.extend(modelscope::plans(&repo, &ctx));
    apis.extend(diffusers::plans(&repo, &ctx));
    apis.extend(sentence_transformers::plans(&repo, &ctx));
    apis.extend(mmengine::plans(&repo, &ctx));
    let classification = study::classify(&repo, &apis);
    let mut notes: Vec<_> = snapshot.notes().to_vec();
    notes.extend(repo.take_notes());
    notes.sort();
    notes.dedup();
    LoadPlan {
        schema: PLAN_SCHEMA.to_string(),
        target: target.to_string(),
        snapshot: snapshot.info().clone(),
        classification,
        apis,
        notes,
    }
}
