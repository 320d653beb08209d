use crate::literal::Keywords;
use crate::pyast::keyword_line;
use crate::rules::bandit::http::{http_module, http_names};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B501 request_with_no_cert_validation.
    ///
    /// ## What it does
    /// Reports `requests` HTTP calls and `httpx` requests or clients made with `verify=False`.
    ///
    /// ## Why is this bad?
    /// Without certificate validation TLS no longer proves who the server is: anyone on the path
    /// can impersonate it, read the traffic and change the responses (a downloaded model or
    /// script included).
    pub struct RequestWithNoCertValidation {
        id: "B501",
        name: "request_with_no_cert_validation",
        cwe: 295,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "requests.get(url, verify=False)",
    }
}

impl Rule for RequestWithNoCertValidation {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(http_names())
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let module = http_module(ctx)?;
        if Keywords::of(call).ok()?.check("verify", &["False"]) != Some(true) {
            return None;
        }
        let mut issue = META.issue(format!(
            "Call to {module} with verify=False disabling SSL certificate checks, security \
             issue."
        ));
        issue.line = keyword_line(ctx, call, "verify");
        Some(issue)
    }
}
