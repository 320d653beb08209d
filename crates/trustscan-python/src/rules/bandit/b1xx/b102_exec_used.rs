use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B102 exec_used.
    ///
    /// ## What it does
    /// Reports calls of the `exec` builtin.
    ///
    /// ## Why is this bad?
    /// `exec` runs any Python source it is given: fed from data, a download or a decoded blob it
    /// is arbitrary code execution, the usual last step of an obfuscated payload.
    pub struct ExecUsed {
        id: "B102",
        name: "exec_used",
        cwe: 78,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "exec(base64.b64decode(blob))",
    }
}

impl Rule for ExecUsed {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["exec"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        (ctx.qualname == "exec").then(|| META.issue("Use of exec detected."))
    }
}
