use super::shell::{NO_SHELL, is_no_shell};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B606 start_process_with_no_shell.
    ///
    /// ## What it does
    /// Reports calls of the `os.exec*` and `os.spawn*` functions and `os.startfile`.
    ///
    /// ## Why is this bad?
    /// These start a program without a shell, so there is no shell injection, but the program
    /// and its arguments still need to come from trusted input; the calls are worth knowing
    /// about when reviewing what a package runs.
    pub struct StartProcessWithNoShell {
        id: "B606",
        name: "start_process_with_no_shell",
        cwe: 78,
        severity: Low,
        confidence: Medium,
        kinds: [Call],
        example: "os.execv(path, args)",
    }
}

impl Rule for StartProcessWithNoShell {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(NO_SHELL.last_parts())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        is_no_shell(&ctx.qualname).then(|| META.issue("Starting a process without a shell."))
    }
}
