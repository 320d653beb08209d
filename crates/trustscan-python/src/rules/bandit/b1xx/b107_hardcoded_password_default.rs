use super::password::{looks_like_password, message};
use crate::rules::{Issue, Options, Rule, rule};
use crate::walk::{Ctx, Node};
use trustscan_pyparse::syntax::{Expr, Stmt};

rule! {
    /// B107 hardcoded_password_default.
    ///
    /// ## What it does
    /// Reports function definitions whose positional parameter with a password-like name
    /// (`password`, `token`, `db_secret`…) defaults to a string literal.
    ///
    /// ## Why is this bad?
    /// A credential in the source is known to everyone who can read the code or the package it
    /// ships in, and cannot be rotated without a release.
    pub struct HardcodedPasswordDefault {
        id: "B107",
        name: "hardcoded_password_default",
        cwe: 259,
        severity: Low,
        confidence: Medium,
        kinds: [FunctionDef],
        example: "def connect(user, password='hunter2'): ...",
    }
}

impl Rule for HardcodedPasswordDefault {
    fn check(&self, ctx: &Ctx, _options: &Options) -> Option<Issue> {
        let Node::Stmt(Stmt::FunctionDef(f)) = ctx.node else {
            return None;
        };
        let p = &f.parameters;
        // Python's `args.defaults` belong to the last positional parameters, positional-only
        // ones included; Bandit pairs them with `args.args` alone, padded with `None` at the
        // front, so a positional-only default shifts the pairing.
        let defaults: Vec<&Expr> = p
            .posonlyargs
            .iter()
            .chain(p.args.iter())
            .filter_map(|a| a.default.as_deref())
            .collect();
        let pad = p.args.len().saturating_sub(defaults.len());
        let defs = std::iter::repeat_n(None, pad).chain(defaults.into_iter().map(Some));
        for (arg, default) in p.args.iter().zip(defs) {
            let Some(Expr::StringLiteral(s)) = default else {
                continue;
            };
            if looks_like_password(arg.parameter.name.as_str()) {
                return Some(META.issue(message(s.value.to_str())));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    fn lines(src: &str) -> Vec<(u32, String)> {
        crate::rules::findings_of(&["B107"], src)
            .into_iter()
            .map(|f| (f.location.line, f.message))
            .collect()
    }

    #[test]
    fn defaults_pairing() {
        let f = lines(
            "def a(user, password='x'): pass\n\
             def b(x='p', /, password='y'): pass\n\
             def c(password=None, token='z'): pass\n\
             async def d(password='w'): pass\n\
             def e(*, password='v'): pass\n\
             @deco\n\
             def f(password='u'): pass\n",
        );
        assert_eq!(
            f,
            [
                (1, "Possible hardcoded password: 'x'".to_string()),
                (2, "Possible hardcoded password: 'p'".to_string()),
                (3, "Possible hardcoded password: 'z'".to_string()),
                (7, "Possible hardcoded password: 'u'".to_string()),
            ]
        );
    }
}
