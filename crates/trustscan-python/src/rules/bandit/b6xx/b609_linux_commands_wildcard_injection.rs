use super::shell::{is_shell, is_subprocess};
use crate::literal::{Keywords, Lit, arg_at};
use crate::pyast::keyword_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B609 linux_commands_wildcard_injection.
    ///
    /// ## What it does
    /// Reports shell commands (the shell functions of B605, or the `subprocess` functions with
    /// `shell=True`) whose first argument, a string or a list of words, mentions `chown`,
    /// `chmod`, `tar` or `rsync` together with a `*` wildcard.
    ///
    /// ## Why is this bad?
    /// The shell expands the wildcard into file names, and a file named like an option
    /// (`--checkpoint-action=exec=...` for tar, `--reference=...` for chown) becomes an option of
    /// the command: whoever can create files in the directory controls what it does.
    pub struct LinuxCommandsWildcardInjection {
        id: "B609",
        name: "linux_commands_wildcard_injection",
        cwe: 155,
        severity: High,
        confidence: Medium,
        kinds: [Call],
        example: "os.system('tar cf backup.tar *')",
    }
}

const VULNERABLE: &[&str] = &["chown", "chmod", "tar", "rsync"];

impl Rule for LinuxCommandsWildcardInjection {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(super::shell::process_names())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let q = ctx.qualname.as_str();
        let shell = is_shell(q)
            || (is_subprocess(q)
                && Keywords::of(call).ok()?.check("shell", &["True"]) == Some(true));
        if !shell {
            return None;
        }
        // `get_call_arg_at_position(0)`: an attribute's name, else the literal value.
        let command = match arg_at(call, 0).ok()? {
            Lit::List(words) => words.iter().map(|w| format!(" {}", w.py_str())).collect(),
            Lit::Str(s) => s,
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
        issue.line = keyword_line(ctx, call, "shell");
        Some(issue)
    }
}
