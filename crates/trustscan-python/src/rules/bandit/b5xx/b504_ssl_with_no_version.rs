use crate::literal::Keywords;
use crate::pyast::keyword_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;

rule! {
    /// B504 ssl_with_no_version.
    ///
    /// ## What it does
    /// Reports `ssl.wrap_socket` calls that do not set `ssl_version`.
    ///
    /// ## Why is this bad?
    /// The default negotiates the highest version both sides support, which can include broken
    /// SSL/TLS versions unless they are explicitly excluded.
    pub struct SslWithNoVersion {
        id: "B504",
        name: "ssl_with_no_version",
        cwe: 327,
        severity: Low,
        confidence: Medium,
        kinds: [Call],
        example: "ssl.wrap_socket(sock)",
    }
}

impl Rule for SslWithNoVersion {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["wrap_socket"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if ctx.qualname != "ssl.wrap_socket" {
            return None;
        }
        // A non-literal `ssl_version` counts as absent, as in Bandit (and the issue then
        // points at it).
        if Keywords::of(call).ok()?.check("ssl_version", &[]).is_some() {
            return None;
        }
        let mut issue = META.issue(
            "ssl.wrap_socket call with no SSL/TLS protocol version specified, the default \
             SSLv23 could be insecure, possible security issue.",
        );
        issue.line = keyword_line(ctx, call, "ssl_version");
        Some(issue)
    }
}
