//! B601 paramiko_calls.
//!
//! ## What it does
//! Reports calls of a function or method named `exec_command` in a file that imports anything
//! whose name contains `paramiko`.
//!
//! ## Why is this bad?
//! Paramiko's `exec_command` runs its command through a shell on the remote host: built from
//! untrusted data it is a remote shell injection.

use super::super::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::Medium;

pub struct ParamikoCalls;

static META: Meta = Meta {
    id: "B601",
    name: "paramiko_calls",
    cwe: 78,
    severity: Medium,
    confidence: Medium,
    rationale: "Paramiko's exec_command runs its command through a shell on the remote host; \
                built from untrusted data it is a remote shell injection.",
    example: "client.exec_command('ls ' + path)",
};

impl Rule for ParamikoCalls {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Call]
    }

    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["exec_command"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        // Bandit's `is_module_imported_like("paramiko")`: a substring of any import so far.
        if ctx.name() != "exec_command" || !ctx.file.imports.iter().any(|m| m.contains("paramiko"))
        {
            return None;
        }
        Some(META.issue(
            "Possible shell injection via Paramiko call, check inputs are properly sanitized.",
        ))
    }
}
