//! B602 subprocess_popen_with_shell_equals_true.
//!
//! ## What it does
//! Reports `subprocess` calls (`Popen`, `call`, `check_call`, `check_output`, `run`) given a
//! `shell=` keyword whose value is true as written. A command that is a plain string literal
//! is rated LOW, any other command HIGH.
//!
//! ## Why is this bad?
//! With `shell=True` the command line is interpreted by the shell, so any data formatted into
//! it can inject further commands.

use super::super::{Issue, Meta, Options, Rule};
use super::shell::{SUBPROCESS, first_arg_is_literal_str, has_shell, is_subprocess, shell_line};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Low};

pub struct SubprocessPopenWithShellEqualsTrue;

static META: Meta = Meta {
    id: "B602",
    name: "subprocess_popen_with_shell_equals_true",
    cwe: 78,
    severity: High,
    confidence: High,
    rationale: "With shell=True the command line is interpreted by the shell, so any data \
                formatted into it can inject further commands.",
    example: "subprocess.Popen('ls ' + path, shell=True)",
};

impl Rule for SubprocessPopenWithShellEqualsTrue {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Call]
    }

    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(SUBPROCESS.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if !is_subprocess(&ctx.qualname) || !has_shell(call) || call.arguments.args.is_empty() {
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
        issue.line = shell_line(ctx, call);
        Some(issue)
    }
}
