//! What the process-spawning rules (B602–B607, B609) share: Bandit's default
//! `shell_injection` configuration and its reading of a `shell=` keyword.

use crate::literal::{Keywords, call_args};
use crate::rules::Names;
use trustscan_pyparse::syntax::{Expr, ExprCall, Number};

/// Functions that start a process through the `subprocess` module.
pub static SUBPROCESS: Names = Names::new(&[
    "subprocess.Popen",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.run",
]);

/// Functions that run their command through a shell.
pub static SHELL: Names = Names::new(&[
    "os.system",
    "os.popen",
    "os.popen2",
    "os.popen3",
    "os.popen4",
    "popen2.popen2",
    "popen2.popen3",
    "popen2.popen4",
    "popen2.Popen3",
    "popen2.Popen4",
    "commands.getoutput",
    "commands.getstatusoutput",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
]);

/// Functions that start a process without a shell.
pub static NO_SHELL: Names = Names::new(&[
    "os.execl",
    "os.execle",
    "os.execlp",
    "os.execlpe",
    "os.execv",
    "os.execve",
    "os.execvp",
    "os.execvpe",
    "os.spawnl",
    "os.spawnle",
    "os.spawnlp",
    "os.spawnlpe",
    "os.spawnv",
    "os.spawnve",
    "os.spawnvp",
    "os.spawnvpe",
    "os.startfile",
]);

/// The last names of every process-spawning function (any of the three lists).
pub fn process_names() -> Vec<&'static str> {
    let mut names = SUBPROCESS.last_parts();
    names.extend(SHELL.last_parts());
    names.extend(NO_SHELL.last_parts());
    crate::rules::last_parts(names)
}

pub fn is_subprocess(qualname: &str) -> bool {
    SUBPROCESS.contains(qualname)
}

pub fn is_shell(qualname: &str) -> bool {
    SHELL.contains(qualname)
}

pub fn is_no_shell(qualname: &str) -> bool {
    NO_SHELL.contains(qualname)
}

/// Bandit's `has_shell`: whether a `shell=` keyword is given with a value that is truthy as
/// written. Numbers, lists, dicts, strings, bytes and `None` are judged by their Python
/// truth value; any other expression (a name, a call, a tuple, an f-string) counts as true.
/// `None` when Bandit's `call_keywords`, which it reads first, raises.
pub fn has_shell(call: &ExprCall) -> Option<bool> {
    Keywords::of(call).ok()?;
    let mut result = false;
    for k in call.arguments.keywords.iter() {
        if k.arg.as_ref().is_some_and(|a| a.as_str() == "shell") {
            result = truthy_as_written(&k.value);
        }
    }
    Some(result)
}

/// Bandit's `len(context.call_args)`: how many positional arguments there are, `None` when
/// evaluating them raises.
pub fn positional_count(call: &ExprCall) -> Option<usize> {
    Some(call_args(call).ok()?.len())
}

fn truthy_as_written(value: &Expr) -> bool {
    match value {
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => *i != trustscan_pyparse::syntax::Int::ZERO,
            Number::Float(f) => *f != 0.0,
            Number::Complex { real, imag } => *real != 0.0 || *imag != 0.0,
        },
        Expr::BooleanLiteral(b) => b.value,
        Expr::List(l) => !l.elts.is_empty(),
        Expr::Dict(d) => !d.items.is_empty(),
        Expr::StringLiteral(s) => !s.value.to_str().is_empty(),
        Expr::BytesLiteral(b) => b.value.bytes().next().is_some(),
        Expr::NoneLiteral(_) => false,
        _ => true,
    }
}

/// Whether the first positional argument is a plain string literal (Bandit's
/// `_evaluate_shell_call` rates such a command LOW).
pub fn first_arg_is_literal_str(call: &ExprCall) -> bool {
    matches!(call.arguments.args.first(), Some(Expr::StringLiteral(_)))
}

#[cfg(test)]
mod tests {
    fn ids(src: &str) -> Vec<String> {
        let mut ids: Vec<String> =
            crate::rules::findings_of(&["B602", "B603", "B604", "B609"], src)
                .iter()
                .map(|f| format!("{}:{}", f.rule, f.location.line))
                .collect();
        ids.sort();
        ids
    }

    #[test]
    fn shell_keyword_is_judged_as_written() {
        let src = "import subprocess\n\
                   subprocess.run(c, shell=0)\n\
                   subprocess.run(c, shell='')\n\
                   subprocess.run(c, shell={})\n\
                   subprocess.run(c, shell=None)\n\
                   subprocess.run(c, shell=())\n\
                   subprocess.run(c, shell=flag)\n\
                   subprocess.run(c, shell=0j)\n\
                   wrapper(c, shell='yes')\n";
        assert_eq!(
            ids(src),
            [
                "B602:6", "B602:7", "B603:2", "B603:3", "B603:4", "B603:5", "B603:8", "B604:9"
            ]
        );
    }

    #[test]
    fn issue_points_at_the_shell_value() {
        let src = "import subprocess\nsubprocess.run(\n    c,\n    shell=True)\n";
        assert_eq!(ids(src), ["B602:4"]);
    }

    #[test]
    fn wildcard_in_word_list() {
        let src = "import subprocess\n\
                   subprocess.run(['tar', 'cf', 'x', '*'], shell=True)\n\
                   subprocess.run(['tar', 'cf', 'x', '*'])\n\
                   subprocess.run([['tar'], '*'], shell='True')\n";
        assert_eq!(ids(src), ["B602:2", "B602:4", "B603:3", "B609:2", "B609:4"]);
    }
}
