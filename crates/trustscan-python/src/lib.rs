//! Python analysis: security rules over the code a load plan executes, Bandit-compatible
//! (same IDs, severities, confidences, CWEs and matching semantics) plus trustscan's own
//! model-loading rules.

mod engine;
mod fold;
mod glob;
pub mod graph;
mod literal;
mod nosec;
mod pyast;
pub mod reach;
pub mod repository;
mod resolve;
pub mod rules;
pub mod summary;
mod walk;

pub use engine::{Engine, FileReport};
pub use glob::fnmatch;
pub use repository::{RepositoryAnalysis, analyze_repository, check_files, default_threads};
pub use rules::{Meta, Options};
