use crate::literal::Keywords;
use crate::pyast::keyword_line;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::Medium;

rule! {
    /// B502 ssl_with_bad_version.
    ///
    /// ## What it does
    /// Reports calls that select a broken SSL/TLS protocol version (SSL 2 and 3, TLS 1.0 and
    /// 1.1): `ssl.wrap_socket(ssl_version=...)`, `pyOpenSSL.SSL.Context(method=...)`, and any
    /// other call given such a version as `method=` or `ssl_version=`.
    ///
    /// ## Why is this bad?
    /// These protocol versions have published attacks (POODLE, BEAST, DROWN, ...): a connection
    /// negotiated with them can be decrypted or tampered with.
    pub struct SslWithBadVersion {
        id: "B502",
        name: "ssl_with_bad_version",
        cwe: 327,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_SSLv3)",
    }
}

/// Bandit's default `bad_protocol_versions` (shared with B503).
pub(super) const BAD_PROTOCOL_VERSIONS: &[&str] = &[
    "PROTOCOL_SSLv2",
    "SSLv2_METHOD",
    "SSLv23_METHOD",
    "PROTOCOL_SSLv3",
    "PROTOCOL_TLSv1",
    "SSLv3_METHOD",
    "TLSv1_METHOD",
    "PROTOCOL_TLSv1_1",
    "TLSv1_1_METHOD",
];

impl Rule for SslWithBadVersion {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        // Every branch needs one of these keywords: skip evaluating the others' arguments.
        if !call.arguments.keywords.iter().any(|k| {
            k.arg
                .as_ref()
                .is_some_and(|a| matches!(a.as_str(), "method" | "ssl_version"))
        }) {
            return None;
        }
        let bad = |name: &str| -> Option<bool> {
            Keywords::of(call)
                .ok()
                .map(|k| k.check(name, BAD_PROTOCOL_VERSIONS) == Some(true))
        };
        let (mut issue, line) = match ctx.qualname.as_str() {
            "ssl.wrap_socket" => {
                if !bad("ssl_version")? {
                    return None;
                }
                let issue = META.issue(
                    "ssl.wrap_socket call with insecure SSL/TLS protocol version identified, \
                     security issue.",
                );
                (issue, keyword_line(ctx, call, "ssl_version"))
            }
            "pyOpenSSL.SSL.Context" => {
                if !bad("method")? {
                    return None;
                }
                let issue = META.issue(
                    "SSL.Context call with insecure SSL/TLS protocol version identified, \
                     security issue.",
                );
                (issue, keyword_line(ctx, call, "method"))
            }
            _ => {
                if !(bad("method")? || bad("ssl_version")?) {
                    return None;
                }
                let issue = Issue::new(
                    Medium,
                    Medium,
                    "Function call with insecure SSL/TLS protocol identified, possible \
                     security issue.",
                );
                let line = keyword_line(ctx, call, "method")
                    .or_else(|| keyword_line(ctx, call, "ssl_version"));
                (issue, line)
            }
        };
        issue.line = line;
        Some(issue)
    }
}
