use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_pyparse::syntax::Expr;

rule! {
    /// B610 django_extra_used.
    ///
    /// ## What it does
    /// Reports calls of a method named `extra` whose `where` or `tables` argument is anything
    /// but a list of string literals, or whose `select` argument is anything but a dict with
    /// string-literal keys and values (Django's `QuerySet.extra(select, where, params, tables,
    /// order_by, select_params)`).
    ///
    /// ## Why is this bad?
    /// `extra` pastes its SQL fragments into the query as they are: built from data they are an
    /// SQL injection.
    pub struct DjangoExtraUsed {
        id: "B610",
        name: "django_extra_used",
        cwe: 89,
        severity: Medium,
        confidence: Medium,
        kinds: [Call],
        example: "User.objects.extra(where=['id = %s' % user_id])",
    }
}

/// The positional parameters of `QuerySet.extra`, in order.
const POSITIONAL: &[&str] = &[
    "select",
    "where",
    "params",
    "tables",
    "order_by",
    "select_params",
];

fn is_str(e: &Expr) -> bool {
    matches!(e, Expr::StringLiteral(_))
}

impl Rule for DjangoExtraUsed {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["extra"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        if ctx.name() != "extra" {
            return None;
        }
        let call = ctx.call()?;
        // Keywords by name, then positional arguments over them (as Bandit builds its dict).
        let arg = |name: &str| -> Option<&Expr> {
            if let Some(i) = POSITIONAL.iter().position(|p| *p == name)
                && let Some(a) = call.arguments.args.get(i)
            {
                return Some(a);
            }
            call.arguments
                .keywords
                .iter()
                .rev()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
                .map(|k| &k.value)
        };
        let mut insecure = false;
        for key in ["where", "tables"] {
            match arg(key) {
                None => {}
                Some(Expr::List(l)) if !l.elts.iter().all(is_str) => insecure = true,
                Some(Expr::List(_)) => {}
                Some(_) => {
                    insecure = true;
                    break;
                }
            }
        }
        if !insecure {
            match arg("select") {
                None => {}
                Some(Expr::Dict(d)) => {
                    // `**mapping` entries have no key, which is not a string literal.
                    insecure = !d.items.iter().all(|i| i.key.as_ref().is_some_and(is_str))
                        || !d.items.iter().all(|i| is_str(&i.value));
                }
                Some(_) => insecure = true,
            }
        }
        insecure.then(|| META.issue("Use of extra potential SQL attack vector."))
    }
}
