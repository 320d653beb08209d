use super::shell::{SUBPROCESS, has_shell, is_subprocess};
use crate::pyast::keyword_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B603 subprocess_without_shell_equals_true.
    ///
    /// ## What it does
    /// Reports `subprocess` calls (`Popen`, `call`, `check_call`, `check_output`, `run`) that do
    /// not pass a `shell=` keyword that is true as written.
    ///
    /// ## Why is this bad?
    /// Without a shell there is no shell injection, but the program and its arguments still come
    /// from the caller: where they come from untrusted data the process runs what the attacker
    /// chooses.
    pub struct SubprocessWithoutShellEqualsTrue {
        id: "B603",
        name: "subprocess_without_shell_equals_true",
        cwe: 78,
        severity: Low,
        confidence: High,
        kinds: [Call],
        example: "subprocess.check_output(['ls', path])",
    }
}

impl Rule for SubprocessWithoutShellEqualsTrue {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(SUBPROCESS.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if !is_subprocess(&ctx.qualname) || has_shell(call)? {
            return None;
        }
        let mut issue = META.issue("subprocess call - check for execution of untrusted input.");
        issue.line = keyword_line(ctx, call, "shell");
        Some(issue)
    }
}
