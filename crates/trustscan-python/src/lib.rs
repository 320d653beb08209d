//! Python analysis: security rules over the code a load plan executes, Bandit-compatible
//! (same IDs, severities, confidences, CWEs and matching semantics) plus trustscan's own
//! model-loading rules.

mod engine;
mod fold;
mod glob;
mod nosec;
mod resolve;
pub mod rules;
mod value;
mod walk;

pub use engine::{Engine, FileReport};
pub use rules::{Meta, Options};
