use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::Ctx;
use trustscan_pyparse::syntax::Expr;

rule! {
    /// B611 django_rawsql_used.
    ///
    /// ## What it does
    /// Reports calls of a function named `RawSQL` whose SQL, the first positional argument or the
    /// `sql=` keyword, is not a string literal, in a file that imports something whose name
    /// contains `django.db.models`.
    ///
    /// ## Why is this bad?
    /// `RawSQL` puts its SQL into the query as it is: built from data it is an SQL injection;
    /// values belong in its `params`.
    pub struct DjangoRawsqlUsed {
        id: "B611",
        name: "django_rawsql_used",
        cwe: 89,
        severity: Medium,
        confidence: Medium,
        kinds: [Call],
        example: "User.objects.annotate(val=RawSQL('SELECT %s' % col, []))",
    }
}

impl Rule for DjangoRawsqlUsed {
    fn call_names(&self) -> Option<Vec<&'static str>> {
        Some(vec!["RawSQL"])
    }

    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        if ctx.name() != "RawSQL"
            || !ctx
                .file
                .imports
                .iter()
                .any(|m| m.contains("django.db.models"))
        {
            return None;
        }
        let call = ctx.call()?;
        // Without positional arguments Bandit reads the `sql` keyword; when that is absent
        // too its lookup fails and the call is not reported.
        let sql = match call.arguments.args.first() {
            Some(a) => a,
            None => {
                &call
                    .arguments
                    .keywords
                    .iter()
                    .rev()
                    .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "sql"))?
                    .value
            }
        };
        (!matches!(sql, Expr::StringLiteral(_)))
            .then(|| META.issue("Use of RawSQL potential SQL attack vector."))
    }
}
