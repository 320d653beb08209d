use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, call_name};
use trustscan_pyparse::syntax::Expr;

use crate::pyast::is_constant;

rule! {
    /// B704 markupsafe_markup_xss.
    ///
    /// ## What it does
    /// Reports `markupsafe.Markup(...)` and `flask.Markup(...)` calls (and those of the names in
    /// Bandit's `extend_markup_names` setting) whose first argument is not a constant, unless it
    /// is a call of one of the `allowed_calls`.
    ///
    /// ## Why is this bad?
    /// `Markup` marks a string as safe HTML that will not be escaped again; built from untrusted
    /// data it is cross-site scripting.
    pub struct MarkupsafeMarkupXss {
        id: "B704",
        name: "markupsafe_markup_xss",
        cwe: 79,
        severity: Medium,
        confidence: High,
        kinds: [Call],
        example: "Markup(f'<b>{user_name}</b>')",
    }
}

impl Rule for MarkupsafeMarkupXss {
    fn check(&self, ctx: &Ctx, options: &Options) -> Option<Issue> {
        let call = ctx.call()?;
        let q = ctx.qualname.as_str();
        if !matches!(q, "markupsafe.Markup" | "flask.Markup")
            && !options.markup_names_extend.iter().any(|n| n == q)
        {
            return None;
        }
        let first = call.arguments.args.first()?;
        if is_constant(first) {
            return None;
        }
        if !options.markup_allowed_calls.is_empty()
            && let Expr::Call(inner) = first
            && options
                .markup_allowed_calls
                .contains(&call_name(inner, &ctx.file.aliases))
        {
            return None;
        }
        Some(META.issue(format!(
            "Potential XSS with ``{q}`` detected. Do not use ``{}`` on untrusted data.",
            ctx.name()
        )))
    }
}
