use super::password::{looks_like_password, message};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_pyparse::syntax::{Expr, Ranged};

rule! {
    /// B106 hardcoded_password_funcarg.
    ///
    /// ## What it does
    /// Reports calls that pass a string literal as a keyword argument whose name looks like a
    /// password (`password=`, `token=`, `db_secret=`…).
    ///
    /// ## Why is this bad?
    /// A credential in the source is known to everyone who can read the code or the package it
    /// ships in, and cannot be rotated without a release.
    pub struct HardcodedPasswordFuncarg {
        id: "B106",
        name: "hardcoded_password_funcarg",
        cwe: 259,
        severity: Low,
        confidence: Medium,
        kinds: [Call],
        example: "client.login(user='admin', password='hunter2')",
    }
}

impl Rule for HardcodedPasswordFuncarg {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        for kw in call.arguments.keywords.iter() {
            let Expr::StringLiteral(s) = &kw.value else {
                continue;
            };
            // `**"..."`: Bandit's regex search of `None` raises, ending the test.
            let name = kw.arg.as_ref()?;
            if looks_like_password(name.as_str()) {
                let mut issue = META.issue(message(s.value.to_str()));
                issue.line = Some(ctx.file.line(s.range().start()));
                return Some(issue);
            }
        }
        None
    }
}
