//! B609 linux_commands_wildcard_injection.
//!
//! ## What it does
//! Reports shell commands (the shell functions of B605, or the `subprocess` functions with
//! `shell=True`) whose first argument, a string or a list of words, mentions `chown`,
//! `chmod`, `tar` or `rsync` together with a `*` wildcard.
//!
//! ## Why is this bad?
//! The shell expands the wildcard into file names, and a file named like an option
//! (`--checkpoint-action=exec=...` for tar, `--reference=...` for chown) becomes an option of
//! the command: whoever can create files in the directory controls what it does.

use super::super::{Issue, Meta, Options, Rule};
use super::shell::{is_shell, is_subprocess, py_str, shell_line};
use crate::value::{Value, arg_at, check_keyword};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{High, Medium};

pub struct LinuxCommandsWildcardInjection;

static META: Meta = Meta {
    id: "B609",
    name: "linux_commands_wildcard_injection",
    cwe: 155,
    severity: High,
    confidence: Medium,
    rationale: "A shell wildcard expands into file names, and a file named like an option \
                becomes an option of chown, chmod, tar or rsync.",
    example: "os.system('tar cf backup.tar *')",
};

const VULNERABLE: &[&str] = &["chown", "chmod", "tar", "rsync"];

impl Rule for LinuxCommandsWildcardInjection {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Call]
    }

    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(super::shell::process_names())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let q = ctx.qualname.as_str();
        let shell = is_shell(q)
            || (is_subprocess(q) && check_keyword(call, "shell", &["True"]) == Some(true));
        if !shell {
            return None;
        }
        // `get_call_arg_at_position(0)`: an attribute's name, else the literal value.
        let command = match arg_at(call, 0)? {
            Value::List(words) => words.iter().map(|w| format!(" {}", py_str(w))).collect(),
            Value::Str(s) => s,
            _ => String::new(),
        };
        if command.is_empty() || !command.contains('*') {
            return None;
        }
        if !VULNERABLE.iter().any(|f| command.contains(f)) {
            return None;
        }
        let mut issue = META.issue(format!(
            "Possible wildcard injection in call: {}",
            ctx.qualname
        ));
        issue.line = shell_line(ctx, call);
        Some(issue)
    }
}
