//! B606 start_process_with_no_shell.
//!
//! ## What it does
//! Reports calls of the `os.exec*` and `os.spawn*` functions and `os.startfile`.
//!
//! ## Why is this bad?
//! These start a program without a shell, so there is no shell injection, but the program
//! and its arguments still need to come from trusted input; the calls are worth knowing
//! about when reviewing what a package runs.

use super::super::{Issue, Meta, Options, Rule};
use super::shell::{NO_SHELL, is_no_shell};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{Low, Medium};

pub struct StartProcessWithNoShell;

static META: Meta = Meta {
    id: "B606",
    name: "start_process_with_no_shell",
    cwe: 78,
    severity: Low,
    confidence: Medium,
    rationale: "os.exec*, os.spawn* and os.startfile start a program without a shell; the \
                program and its arguments still need to come from trusted input.",
    example: "os.execv(path, args)",
};

impl Rule for StartProcessWithNoShell {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Call]
    }

    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(NO_SHELL.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        is_no_shell(&ctx.qualname).then(|| META.issue("Starting a process without a shell."))
    }
}
