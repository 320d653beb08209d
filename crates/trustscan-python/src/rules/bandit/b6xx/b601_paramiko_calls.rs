use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B601 paramiko_calls.
    ///
    /// ## What it does
    /// Reports calls of a function or method named `exec_command` in a file that imports anything
    /// whose name contains `paramiko`.
    ///
    /// ## Why is this bad?
    /// Paramiko's `exec_command` runs its command through a shell on the remote host: built from
    /// untrusted data it is a remote shell injection.
    pub struct ParamikoCalls {
        id: "B601",
        name: "paramiko_calls",
        cwe: 78,
        severity: Medium,
        confidence: Medium,
        kinds: [Call],
        example: "client.exec_command('ls ' + path)",
    }
}

impl Rule for ParamikoCalls {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["exec_command"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        // Bandit's `is_module_imported_like("paramiko")`: a substring of any import so far.
        if ctx.name() != "exec_command" || !ctx.file.imports.iter().any(|m| m.contains("paramiko"))
        {
            return None;
        }
        Some(META.issue(
            "Possible shell injection via Paramiko call, check inputs are properly sanitized.",
        ))
    }
}
