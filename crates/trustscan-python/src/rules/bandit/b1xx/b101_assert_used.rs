use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B101 assert_used.
    ///
    /// ## What it does
    /// Reports `assert` statements.
    ///
    /// ## Why is this bad?
    /// Python removes asserts when it compiles with optimisation (`-O`), so a check written as an
    /// assert protects nothing in such a deployment.
    pub struct AssertUsed {
        id: "B101",
        name: "assert_used",
        cwe: 703,
        severity: Low,
        confidence: High,
        kinds: [Assert],
        example: "assert user.is_admin",
    }
}

impl Rule for AssertUsed {
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
