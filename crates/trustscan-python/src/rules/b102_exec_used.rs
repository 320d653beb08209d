//! B102 exec_used.
//!
//! ## What it does
//! Reports calls of the `exec` builtin.
//!
//! ## Why is this bad?
//! `exec` runs any Python source it is given: fed from data, a download or a decoded blob it
//! is arbitrary code execution, the usual last step of an obfuscated payload.

use super::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Medium};

pub struct ExecUsed;

static META: Meta = Meta {
    id: "B102",
    name: "exec_used",
    cwe: 78,
    severity: Medium,
    confidence: High,
    rationale: "exec runs any Python source it is given; fed from data, a download or a decoded \
                blob it is arbitrary code execution.",
    example: "exec(base64.b64decode(blob))",
};

impl Rule for ExecUsed {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Call]
    }

    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["exec"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        (ctx.qualname == "exec").then(|| META.issue("Use of exec detected."))
    }
}
