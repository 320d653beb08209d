use super::except_body::lone_statement;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_pyparse::syntax::Stmt;

rule! {
    /// B112 try_except_continue.
    ///
    /// ## What it does
    /// Reports `except` clauses whose whole body is `continue`: bare `except:` and
    /// `except Exception:` by default, every clause when `check_typed_exception` is set.
    ///
    /// ## Why is this bad?
    /// Skipping to the next iteration on any error hides failures, including the ones that signal
    /// an attack or a broken security check.
    pub struct TryExceptContinue {
        id: "B112",
        name: "try_except_continue",
        cwe: 703,
        severity: Low,
        confidence: High,
        kinds: [ExceptHandler],
        example: "for f in files:\n    try:\n        check(f)\n    except Exception:\n        continue",
    }
}

impl Rule for TryExceptContinue {
    fn check(&self, ctx: &Ctx, options: &Options) -> Option<Issue> {
        match lone_statement(ctx, options.try_except_continue_typed)? {
            Stmt::Continue(_) => Some(META.issue("Try, Except, Continue detected.")),
            _ => None,
        }
    }
}
