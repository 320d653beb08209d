use crate::pyast::string_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B104 hardcoded_bind_all_interfaces.
    ///
    /// ## What it does
    /// Reports the string `"0.0.0.0"` anywhere outside a docstring.
    ///
    /// ## Why is this bad?
    /// A server bound to `0.0.0.0` listens on every interface of the machine, including public
    /// ones, which exposes a service that was probably meant for local use only.
    pub struct HardcodedBindAllInterfaces {
        id: "B104",
        name: "hardcoded_bind_all_interfaces",
        cwe: 605,
        severity: Medium,
        confidence: Medium,
        kinds: [Str],
        example: "app.run(host='0.0.0.0')",
    }
}

impl Rule for HardcodedBindAllInterfaces {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        if ctx.string != Some("0.0.0.0") {
            return None;
        }
        let mut issue = META.issue("Possible binding to all interfaces.");
        issue.line = string_line(ctx);
        Some(issue)
    }
}
