use crate::literal::{Keywords, str_repr};
use crate::pyast::py_class;
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_core::Level::{Low, Medium};
use trustscan_pyparse::syntax::{Expr, ExprCall, Keyword};

rule! {
    /// B202 tarfile_unsafe_members.
    ///
    /// ## What it does
    /// In files that import `tarfile`, reports calls of a function whose name contains
    /// `extractall` unless given `filter="data"`: high severity with no `members=`, medium with
    /// members of unknown origin, low with members computed by a function.
    ///
    /// ## Why is this bad?
    /// A tar archive's member names may be absolute or contain `..`, and its members may be
    /// links: extracting them unchecked writes files anywhere the process can (path traversal).
    pub struct TarfileUnsafeMembers {
        id: "B202",
        name: "tarfile_unsafe_members",
        cwe: 22,
        severity: High,
        confidence: High,
        kinds: [Call],
        example: "tarfile.open(path).extractall(dest)",
    }
}

fn first_keyword<'a>(call: &'a ExprCall, name: &str) -> Option<&'a Keyword> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
}

impl Rule for TarfileUnsafeMembers {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        if !ctx.name().contains("extractall") || !ctx.file.imports.contains("tarfile") {
            return None;
        }
        let keywords = Keywords::of(call).ok()?;
        if keywords.contains("filter") {
            let data = first_keyword(call, "filter").is_some_and(
                |k| matches!(&k.value, Expr::StringLiteral(s) if s.value.to_str() == "data"),
            );
            if data {
                return None;
            }
        }
        if !keywords.contains("members") {
            return Some(META.issue(
                "tarfile.extractall used without any validation. Please check and discard \
                 dangerous members.",
            ));
        }
        let members = &first_keyword(call, "members")?.value;
        Some(match members {
            Expr::Call(c) => {
                // `arg.func.id`: anything but a plain name raises, and the test reports
                // nothing.
                let Expr::Name(n) = &*c.func else {
                    return None;
                };
                Issue::new(
                    Low,
                    Low,
                    format!(
                        "Usage of tarfile.extractall(members=function(tarfile)). Make sure \
                         your function properly discards dangerous members {{'Function': {}}}).",
                        str_repr(n.id.as_str())
                    ),
                )
            }
            other => {
                let shown = match other {
                    Expr::Name(n) => str_repr(n.id.as_str()),
                    // Python prints the node with its address, which cannot be reproduced.
                    e => format!("<ast.{} object>", py_class(e)),
                };
                Issue::new(
                    Medium,
                    Medium,
                    format!(
                        "Found tarfile.extractall(members=?) but couldn't identify the type of \
                         members. Check if the members were properly validated \
                         {{'Other': {shown}}})."
                    ),
                )
            }
        })
    }
}
