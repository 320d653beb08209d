use super::shell::{is_no_shell, is_shell, is_subprocess, positional_count};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_pyparse::syntax::Expr;

rule! {
    /// B607 start_process_with_partial_path.
    ///
    /// ## What it does
    /// Reports process-starting calls (the `subprocess`, shell and no-shell functions of B602–B606)
    /// whose program, the first positional argument or the first element of a list given there,
    /// is a string literal that is not an absolute or explicitly relative path: it does not start
    /// with `/`, `\`, `.` or a drive letter and colon.
    ///
    /// ## Why is this bad?
    /// A bare program name is looked up in `PATH`; whoever controls `PATH` or a directory in it
    /// chooses what runs, with the privileges of the calling process.
    pub struct StartProcessWithPartialPath {
        id: "B607",
        name: "start_process_with_partial_path",
        cwe: 78,
        severity: Low,
        confidence: High,
        kinds: [Call],
        example: "subprocess.call(['git', 'status'])",
    }
}

/// Bandit's `full_path_match`: `^(?:[A-Za-z](?=\:)|[\\\/\.])`.
fn is_full_path(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some('\\' | '/' | '.') => true,
        Some(c) if c.is_ascii_alphabetic() => chars.next() == Some(':'),
        _ => false,
    }
}

impl Rule for StartProcessWithPartialPath {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(super::shell::process_names())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let q = ctx.qualname.as_str();
        if !(is_subprocess(q) || is_shell(q) || is_no_shell(q)) {
            return None;
        }
        positional_count(call)?;
        let mut node = call.arguments.args.first()?;
        // Some calls take an argument list: check its first element.
        if let Expr::List(l) = node
            && let Some(first) = l.elts.first()
        {
            node = first;
        }
        match node {
            Expr::StringLiteral(s) if !is_full_path(s.value.to_str()) => {
                Some(META.issue("Starting a process with a partial executable path"))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_full_path;

    #[test]
    fn full_paths() {
        assert!(is_full_path("/bin/ls"));
        assert!(is_full_path("./run.sh"));
        assert!(is_full_path("\\\\server\\x"));
        assert!(is_full_path("C:\\Windows\\cmd.exe"));
        assert!(!is_full_path("C"));
        assert!(!is_full_path("ls"));
        assert!(!is_full_path(""));
        assert!(!is_full_path("1:x"));
    }
}
