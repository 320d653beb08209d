//! B112 try_except_continue.
//!
//! ## What it does
//! Reports `except` clauses whose whole body is `continue`: bare `except:` and
//! `except Exception:` by default, every clause when `check_typed_exception` is set.
//!
//! ## Why is this bad?
//! Skipping to the next iteration on any error hides failures, including the ones that signal
//! an attack or a broken security check.

use super::except_body::lone_statement;
use crate::rules::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Low};
use trustscan_pyparse::syntax::Stmt;

pub struct TryExceptContinue;

static META: Meta = Meta {
    id: "B112",
    name: "try_except_continue",
    cwe: 703,
    severity: Low,
    confidence: High,
    rationale: "Moving on to the next iteration on any error hides failures, including those \
                of security checks.",
    example: "for f in files:\n    try:\n        check(f)\n    except Exception:\n        continue",
};

impl Rule for TryExceptContinue {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::ExceptHandler]
    }

    fn check(&self, ctx: &Ctx, options: &Options) -> Option<Issue> {
        match lone_statement(ctx, options.try_except_continue_typed)? {
            Stmt::Continue(_) => Some(META.issue("Try, Except, Continue detected.")),
            _ => None,
        }
    }
}
