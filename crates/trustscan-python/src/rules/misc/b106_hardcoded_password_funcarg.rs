//! B106 hardcoded_password_funcarg.
//!
//! ## What it does
//! Reports calls that pass a string literal as a keyword argument whose name looks like a
//! password (`password=`, `token=`, `db_secret=`…).
//!
//! ## Why is this bad?
//! A credential in the source is known to everyone who can read the code or the package it
//! ships in, and cannot be rotated without a release.

use super::password::{looks_like_password, message};
use crate::rules::{Issue, Meta, Options, Rule};
use crate::walk::{Ctx, Kind};
use trustscan_core::Level::{Low, Medium};
use trustscan_pyparse::syntax::{Expr, Ranged};

pub struct HardcodedPasswordFuncarg;

static META: Meta = Meta {
    id: "B106",
    name: "hardcoded_password_funcarg",
    cwe: 259,
    severity: Low,
    confidence: Medium,
    rationale: "A credential written in the source is known to everyone who can read the code \
                or the package, and cannot be rotated without a release.",
    example: "client.login(user='admin', password='hunter2')",
};

impl Rule for HardcodedPasswordFuncarg {
    fn meta(&self) -> &'static Meta {
        &META
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Call]
    }

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
