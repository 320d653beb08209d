use crate::pyast::{imported_like, keyword_line};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_pyparse::syntax::Expr;

rule! {
    /// B507 ssh_no_host_key_verification.
    ///
    /// ## What it does
    /// In files that import `paramiko`, reports `set_missing_host_key_policy` calls given
    /// `AutoAddPolicy` or `WarningPolicy` (the class or an instance).
    ///
    /// ## Why is this bad?
    /// These policies accept any unknown host key, so the SSH client trusts whichever server
    /// answers: a man in the middle can impersonate the host and capture credentials and data.
    pub struct SshNoHostKeyVerification {
        id: "B507",
        name: "ssh_no_host_key_verification",
        cwe: 295,
        severity: High,
        confidence: Medium,
        kinds: [Call],
        example: "client.set_missing_host_key_policy(paramiko.AutoAddPolicy())",
    }
}

/// The policy's name: an attribute's last component, a name, or the same of a called class.
fn policy_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Attribute(a) => Some(a.attr.as_str()),
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Call(c) => match &*c.func {
            Expr::Attribute(a) => Some(a.attr.as_str()),
            Expr::Name(n) => Some(n.id.as_str()),
            _ => None,
        },
        _ => None,
    }
}

impl Rule for SshNoHostKeyVerification {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["set_missing_host_key_policy"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if ctx.name() != "set_missing_host_key_policy" || !imported_like(ctx, "paramiko") {
            return None;
        }
        let policy = policy_name(call.arguments.args.first()?)?;
        if policy != "AutoAddPolicy" && policy != "WarningPolicy" {
            return None;
        }
        let mut issue = META
            .issue("Paramiko call with policy set to automatically trust the unknown host key.");
        issue.line = keyword_line(ctx, call, "set_missing_host_key_policy");
        Some(issue)
    }
}
