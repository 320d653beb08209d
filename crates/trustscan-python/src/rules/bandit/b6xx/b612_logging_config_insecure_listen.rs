use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B612 logging_config_insecure_listen.
    ///
    /// ## What it does
    /// Reports calls of `logging.config.listen` without a `verify=` keyword.
    ///
    /// ## Why is this bad?
    /// The listener accepts logging configurations over a socket and parts of a configuration
    /// are passed to `eval`: any process that can connect to the port runs code in the listening
    /// process unless `verify` checks what arrives.
    pub struct LoggingConfigInsecureListen {
        id: "B612",
        name: "logging_config_insecure_listen",
        cwe: 94,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "logging.config.listen(9999)",
    }
}

impl Rule for LoggingConfigInsecureListen {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["listen"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        if ctx.qualname != "logging.config.listen" {
            return None;
        }
        let call = ctx.call()?;
        let verify = call
            .arguments
            .keywords
            .iter()
            .any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "verify"));
        (!verify).then(|| META.issue("Use of insecure logging.config.listen detected."))
    }
}
