use super::except_body::lone_statement;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_pyparse::syntax::Stmt;

rule! {
    /// B110 try_except_pass.
    ///
    /// ## What it does
    /// Reports `except` clauses whose whole body is `pass`: bare `except:` and
    /// `except Exception:` by default, every clause when `check_typed_exception` is set.
    ///
    /// ## Why is this bad?
    /// Swallowing every error hides failures, including the ones that signal an attack or a
    /// broken security check, and lets the program go on in an unexpected state.
    pub struct TryExceptPass {
        id: "B110",
        name: "try_except_pass",
        cwe: 703,
        severity: Low,
        confidence: High,
        kinds: [ExceptHandler],
        example: "try:\n    verify(sig)\nexcept Exception:\n    pass",
    }
}

impl Rule for TryExceptPass {
    fn check(&self, ctx: &Ctx, options: &Options) -> Option<Issue> {
        match lone_statement(ctx, options.try_except_pass_typed)? {
            Stmt::Pass(_) => Some(META.issue("Try, Except, Pass detected.")),
            _ => None,
        }
    }
}
