use super::shell::{has_shell, is_subprocess};
use crate::pyast::keyword_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B604 any_other_function_with_shell_equals_true.
    ///
    /// ## What it does
    /// Reports calls of any function other than the `subprocess` ones given a `shell=` keyword
    /// whose value is true as written.
    ///
    /// ## Why is this bad?
    /// A `shell=True` parameter usually means a wrapper that hands its command to a shell, with
    /// the same injection risk as `subprocess` with `shell=True`.
    pub struct AnyOtherFunctionWithShellEqualsTrue {
        id: "B604",
        name: "any_other_function_with_shell_equals_true",
        cwe: 78,
        severity: Medium,
        confidence: Low,
        kinds: [Call],
        example: "run_command('ls ' + path, shell=True)",
    }
}

impl Rule for AnyOtherFunctionWithShellEqualsTrue {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if is_subprocess(&ctx.qualname) || !has_shell(call)? {
            return None;
        }
        let mut issue = META
            .issue("Function call with shell=True parameter identified, possible security issue.");
        issue.line = keyword_line(ctx, call, "shell");
        Some(issue)
    }
}
