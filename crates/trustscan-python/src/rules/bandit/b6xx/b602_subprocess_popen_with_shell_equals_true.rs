use super::shell::{
    SUBPROCESS, first_arg_is_literal_str, has_shell, is_subprocess, positional_count,
};
use crate::pyast::keyword_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{High, Low};

rule! {
    /// B602 subprocess_popen_with_shell_equals_true.
    ///
    /// ## What it does
    /// Reports `subprocess` calls (`Popen`, `call`, `check_call`, `check_output`, `run`) given a
    /// `shell=` keyword whose value is true as written. A command that is a plain string literal
    /// is rated LOW, any other command HIGH.
    ///
    /// ## Why is this bad?
    /// With `shell=True` the command line is interpreted by the shell, so any data formatted into
    /// it can inject further commands.
    pub struct SubprocessPopenWithShellEqualsTrue {
        id: "B602",
        name: "subprocess_popen_with_shell_equals_true",
        cwe: 78,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "subprocess.Popen('ls ' + path, shell=True)",
    }
}

impl Rule for SubprocessPopenWithShellEqualsTrue {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(SUBPROCESS.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if !is_subprocess(&ctx.qualname) || !has_shell(call)? || positional_count(call)? == 0 {
            return None;
        }
        let mut issue = if first_arg_is_literal_str(call) {
            Issue::new(
                Low,
                High,
                "subprocess call with shell=True seems safe, but may be changed in the future, \
                 consider rewriting without shell",
            )
        } else {
            Issue::new(
                High,
                High,
                "subprocess call with shell=True identified, security issue.",
            )
        };
        issue.line = keyword_line(ctx, call, "shell");
        Some(issue)
    }
}
