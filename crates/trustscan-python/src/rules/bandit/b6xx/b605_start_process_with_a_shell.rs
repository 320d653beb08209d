use super::shell::{SHELL, first_arg_is_literal_str, is_shell, positional_count};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{High, Low};

rule! {
    /// B605 start_process_with_a_shell.
    ///
    /// ## What it does
    /// Reports calls of functions that run their command through a shell (`os.system`,
    /// `os.popen`, `subprocess.getoutput`, the `popen2` and `commands` modules...) given at
    /// least one positional argument. A command that is a plain string literal is rated LOW, any
    /// other command HIGH.
    ///
    /// ## Why is this bad?
    /// The command line is interpreted by the shell, so any data formatted into it can inject
    /// further commands.
    pub struct StartProcessWithAShell {
        id: "B605",
        name: "start_process_with_a_shell",
        cwe: 78,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "os.system('rm -rf ' + path)",
    }
}

impl Rule for StartProcessWithAShell {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(SHELL.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if !is_shell(&ctx.qualname) || positional_count(call)? == 0 {
            return None;
        }
        Some(if first_arg_is_literal_str(call) {
            Issue::new(
                Low,
                High,
                "Starting a process with a shell: Seems safe, but may be changed in the future, \
                 consider rewriting without shell",
            )
        } else {
            Issue::new(
                High,
                High,
                "Starting a process with a shell, possible injection detected, security issue.",
            )
        })
    }
}
