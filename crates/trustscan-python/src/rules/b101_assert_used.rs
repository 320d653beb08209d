//! B101 assert_used.
//!
//! ## What it does
//! Reports `assert` statements.
//!
//! ## Why is this bad?
//! Python removes asserts when it compiles with optimisation (`-O`), so a check written as an
//! assert protects nothing in such a deployment.

use super::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Low};

pub struct AssertUsed;

static META: Meta = Meta {
    id: "B101",
    name: "assert_used",
    cwe: 703,
    severity: Low,
    confidence: High,
    rationale: "Asserts are removed when Python compiles with optimisation (-O), so a check \
                written as an assert protects nothing there.",
    example: "assert user.is_admin",
};

impl Rule for AssertUsed {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Assert]
    }

    fn check(&self, ctx: &Ctx, options: &Options) -> Option<Issue> {
        if options
            .assert_skips
            .iter()
            .any(|g| crate::glob::fnmatch(g, ctx.file.path))
        {
            return None;
        }
        Some(META.issue(
            "Use of assert detected. The enclosed code will be removed when compiling to \
             optimised byte code.",
        ))
    }
}
