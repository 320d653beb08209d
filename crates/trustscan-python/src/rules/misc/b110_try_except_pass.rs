//! B110 try_except_pass.
//!
//! ## What it does
//! Reports `except` clauses whose whole body is `pass`: bare `except:` and
//! `except Exception:` by default, every clause when `check_typed_exception` is set.
//!
//! ## Why is this bad?
//! Swallowing every error hides failures, including the ones that signal an attack or a
//! broken security check, and lets the program go on in an unexpected state.

use super::except_body::lone_statement;
use crate::rules::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Low};
use trustscan_pyparse::syntax::Stmt;

pub struct TryExceptPass;

static META: Meta = Meta {
    id: "B110",
    name: "try_except_pass",
    cwe: 703,
    severity: Low,
    confidence: High,
    rationale: "Silently swallowing every error hides failures, including those of security \
                checks, and lets the program continue in an unexpected state.",
    example: "try:\n    verify(sig)\nexcept Exception:\n    pass",
};

impl Rule for TryExceptPass {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::ExceptHandler]
    }

    fn check(&self, ctx: &Ctx, options: &Options) -> Option<Issue> {
        match lone_statement(ctx, options.try_except_pass_typed)? {
            Stmt::Pass(_) => Some(META.issue("Try, Except, Pass detected.")),
            _ => None,
        }
    }
}
